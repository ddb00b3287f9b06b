// The mock SSP: an OpenRTB endpoint for the openrtbSsp adapter, on Node's http module.
//   POST /openrtb2/auction   OpenRTB 2.5/2.6 request (text/plain JSON, optionally gzip) → 200 bids, 204 no bid, 400 invalid
//   GET  /usersync           cookie sync (iframe or image), consent params honoured
//   GET  /event              billing / win / timeout notifications → 204
//   GET  /outstream/player.js the outstream player its answers name for outstream imps (outstream.ts)
//   GET  /status             key status, for the demo
// Every auction answer carries a validation report in ext.debug: eids seen, UID2 decryption, consent, warnings;
// and its demand partners' syncs in ext.usersync (partnerSyncs.ts), each partner's bids in its own seat (seats.ts).
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { answerUnexpectedError, listen, logValue, NO_STORE, PIXEL_GIF, readBody, requestUrl, sendText } from '../http.js';
import { bidFor, type OrtbBid } from './bids.js';
import { PLAYER_PATH, playerScript, withOutstreamPlayer } from './outstream.js';
import { partnerSyncs } from './partnerSyncs.js';
import { seatbidsOf } from './seats.js';
import { EUID_SOURCE, inspectUid2, KeyStore, type KeyEndpoint, type KeyStatus, type Uid2Report } from './uid2.js';
import { MAX_INFLATED_BYTES } from './limits.js';
import { checkBidRequest, isObject, path, schainOf, type Json, type RequestCheck } from './validate.js';

const gunzipAsync = promisify(gunzip);

export interface SspOptions {
  /** base URL of the UID2 operator to fetch decryption keys from; without it tokens are reported, not decrypted */
  operatorUrl?: string;
  /** the receiver's API key and secret at the operator (role ID_READER for bidstream keys) */
  apiKey?: string;
  secret?: string;
  keyEndpoint?: KeyEndpoint;
  /** key refresh period (default 5 minutes) and least time between on-demand refreshes (default 5 s) */
  keyRefreshMs?: number;
  keyRetryMs?: number;
  /** ms epoch clock for decryption and operator envelopes; default Date.now */
  now?: () => number;
  /** one line per request; never tokens, raw UIDs, consent strings or DII */
  log?: (line: string) => void;
  /**
   * The SSP's base URL as browsers reach it, for tracker and creative URLs (never taken from the request's
   * Host header); default: the address and port the connection came in on.
   */
  publicUrl?: string;
}

export interface SspReport {
  ortbVersion: RequestCheck['ortbVersion'];
  eids: { location: RequestCheck['eidLocation']; sources: string[] };
  uid2: Uid2Report;
  euid: { present: boolean };
  consent: {
    gdpr: number | null;
    gdprConsent: boolean;
    usPrivacy: string | null;
    gpp: boolean;
    gppSid: number[];
    coppa: number;
    gpc: unknown;
  };
  schain: { present: boolean; complete?: unknown; nodes?: number };
  test: boolean;
  warnings: string[];
}

export interface Ssp {
  /** for http.createServer(ssp.handler) */
  handler: (req: IncomingMessage, res: ServerResponse) => void;
  /** serves on host:port (0: ephemeral); resolves with the server and its base URL */
  listen(port?: number, host?: string): Promise<{ server: Server; url: string }>;
  keys?: KeyStore;
  /** settles once the first key fetch has succeeded or failed (at once without an operator) */
  ready: Promise<void>;
  /** stops the key refresh timer */
  close(): void;
}

function send(res: ServerResponse, status: number, body?: string | Buffer, contentType = 'application/json'): void {
  if (body === undefined) return void res.writeHead(status).end();
  sendText(res, status, body, contentType, NO_STORE);
}

/** Browsers send Prebid's requests with credentials: the Origin is reflected, never `*`. */
function cors(req: IncomingMessage, res: ServerResponse): void {
  const origin = req.headers.origin;
  if (!origin) return;
  res.setHeader('Access-Control-Allow-Origin', origin);
  res.setHeader('Access-Control-Allow-Credentials', 'true');
  res.setHeader('Vary', 'Origin');
  if (req.method === 'OPTIONS') {
    res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
    res.setHeader('Access-Control-Allow-Headers', req.headers['access-control-request-headers'] ?? 'Content-Type');
    res.setHeader('Access-Control-Max-Age', '600');
  }
}

/** A gzip body that inflates beyond MAX_INFLATED_BYTES. */
class InflatedTooLarge extends Error {}

/**
 * The body as text: gunzipped for `?gzip=1` (Prebid's signal), Content-Encoding gzip, or the gzip magic bytes.
 * Throws InflatedTooLarge past MAX_INFLATED_BYTES: inflation stops there.
 */
async function bodyText(req: IncomingMessage, url: URL, raw: Buffer): Promise<string> {
  const gzipped = url.searchParams.get('gzip') === '1' || req.headers['content-encoding'] === 'gzip' || (raw[0] === 0x1f && raw[1] === 0x8b);
  if (!gzipped) return raw.toString('utf8');
  const inflated = await gunzipAsync(raw, { maxOutputLength: MAX_INFLATED_BYTES }).catch((error: NodeJS.ErrnoException) => {
    throw error.code === 'ERR_BUFFER_TOO_LARGE' ? new InflatedTooLarge() : error;
  });
  return inflated.toString('utf8');
}

function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' ? value : null;
}

/** The request's consent signals as it carries them, in its 2.6 field or the 2.5 ext one. */
function consentSignalsOf(request: Json) {
  const either = (field: string) => path(request, field) ?? path(request, field.replace('.', '.ext.'));
  return { gdpr: either('regs.gdpr'), consent: either('user.consent'), usp: either('regs.us_privacy'), gpp: either('regs.gpp'), gppSid: either('regs.gpp_sid') };
}

const gppSidsOf = (gppSid: unknown): number[] => (Array.isArray(gppSid) ? gppSid.filter((s): s is number => typeof s === 'number') : []);

function consentOf(request: Json): SspReport['consent'] {
  const { gdpr, consent, usp, gpp, gppSid } = consentSignalsOf(request);
  return {
    gdpr: numberOrNull(gdpr),
    gdprConsent: typeof consent === 'string' && consent.length > 0,
    usPrivacy: typeof usp === 'string' ? usp : null,
    gpp: typeof gpp === 'string' && gpp.length > 0,
    gppSid: gppSidsOf(gppSid),
    coppa: path(request, 'regs.coppa') === 1 ? 1 : 0,
    gpc: path(request, 'regs.ext.gpc') ?? null, // a string or a number: validated
  };
}

/** The request's consent as sync URL parameters (what Prebid Server puts in its partners' sync URLs). */
function syncConsentOf(request: Json): URLSearchParams {
  const { gdpr, consent, usp, gpp, gppSid } = consentSignalsOf(request);
  const values: Record<string, unknown> = {
    gdpr: gdpr === 0 || gdpr === 1 ? String(gdpr) : undefined, gdpr_consent: consent, us_privacy: usp, gpp, gpp_sid: gppSidsOf(gppSid).join(),
  };
  return new URLSearchParams(Object.entries(values).filter((entry): entry is [string, string] => typeof entry[1] === 'string' && entry[1] !== ''));
}

/** Signals a UID2-aware SSP would question: they are warnings, the auction goes on. */
function uid2Warnings(report: Pick<SspReport, 'uid2' | 'consent'>): string[] {
  const warnings: string[] = [];
  const { uid2, consent } = report;
  if (!uid2.present) return warnings;
  if (uid2.atype !== 3) warnings.push(`UID2 eid has atype ${String(uid2.atype)}; UID2 tokens are atype 3`);
  if (uid2.tokenVersion === undefined) warnings.push('UID2 eid does not look like a UID2 token (unknown version prefix)');
  if (consent.gdpr === 1) warnings.push('UID2 eid present while GDPR applies; the uid2 module should not run under GDPR');
  if (consent.coppa === 1) warnings.push('UID2 eid present on a COPPA request; a Prebid Server-style SSP would remove it');
  return warnings;
}

function schainReport(request: Json): SspReport['schain'] {
  const schain = schainOf(request);
  if (!isObject(schain)) return { present: false };
  // complete is echoed only when valid (the warnings say when it is not)
  const complete = schain.complete === 0 || schain.complete === 1 ? schain.complete : undefined;
  return { present: true, complete, nodes: Array.isArray(schain.nodes) ? schain.nodes.length : 0 };
}

/**
 * The name the bidstream rules check a client-side generated token against: the site's domain (Prebid sends
 * the page's host, port included, which is no part of a domain name), else the page's host, else the app bundle.
 */
function domainOf(request: Json): string | undefined {
  for (const candidate of [path(request, 'site.domain'), path(request, 'site.page')]) {
    if (typeof candidate !== 'string' || !candidate) continue;
    try {
      return new URL(candidate.includes('://') ? candidate : `http://${candidate}`).hostname;
    } catch {
      // not a host name: try the next one
    }
  }
  const bundle = path(request, 'app.bundle');
  return typeof bundle === 'string' ? bundle : undefined;
}

/** The configured base URL, else the socket's own address: a client cannot put its Host header in our URLs. */
function baseUrlOf(req: IncomingMessage, publicUrl: string | undefined): string {
  if (publicUrl) return publicUrl.replace(/\/$/, '');
  const { localAddress = '127.0.0.1', localPort } = req.socket;
  const address = localAddress.startsWith('::ffff:') ? localAddress.slice(7) : localAddress;
  return `http://${address.includes(':') ? `[${address}]` : address}:${localPort}`;
}

export function createSsp(options: SspOptions = {}): Ssp {
  const now = options.now ?? Date.now;
  const log = options.log ?? (() => {});
  const logFailure = options.log ?? ((line: string) => console.error(line));
  const keys =
    options.operatorUrl && options.apiKey && options.secret
      ? new KeyStore({
          operatorUrl: options.operatorUrl,
          apiKey: options.apiKey,
          secret: options.secret,
          endpoint: options.keyEndpoint,
          refreshMs: options.keyRefreshMs,
          retryMs: options.keyRetryMs,
          now,
        })
      : undefined;
  const ready = keys ? keys.start().then(() => undefined) : Promise.resolve();

  async function auction(req: IncomingMessage, res: ServerResponse, url: URL): Promise<string> {
    const raw = await readBody(req);
    if (raw === undefined) {
      send(res, 413, JSON.stringify({ errors: ['request body too large'] }));
      return 'too large';
    }
    let request: unknown;
    try {
      request = JSON.parse(await bodyText(req, url, raw));
    } catch (error) {
      if (error instanceof InflatedTooLarge) {
        send(res, 413, JSON.stringify({ errors: [`request body inflates to more than ${MAX_INFLATED_BYTES} bytes`] }));
        return 'inflates too large';
      }
      send(res, 400, JSON.stringify({ errors: ['request body is not JSON (or not valid gzip)'] }));
      return 'not JSON';
    }
    const check = checkBidRequest(request);
    if (check.errors.length > 0) {
      send(res, 400, JSON.stringify({ errors: check.errors, warnings: check.warnings }));
      return `invalid: ${check.errors.length} error(s)`;
    }
    const ortb = request as Json;
    const consent = consentOf(ortb);
    const uid2 = await inspectUid2(check.eids, keys, { now: now(), domainOrAppName: domainOf(ortb) });
    const report: SspReport = {
      ortbVersion: check.ortbVersion,
      eids: { location: check.eidLocation, sources: check.eids.map((eid) => eid.source) },
      uid2,
      euid: { present: check.eids.some((eid) => eid.source === EUID_SOURCE) },
      consent,
      schain: schainReport(ortb),
      test: ortb.test === 1,
      warnings: [...check.warnings, ...uid2Warnings({ uid2, consent })],
    };
    const demand = { baseUrl: baseUrlOf(req, options.publicUrl), test: report.test, uid2, dsaRequired: check.dsaRequired >= 2 };
    const bids = check.usdAllowed
      ? (ortb.imp as Json[]).map((imp) => withOutstreamPlayer(bidFor(imp, demand), imp, demand.baseUrl)).filter((b): b is OrtbBid => b !== undefined)
      : [];
    const summary = `imps=${(ortb.imp as unknown[]).length} bids=${bids.length} eids=${report.eids.sources.length > 0 ? logValue(report.eids.sources.join(',')) : '-'} uid2=${uid2.present ? uid2.status : '-'} warnings=${report.warnings.length}`;
    if (bids.length === 0) send(res, 204);
    else {
      const ext = { debug: report, usersync: partnerSyncs(demand.baseUrl, consent.coppa === 1, syncConsentOf(ortb)) };
      send(res, 200, JSON.stringify({ id: ortb.id, bidid: randomUUID(), cur: 'USD', seatbid: seatbidsOf(bids), ext }));
    }
    return summary;
  }

  function usersync(res: ServerResponse, url: URL): string {
    const q = url.searchParams;
    const gdprWithoutConsent = q.get('gdpr') === '1' && !q.get('gdpr_consent');
    const optedOutOfSale = /^1.Y/i.test(q.get('us_privacy') ?? '');
    const cookie = !gdprWithoutConsent && !optedOutOfSale;
    if (cookie) res.setHeader('Set-Cookie', `ssp_uid=${randomUUID()}; Max-Age=2592000; Path=/; SameSite=None; Secure`);
    const type = q.get('type') === 'image' ? 'image' : 'iframe';
    if (type === 'image') send(res, 200, PIXEL_GIF, 'image/gif');
    else send(res, 200, '<!doctype html><title>openrtbSsp sync</title>', 'text/html; charset=utf-8');
    return `type=${type} gdpr=${logValue(q.get('gdpr'))} gdpr_consent=${q.get('gdpr_consent') ? 'yes' : 'no'} us_privacy=${logValue(q.get('us_privacy'))} gpp=${q.get('gpp') ? 'yes' : 'no'} gpp_sid=${logValue(q.get('gpp_sid'))} cookie=${cookie ? 'set' : 'no'}`;
  }

  async function route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<string> {
    cors(req, res);
    const key = `${req.method} ${url.pathname}`;
    if (key === 'POST /openrtb2/auction') return auction(req, res, url);
    req.resume();
    let detail = '';
    if (req.method === 'OPTIONS') send(res, 204);
    else if (key === 'GET /usersync') detail = usersync(res, url);
    else if (key === `GET ${PLAYER_PATH}`) send(res, 200, await playerScript(), 'text/javascript; charset=utf-8');
    else if (key === 'GET /event') {
      send(res, 204);
      detail = `type=${logValue(url.searchParams.get('type'))}`;
    } else if (key === 'GET /status') {
      const status: { keys: KeyStatus | null } = { keys: keys?.status() ?? null };
      send(res, 200, JSON.stringify(status));
    } else send(res, 404, JSON.stringify({ errors: ['not found'] }));
    return detail;
  }

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const started = performance.now();
    const url = requestUrl(req);
    if (!url) {
      req.resume();
      return send(res, 400, JSON.stringify({ errors: ['the request target is not a valid URL'] }));
    }
    route(req, res, url)
      .catch((error: unknown) => {
        answerUnexpectedError(error, req, res, url.pathname, logFailure, () => send(res, 500, JSON.stringify({ errors: ['internal error'] })));
        return 'internal error';
      })
      .then((detail) => log(`${req.method} ${url.pathname} ${res.statusCode} ${detail ? `${detail} ` : ''}${(performance.now() - started).toFixed(1)}ms`));
  };

  return {
    handler,
    keys,
    ready,
    close: () => keys?.stop(),
    listen: (port = 0, host = '127.0.0.1') => listen(handler, port, host),
  };
}
