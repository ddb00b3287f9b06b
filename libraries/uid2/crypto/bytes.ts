// Small byte helpers shared by every UID2 codec. WebCrypto only takes ArrayBuffer-backed views, hence the
// Uint8Array<ArrayBuffer> return types.

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function utf8(text: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(text);
}

/** Throws on malformed UTF-8 rather than inventing replacement characters. */
export function fromUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/**
 * Views of `length` bytes cut from blocks of `blockSize` that `newBlock` makes, each byte handed out once: a full block
 * is replaced, never written again, so every view keeps bytes of its own. Requests longer than `maxLength` get a
 * block of their own.
 */
export function blockCutter(blockSize: number, maxLength: number, newBlock: (size: number) => Uint8Array<ArrayBuffer>) {
  let block = new Uint8Array(0);
  let offset = 0;
  return (length: number): Uint8Array<ArrayBuffer> => {
    if (length > maxLength) return newBlock(length);
    if (offset + length > block.length) {
      block = newBlock(blockSize);
      offset = 0;
    }
    offset += length;
    return block.subarray(offset - length, offset);
  };
}

/**
 * Small requests (IVs, nonces: two per token a sharer encrypts) are cut from 4 KiB the CSPRNG fills at once: one
 * getRandomValues call per ~170 tokens instead of two per token.
 */
export const randomBytes = blockCutter(4096, 64, (size) => crypto.getRandomValues(new Uint8Array(size)));

export function concatBytes(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/** The same bytes as a view WebCrypto accepts (copies only views over a SharedArrayBuffer). */
export function bufferSource(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
}
