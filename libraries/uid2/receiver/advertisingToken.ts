// UID2 advertising tokens (docs/uid2-protocol.md §6): version detection, v4 encryption (operator and sharers) and
// receiver-side decryption of v2 (AES-CBC), v3 and v4 (AES-GCM) tokens.
//
// v3/v4: type byte | version (112 v3, 128 v4) | master key id | GCM under the master key of
//   expires ms | created ms | operator site id, type, version, key id | site key id | GCM under the site key of
//     site id | publisher id (8) | client key id | privacy bits | established ms | refreshed ms | raw UID
// v2: 0x02 | master key id | IV16 | CBC(expires ms | site key id | IV16 | CBC(site id | id length | raw UID as
//   base64 text | privacy bits | established ms))
import { ByteReader, ByteWriter, int32At, int64At } from '../crypto/byteLayout.js';
import { fromUtf8 } from '../crypto/bytes.js';
import { andThen, cbcOpen, cryptoBackend, gcmOpen, gcmSeal, settledNow, type MaybePromise } from '../crypto/cryptoBackend.js';
import { GCM_IV_LENGTH } from '../crypto/aesGcm.js';
import { keysSynced } from './keys.js';
import type { IdentityScope, KeyContainer, Uid2Key } from './keys.js';
import {
  PrivacyBits,
  encodeTypeByte,
  identityTypeOfTypeByte,
  scopeOfTypeByte,
  writeIssuedIdentity,
  writeTokenHead,
  type IdentityType,
  type OperatorIdentity,
} from './tokenType.js';

export type TokenVersion = 2 | 3 | 4;

const VERSION_BYTE = { 3: 112, 4: 128 } as const;
const GCM_TAG_LENGTH = 16;
/** 1 + 1 + 4 + GCM(33 + GCM(36 + 32)): the shortest v3/v4 token (a 32-byte raw UID) */
const MIN_V3_TOKEN_LENGTH = 6 + GCM_IV_LENGTH + 33 + GCM_IV_LENGTH + 36 + 32 + 2 * GCM_TAG_LENGTH;

/** Snake-case names of the uid2-client libraries' decryption statuses. */
export type DecryptionStatus =
  | 'expired_token'
  | 'not_authorized_for_master_key'
  | 'not_authorized_for_key'
  | 'invalid_payload'
  | 'version_not_supported'
  | 'user_opted_out'
  | 'invalid_identity_scope'
  | 'keys_not_synced'
  | 'invalid_token_lifetime'
  | 'domain_name_check_failed';

export interface DecryptedToken {
  status: 'success';
  /** base64 of the raw UID2/EUID bytes */
  rawUid: string;
  /** the publisher site the token was generated for */
  siteId: number;
  identityType: IdentityType;
  identityScope: IdentityScope;
  privacyBits: number;
  isClientSideGenerated: boolean;
  tokenVersion: TokenVersion;
  /** ms epoch */
  expires: number;
  established: number;
  /** token generation time (v3/v4 only) */
  generated?: number;
  refreshed?: number;
  masterKeyId: number;
  siteKeyId: number;
}

/** What a token that opened says of itself, but its raw UID */
export type TokenFacts = Omit<DecryptedToken, 'status' | 'rawUid'>;

/** The refusals of a token whose two layers opened: its expiry, opt-out bit, domain and lifetime checked */
export type CheckedStatus = 'expired_token' | 'user_opted_out' | 'domain_name_check_failed' | 'invalid_token_lifetime';

/**
 * A refusal. A token whose two layers opened is refused with its facts, as the SDKs' DecryptionResponse carries its
 * site, type, version and expiry: a receiver can tell whose tokens arrive expired, and when they expired. Never with
 * its raw UID. (`'siteId' in failure` tells the two kinds apart.)
 */
export type DecryptionFailure = { status: Exclude<DecryptionStatus, CheckedStatus> } | (TokenFacts & { status: CheckedStatus });

export type DecryptionResult = DecryptedToken | DecryptionFailure;

/**
 * Who is decrypting: `bidstream` (DSPs: lifetime and CSTG domain checks with /v2/key/bidstream data),
 * `sharing` (lifetime checks with /v2/key/sharing data), `legacy` (no extra checks).
 */
export type ClientType = 'sharing' | 'bidstream' | 'legacy';

export interface AdvertisingTokenFields extends OperatorIdentity {
  /** 32 bytes (v2 raw UID, what the operator issues) or 33 bytes (v3/v4 raw UID) */
  rawUid: Uint8Array;
  identityScope: IdentityScope;
  identityType: IdentityType;
  siteId: number;
  /** ms epoch */
  expires: number;
  created: number;
  established: number;
  refreshed: number;
  privacyBits: number;
  publisherId?: number;
  clientKeyId?: number;
}

/** The version a token's first bytes announce (the SDKs' rule); undefined if unknown. */
function versionOfHeader(header: Uint8Array): TokenVersion | undefined {
  if (header[0] === 2) return 2;
  if (header[1] === VERSION_BYTE[3]) return 3;
  if (header[1] === VERSION_BYTE[4]) return 4;
  return undefined;
}

/** Version from the first four characters, the way every SDK detects it; undefined if unknown. */
export function detectTokenVersion(token: string): TokenVersion | undefined {
  if (token.length < 4) return undefined;
  try {
    return versionOfHeader(cryptoBackend().decodeBase64(token.slice(0, 4)));
  } catch {
    return undefined;
  }
}

/** Builds a v4 (default) or v3 token; IVs are random unless given (test vectors). */
export async function encryptAdvertisingToken(
  fields: AdvertisingTokenFields,
  masterKey: Uid2Key,
  siteKey: Uid2Key,
  opts: SealOptions = {},
): Promise<string> {
  return sealAdvertisingToken(fields, masterKey, siteKey, opts);
}

interface SealOptions { version?: 3 | 4; masterIv?: Uint8Array; siteIv?: Uint8Array }

/**
 * Whether a token of this scope and identity type can carry this raw UID: 32 bytes (a v2 raw UID), or 33 (v3, v4)
 * starting with that same scope and type, so that what a token says of its raw UID is what the raw UID says of itself.
 */
export function tokenCanCarry({ identityScope, identityType, rawUid }: Pick<AdvertisingTokenFields, 'identityScope' | 'identityType' | 'rawUid'>): boolean {
  if (rawUid.length === 32) return true;
  return rawUid.length === 33 && scopeOfTypeByte(rawUid[0]!) === identityScope && identityTypeOfTypeByte(rawUid[0]!) === identityType;
}

/**
 * encryptAdvertisingToken's work. On a synchronous backend (Node) the token is there when this returns, with no
 * promise made per step. Throws on fields it cannot encode.
 */
export function sealAdvertisingToken(fields: AdvertisingTokenFields, masterKey: Uid2Key, siteKey: Uid2Key, opts: SealOptions = {}): MaybePromise<string> {
  const version = opts.version ?? 4;
  const typeByte = encodeTypeByte(fields.identityScope, fields.identityType);
  if (!tokenCanCarry(fields)) {
    throw new Error('the raw UID must be 32 bytes, or 33 bytes starting with the token\'s own scope and type');
  }
  const sitePayload = writeIssuedIdentity(new ByteWriter(36 + fields.rawUid.length), fields)
    .i64(fields.refreshed)
    .raw(fields.rawUid)
    .done();
  return andThen(gcmSeal(siteKey, sitePayload, { iv: opts.siteIv }), (siteBlob) => {
    const masterPayload = writeTokenHead(new ByteWriter(33 + siteBlob.length), fields)
      .i32(siteKey.id)
      .raw(siteBlob)
      .done();
    return andThen(gcmSeal(masterKey, masterPayload, { iv: opts.masterIv }), (masterBlob) => {
      const token = new ByteWriter(6 + masterBlob.length)
        .u8(typeByte)
        .u8(VERSION_BYTE[version])
        .i32(masterKey.id)
        .raw(masterBlob)
        .done();
      // the backend's encoder: Buffer in Node, several times faster than btoa for a sharer encrypting in bulk
      return version === 4 ? cryptoBackend().encodeBase64Url(token) : cryptoBackend().encodeBase64(token);
    });
  });
}

interface DecryptOptions {
  /** ms epoch */
  now: number;
  clientType?: ClientType;
  /** the bid request's site domain or app name, checked for client-side generated tokens (bidstream) */
  domainOrAppName?: string;
}

// shared answers, frozen: a caller cannot change what the next caller gets
const INVALID_PAYLOAD = Object.freeze({ status: 'invalid_payload' } as const);
const VERSION_NOT_SUPPORTED = Object.freeze({ status: 'version_not_supported' } as const);

/**
 * Decrypts a v2/v3/v4 token with the receiver's keys. Never throws on bad input: anything undecodable is
 * `invalid_payload`, and no failure carries a raw UID. On a synchronous backend (Node) the work is done before
 * this returns: no promise is made per step, only the one returned.
 */
export function decryptAdvertisingToken(token: string, keys: KeyContainer, opts: DecryptOptions): Promise<DecryptionResult> {
  const result = decryptOrRefuse(token, keys, opts);
  return result instanceof Promise ? result.catch(() => INVALID_PAYLOAD) : Promise.resolve(result);
}

/**
 * The same decryption as a plain call, for Node code on the bid-stream path (what the uid2-client SDKs offer):
 * it saves the await per token. Needs a synchronous backend (node:crypto, Node's default); throws on WebCrypto.
 */
export function decryptAdvertisingTokenSync(token: string, keys: KeyContainer, opts: DecryptOptions): DecryptionResult {
  return settledNow(decryptOrRefuse(token, keys, opts), 'decryptAdvertisingTokenSync', 'decryptAdvertisingToken');
}

function decryptOrRefuse(token: string, keys: KeyContainer, opts: DecryptOptions): MaybePromise<DecryptionResult> {
  try {
    return decryptWithBackend(token, keys, opts);
  } catch {
    return INVALID_PAYLOAD;
  }
}

function decryptWithBackend(token: string, keys: KeyContainer, opts: DecryptOptions): MaybePromise<DecryptionResult> {
  if (!keysSynced(keys, opts.now)) return { status: 'keys_not_synced' };
  if (token.length < 4) return INVALID_PAYLOAD;
  let bytes: Uint8Array;
  try {
    bytes = cryptoBackend().decodeBase64(token);
  } catch {
    // not base64 as a whole: as in the SDKs, which read the version from the first four characters alone, a header
    // that is no base64 either is a broken payload, and one that is says whether the version is known
    let header: Uint8Array;
    try {
      header = cryptoBackend().decodeBase64(token.slice(0, 4));
    } catch {
      return INVALID_PAYLOAD;
    }
    return header.length >= 2 && versionOfHeader(header) === undefined ? VERSION_NOT_SUPPORTED : INVALID_PAYLOAD;
  }
  if (bytes.length < 2) return INVALID_PAYLOAD;
  const version = versionOfHeader(bytes);
  if (version === undefined) return VERSION_NOT_SUPPORTED;
  // only v4 is base64url (the SDKs decode v2 and v3 with the standard alphabet alone)
  if (version !== 4 && /[-_]/.test(token)) return INVALID_PAYLOAD;
  return version === 2 ? decryptV2(bytes, keys, opts) : decryptV3(bytes, version, keys, opts);
}

/**
 * The identity type of a v3/v4 token. A v3 or v4 raw UID (33 bytes) starts with its own scope and type, inside both
 * GCM layers, and that is the type reported. A v2 raw UID (32 bytes, what operators issue by default) carries none,
 * so the header byte, outside both layers, is all there is, as in every UID2 SDK. A header that disagrees with the raw
 * UID is not refused: UID2's SDKs read the header alone, and their SharingClient writes it from the raw UID's first
 * base64 character (B or F: phone), which for a v4 raw UID (metadata bits before the scope) says email whatever its
 * type. Their receivers decrypt such tokens, and so does this one, with the type the raw UID carries.
 */
function identityTypeOfToken(typeByte: number, rawUid: Uint8Array): IdentityType {
  return identityTypeOfTypeByte(rawUid.length === 33 ? rawUid[0]! : typeByte);
}

/**
 * Where decryptV3 reads each field: the v3/v4 layout (see the top of this file) has fixed offsets, and a token of at
 * least MIN_V3_TOKEN_LENGTH bytes holds every one of them (GCM output is as long as its ciphertext). Read in place,
 * with no reader object per layer: this runs once per token for a receiver decrypting in bulk.
 */
const V3_LAYOUT = {
  token: { typeByte: 0, masterKeyId: 2, masterBlob: 6 },
  master: { expires: 0, generated: 8, siteKeyId: 29, siteBlob: 33 },
  site: { siteId: 0, privacyBits: 16, established: 20, refreshed: 28, rawUid: 36 },
} as const;

function decryptV3(bytes: Uint8Array, version: 3 | 4, keys: KeyContainer, opts: DecryptOptions): MaybePromise<DecryptionResult> {
  if (bytes.length < MIN_V3_TOKEN_LENGTH) return INVALID_PAYLOAD;
  const { token: tokenAt, master: masterAt, site: siteAt } = V3_LAYOUT;
  const typeByte = bytes[tokenAt.typeByte]!;
  if (scopeOfTypeByte(typeByte) !== keys.identityScope) return { status: 'invalid_identity_scope' };
  const masterKeyId = int32At(bytes, tokenAt.masterKeyId);
  const masterKey = keys.keys.get(masterKeyId);
  if (!masterKey) return { status: 'not_authorized_for_master_key' };

  return andThen(gcmOpen(masterKey, bytes.subarray(tokenAt.masterBlob)), (master) => {
    const siteKeyId = int32At(master, masterAt.siteKeyId);
    const siteKey = keys.keys.get(siteKeyId);
    if (!siteKey) return { status: 'not_authorized_for_key' };

    return andThen(gcmOpen(siteKey, master.subarray(masterAt.siteBlob)), (site) => {
      const privacyBits = int32At(site, siteAt.privacyBits);
      const rawUid = site.subarray(siteAt.rawUid);
      return checkDecrypted(
        {
          status: 'success',
          rawUid: cryptoBackend().encodeBase64(rawUid),
          siteId: int32At(site, siteAt.siteId),
          identityType: identityTypeOfToken(typeByte, rawUid),
          identityScope: keys.identityScope,
          privacyBits,
          isClientSideGenerated: (privacyBits & PrivacyBits.clientSideGenerated) !== 0,
          tokenVersion: version,
          expires: int64At(master, masterAt.expires),
          established: int64At(site, siteAt.established),
          generated: int64At(master, masterAt.generated),
          refreshed: int64At(site, siteAt.refreshed),
          masterKeyId,
          siteKeyId,
        },
        keys,
        opts,
      );
    });
  });
}

function decryptV2(bytes: Uint8Array, keys: KeyContainer, opts: DecryptOptions): MaybePromise<DecryptionResult> {
  const header = new ByteReader(bytes);
  header.u8(); // version 2
  const masterKeyId = header.i32();
  const masterKey = keys.keys.get(masterKeyId);
  if (!masterKey) return { status: 'not_authorized_for_master_key' };

  return andThen(cbcOpen(masterKey, header.take(16), header.rest()), (masterPayload) => {
    const master = new ByteReader(masterPayload);
    const expires = master.i64();
    const siteKeyId = master.i32();
    const siteKey = keys.keys.get(siteKeyId);
    if (!siteKey) return { status: 'not_authorized_for_key' };

    return andThen(cbcOpen(siteKey, master.take(16), master.rest()), (identityPayload) => {
      const identity = new ByteReader(identityPayload);
      const siteId = identity.i32();
      const rawUid = fromUtf8(identity.take(identity.i32()));
      cryptoBackend().decodeBase64(rawUid); // a v2 raw UID is base64 text; anything else is a broken payload
      const privacyBits = identity.i32();
      const established = identity.i64();
      return checkDecrypted(
        {
          status: 'success',
          rawUid,
          siteId,
          // v2 tokens carry no identity type: the SDKs report none, this reports email
          identityType: 'email',
          identityScope: keys.identityScope,
          privacyBits,
          isClientSideGenerated: (privacyBits & PrivacyBits.clientSideGenerated) !== 0,
          tokenVersion: 2,
          expires,
          established,
          masterKeyId,
          siteKeyId,
        },
        keys,
        opts,
      );
    });
  });
}

/** A token whose two layers opened, checked: the token, or its refusal with its facts (see DecryptionFailure). */
function checkDecrypted(token: DecryptedToken, keys: KeyContainer, opts: DecryptOptions): DecryptionResult {
  const refused = refusalOf(token, keys, opts);
  if (refused === undefined) return token;
  const failure: DecryptionFailure & { rawUid?: string } = { ...token, status: refused };
  delete failure.rawUid;
  return failure;
}

/**
 * Expiry, opt-out bit, CSTG domain check and lifetime check, in the SDKs' order, on a token whose two layers opened:
 * the SDKs check expiry only then, so an expired token of a key the receiver lacks is not its to read, and one whose
 * site layer does not open is a broken payload.
 */
function refusalOf(token: DecryptedToken, keys: KeyContainer, opts: DecryptOptions): CheckedStatus | undefined {
  const clientType = opts.clientType ?? 'legacy';
  if (token.expires < opts.now) return 'expired_token';
  if (token.privacyBits & PrivacyBits.optedOut) return 'user_opted_out';
  // a legacy client checks the domain when it names one (the .NET SDK's Decrypt(token, domainOrAppName))
  if (token.isClientSideGenerated && (clientType === 'bidstream' || (clientType === 'legacy' && opts.domainOrAppName !== undefined))) {
    const allowed = keys.siteData.get(token.siteId) ?? [];
    const name = opts.domainOrAppName?.toLowerCase();
    if (name === undefined || !allowed.includes(name)) return 'domain_name_check_failed';
  }
  if (clientType !== 'legacy') {
    const maxLifetimeSeconds = clientType === 'bidstream' ? keys.maxBidstreamLifetimeSeconds : keys.maxSharingLifetimeSeconds;
    // v2 has no generation time: its remaining lifetime is checked instead
    const generated = token.generated ?? opts.now;
    const tooLong = maxLifetimeSeconds !== undefined && token.expires - generated > maxLifetimeSeconds * 1000;
    const fromTheFuture = generated - opts.now > keys.allowClockSkewSeconds * 1000;
    if (tooLong || fromTheFuture) return 'invalid_token_lifetime';
  }
  return undefined;
}
