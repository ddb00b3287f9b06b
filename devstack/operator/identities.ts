// Identity logic of the local operator: DII → first-level hash → raw UID2, opt-out, and issuing or
// refreshing an identity (advertising token + wrapped refresh token).
import { fromBase64, toBase64 } from '../../libraries/uid2/crypto/base64.js';
import { utf8 } from '../../libraries/uid2/crypto/bytes.js';
import { encryptAdvertisingToken } from '../../libraries/uid2/receiver/advertisingToken.js';
import type { Uid2Identity } from '../../libraries/uid2/client/uid2Identity.js';
import { isValidPhone, normalizeDiiHash, normalizeEmail, sha256 } from '../../libraries/uid2/client/normalize.js';
import { Uid2OperatorError, clientError } from '../../libraries/uid2/receiver/operatorError.js';
import { firstLevelHash, rawUidV2 } from './rawUid.js';
import { decodeRefreshToken, encodeRefreshToken, wrapRefreshToken } from './refreshToken.js';
import type { IdentityType } from '../../libraries/uid2/receiver/tokenType.js';
import type { OperatorConfig } from './config.js';
import type { KeyRing } from './keyRing.js';
import { PREVIOUS_RAW_UID_MS, type SaltBuckets } from './saltBuckets.js';

export const DII_KINDS = ['email', 'email_hash', 'phone', 'phone_hash'] as const;
export type DiiKind = (typeof DII_KINDS)[number];

/** The operator's test identities (IdentityConst): matched on the first-level hash, so all DII forms count. */
const TEST_OPT_OUTS = [{ email: 'optout@example.com' }, { phone: '+00000000000' }] as const;
const TEST_REFRESH_OPT_OUTS = [{ email: 'refresh-optout@example.com' }, { phone: '+00000000002' }] as const;

export const MISSING_DII_MESSAGE = 'Required Parameter Missing: exactly one of [email, email_hash, phone, phone_hash] must be specified';

export interface UserIdentity {
  type: IdentityType;
  /** SHA-256 of the normalized DII */
  identityHash: Uint8Array;
}

/** One DII value in one of the four request forms → identity hash; undefined when invalid. */
export async function parseDii(kind: DiiKind, value: unknown): Promise<UserIdentity | undefined> {
  if (typeof value !== 'string') return undefined;
  const type: IdentityType = kind.startsWith('email') ? 'email' : 'phone';
  if (kind === 'email_hash' || kind === 'phone_hash') {
    const hash = normalizeDiiHash(value);
    return hash === undefined ? undefined : { type, identityHash: fromBase64(hash) };
  }
  const normalized = kind === 'email' ? normalizeEmail(value) : isValidPhone(value) ? value : undefined;
  return normalized === undefined ? undefined : { type, identityHash: await sha256(utf8(normalized)) };
}

/** The DII kinds a request body carries (null counts as absent, as in the operator's JSON reading). */
export function givenDiiKinds(json: Record<string, unknown>): DiiKind[] {
  return DII_KINDS.filter((kind) => json[kind] !== undefined && json[kind] !== null);
}

/** The exactly-one-DII rule of generate and validate, with the operator's 400 messages. */
export async function requireOneDii(json: Record<string, unknown>): Promise<UserIdentity> {
  const given = givenDiiKinds(json);
  if (given.length !== 1) throw clientError(MISSING_DII_MESSAGE);
  const identity = await parseDii(given[0]!, json[given[0]!]);
  if (!identity) throw clientError('Invalid Identifier');
  return identity;
}

/** What identity map v3 answers for a mapped identity. */
export interface RawUidMapping {
  rawUid: Uint8Array;
  /** the raw UID2 under the bucket's previous salt, for 90 days after it rotated; else null */
  previousRawUid: Uint8Array | null;
  /** ms epoch from which the mapper should map again */
  refreshFrom: number;
}

export type RefreshOutcome =
  | { kind: 'refreshed'; identity: Uid2Identity }
  | { kind: 'optout' }
  | { kind: 'invalid_token' }
  | { kind: 'expired_token' };

export class IdentityService {
  private optedOut = new Set<string>();
  private refreshOptedOut = new Set<string>();

  constructor(
    private readonly config: OperatorConfig,
    private readonly ring: KeyRing,
    /** the rotating salts raw UID2s are derived with (rotated by the operator's schedule and the admin route) */
    readonly salts: SaltBuckets,
    private readonly random: (length: number) => Uint8Array,
  ) {}

  /** Hashes the opt-out lists; must complete before serving. */
  async init(): Promise<void> {
    const flhOf = async (forms: ReadonlyArray<Record<string, string>>) => {
      const hashes = new Set<string>();
      for (const form of forms) {
        const [kind, value] = Object.entries(form)[0] as [DiiKind, string];
        const identity = await parseDii(kind, value);
        if (!identity) throw new Error(`operator config: invalid opt-out ${kind}`);
        hashes.add(toBase64(await this.firstLevelHash(identity)));
      }
      return hashes;
    };
    this.optedOut = await flhOf([...TEST_OPT_OUTS, ...this.config.opt_outs]);
    this.refreshOptedOut = await flhOf(TEST_REFRESH_OPT_OUTS);
  }

  firstLevelHash(identity: UserIdentity): Promise<Uint8Array> {
    return firstLevelHash(identity.identityHash, this.config.salts.first_level);
  }

  /** Raw UID2 of a first-level hash with its bucket's current salt, and the bucket id identity/map reports. */
  async rawUid(flh: Uint8Array): Promise<{ rawUid: Uint8Array; bucketId: string }> {
    const bucket = this.salts.of(flh);
    return { rawUid: await rawUidV2(flh, bucket.salt), bucketId: bucket.bucketId };
  }

  /** The current and (within 90 days of a rotation) previous raw UID2, and when to map again (UIDOperatorService). */
  async mapping(flh: Uint8Array, now: number): Promise<RawUidMapping> {
    const bucket = this.salts.of(flh);
    const recentlyRotated = bucket.previousSalt !== null && now - bucket.lastUpdated < PREVIOUS_RAW_UID_MS;
    return {
      rawUid: await rawUidV2(flh, bucket.salt),
      previousRawUid: recentlyRotated ? await rawUidV2(flh, bucket.previousSalt!) : null,
      refreshFrom: this.salts.refreshFromOf(bucket, now),
    };
  }

  isOptedOut(flh: Uint8Array): boolean {
    return this.optedOut.has(toBase64(flh));
  }

  /** Issues a fresh identity for a publisher site; `now` is also the token's creation time. */
  async issue(params: {
    siteId: number;
    type: IdentityType;
    flh: Uint8Array;
    privacyBits: number;
    established: number;
    now: number;
  }): Promise<Uid2Identity> {
    const { siteId, type, flh, privacyBits, established, now } = params;
    const masterKey = this.ring.masterKey(now);
    const siteKey = this.ring.siteKey(siteId, now);
    const refreshKey = this.ring.refreshKey(now);
    if (!masterKey || !siteKey || !refreshKey) throw new Uid2OperatorError(500, 'unknown', 'No active encryption key available');
    const scope = this.config.identity_scope;
    const lifetimes = this.config.lifetimes;
    const identityExpires = now + lifetimes.identity_token_expires_after_seconds * 1000;
    const refreshExpires = now + lifetimes.refresh_token_expires_after_seconds * 1000;
    const { rawUid } = await this.rawUid(flh);
    const advertisingToken = await encryptAdvertisingToken(
      { rawUid, identityScope: scope, identityType: type, siteId, expires: identityExpires, created: now, established, refreshed: now, privacyBits },
      masterKey,
      siteKey,
    );
    const innerRefreshToken = await encodeRefreshToken(
      { expires: refreshExpires, created: now, siteId, privacyBits, established, identityScope: scope, identityType: type, firstLevelHash: flh },
      refreshKey,
    );
    const { refreshToken, refreshResponseKey } = await wrapRefreshToken(innerRefreshToken, refreshKey, scope, {
      refreshResponseKey: toBase64(this.random(32)),
    });
    return {
      advertising_token: advertisingToken,
      refresh_token: refreshToken,
      identity_expires: identityExpires,
      refresh_from: now + lifetimes.refresh_identity_token_after_seconds * 1000,
      refresh_expires: refreshExpires,
      refresh_response_key: refreshResponseKey,
    };
  }

  /** Refreshes from an inner refresh token: the identity is re-derived (current salt, opt-out re-checked). */
  async refresh(innerRefreshToken: string, now: number): Promise<RefreshOutcome> {
    let token;
    try {
      token = await decodeRefreshToken(innerRefreshToken, this.ring.lookup);
    } catch {
      return { kind: 'invalid_token' };
    }
    if (token.identityScope !== this.config.identity_scope) return { kind: 'invalid_token' };
    if (token.expires < now) return { kind: 'expired_token' };
    const flh = token.firstLevelHash;
    if (this.isOptedOut(flh) || this.refreshOptedOut.has(toBase64(flh))) return { kind: 'optout' };
    const identity = await this.issue({
      siteId: token.siteId,
      type: token.identityType,
      flh,
      privacyBits: token.privacyBits,
      established: token.established,
      now,
    });
    return { kind: 'refreshed', identity };
  }
}
