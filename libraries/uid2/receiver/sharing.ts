// Sharing (docs/uid2-protocol.md §6): a sharer turns a raw UID2 into a v4 token for another participant, with the
// keys /v2/key/sharing gave it, exactly as SharingClient.EncryptRawUidIntoToken does.
import { fromBase64 } from '../crypto/base64.js';
import { activeKeyOf, keysSynced } from './keys.js';
import type { KeyContainer } from './keys.js';
import { andThen, settledNow, type MaybePromise } from '../crypto/cryptoBackend.js';
import { sealAdvertisingToken, tokenCanCarry, type DecryptionStatus } from './advertisingToken.js';
import { identityTypeOfTypeByte, type IdentityType } from './tokenType.js';

export type SharingResult = { status: 'success'; token: string } | { status: DecryptionStatus };

/**
 * The identity type a sharing token states. A v3 or v4 raw UID (33 bytes) carries its own in its first byte. A v2 raw
 * UID (32 bytes) carries none: the SDKs' SharingClient guesses phone when the base64 starts with B or F (the v3
 * phone prefixes), and so does this, so that both write the same token for it.
 */
function sharedIdentityType(rawUid: string, rawUidBytes: Uint8Array): IdentityType {
  if (rawUidBytes.length === 33) return identityTypeOfTypeByte(rawUidBytes[0]!);
  return rawUid[0] === 'B' || rawUid[0] === 'F' ? 'phone' : 'email';
}

export async function encryptRawUidIntoToken(rawUid: string, keys: KeyContainer, opts: { now: number }): Promise<SharingResult> {
  return encryptRawUid(rawUid, keys, opts);
}

/**
 * The same encryption as a plain call, for Node code that encrypts in bulk (the sharing command): it saves the
 * promises per token. Needs a synchronous backend (node:crypto, Node's default); throws on WebCrypto.
 */
export function encryptRawUidIntoTokenSync(rawUid: string, keys: KeyContainer, opts: { now: number }): SharingResult {
  return settledNow(encryptRawUid(rawUid, keys, opts), 'encryptRawUidIntoTokenSync', 'encryptRawUidIntoToken');
}

function encryptRawUid(rawUid: string, keys: KeyContainer, { now }: { now: number }): MaybePromise<SharingResult> {
  if (!keysSynced(keys, now)) return { status: 'keys_not_synced' };
  const masterKey = keys.masterKeysetId === undefined ? undefined : activeKeyOf(keys, keys.masterKeysetId, now);
  if (!masterKey) return { status: 'not_authorized_for_master_key' };
  const siteKey = keys.defaultKeysetId === undefined ? undefined : activeKeyOf(keys, keys.defaultKeysetId, now);
  if (!siteKey || keys.callerSiteId === undefined) return { status: 'not_authorized_for_key' };
  let rawUidBytes: Uint8Array;
  try {
    rawUidBytes = fromBase64(rawUid);
  } catch {
    return { status: 'invalid_payload' };
  }
  const fields = {
    rawUid: rawUidBytes,
    identityScope: keys.identityScope,
    identityType: sharedIdentityType(rawUid, rawUidBytes),
    siteId: keys.callerSiteId,
    expires: now + keys.tokenExpirySeconds * 1000,
    created: now,
    established: now,
    refreshed: now,
    privacyBits: 0,
  } as const;
  // neither 32 nor 33 bytes, or 33 of the other scope (an EUID raw UID given to a UID2 sender): the SDKs would encrypt
  // the latter, and their receivers would take it for one of their own scope
  if (!tokenCanCarry(fields)) return { status: 'invalid_payload' };
  return andThen(sealAdvertisingToken(fields, masterKey, siteKey), (token) => ({ status: 'success', token }));
}
