// Fields shared by v3/v4 advertising tokens and v3 refresh tokens.
import type { ByteWriter } from '../crypto/byteLayout.js';
import type { IdentityScope } from './keys.js';

export type IdentityType = 'email' | 'phone';

/** Privacy bits of a token (int32): the operator sets `legacy` always and `clientSideGenerated` for CSTG. */
export const PrivacyBits = {
  legacy: 1 << 0,
  clientSideGenerated: 1 << 1,
  optedOut: 1 << 2,
} as const;

/** Operator identity stamped into tokens: this local operator is a "Service" operator (type 1). */
const OPERATOR_TYPE_SERVICE = 1;

/** First byte of v3/v4 tokens: (scope << 4) | (identity type << 2) | 3, hence the A/B/E/F prefixes. */
export function encodeTypeByte(scope: IdentityScope, type: IdentityType): number {
  return ((scope === 'EUID' ? 1 : 0) << 4) | ((type === 'phone' ? 1 : 0) << 2) | 3;
}

export function scopeOfTypeByte(typeByte: number): IdentityScope {
  return (typeByte >> 4) & 1 ? 'EUID' : 'UID2';
}

export function identityTypeOfTypeByte(typeByte: number): IdentityType {
  return (typeByte & 0x0f) >> 2 === 0 ? 'email' : 'phone';
}

/** Which operator made a token; this local operator stamps (0, Service, 0, 0) like the docs' sample tokens. */
export interface OperatorIdentity {
  operatorSiteId?: number;
  operatorType?: number;
  operatorVersion?: number;
  operatorKeyId?: number;
}

/** Who the identity was issued to, and when: the same fields in advertising-token site payloads and refresh tokens. */
export interface IssuedIdentityFields {
  siteId: number;
  publisherId?: number;
  clientKeyId?: number;
  privacyBits: number;
  established: number;
}

export function writeIssuedIdentity(writer: ByteWriter, fields: IssuedIdentityFields): ByteWriter {
  return writer
    .i32(fields.siteId)
    .i64(fields.publisherId ?? 0)
    .i32(fields.clientKeyId ?? 0)
    .i32(fields.privacyBits)
    .i64(fields.established);
}

/** The head shared by advertising-token master payloads and refresh-token payloads. */
export function writeTokenHead(writer: ByteWriter, fields: { expires: number; created: number } & OperatorIdentity): ByteWriter {
  return writer
    .i64(fields.expires)
    .i64(fields.created)
    .i32(fields.operatorSiteId ?? 0)
    .u8(fields.operatorType ?? OPERATOR_TYPE_SERVICE)
    .i32(fields.operatorVersion ?? 0)
    .i32(fields.operatorKeyId ?? 0);
}
