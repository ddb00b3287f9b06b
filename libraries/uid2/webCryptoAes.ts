// The WebCrypto AES backend (browsers, and Node where node:crypto is not offered): every operation is a promise.
import type { AesBackend } from './aesBackend.js';
import { gcmDecrypt, gcmEncrypt, importAesKey } from './aesGcm.js';
import { bufferSource } from './bytes.js';

export const webCryptoAes: AesBackend<CryptoKey> = {
  name: 'WebCrypto',
  importGcmKey: (secret) => importAesKey(secret),
  importCbcKey: (secret) => crypto.subtle.importKey('raw', bufferSource(secret), 'AES-CBC', false, ['decrypt']),
  gcmEncrypt: (key, plaintext, iv, aad) => gcmEncrypt(key, plaintext, { iv, aad }),
  gcmDecrypt: (key, blob, aad) => gcmDecrypt(key, blob, aad),
  cbcDecrypt: async (key, iv, ciphertext) =>
    new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-CBC', iv: bufferSource(iv) }, key, bufferSource(ciphertext))),
};
