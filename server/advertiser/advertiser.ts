/**
 * The advertiser's own server in the demo (site 124 at the local operator): it turns a customer's email or
 * phone into the advertiser's own UID2 token, the way an advertiser sends UID2s to another sharing
 * participant ("tokenized sharing" from raw UID2s):
 *   1. POST /v2/identity/map (MAPPER) → the customer's raw UID2;
 *   2. its sharing keys from POST /v2/key/sharing (SHARER), kept fresh like an SDK keeps them;
 *   3. encrypt the raw UID2 into a v4 token with its default keyset (libraries/uid2/sharing.ts).
 * Only receivers the advertiser allowed can decrypt that token. The raw UID2 never leaves this server.
 *
 *   POST <mount>uid2-token  {"email": "…"} | {"phone": "+…"}  → {status: "success", advertising_token, site_id}
 *                                                              | {status: "optout"} | 400 {status, message}
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { encryptRawUidIntoToken } from '../../libraries/uid2/sharing.js';
import { readBody, sendJson } from '../http.js';
import { callOperator, type OperatorClient } from '../../libraries/uid2/operatorClient.js';
import { startSharingKeys } from '../ssp/uid2.js';

export interface AdvertiserBackend {
  /** handles requests under `mount` (e.g. '/advertiser/'); false when the path is not the backend's */
  handle(req: IncomingMessage, res: ServerResponse, mount: string): Promise<boolean>;
  close(): void;
}

type Dii = { email: string } | { phone: string };

/** {"email": …} or {"phone": …}, nothing else; undefined when the body is neither. */
export function parseDii(body: unknown): Dii | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { email, phone } = body as Record<string, unknown>;
  if (typeof email === 'string' && email.trim() && phone === undefined) return { email: email.trim() };
  if (typeof phone === 'string' && phone.trim() && email === undefined) return { phone: phone.trim() };
  return undefined;
}

interface MapAnswer {
  mapped?: Array<{ advertising_id: string }>;
  unmapped?: Array<{ reason: string }>;
}

export function createAdvertiserBackend(client: OperatorClient): AdvertiserBackend {
  const now = client.now ?? Date.now;
  const keys = startSharingKeys(client);

  async function rawUidOf(dii: Dii): Promise<{ rawUid: string } | { unmapped: string }> {
    const kind = 'email' in dii ? 'email' : 'phone';
    const answer = (await callOperator(client, '/v2/identity/map', { [kind]: [Object.values(dii)[0]] })) as MapAnswer;
    const mapped = answer.mapped?.[0];
    return mapped ? { rawUid: mapped.advertising_id } : { unmapped: answer.unmapped?.[0]?.reason ?? 'unmapped' };
  }

  /** the token, and the site it was issued by (the caller of the keys it was encrypted with) */
  const tokenFor = (rawUid: string) => keys.withKeys(async (container) =>
    ({ ...(await encryptRawUidIntoToken(rawUid, container, { now: now() })), siteId: container.callerSiteId }));

  async function uid2Token(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const text = (await readBody(req, 4096))?.toString('utf8');
    let dii: Dii | undefined;
    try {
      dii = parseDii(JSON.parse(text ?? ''));
    } catch {
      dii = undefined;
    }
    if (!dii) return sendJson(res, 400, { status: 'client_error', message: 'expected {"email": …} or {"phone": …}' });
    const mapped = await rawUidOf(dii);
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
      if (req.method !== 'POST' || url.pathname !== `${mount}uid2-token`) return false;
      await uid2Token(req, res);
      return true;
    },
  };
}
