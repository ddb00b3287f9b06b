// The WebCrypto backend (browsers, and Node where node:crypto is not offered): AES operations are promises,
// base64 is base64.ts (atob/btoa).
import type { CryptoBackend } from './cryptoBackendType.js';
import { gcmDecrypt, gcmEncrypt, importAesKey } from './aesGcm.js';
import { fromBase64, toBase64, toBase64Url } from './base64.js';
import { bufferSource } from './bytes.js';

export const webCryptoBackend: CryptoBackend<CryptoKey> = {
  name: 'WebCrypto',
  decodeBase64: fromBase64,
  encodeBase64: toBase64,
  encodeBase64Url: toBase64Url,
  importGcmKey: (secret) => importAesKey(secret),
  importCbcKey: (secret) => crypto.subtle.importKey('raw', bufferSource(secret), 'AES-CBC', false, ['decrypt']),
  gcmEncrypt: (key, plaintext, iv, aad) => gcmEncrypt(key, plaintext, { iv, aad }),
  gcmDecrypt: (key, blob, aad) => gcmDecrypt(key, blob, aad),
  cbcDecrypt: async (key, iv, ciphertext) =>
    new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-CBC', iv: bufferSource(iv) }, key, bufferSource(ciphertext))),
};
