// AES-256-GCM as UID2 uses it everywhere: a "GCM blob" is IV(12) || ciphertext || tag(16).
import { fromBase64 } from './base64.js';
import { bufferSource, concatBytes, randomBytes } from './bytes.js';

export const GCM_IV_LENGTH = 12;

export function importAesKey(raw: Uint8Array | string): Promise<CryptoKey> {
  const bytes = typeof raw === 'string' ? fromBase64(raw) : bufferSource(raw);
  return crypto.subtle.importKey('raw', bytes, 'AES-GCM', false, ['encrypt', 'decrypt']);
}

/** Returns IV || ciphertext || tag; the IV is random unless given (test vectors). */
export async function gcmEncrypt(
  key: CryptoKey,
  plaintext: Uint8Array,
  opts: { iv?: Uint8Array; aad?: Uint8Array } = {},
): Promise<Uint8Array<ArrayBuffer>> {
  const iv = opts.iv ? bufferSource(opts.iv) : randomBytes(GCM_IV_LENGTH);
  const params: AesGcmParams = { name: 'AES-GCM', iv };
  if (opts.aad) params.additionalData = bufferSource(opts.aad);
  const sealed = await crypto.subtle.encrypt(params, key, bufferSource(plaintext));
  return concatBytes(iv, new Uint8Array(sealed));
}

/** Opens IV || ciphertext || tag; rejects when the tag does not verify (wrong key, tampering, truncation). */
export async function gcmDecrypt(key: CryptoKey, blob: Uint8Array, aad?: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  const source = bufferSource(blob);
  const params: AesGcmParams = { name: 'AES-GCM', iv: source.subarray(0, GCM_IV_LENGTH) };
  if (aad) params.additionalData = bufferSource(aad);
  return new Uint8Array(await crypto.subtle.decrypt(params, key, source.subarray(GCM_IV_LENGTH)));
}
