/**
 * The advertiser's own server in the demo (site 124 at the local operator): it turns its customers' emails or
 * phones into the advertiser's own UID2 tokens, the way an advertiser sends UID2s to another sharing participant
 * ("tokenized sharing" from raw UID2s, https://unifiedid.com/docs/sharing/sharing-tokenized-from-data):
 *   1. POST /v2/identity/map (MAPPER) → the customers' raw UID2s;
 *   2. its sharing keys from POST /v2/key/sharing (SHARER), kept fresh like an SDK keeps them;
 *   3. encrypt each raw UID2 into a v4 token with its default keyset (libraries/uid2/receiver/sharing.ts).
 * Only receivers the advertiser allowed can decrypt those tokens. The raw UID2s never leave this server.
 *
 *   POST <mount>uid2-token  {"email": "…"} | {"phone": "+…"}  → {status: "success", advertising_token, site_id}
 *                                                              | {status: "optout"} | 400 {status, message}
 *   POST <mount>segment     {"segment": "…", "customers": ["email" | "+phone", …]}
 *     → the customers' tokens uploaded to the DSP's segment API (devstack/receivers/dsp/dsp.ts) with the advertiser's key there:
 *       {status: "success", segment, customers, sent, dsp: {http_status, status, counts, added, members},
 *        rows: [{status, sent, site_id?, fingerprint?}]}   (one row per customer, in order; never a UID2 or a token)
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { encryptRawUidIntoToken } from '../../libraries/uid2/receiver/sharing.js';
import { isJsonRequest, readBody, sendJson } from '../http.js';
import { callOperator, type OperatorClient } from '../../libraries/uid2/receiver/operatorClient.js';
import { isSegmentName } from './dsp/segmentRequest.js';
import { startSharingKeys } from '../ssp/uid2.js';

export interface AdvertiserBackend {
  /** handles requests under `mount` (e.g. '/advertiser/'); false when the path is not the backend's */
  handle(req: IncomingMessage, res: ServerResponse, mount: string): Promise<boolean>;
  close(): void;
}

type Dii = { email: string } | { phone: string };
type DiiKind = 'email' | 'phone';

/** customers per segment upload from the page: a demo list, well within the DSP's batch limit */
export const MAX_SEGMENT_CUSTOMERS = 100;
const MAX_CUSTOMER_LENGTH = 256;

/** Where the advertiser uploads segments, and the API key the DSP issued to it. */
export interface DspPartnerAccess {
  /** the DSP's segment endpoint (a function: the demo knows its port once it listens) */
  segmentsUrl: () => string;
  key: string;
}

/** {"email": …} or {"phone": …}, nothing else; undefined when the body is neither. */
export function parseDii(body: unknown): Dii | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { email, phone } = body as Record<string, unknown>;
  if (typeof email === 'string' && email.trim() && phone === undefined) return { email: email.trim() };
  if (typeof phone === 'string' && phone.trim() && email === undefined) return { phone: phone.trim() };
  return undefined;
}

/** {"segment": name, "customers": [email or +phone, …]}; a message saying what is wrong otherwise. */
export function parseSegmentOrder(body: unknown): { segment: string; customers: string[] } | { message: string } {
  if (typeof body !== 'object' || body === null) return { message: 'expected {"segment": …, "customers": […]}' };
  const { segment, customers } = body as Record<string, unknown>;
  if (!isSegmentName(segment)) return { message: 'segment: letters, digits, "_", "." or "-", at most 64 characters' };
  if (!Array.isArray(customers) || customers.length === 0 || customers.length > MAX_SEGMENT_CUSTOMERS) {
    return { message: `customers: expected 1 to ${MAX_SEGMENT_CUSTOMERS} emails or phone numbers` };
  }
  const bad = customers.findIndex((customer) => typeof customer !== 'string' || !customer.trim() || customer.length > MAX_CUSTOMER_LENGTH);
  if (bad >= 0) return { message: `customers[${bad}]: expected an email or a phone number` };
  return { segment, customers: customers.map((customer: string) => customer.trim()) };
}

/** a phone number is E.164 ("+" and digits); anything else is taken as an email */
const diiKindOf = (customer: string): DiiKind => (customer.startsWith('+') ? 'phone' : 'email');

interface MapAnswer {
  mapped?: Array<{ identifier: string; advertising_id: string }>;
  unmapped?: Array<{ identifier: string; reason: string }>;
}

type Mapping = { rawUid: string } | { unmapped: string };

/** One customer row of a segment upload as the page sees it. */
interface CustomerRow {
  /** the DSP's row status, or why the customer was not sent (`optout`, `invalid identifier`) */
  status: string;
  sent: boolean;
  site_id?: number;
  fingerprint?: string;
}

/** The DSP's answer, kept to the fields the page shows and checked like any input from another server. */
function dspRows(answer: unknown, sent: number): Array<Omit<CustomerRow, 'sent'>> | undefined {
  const rows = (answer as { rows?: unknown })?.rows;
  if (!Array.isArray(rows) || rows.length !== sent) return undefined;
  return rows.map((row: Record<string, unknown>) => ({
    status: typeof row?.status === 'string' ? row.status.slice(0, 40) : 'unknown',
    ...(Number.isSafeInteger(row?.site_id) ? { site_id: row.site_id as number } : {}),
    ...(typeof row?.fingerprint === 'string' && /^[0-9a-f]{6}$/.test(row.fingerprint) ? { fingerprint: row.fingerprint } : {}),
  }));
}

function dspSummary(httpStatus: number, answer: unknown): Record<string, unknown> {
  const { status, message, counts, added, members } = (answer ?? {}) as Record<string, unknown>;
  const count = (value: unknown) => (Number.isSafeInteger(value) ? value : undefined);
  return {
    http_status: httpStatus,
    status: typeof status === 'string' ? status.slice(0, 40) : undefined,
    message: typeof message === 'string' ? message.slice(0, 200) : undefined,
    counts: typeof counts === 'object' && counts !== null
      ? Object.fromEntries(Object.entries(counts).filter(([, n]) => Number.isSafeInteger(n)).slice(0, 20)) : undefined,
    added: count(added),
    members: count(members),
  };
}

export function createAdvertiserBackend(client: OperatorClient, dsp?: DspPartnerAccess): AdvertiserBackend {
  const now = client.now ?? Date.now;
  const keys = startSharingKeys(client);

  /**
   * identity map v2 takes one DII kind per request: one call per kind present, answers keyed by identifier;
   * undefined when the operator does not answer or refuses (the caller answers 502, never 500)
   */
  async function mapCustomers(customers: readonly string[], kindOf: (customer: string) => DiiKind): Promise<Mapping[] | undefined> {
    const byIdentifier = new Map<string, Mapping>();
    for (const kind of ['email', 'phone'] as const) {
      const identifiers = [...new Set(customers.filter((customer) => kindOf(customer) === kind))];
      if (!identifiers.length) continue;
      const answer = (await callOperator(client, '/v2/identity/map', { [kind]: identifiers }).catch(() => undefined)) as MapAnswer | undefined;
      if (!answer) return undefined;
      for (const { identifier, advertising_id } of answer.mapped ?? []) byIdentifier.set(identifier, { rawUid: advertising_id });
      for (const { identifier, reason } of answer.unmapped ?? []) byIdentifier.set(identifier, { unmapped: reason });
    }
    return customers.map((customer) => byIdentifier.get(customer) ?? { unmapped: 'unmapped' });
  }

  const rawUidOf = async (dii: Dii): Promise<Mapping | undefined> =>
    (await mapCustomers([Object.values(dii)[0]], () => ('email' in dii ? 'email' : 'phone')))?.[0];

  const OPERATOR_UNAVAILABLE = { status: 'error', message: 'the UID2 operator did not map the identifiers' };

  /** the token, and the site it was issued by (the caller of the keys it was encrypted with) */
  const tokenFor = (rawUid: string) => keys.withKeys(async (container) =>
    ({ ...(await encryptRawUidIntoToken(rawUid, container, { now: now() })), siteId: container.callerSiteId }));

  /** every raw UID2 as a token with one key container: all of them, or the first failure's status */
  const tokensFor = (rawUids: readonly string[]) => keys.withKeys(async (container) => {
    const tokens: string[] = [];
    for (const rawUid of rawUids) {
      const result = await encryptRawUidIntoToken(rawUid, container, { now: now() });
      if (result.status !== 'success') return { status: result.status, tokens: [] };
      tokens.push(result.token);
    }
    return { status: 'success', tokens };
  });

  async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
    const text = (await readBody(req, limit))?.toString('utf8');
    try {
      return JSON.parse(text ?? '');
    } catch {
      return undefined;
    }
  }

  /** maps the customers, encrypts the mapped ones, uploads their tokens to the DSP, and reports row by row */
  async function segment(req: IncomingMessage, res: ServerResponse, access: DspPartnerAccess): Promise<void> {
    const order = parseSegmentOrder(await readJson(req, 32_768));
    if ('message' in order) return sendJson(res, 400, { status: 'client_error', message: order.message });
    const mappings = await mapCustomers(order.customers, diiKindOf);
    if (!mappings) return sendJson(res, 502, OPERATOR_UNAVAILABLE);
    const rawUids = mappings.flatMap((mapping) => ('rawUid' in mapping ? [mapping.rawUid] : []));
    const encrypted = rawUids.length ? await tokensFor(rawUids) : { status: 'success', tokens: [] };
    if (!encrypted || encrypted.status !== 'success') return sendJson(res, 503, { status: 'error', message: encrypted?.status ?? 'keys_unavailable' });

    let dsp: { httpStatus: number; answer: unknown } = { httpStatus: 0, answer: undefined };
    if (encrypted.tokens.length) {
      const response = await fetch(access.segmentsUrl(), {
        method: 'POST',
        headers: { Authorization: `Bearer ${access.key}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ segment: order.segment, tokens: encrypted.tokens }),
        signal: AbortSignal.timeout(10_000),
      }).catch(() => undefined);
      const answer = response ? await response.json().catch(() => undefined) : undefined;
      dsp = { httpStatus: response?.status ?? 0, answer };
    }
    const sentRows = dspRows(dsp.answer, encrypted.tokens.length) ?? encrypted.tokens.map(() => ({ status: 'not_received' }));
    let next = 0;
    const rows: CustomerRow[] = mappings.map((mapping) =>
      'rawUid' in mapping ? { ...sentRows[next++]!, sent: true } : { status: mapping.unmapped, sent: false });
    sendJson(res, 200, {
      status: 'success', segment: order.segment, customers: rows.length, sent: encrypted.tokens.length,
      dsp: dspSummary(dsp.httpStatus, dsp.answer), rows,
    });
  }

  async function uid2Token(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const dii = parseDii(await readJson(req, 4096));
    if (!dii) return sendJson(res, 400, { status: 'client_error', message: 'expected {"email": …} or {"phone": …}' });
    const mapped = await rawUidOf(dii);
    if (!mapped) return sendJson(res, 502, OPERATOR_UNAVAILABLE);
    if ('unmapped' in mapped) {
      return mapped.unmapped === 'optout'
        ? sendJson(res, 200, { status: 'optout' })
        : sendJson(res, 400, { status: 'client_error', message: mapped.unmapped });
    }
    const result = await tokenFor(mapped.rawUid) ?? { status: 'keys_unavailable' as const };
    if (result.status !== 'success') return sendJson(res, 503, { status: 'error', message: result.status });
    sendJson(res, 200, { status: 'success', advertising_token: result.token, site_id: result.siteId });
  }

  return {
    close: () => keys.stop(),
    async handle(req, res, mount) {
      const url = new URL(req.url ?? '/', 'http://advertiser');
      if (req.method !== 'POST') return false;
      const route = url.pathname === `${mount}uid2-token` ? uid2Token
        : url.pathname === `${mount}segment` && dsp ? (request: IncomingMessage, response: ServerResponse) => segment(request, response, dsp)
          : undefined;
      if (!route) return false;
      // both act for the advertiser (a token from its customer's email, a DSP segment changed): JSON only, so that
      // no other site's page can send them (see isJsonRequest)
      if (!isJsonRequest(req)) {
        req.resume();
        sendJson(res, 415, { status: 'client_error', message: 'expected Content-Type: application/json' });
      } else {
        await route(req, res);
      }
      return true;
    },
  };
}
