// The operator's endpoints (docs/uid2-protocol.md §1, §3, §4), each a function of the operator state and one
// request. Enveloped endpoints get the authenticated client and the opened JSON and return the JSON to
// seal; the others answer with a Reply themselves. Refusals are thrown as Uid2OperatorError.
import { fromBase64, toBase64 } from '../../libraries/uid2/crypto/base64.js';
import { decryptAdvertisingToken } from '../../libraries/uid2/receiver/advertisingToken.js';
import { invalidCstgField, openCstgRequest, sealCstgResponse } from './cstgServer.js';
import type { KeyContainer } from '../../libraries/uid2/receiver/keys.js';
import { Uid2OperatorError, clientError } from '../../libraries/uid2/receiver/operatorError.js';
import { WRAPPED_REFRESH_TOKEN_LENGTH, unwrapRefreshToken } from './refreshToken.js';
import { sealRefreshResponse } from '../../libraries/uid2/client/refreshResponse.js';
import { PrivacyBits } from '../../libraries/uid2/receiver/tokenType.js';
import { MASTER_SITE_ID, type ClientConfig, type ClientSideKeypairConfig, type OperatorConfig, type SiteConfig } from './config.js';
import {
  givenDiiKinds,
  MISSING_DII_MESSAGE,
  parseDii,
  requireOneDii,
  type IdentityService,
  type UserIdentity,
} from './identities.js';
import type { KeyRing, OperatorKey } from './keyRing.js';
import { isOriginAllowed } from './origin.js';
import type { SharingPermissions } from './sharing.js';

export interface OperatorState {
  config: OperatorConfig;
  ring: KeyRing;
  identities: IdentityService;
  sites: Map<number, SiteConfig>;
  clientsByKey: Map<string, ClientConfig>;
  cstgKeypairs: Map<string, { keypair: ClientSideKeypairConfig; privateKey: CryptoKey }>;
  /** who may read which keyset; changed at run time by POST /admin/sharing */
  sharing: SharingPermissions;
}

export interface EnvelopedRequest {
  client: ClientConfig;
  json: Record<string, unknown>;
  now: number;
}

export interface Reply {
  status: number;
  contentType: string;
  body: string | Uint8Array;
}

/** The SDKs assume positive keyset ids, so the master keyset is announced under this stand-in. */
const MASTER_KEYSET_ID_FOR_SDKS = 9999999;
/** Added to the configured lifetimes in what receivers may accept */
const TOKEN_LIFETIME_TOLERANCE_SECONDS = 10;

export function success(body: unknown): { body: unknown; status: 'success' } {
  return { body, status: 'success' };
}

export function jsonReply(status: number, json: unknown): Reply {
  return { status, contentType: 'application/json', body: JSON.stringify(json) };
}

// ---- tokens ----

/** The answer of generate and client-generate: optout for an opted-out user, else a new identity. */
async function issueUnlessOptedOut(state: OperatorState, user: UserIdentity, siteId: number, privacyBits: number, now: number): Promise<unknown> {
  const flh = await state.identities.firstLevelHash(user);
  if (state.identities.isOptedOut(flh)) return { status: 'optout' };
  return success(await state.identities.issue({ siteId, type: user.type, flh, privacyBits, established: now, now }));
}

export async function generateToken(state: OperatorState, { client, json, now }: EnvelopedRequest): Promise<unknown> {
  return issueUnlessOptedOut(state, await requireOneDii(json), client.site_id, PrivacyBits.legacy, now);
}

/**
 * Body = the refresh token as sent. A 388-char wrapped token gets its 200 answers sealed with the
 * refresh_response_key inside it; a bare (legacy) token gets plain JSON. Browsers (no API key) see one
 * generic error for every failure but opt-out.
 */
export async function refreshToken(state: OperatorState, text: string, client: ClientConfig | undefined, now: number): Promise<Reply> {
  let inner = text;
  let responseKey: string | undefined;
  if (text.length === WRAPPED_REFRESH_TOKEN_LENGTH) {
    ({ refreshToken: inner, refreshResponseKey: responseKey } = await unwrapRefreshToken(text, state.ring.lookup));
  }
  const outcome = await state.identities.refresh(inner, now);
  let answer: unknown;
  if (outcome.kind === 'refreshed') answer = success(outcome.identity);
  else if (outcome.kind === 'optout') answer = { status: 'optout' };
  else if (!client) throw new Uid2OperatorError(400, 'error', 'Error refreshing token');
  else if (outcome.kind === 'invalid_token') throw new Uid2OperatorError(400, 'invalid_token', 'Invalid Token presented');
  else throw new Uid2OperatorError(400, 'expired_token', 'Expired Token presented');
  if (responseKey === undefined) return jsonReply(200, answer);
  return { status: 200, contentType: 'text/plain', body: await sealRefreshResponse(responseKey, answer) };
}

/** The operator's keys as a receiver's container, to decrypt tokens it issued. */
function operatorKeyContainer(state: OperatorState): KeyContainer {
  return {
    tokenExpirySeconds: state.config.lifetimes.sharing_token_expiry_seconds,
    allowClockSkewSeconds: state.config.lifetimes.allow_clock_skew_seconds,
    identityScope: state.config.identity_scope,
    keys: state.ring.keys,
    siteData: new Map(),
  };
}

/** true iff the DII maps to the raw UID2 in the token; only the token's own site may ask. */
export async function validateToken(state: OperatorState, { client, json, now }: EnvelopedRequest): Promise<unknown> {
  const user = await requireOneDii(json);
  const token = typeof json.token === 'string' ? json.token : '';
  const decrypted = await decryptAdvertisingToken(token, operatorKeyContainer(state), { now });
  if (decrypted.status !== 'success') throw clientError('Invalid token');
  if (decrypted.siteId !== client.site_id) throw clientError('Unauthorised to validate token');
  const { rawUid } = await state.identities.rawUid(await state.identities.firstLevelHash(user));
  return success(toBase64(rawUid) === decrypted.rawUid && user.type === decrypted.identityType);
}

/** CSTG: subscription, Origin or app name, then the payload (opened by the library, with its messages). */
export async function clientSideGenerate(state: OperatorState, text: string, origin: string | undefined, now: number): Promise<Reply> {
  if (text.trim() === '') throw clientError('json payload expected but not found');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw clientError('json payload is not valid');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw clientError('json payload is not valid');
  const request = body as Record<string, unknown>;
  const subscription = typeof request.subscription_id === 'string' ? state.cstgKeypairs.get(request.subscription_id) : undefined;
  if (!subscription) throw clientError('bad subscription_id');
  const { keypair, privateKey } = subscription;
  if (keypair.disabled) throw new Uid2OperatorError(401, 'unauthorized', 'Unauthorized');
  const site = state.sites.get(keypair.site_id);
  if (request.app_name !== undefined && request.app_name !== null) {
    if (typeof request.app_name !== 'string') throw invalidCstgField('app_name', 'a string');
    const appName = request.app_name.toLowerCase();
    if (!site?.app_names.includes(appName)) {
      throw new Uid2OperatorError(403, 'invalid_app_name', 'unexpected app name');
    }
  } else if (!isOriginAllowed(origin, site?.domain_names ?? [])) {
    throw new Uid2OperatorError(403, 'invalid_http_origin', 'unexpected http origin');
  }
  const { dii, sharedKey } = await openCstgRequest(privateKey, request);
  const user: UserIdentity =
    'email_hash' in dii ? { type: 'email', identityHash: fromBase64(dii.email_hash) } : { type: 'phone', identityHash: fromBase64(dii.phone_hash) };
  const answer = await issueUnlessOptedOut(state, user, keypair.site_id, PrivacyBits.legacy | PrivacyBits.clientSideGenerated, now);
  return { status: 200, contentType: 'text/plain', body: await sealCstgResponse(sharedKey, answer) };
}

// ---- identity map ----

/** v2: one non-empty array of one DII kind → mapped raw UID2s and bucket ids, unmapped opt-outs and invalids. */
export async function mapIdentities(state: OperatorState, { json }: EnvelopedRequest): Promise<unknown> {
  const present = givenDiiKinds(json);
  for (const kind of present) if (!Array.isArray(json[kind])) throw clientError(`Invalid request body: ${kind} must be an array`);
  const nonEmpty = present.filter((kind) => (json[kind] as unknown[]).length > 0);
  if (present.length === 0 || nonEmpty.length > 1) throw clientError(MISSING_DII_MESSAGE);
  const kind = nonEmpty[0] ?? present[0]!;
  const mapped: unknown[] = [];
  const unmapped: unknown[] = [];
  const values = json[kind] as unknown[];
  // each value is echoed as its identifier: a string, checked before anything reads it
  const notString = values.findIndex((value) => typeof value !== 'string');
  if (notString >= 0) throw clientError(`Invalid request body: ${kind}[${notString}] must be a string`);
  for (const identifier of values as string[]) {
    const user = await parseDii(kind, identifier);
    if (!user) {
      unmapped.push({ identifier, reason: 'invalid identifier' });
      continue;
    }
    const flh = await state.identities.firstLevelHash(user);
    if (state.identities.isOptedOut(flh)) {
      unmapped.push({ identifier, reason: 'optout' });
      continue;
    }
    const { rawUid, bucketId } = await state.identities.rawUid(flh);
    mapped.push({ identifier, advertising_id: toBase64(rawUid), bucket_id: bucketId });
  }
  return success(unmapped.length > 0 ? { mapped, unmapped } : { mapped });
}

// ---- keys for receivers ----

/** The keys of the keysets the client may read: its own, the master's, and those its senders allowed it. */
function readableKeys(state: OperatorState, client: ClientConfig): OperatorKey[] {
  return [...state.ring.keys.values()].filter((key) => state.sharing.canRead(client, state.ring.keysetOf(key))).sort((a, b) => a.id - b.id);
}

function keyJson(key: OperatorKey): Record<string, unknown> {
  return { id: key.id, created: key.created, activates: key.activates, expires: key.expires, secret: toBase64(key.secret) };
}

/** Domains of the sites owning the keys, for the receivers' CSTG domain check. */
function siteData(state: OperatorState, keys: OperatorKey[]): unknown[] {
  const siteIds = [...new Set(keys.map((key) => state.ring.keysetOf(key).site_id))].sort((a, b) => a - b);
  return siteIds
    .map((id) => state.sites.get(id))
    .filter((site): site is SiteConfig => site !== undefined && site.domain_names.length > 0)
    .map((site) => ({ id: site.id, domain_names: [...site.domain_names].sort() }));
}

export async function keySharing(state: OperatorState, { client }: EnvelopedRequest): Promise<unknown> {
  const { lifetimes, identity_scope: scope } = state.config;
  const keys = readableKeys(state, client);
  const ownKeyset = state.ring.keysetOfSite(client.site_id);
  return success({
    caller_site_id: client.site_id,
    master_keyset_id: MASTER_KEYSET_ID_FOR_SDKS,
    ...(ownKeyset ? { default_keyset_id: ownKeyset.keyset_id } : {}),
    token_expiry_seconds: String(lifetimes.sharing_token_expiry_seconds),
    ...(client.roles.includes('SHARER')
      ? { max_sharing_lifetime_seconds: lifetimes.sharing_token_expiry_seconds + TOKEN_LIFETIME_TOLERANCE_SECONDS }
      : {}),
    identity_scope: scope,
    allow_clock_skew_seconds: lifetimes.allow_clock_skew_seconds,
    keys: keys.map((key) => {
      const keyset = state.ring.keysetOf(key);
      // keyset ids only for the caller's own keysets and the master keyset: the rest is for decryption only
      if (keyset.site_id === client.site_id) return { ...keyJson(key), keyset_id: keyset.keyset_id };
      if (keyset.site_id === MASTER_SITE_ID) return { ...keyJson(key), keyset_id: MASTER_KEYSET_ID_FOR_SDKS };
      return keyJson(key);
    }),
    site_data: siteData(state, keys),
  });
}

export async function keyBidstream(state: OperatorState, { client }: EnvelopedRequest): Promise<unknown> {
  const { lifetimes, identity_scope: scope } = state.config;
  const keys = readableKeys(state, client);
  return success({
    max_bidstream_lifetime_seconds: lifetimes.identity_token_expires_after_seconds + TOKEN_LIFETIME_TOLERANCE_SECONDS,
    identity_scope: scope,
    allow_clock_skew_seconds: lifetimes.allow_clock_skew_seconds,
    keys: keys.map(keyJson),
    site_data: siteData(state, keys),
  });
}

// ---- local admin (not in the real operator: the UID2 Portal's sharing page) ----

export function sharingPermissions(state: OperatorState): Reply {
  return jsonReply(200, success({ senders: state.sharing.entries() }));
}

/** Grants or revokes one permission; the next key fetch of every receiver sees it. */
export function changeSharingPermission(state: OperatorState, contentType: string | undefined, text: string): Reply {
  return jsonReply(200, success(state.sharing.apply(state.sharing.parseChange(adminJsonBody(contentType, text)))));
}

/** The JSON body of a local admin POST; `text` is what was sent. */
export function adminJsonBody(contentType: string | undefined, text: string): unknown {
  // a JSON content type keeps cross-site form posts out: browsers preflight it, and admin routes answer no CORS
  if (!(contentType ?? '').toLowerCase().startsWith('application/json')) throw clientError('Content-Type must be application/json');
  try {
    return JSON.parse(text);
  } catch {
    throw clientError('body is not valid JSON');
  }
}
