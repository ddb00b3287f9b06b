// Keys as /v2/key/sharing and /v2/key/bidstream hand them to receivers (docs/uid2-protocol.md §1, §6), and the
// lookups decryption and encryption need.
import { fromBase64 } from '../crypto/base64.js';

export type IdentityScope = 'UID2' | 'EUID';

export interface Uid2Key {
  id: number;
  /** present in /v2/key/sharing for the caller's own keysets and the master keyset (as 9999999) */
  keysetId?: number;
  /** epoch seconds, like the operator's key JSON */
  created: number;
  activates: number;
  expires: number;
  secret: Uint8Array;
}

export interface KeyContainer {
  callerSiteId?: number;
  masterKeysetId?: number;
  defaultKeysetId?: number;
  /** lifetime of tokens a sharer encrypts (the operator sends it as a string) */
  tokenExpirySeconds: number;
  maxSharingLifetimeSeconds?: number;
  maxBidstreamLifetimeSeconds?: number;
  allowClockSkewSeconds: number;
  identityScope: IdentityScope;
  keys: Map<number, Uid2Key>;
  /** site id → domain (or app) names allowed for its client-side generated tokens, lowercased */
  siteData: Map<number, string[]>;
}

const DEFAULT_TOKEN_EXPIRY_SECONDS = 30 * 24 * 3600;
const DEFAULT_ALLOW_CLOCK_SKEW_SECONDS = 1800;

function invalid(field: string): never {
  throw new Error(`invalid key container: ${field}`);
}

function optionalInteger(o: Record<string, unknown>, field: string): number | undefined {
  const value = o[field];
  if (value === undefined || value === null) return undefined;
  // token_expiry_seconds arrives as a string; accept numeric strings everywhere
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  // a fraction is read to its whole part, as the SDKs read these fields as integers
  if (typeof n !== 'number' || !Number.isSafeInteger(Math.trunc(n))) invalid(field);
  return Math.trunc(n);
}

function requiredInteger(o: Record<string, unknown>, field: string): number {
  return optionalInteger(o, field) ?? invalid(field);
}

function parseKey(x: unknown): Uid2Key {
  if (typeof x !== 'object' || x === null) invalid('keys');
  const o = x as Record<string, unknown>;
  if (typeof o.secret !== 'string') invalid('keys.secret');
  let secret: Uint8Array;
  try {
    secret = fromBase64(o.secret);
  } catch {
    invalid('keys.secret');
  }
  if (secret.length !== 32) invalid('keys.secret');
  return {
    id: requiredInteger(o, 'id'),
    keysetId: optionalInteger(o, 'keyset_id'),
    created: requiredInteger(o, 'created'),
    activates: requiredInteger(o, 'activates'),
    expires: requiredInteger(o, 'expires'),
    secret,
  };
}

function parseSiteData(x: unknown): Map<number, string[]> {
  const sites = new Map<number, string[]>();
  if (x === undefined || x === null) return sites;
  if (!Array.isArray(x)) invalid('site_data');
  for (const site of x as unknown[]) {
    if (typeof site !== 'object' || site === null) invalid('site_data');
    const o = site as Record<string, unknown>;
    const names = o.domain_names;
    if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) invalid('site_data.domain_names');
    sites.set(requiredInteger(o, 'id'), (names as string[]).map((n) => n.toLowerCase()));
  }
  return sites;
}

/** Parses the decrypted `body` of a /v2/key/sharing or /v2/key/bidstream response; throws if malformed. */
export function parseKeyContainer(body: unknown): KeyContainer {
  if (typeof body !== 'object' || body === null) invalid('body');
  const o = body as Record<string, unknown>;
  // no keys (null, or none at all) is an empty container, as the SDKs parse it: every token is then not_authorized
  const keyList = o.keys ?? [];
  if (!Array.isArray(keyList)) invalid('keys');
  const scope = o.identity_scope ?? 'UID2';
  if (scope !== 'UID2' && scope !== 'EUID') invalid('identity_scope');
  return {
    callerSiteId: optionalInteger(o, 'caller_site_id'),
    masterKeysetId: optionalInteger(o, 'master_keyset_id'),
    defaultKeysetId: optionalInteger(o, 'default_keyset_id'),
    // 0, as absent, means the default (the SDKs': a token that expires as it is made is no token)
    tokenExpirySeconds: optionalInteger(o, 'token_expiry_seconds') || DEFAULT_TOKEN_EXPIRY_SECONDS,
    maxSharingLifetimeSeconds: optionalInteger(o, 'max_sharing_lifetime_seconds'),
    maxBidstreamLifetimeSeconds: optionalInteger(o, 'max_bidstream_lifetime_seconds'),
    allowClockSkewSeconds: optionalInteger(o, 'allow_clock_skew_seconds') ?? DEFAULT_ALLOW_CLOCK_SKEW_SECONDS,
    identityScope: scope,
    keys: new Map((keyList as unknown[]).map(parseKey).map((key) => [key.id, key])),
    siteData: parseSiteData(o.site_data),
  };
}

/** activates <= now < expires (now in ms, key times in seconds) */
export function isKeyActive(key: Uid2Key, now: number): boolean {
  return key.activates * 1000 <= now && now < key.expires * 1000;
}

/** The key an encrypter uses for a keyset: the active one that activated last (the operator's rule). */
export function activeKeyOf(container: Pick<KeyContainer, 'keys'>, keysetId: number, now: number): Uid2Key | undefined {
  let best: Uid2Key | undefined;
  for (const key of container.keys.values()) {
    if (key.keysetId === keysetId && isKeyActive(key, now) && (!best || key.activates >= best.activates)) best = key;
  }
  return best;
}

/**
 * The last expiry seen in each key map (ms). A key map only gains keys or loses expired ones, so once seen it stays
 * a lower bound of the true last expiry: a decryptor with thousands of keys does not walk them all per token.
 */
const seenLastExpiry = new WeakMap<ReadonlyMap<number, Uid2Key>, number>();

/** A container is usable until its last key expires; after that receivers must refetch. */
export function keysSynced(container: Pick<KeyContainer, 'keys'>, now: number): boolean {
  const seen = seenLastExpiry.get(container.keys);
  if (seen !== undefined && now < seen) return true;
  let lastExpiry = -Infinity;
  for (const key of container.keys.values()) lastExpiry = Math.max(lastExpiry, key.expires * 1000);
  seenLastExpiry.set(container.keys, lastExpiry);
  return now < lastExpiry;
}
