// Base64 for UID2 wire values. Tokens, keys and hashes travel as standard base64, v4 tokens as base64url
// without padding; decoding is strict (like the operator's Java decoder) so a mangled value fails loudly
// instead of turning into different bytes.

const STANDARD = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const URL_SAFE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** char code → 6-bit value for both alphabets; -1 for anything else */
const SEXTETS = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) {
  SEXTETS[STANDARD.charCodeAt(i)] = i;
  SEXTETS[URL_SAFE.charCodeAt(i)] = i;
}

function encode(bytes: Uint8Array, alphabet: string, pad: boolean): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += alphabet[n >> 18]! + alphabet[(n >> 12) & 63]! + alphabet[(n >> 6) & 63]! + alphabet[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += alphabet[n >> 18]! + alphabet[(n >> 12) & 63]! + (pad ? '==' : '');
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += alphabet[n >> 18]! + alphabet[(n >> 12) & 63]! + alphabet[(n >> 6) & 63]! + (pad ? '=' : '');
  }
  return out;
}

/** Standard alphabet with `=` padding (keys, secrets, hashes, raw UIDs, v2/v3 tokens). */
export function toBase64(bytes: Uint8Array): string {
  return encode(bytes, STANDARD, true);
}

/** URL-safe alphabet without padding (v4 advertising tokens). */
export function toBase64Url(bytes: Uint8Array): string {
  return encode(bytes, URL_SAFE, false);
}

/** Decodes standard or URL-safe base64, padded or not; throws on any other character or a bad length. */
export function fromBase64(s: string): Uint8Array<ArrayBuffer> {
  let end = s.length;
  if (end % 4 === 0 && s.endsWith('==')) end -= 2;
  else if (end % 4 === 0 && s.endsWith('=')) end -= 1;
  if (end % 4 === 1) throw new Error('invalid base64 length');
  const out = new Uint8Array((end * 3) >> 2);
  let bits = 0;
  let bitCount = 0;
  let o = 0;
  for (let i = 0; i < end; i++) {
    const code = s.charCodeAt(i);
    const sextet = code < 128 ? SEXTETS[code]! : -1;
    if (sextet < 0) throw new Error('invalid base64 character');
    bits = ((bits << 6) | sextet) & 0xffffff;
    bitCount += 6;
    if (bitCount >= 8) {
      bitCount -= 8;
      out[o++] = (bits >> bitCount) & 0xff;
    }
  }
  return out;
}
