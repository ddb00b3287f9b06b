// Operator-side refresh tokens (docs/uid2-protocol.md §3).
// Inner v3 token (124 bytes, base64): type byte | 112 | refresh key id | GCM under the refresh key of
//   expires ms | created ms | operator site id, type, version, key id | publisher site id | publisher id (8) |
//   client key id | privacy bits | established ms | type byte | first-level hash (32)
// What clients hold is the 388-char wrapped form: base64( scope << 4 | refresh key id | GCM under the refresh
//   key of {"refresh_response_key":…,"refresh_token":<inner>} ).
import { fromBase64, toBase64 } from '../../libraries/uid2/crypto/base64.js';
import { ByteReader, ByteWriter } from '../../libraries/uid2/crypto/byteLayout.js';
import { fromUtf8, randomBytes, utf8 } from '../../libraries/uid2/crypto/bytes.js';
import { gcmOpen, gcmSeal } from '../../libraries/uid2/crypto/cryptoBackend.js';
import type { IdentityScope, Uid2Key } from '../../libraries/uid2/receiver/keys.js';
import { clientError } from '../../libraries/uid2/receiver/operatorError.js';
import {
  encodeTypeByte,
  identityTypeOfTypeByte,
  scopeOfTypeByte,
  writeIssuedIdentity,
  writeTokenHead,
  type IdentityType,
  type OperatorIdentity,
} from '../../libraries/uid2/receiver/tokenType.js';

export const WRAPPED_REFRESH_TOKEN_LENGTH = 388;
const REFRESH_TOKEN_V3 = 112;
const PAYLOAD_LENGTH = 90;

export type KeyLookup = (keyId: number) => Uid2Key | undefined;

export interface RefreshTokenFields extends OperatorIdentity {
  /** ms epoch: the identity's refresh_expires */
  expires: number;
  created: number;
  siteId: number;
  privacyBits: number;
  established: number;
  identityScope: IdentityScope;
  identityType: IdentityType;
  /** 32 bytes: the identity is re-derived from it (current salt, opt-out) on every refresh */
  firstLevelHash: Uint8Array;
  publisherId?: number;
  clientKeyId?: number;
}

export async function encodeRefreshToken(
  fields: RefreshTokenFields,
  refreshKey: Uid2Key,
  opts: { iv?: Uint8Array } = {},
): Promise<string> {
  const typeByte = encodeTypeByte(fields.identityScope, fields.identityType);
  const payload = writeIssuedIdentity(writeTokenHead(new ByteWriter(PAYLOAD_LENGTH), fields), fields)
    .u8(typeByte)
    .raw(fields.firstLevelHash)
    .done();
  const blob = await gcmSeal(refreshKey, payload, opts);
  return toBase64(new ByteWriter(6 + blob.length).u8(typeByte).u8(REFRESH_TOKEN_V3).i32(refreshKey.id).raw(blob).done());
}

/** Decodes an inner v3 refresh token; throws on anything that is not one made with a known key. */
export async function decodeRefreshToken(token: string, lookup: KeyLookup): Promise<RefreshTokenFields> {
  const reader = new ByteReader(fromBase64(token));
  const typeByte = reader.u8();
  if (reader.u8() !== REFRESH_TOKEN_V3) throw new Error('not a v3 refresh token');
  const key = lookup(reader.i32());
  if (!key) throw new Error('unknown refresh key');
  const payload = new ByteReader(await gcmOpen(key, reader.rest()));
  const fields = {
    expires: payload.i64(),
    created: payload.i64(),
    operatorSiteId: payload.i32(),
    operatorType: payload.u8(),
    operatorVersion: payload.i32(),
    operatorKeyId: payload.i32(),
    siteId: payload.i32(),
    publisherId: payload.i64(),
    clientKeyId: payload.i32(),
    privacyBits: payload.i32(),
    established: payload.i64(),
  };
  // the operator rejects a payload whose scope/type disagrees with the unauthenticated header byte
  if (payload.u8() !== typeByte) throw new Error('identity scope or type mismatch');
  return {
    ...fields,
    identityScope: scopeOfTypeByte(typeByte),
    identityType: identityTypeOfTypeByte(typeByte),
    firstLevelHash: payload.take(32),
  };
}

/** Wraps an inner token with a fresh (or given) refresh_response_key into the 388-char form clients hold. */
export async function wrapRefreshToken(
  innerToken: string,
  refreshKey: Uid2Key,
  identityScope: IdentityScope,
  opts: { refreshResponseKey?: string; iv?: Uint8Array } = {},
): Promise<{ refreshToken: string; refreshResponseKey: string }> {
  const refreshResponseKey = opts.refreshResponseKey ?? toBase64(randomBytes(32));
  const json = JSON.stringify({ refresh_response_key: refreshResponseKey, refresh_token: innerToken });
  const blob = await gcmSeal(refreshKey, utf8(json), { iv: opts.iv });
  const refreshToken = toBase64(
    new ByteWriter(5 + blob.length).u8(identityScope === 'EUID' ? 0x10 : 0).i32(refreshKey.id).raw(blob).done(),
  );
  if (refreshToken.length !== WRAPPED_REFRESH_TOKEN_LENGTH) throw new Error(`wrapped refresh token must be ${WRAPPED_REFRESH_TOKEN_LENGTH} chars, got ${refreshToken.length}`);
  return { refreshToken, refreshResponseKey };
}

/** Unwraps a 388-char refresh token, failing with the operator's 400 client_error messages. */
export async function unwrapRefreshToken(
  wrapped: string,
  lookup: KeyLookup,
): Promise<{ refreshToken: string; refreshResponseKey: string }> {
  let bytes: Uint8Array;
  try {
    bytes = fromBase64(wrapped);
  } catch {
    throw clientError('Invalid body: Body is not valid base64.');
  }
  const reader = new ByteReader(bytes);
  reader.u8(); // identity scope
  const key = lookup(reader.i32());
  if (!key) throw clientError('Invalid key: Generator of this token does not exist.');
  let plaintext: Uint8Array;
  try {
    plaintext = await gcmOpen(key, reader.rest());
  } catch {
    throw clientError('Invalid data: Check encryption method and encryption key');
  }
  try {
    const json = JSON.parse(fromUtf8(plaintext)) as Record<string, unknown>;
    const { refresh_token: refreshToken, refresh_response_key: refreshResponseKey } = json;
    if (typeof refreshToken !== 'string' || typeof refreshResponseKey !== 'string') throw new Error('missing fields');
    fromBase64(refreshResponseKey);
    return { refreshToken, refreshResponseKey };
  } catch {
    throw clientError('Invalid format: Payload is not valid json or missing required data');
  }
}
