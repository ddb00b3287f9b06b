// The Node backend: node:crypto AES, synchronous (no promise or thread-pool hop per operation), and Buffer's
// base64. It is handed the node:crypto and node:buffer modules (see cryptoBackend.ts) rather than importing
// them, so no bundler ever follows it into Node.
import { assertBase64, decodedLength } from './base64.js';
import { concatBytes } from './bytes.js';
import type { CryptoBackend } from './cryptoBackendType.js';

const GCM_IV_LENGTH = 12;
const GCM_TAG_LENGTH = 16;

interface NodeCipher {
  update(data: Uint8Array): Uint8Array;
  final(): Uint8Array;
  setAAD(aad: Uint8Array): unknown;
  setAuthTag(tag: Uint8Array): unknown;
  getAuthTag(): Uint8Array;
}

/** The part of node:crypto this backend uses. */
export interface NodeCryptoModule {
  createCipheriv(algorithm: string, key: Uint8Array, iv: Uint8Array, options?: { authTagLength: number }): NodeCipher;
  createDecipheriv(algorithm: string, key: Uint8Array, iv: Uint8Array, options?: { authTagLength: number }): NodeCipher;
}

interface NodeBytes {
  toString(encoding: 'base64' | 'base64url'): string;
}

/** The part of node:buffer this backend uses. */
export interface NodeBufferModule {
  Buffer: {
    from(text: string, encoding: 'base64'): Uint8Array;
    from(buffer: ArrayBufferLike, byteOffset: number, length: number): NodeBytes;
    concat(parts: Uint8Array[]): Uint8Array;
  };
}

/** The bytes of a Buffer as a plain Uint8Array (same memory), so both backends return the same type. */
function plainView(buffer: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(buffer.buffer as ArrayBuffer, buffer.byteOffset, buffer.byteLength);
}

export function nodeCryptoBackend(nodeCrypto: NodeCryptoModule, { Buffer }: NodeBufferModule): CryptoBackend<Uint8Array> {
  // 128-bit tags only, as WebCrypto: node:crypto would otherwise accept truncated tags
  const tagOnly = { authTagLength: GCM_TAG_LENGTH };
  return {
    name: 'node:crypto',
    decodeBase64(text) {
      const bytes = Buffer.from(text, 'base64'); // either alphabet, padded or not
      // Buffer skips what is not base64 (and stops at a '=' inside): the text gave all the bytes its length promises
      // only if every character counted, which is quicker to see than to match a 200-character token to a pattern
      if (bytes.length !== decodedLength(text)) {
        assertBase64(text); // throws, naming what is wrong
        throw new Error('invalid base64 character');
      }
      return plainView(bytes);
    },
    encodeBase64: (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'),
    // Buffer's own: a sharer encrypting in bulk spent a twentieth of its time in base64ToUrl's three replaces
    encodeBase64Url: (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url'),
    // a private copy of the key bytes: node:crypto takes raw key bytes faster than a KeyObject
    importGcmKey: (secret) => new Uint8Array(secret),
    importCbcKey: (secret) => new Uint8Array(secret),
    gcmEncrypt(key, plaintext, iv, aad) {
      const cipher = nodeCrypto.createCipheriv('aes-256-gcm', key, iv, tagOnly);
      if (aad) cipher.setAAD(aad);
      const head = cipher.update(plaintext);
      const tail = cipher.final();
      // Buffer.concat cuts small results from Node's shared pool: no ArrayBuffer of their own to allocate and sweep
      return plainView(Buffer.concat([iv, head, tail, cipher.getAuthTag()]));
    },
    gcmDecrypt(key, blob, aad) {
      if (blob.length < GCM_IV_LENGTH + GCM_TAG_LENGTH) throw new RangeError('GCM blob too short');
      const decipher = nodeCrypto.createDecipheriv('aes-256-gcm', key, blob.subarray(0, GCM_IV_LENGTH), tagOnly);
      decipher.setAuthTag(blob.subarray(blob.length - GCM_TAG_LENGTH));
      if (aad) decipher.setAAD(aad);
      const head = decipher.update(blob.subarray(GCM_IV_LENGTH, blob.length - GCM_TAG_LENGTH));
      const tail = decipher.final(); // throws when the tag does not verify
      // GCM is a stream mode: final() adds nothing, and the output is viewed as a plain Uint8Array, not copied
      return tail.length === 0 ? plainView(head) : concatBytes(head, tail);
    },
    cbcDecrypt(key, iv, ciphertext) {
      const decipher = nodeCrypto.createDecipheriv('aes-256-cbc', key, iv);
      return concatBytes(decipher.update(ciphertext), decipher.final());
    },
  };
}
