// The Node backend: node:crypto AES, synchronous (no promise or thread-pool hop per operation), and Buffer's
// base64. It is handed the node:crypto and node:buffer modules (see cryptoBackend.ts) rather than importing
// them, so no bundler ever follows it into Node.
// The bytes it returns are the Buffers Node makes (a Buffer is a Uint8Array), not plain views of them as well: a
// receiver decrypting in bulk made garbage of three such views a token (its base64, and each GCM layer).
import { assertBase64, decodedLength } from './base64.js';
import { concatBytes } from './bytes.js';
import type { CryptoBackend } from './cryptoBackendType.js';

const GCM_IV_LENGTH = 12;
const GCM_TAG_LENGTH = 16;

interface NodeCipher {
  /** a Buffer of its own: over an ArrayBuffer that holds these bytes alone, never Node's shared pool */
  update(data: Uint8Array): Uint8Array<ArrayBuffer>;
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

type Base64Encoding = 'base64' | 'base64url';

interface NodeBytes {
  toString(encoding: Base64Encoding): string;
}

/** The part of node:buffer this backend uses. */
export interface NodeBufferModule {
  Buffer: {
    isBuffer(value: unknown): boolean;
    /** small results are cut from Node's shared pool, an ArrayBuffer */
    from(text: string, encoding: Base64Encoding): Uint8Array<ArrayBuffer>;
    from(buffer: ArrayBufferLike, byteOffset: number, length: number): NodeBytes;
    /** small results are cut from Node's shared pool, an ArrayBuffer */
    concat(parts: Uint8Array[]): Uint8Array<ArrayBuffer>;
  };
}

/**
 * Buffer takes either alphabet, padded or not, under either name and to the same bytes, but decodes text of the
 * alphabet it is named for about twice as fast (a v4 token as 'base64': a fifth of a microsecond more).
 */
function alphabetOf(text: string): Base64Encoding {
  return text.includes('-') || text.includes('_') ? 'base64url' : 'base64';
}

export function nodeCryptoBackend(nodeCrypto: NodeCryptoModule, { Buffer }: NodeBufferModule): CryptoBackend<Uint8Array> {
  /** The bytes as a Buffer: themselves when they are one (gcmDecrypt's, and views of them), else a view of them. */
  const asBuffer = (bytes: Uint8Array): NodeBytes =>
    Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // 128-bit tags only, as WebCrypto: node:crypto would otherwise accept truncated tags
  const tagOnly = { authTagLength: GCM_TAG_LENGTH };
  return {
    name: 'node:crypto',
    decodeBase64(text) {
      const bytes = Buffer.from(text, alphabetOf(text));
      // Buffer skips what is not base64 (and stops at a '=' inside): the text gave all the bytes its length promises
      // only if every character counted, which is quicker to see than to match a 200-character token to a pattern
      if (bytes.length !== decodedLength(text)) {
        assertBase64(text); // throws, naming what is wrong
        throw new Error('invalid base64 character');
      }
      return bytes;
    },
    encodeBase64: (bytes) => asBuffer(bytes).toString('base64'),
    // Buffer's own: a sharer encrypting in bulk spent a twentieth of its time in base64ToUrl's three replaces
    encodeBase64Url: (bytes) => asBuffer(bytes).toString('base64url'),
    // a private copy of the key bytes: node:crypto takes raw key bytes faster than a KeyObject
    importGcmKey: (secret) => new Uint8Array(secret),
    importCbcKey: (secret) => new Uint8Array(secret),
    gcmEncrypt(key, plaintext, iv, aad) {
      const cipher = nodeCrypto.createCipheriv('aes-256-gcm', key, iv, tagOnly);
      if (aad) cipher.setAAD(aad);
      const head = cipher.update(plaintext);
      const tail = cipher.final();
      // Buffer.concat cuts small results from Node's shared pool: no ArrayBuffer of their own to allocate and sweep
      return Buffer.concat([iv, head, tail, cipher.getAuthTag()]);
    },
    gcmDecrypt(key, blob, aad) {
      if (blob.length < GCM_IV_LENGTH + GCM_TAG_LENGTH) throw new RangeError('GCM blob too short');
      const decipher = nodeCrypto.createDecipheriv('aes-256-gcm', key, blob.subarray(0, GCM_IV_LENGTH), tagOnly);
      decipher.setAuthTag(blob.subarray(blob.length - GCM_TAG_LENGTH));
      if (aad) decipher.setAAD(aad);
      const head = decipher.update(blob.subarray(GCM_IV_LENGTH, blob.length - GCM_TAG_LENGTH));
      const tail = decipher.final(); // throws when the tag does not verify
      // GCM is a stream mode: final() adds nothing, and update's Buffer is returned as it is
      return tail.length === 0 ? head : concatBytes(head, tail);
    },
    cbcDecrypt(key, iv, ciphertext) {
      const decipher = nodeCrypto.createDecipheriv('aes-256-cbc', key, iv);
      return concatBytes(decipher.update(ciphertext), decipher.final());
    },
  };
}
