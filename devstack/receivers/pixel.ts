/**
 * The pixel receiver of the advertiser demo (tokenized sharing): a measurement partner that gets UID2
 * tokens in tracking pixels, decrypts them with its sharing keys from the operator's /v2/key/sharing, and
 * keeps a short log of what it found. The raw UID2 never leaves it: the log carries a short fingerprint
 * (a SHA-256 prefix) so a person can tell two users apart. Keys and decryption are the mock SSP's (devstack/ssp/uid2.ts).
 * A token whose sender has not allowed this receiver names a key the receiver is not given: not_authorized_for_key.
 *
 *   GET <mount>pixel?uid2_token=<token>&event=<name>   → 1×1 GIF; decrypts and logs
 *   GET <mount>hits                                    → {hits: PixelHit[]} (newest first)
 *   GET <mount>                                        → the log as an HTML page
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { escapeHtml, NO_STORE, PIXEL_GIF, sendJson, sendText } from '../http.js';
import { inspectUid2, startSharingKeys, UID2_SOURCE, type Uid2Report } from '../ssp/uid2.js';

const PIXEL_TOKEN_PARAM = 'uid2_token';

export interface ReceiverOptions {
  /** operator base URL */
  operatorUrl: string;
  /** API key and secret of a participant allowed /v2/key/sharing for the senders' keys */
  apiKey: string;
  secret: string;
  now?: () => number;
  /** how many pixel hits the log keeps */
  maxHits?: number;
}

/** One pixel: when, which event, and what decrypting its token gave (the same report as the mock SSP's). */
export interface PixelHit extends Uid2Report {
  /** ms epoch */
  time: number;
  event: string;
  /** the first characters of the token as received */
  tokenPrefix: string;
}

export interface Receiver {
  /** handles requests under `mount` (e.g. '/receiver/'); false when the path is not the receiver's */
  handle(req: IncomingMessage, res: ServerResponse, mount: string): Promise<boolean>;
  /**
   * Fetches the sharing keys now. The demo server calls it after it changed a sharing permission, so the next
   * pixel shows the change; on its own the receiver refetches every minute and when a token names a key it lacks.
   */
  refreshKeys(): Promise<void>;
  close(): void;
}

export function createReceiver(options: ReceiverOptions): Receiver {
  const now = options.now ?? Date.now;
  const maxHits = options.maxHits ?? 50;
  const keys = startSharingKeys({ ...options, now });
  const log: PixelHit[] = [];

  async function pixel(url: URL): Promise<PixelHit> {
    const token = url.searchParams.get(PIXEL_TOKEN_PARAM) ?? '';
    const eids = token ? [{ source: UID2_SOURCE, uids: [{ id: token, atype: 3 }] }] : [];
    const hit: PixelHit = {
      time: now(),
      event: (url.searchParams.get('event') ?? 'pixel').slice(0, 40),
      tokenPrefix: token.slice(0, 12),
      ...(await inspectUid2(eids, keys, { now: now() })),
    };
    log.unshift(hit);
    log.length = Math.min(log.length, maxHits);
    return hit;
  }

  return {
    refreshKeys: () => keys.refetch().then(() => undefined),
    close: () => keys.stop(),
    async handle(req, res, mount) {
      const url = new URL(req.url ?? '/', 'http://receiver');
      if (req.method !== 'GET' || !url.pathname.startsWith(mount)) return false;
      const route = url.pathname.slice(mount.length);
      if (route === 'pixel') {
        await pixel(url);
        sendText(res, 200, PIXEL_GIF, 'image/gif', NO_STORE);
      } else if (route === 'hits') {
        // no CORS: the log holds UID2 fingerprints, for the demo's own pages (same origin) only
        sendJson(res, 200, { hits: log }, NO_STORE);
      } else if (route === '') {
        sendText(res, 200, logPage(log), 'text/html; charset=utf-8', NO_STORE);
      } else {
        return false;
      }
      return true;
    },
  };
}

function logPage(hits: PixelHit[]): string {
  const rows = hits.map((h) => `<tr><td>${new Date(h.time).toISOString().slice(11, 19)}</td><td>${escapeHtml(h.event)}</td>` +
    `<td class="mono">${escapeHtml(h.tokenPrefix)}…</td><td><span class="badge ${h.decrypted ? 'yes' : 'no'}">${h.decrypted ? 'yes' : 'no'}</span></td>` +
    `<td>${h.status ?? 'no token'}</td><td>${h.siteId ?? '—'}</td><td class="mono">${h.fingerprint ?? '—'}</td></tr>`).join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>UID2 pixel receiver</title>
<meta http-equiv="refresh" content="3"><link rel="stylesheet" href="/demo.css"></head><body>
<header><h1>UID2 pixel receiver</h1><p class="lead">Tracking pixels received, and what this receiver's sharing keys made of their UID2
token. It never shows a raw UID2, only a short fingerprint of it. This page reloads every 3 seconds.</p></header>
<main class="grid"><section class="panel wide"><table class="log"><thead><tr><th>time (UTC)</th><th>event</th><th>token</th><th>decrypted</th>
<th>status</th><th>site id</th><th>UID2 fingerprint</th></tr></thead><tbody>
${rows || '<tr><td colspan="7" class="muted">No pixel received yet.</td></tr>'}
</tbody></table></section></main></body></html>`;
}
