// The node:crypto AES backend: synchronous, no promise or thread-pool hop per operation. It is handed the
// node:crypto module (see aesBackend.ts) rather than importing it, so no bundler ever follows it into Node.
import type { AesBackend } from './aesBackend.js';

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
  createSecretKey(key: Uint8Array): object;
  createCipheriv(algorithm: string, key: object, iv: Uint8Array, options?: { authTagLength: number }): NodeCipher;
  createDecipheriv(algorithm: string, key: object, iv: Uint8Array, options?: { authTagLength: number }): NodeCipher;
}

/** Joins Node's output chunks into one ArrayBuffer-backed array, as WebCrypto returns. */
function joined(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export function nodeCryptoAes(nodeCrypto: NodeCryptoModule): AesBackend<object> {
  // 128-bit tags only, as WebCrypto: node:crypto would otherwise accept truncated tags
  const tagOnly = { authTagLength: GCM_TAG_LENGTH };
  return {
    name: 'node:crypto',
    importGcmKey: (secret) => nodeCrypto.createSecretKey(secret),
    importCbcKey: (secret) => nodeCrypto.createSecretKey(secret),
    gcmEncrypt(key, plaintext, iv, aad) {
      const cipher = nodeCrypto.createCipheriv('aes-256-gcm', key, iv, tagOnly);
      if (aad) cipher.setAAD(aad);
      const head = cipher.update(plaintext);
      const tail = cipher.final();
      return joined(iv, head, tail, cipher.getAuthTag());
    },
    gcmDecrypt(key, blob, aad) {
      if (blob.length < GCM_IV_LENGTH + GCM_TAG_LENGTH) throw new RangeError('GCM blob too short');
      const decipher = nodeCrypto.createDecipheriv('aes-256-gcm', key, blob.subarray(0, GCM_IV_LENGTH), tagOnly);
      decipher.setAuthTag(blob.subarray(blob.length - GCM_TAG_LENGTH));
      if (aad) decipher.setAAD(aad);
      const head = decipher.update(blob.subarray(GCM_IV_LENGTH, blob.length - GCM_TAG_LENGTH));
      const tail = decipher.final(); // throws when the tag does not verify
      return tail.length === 0 ? joined(head) : joined(head, tail);
    },
    cbcDecrypt(key, iv, ciphertext) {
      const decipher = nodeCrypto.createDecipheriv('aes-256-cbc', key, iv);
      return joined(decipher.update(ciphertext), decipher.final());
    },
  };
}
