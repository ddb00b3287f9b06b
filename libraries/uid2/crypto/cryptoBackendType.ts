// What a crypto backend is, apart from the choice of one (cryptoBackend.ts): both backends implement this type
// and cryptoBackend.ts imports both backends, so the type lives here and no import runs in a circle.

export type MaybePromise<T> = T | Promise<T>;

/**
 * AES-256 over imported keys, and base64. Results may be synchronous (node:crypto) or promises (WebCrypto);
 * failures (tag mismatch, bad padding, truncation, bad base64) throw or reject.
 */
export interface CryptoBackend<Handle = unknown> {
  readonly name: string;
  /** the rules of base64.ts fromBase64: either alphabet, checked by assertBase64 */
  decodeBase64(text: string): Uint8Array<ArrayBuffer>;
  /** standard alphabet, padded */
  encodeBase64(bytes: Uint8Array): string;
  /** URL-safe alphabet, unpadded (v4 tokens) */
  encodeBase64Url(bytes: Uint8Array): string;
  importGcmKey(secret: Uint8Array): MaybePromise<Handle>;
  importCbcKey(secret: Uint8Array): MaybePromise<Handle>;
  /** IV(12) || ciphertext || tag(16) */
  gcmEncrypt(key: Handle, plaintext: Uint8Array, iv: Uint8Array, aad?: Uint8Array): MaybePromise<Uint8Array<ArrayBuffer>>;
  /** opens IV(12) || ciphertext || tag(16) */
  gcmDecrypt(key: Handle, blob: Uint8Array, aad?: Uint8Array): MaybePromise<Uint8Array<ArrayBuffer>>;
  /** AES-256-CBC with PKCS#7 padding (legacy v2 tokens) */
  cbcDecrypt(key: Handle, iv: Uint8Array, ciphertext: Uint8Array): MaybePromise<Uint8Array<ArrayBuffer>>;
}
