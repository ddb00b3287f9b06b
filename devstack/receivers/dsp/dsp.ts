/**
 * The Local DSP's partner API (site 125 at the local operator): advertisers and data providers upload UID2 tokens
 * to build audience segments, the API route of UID2's tokenized sharing
 * (https://unifiedid.com/docs/sharing/sharing-tokenized-from-data). A partner encrypted its raw UID2s into tokens
 * with its own sharing keys; the DSP decrypts them with its sharing keys from the operator's /v2/key/sharing, which
 * hold the partner's keys only while the partner shares with it. Each row gets the UID2 SDKs' status; the raw
 * UID2s of the rows that decrypt join the segment, and the answer carries counts and short fingerprints, never a
 * raw UID2 or a token.
 *
 *   POST <mount>v1/segments   Authorization: Bearer <partner key>   Content-Type: application/json
 *        {"segment": "recent-buyers", "tokens": ["A4AAAB…", …]}
 *     → 200 {status: "success", segment, partner_site_id, received, counts: {<status>: n}, added, members,
 *            rows: [{status, site_id?, fingerprint?}]}      (rows in the order of the tokens)
 *     | 401 (no or unknown key) | 405 | 413 (body or batch too large) | 415 (not plain JSON) | 400 (what is wrong)
 *     | 409 (the partner's segment limits) | 503 (no sharing keys from the operator yet)
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { decryptAdvertisingToken, type DecryptionResult } from '../../../libraries/uid2/receiver/advertisingToken.js';
import type { KeyContainer } from '../../../libraries/uid2/receiver/keys.js';
import { isJsonRequest, logValue, readBody, sendJson } from '../../http.js';
import { RETRY_WITH_NEW_KEYS, startSharingKeys, uidFingerprint } from '../../ssp/uid2.js';
import { partnerAuthenticator, type Partner } from './partners.js';
import { MAX_SEGMENT_BODY_BYTES, MAX_TOKEN_LENGTH, parseSegmentUpload } from './segmentRequest.js';
import { SegmentStore } from './segments.js';

export interface DspOptions {
  /** operator base URL */
  operatorUrl: string;
  /** the DSP's API key and secret at the operator (role SHARER: /v2/key/sharing) */
  apiKey: string;
  secret: string;
  /** the partners allowed to upload, with the keys the DSP issued them */
  partners: readonly Partner[];
  now?: () => number;
  /** one line per upload (partner, segment, counts; never a token); default: silent */
  log?: (line: string) => void;
}

export interface Dsp {
  /** handles requests under `mount` (e.g. '/dsp/'); false when the path is not the DSP's */
  handle(req: IncomingMessage, res: ServerResponse, mount: string): Promise<boolean>;
  /** Fetches the sharing keys now: the demo server calls it after it changed a sharing permission. */
  refreshKeys(): Promise<void>;
  close(): void;
}

/** One token's outcome, as the answer carries it. */
export interface SegmentRow {
  status: string;
  site_id?: number;
  fingerprint?: string;
}

const SEGMENTS_ROUTE = 'v1/segments';
const TOO_LONG = { status: 'invalid_payload' } as const;

/**
 * Decrypts a batch with one key container. The batch's status is that of its first row that fresher keys may turn
 * into success, so that KeyStore.withKeys fetches them once and decrypts the batch again.
 */
async function decryptBatch(tokens: readonly string[], keys: KeyContainer, now: number): Promise<{ status: string; results: DecryptionResult[] }> {
  const results = await Promise.all(tokens.map((token) =>
    token.length > MAX_TOKEN_LENGTH ? TOO_LONG : decryptAdvertisingToken(token, keys, { now, clientType: 'sharing' })));
  return { status: results.find((result) => RETRY_WITH_NEW_KEYS.has(result.status))?.status ?? 'success', results };
}

function rowOf(result: DecryptionResult): SegmentRow {
  if (result.status === 'success') return { status: 'success', site_id: result.siteId, fingerprint: uidFingerprint(result.rawUid) };
  // a token that opened but was refused (expired, say) still names its sender
  return 'siteId' in result ? { status: result.status, site_id: result.siteId } : { status: result.status };
}

function countStatuses(rows: readonly SegmentRow[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const row of rows) counts[row.status] = (counts[row.status] ?? 0) + 1;
  return counts;
}

/** JSON without a content coding: what the API takes. */
function isPlainJson(req: IncomingMessage): boolean {
  const coding = req.headers['content-encoding'];
  return isJsonRequest(req) && (coding === undefined || coding === 'identity');
}

export function createDsp(options: DspOptions): Dsp {
  const now = options.now ?? Date.now;
  const log = options.log ?? (() => {});
  const keys = startSharingKeys({ operatorUrl: options.operatorUrl, apiKey: options.apiKey, secret: options.secret, now });
  const authenticate = partnerAuthenticator(options.partners);
  const segments = new SegmentStore();

  /** refuses without reading the body (an unauthenticated caller costs nothing more) */
  function refuse(req: IncomingMessage, res: ServerResponse, httpStatus: number, message: string, headers = {}): void {
    req.resume();
    sendJson(res, httpStatus, { status: 'client_error', message }, headers);
  }

  async function upload(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') return refuse(req, res, 405, 'POST only', { Allow: 'POST' });
    const partner = authenticate(req.headers.authorization);
    if (!partner) return refuse(req, res, 401, 'expected the API key this DSP issued to you: Authorization: Bearer <key>', { 'WWW-Authenticate': 'Bearer realm="dsp"' });
    if (!isPlainJson(req)) return refuse(req, res, 415, 'expected Content-Type: application/json, without Content-Encoding');
    const body = await readBody(req, MAX_SEGMENT_BODY_BYTES);
    if (!body) return sendJson(res, 413, { status: 'client_error', message: `body larger than ${MAX_SEGMENT_BODY_BYTES} bytes` });
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      return sendJson(res, 400, { status: 'client_error', message: 'body is not JSON' });
    }
    const parsed = parseSegmentUpload(json);
    if ('httpStatus' in parsed) return sendJson(res, parsed.httpStatus, { status: 'client_error', message: parsed.message });

    const decrypted = await keys.withKeys((container) => decryptBatch(parsed.tokens, container, now()));
    if (!decrypted) return sendJson(res, 503, { status: 'keys_unavailable', message: 'no sharing keys from the UID2 operator yet' }, { 'Retry-After': '5' });
    const rawUids = decrypted.results.flatMap((result) => (result.status === 'success' ? [result.rawUid] : []));
    const stored = segments.add(partner.siteId, parsed.segment, rawUids);
    if (!stored) return sendJson(res, 409, { status: 'client_error', message: 'segment limits reached: too many segments or members for this partner' });
    const rows = decrypted.results.map(rowOf);
    const counts = countStatuses(rows);
    log(`upload from site ${partner.siteId} to segment ${logValue(parsed.segment)}: ${rows.length} rows ${JSON.stringify(counts)}, ${stored.members} members`);
    sendJson(res, 200, {
      status: 'success', segment: parsed.segment, partner_site_id: partner.siteId, received: rows.length, counts, ...stored, rows,
    });
  }

  return {
    refreshKeys: () => keys.refetch().then(() => undefined),
    close: () => keys.stop(),
    async handle(req, res, mount) {
      const url = new URL(req.url ?? '/', 'http://dsp');
      if (url.pathname !== `${mount}${SEGMENTS_ROUTE}`) return false;
      await upload(req, res);
      return true;
    },
  };
}
