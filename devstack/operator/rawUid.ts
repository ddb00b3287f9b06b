// Raw UID2 derivation (docs/uid2-protocol.md §7), the operator's TokenUtils: strings are concatenated as UTF-8.
//   first-level hash FLH = SHA-256( base64(SHA-256(normalized DII)) ‖ first-level salt )   (opt-out key)
//   raw UID2 (v2)        = SHA-256( base64(FLH) ‖ rotating salt of FLH's bucket )
import { toBase64 } from '../../libraries/uid2/crypto/base64.js';
import { utf8 } from '../../libraries/uid2/crypto/bytes.js';
import { sha256 } from '../../libraries/uid2/client/normalize.js';

export function firstLevelHash(identityHash: Uint8Array, firstLevelSalt: string): Promise<Uint8Array<ArrayBuffer>> {
  return sha256(utf8(toBase64(identityHash) + firstLevelSalt));
}

/** Index of the rotating salt for a first-level hash among `bucketCount` salt buckets (modulo indexer). */
export function saltBucketIndex(flh: Uint8Array, bucketCount: number): number {
  return ((flh[0]! << 12) | (flh[1]! << 4) | (flh[2]! & 0x0f)) % bucketCount;
}

/** The 32-byte v2 raw UID the operator puts in tokens and identity/map answers. */
export function rawUidV2(flh: Uint8Array, rotatingSalt: string): Promise<Uint8Array<ArrayBuffer>> {
  return sha256(utf8(toBase64(flh) + rotatingSalt));
}
