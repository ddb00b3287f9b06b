// Sharing (docs/uid2-protocol.md §6): a sharer turns a raw UID2 into a v4 token for another participant, with the
// keys /v2/key/sharing gave it, exactly as SharingClient.EncryptRawUidIntoToken does.
import { fromBase64 } from '../crypto/base64.js';
import { activeKeyOf, keysSynced } from './keys.js';
import type { KeyContainer } from './keys.js';
import { encryptAdvertisingToken, type DecryptionStatus } from './advertisingToken.js';

export async function encryptRawUidIntoToken(
  rawUid: string,
  keys: KeyContainer,
  opts: { now: number },
): Promise<{ status: 'success'; token: string } | { status: DecryptionStatus }> {
  const { now } = opts;
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
  if (rawUidBytes.length !== 32 && rawUidBytes.length !== 33) return { status: 'invalid_payload' };
  const token = await encryptAdvertisingToken(
    {
      rawUid: rawUidBytes,
      identityScope: keys.identityScope,
      // v3 raw UIDs start with B (UID2 phone) or F (EUID phone); the SDKs infer the type the same way
      identityType: rawUid[0] === 'B' || rawUid[0] === 'F' ? 'phone' : 'email',
      siteId: keys.callerSiteId,
      expires: now + keys.tokenExpirySeconds * 1000,
      created: now,
      established: now,
      refreshed: now,
      privacyBits: 0,
    },
    masterKey,
    siteKey,
  );
  return { status: 'success', token };
}
