// Base64 for UID2 wire values. Tokens, keys and hashes travel as standard base64, v4 tokens as base64url
// without padding. Built on the platform's atob/btoa (browsers and Node 20), which keeps the browser bundle
// small; decoding is strict (like the operator's Java decoder) so a mangled value fails loudly instead of
// turning into different bytes: atob alone would skip whitespace.

/** either alphabet, padding only at the end */
const BASE64_TEXT = /^[A-Za-z0-9+/_-]*={0,2}$/;
/** String.fromCharCode takes its bytes as arguments: stay well below engines' argument limits */
const CHUNK = 0x8000;

/** Standard alphabet with `=` padding (keys, secrets, hashes, raw UIDs, v2/v3 tokens). */
export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += CHUNK) binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  return btoa(binary);
}

/** URL-safe alphabet without padding (v4 advertising tokens). */
export function toBase64Url(bytes: Uint8Array): string {
  return base64ToUrl(toBase64(bytes));
}

/** Standard base64 text in the URL-safe alphabet, padding dropped. */
export function base64ToUrl(standard: string): string {
  // global patterns, not replaceAll: Prebid's own TypeScript build (its lib setting, before ES2021) has no replaceAll
  return standard.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
}

/**
 * Throws unless `s` is what fromBase64 decodes: either alphabet, `=` padding only at the end of a padded length, no
 * length atob refuses. The rules atob applies, spelled out for the Node backend's decoder (Buffer would skip what
 * is not base64); fromBase64 leaves them to atob, which keeps the browser bundle as small as it was.
 */
export function assertBase64(s: string): void {
  if (!BASE64_TEXT.test(s)) throw new Error('invalid base64 character');
  if (decodedLength(s) < 0) throw new Error('invalid base64 length');
}

/**
 * The number of bytes base64 text of `s`'s length and padding decodes to, or -1 for a length or padding atob refuses
 * (`=` only to fill the last quartet, no quartet of a single character). Its characters are not looked at.
 */
export function decodedLength(s: string): number {
  const padding = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  if ((padding > 0 && s.length % 4 !== 0) || (s.length - padding) % 4 === 1) return -1;
  return Math.floor(((s.length - padding) * 3) / 4);
}

/** Decodes standard or URL-safe base64, padded or not; throws on any other character or a bad length. */
export function fromBase64(s: string): Uint8Array<ArrayBuffer> {
  if (!BASE64_TEXT.test(s)) throw new Error('invalid base64 character');
  let binary: string;
  try {
    binary = atob(s.replace(/[-_]/g, (c) => (c === '-' ? '+' : '/')));
  } catch (e) {
    throw new Error('invalid base64 length');
  }
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}
