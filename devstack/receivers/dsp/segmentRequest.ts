// The body of a segment upload to the DSP's partner API, checked before anything is decrypted:
//   {"segment": "recent-buyers", "tokens": ["A4AAAB…", …]}
// Types are checked before any value is read; a token that is a string but no token is not a refusal of the batch:
// it gets its own row status when decrypted.

/** tokens per upload: a batch a partner's job sends in one request */
export const MAX_TOKENS_PER_BATCH = 1000;
/** A v4 token is about 220 characters and a v2 token about 190: longer strings are no token, and are not decoded. */
export const MAX_TOKEN_LENGTH = 1024;
/** an upload's body: MAX_TOKENS_PER_BATCH tokens of MAX_TOKEN_LENGTH fit, and not much else */
export const MAX_SEGMENT_BODY_BYTES = 1 << 20;

export interface SegmentUpload {
  segment: string;
  tokens: string[];
}

/** A refusal of the whole upload: the HTTP status and what is wrong. */
export interface UploadRefusal {
  httpStatus: 400 | 413;
  message: string;
}

/** a segment name: letters, digits, `_`, `.`, `-`, at most 64, starting with a letter or digit */
export function isSegmentName(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9][\w.-]{0,63}$/.test(value);
}

export function parseSegmentUpload(body: unknown): SegmentUpload | UploadRefusal {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { httpStatus: 400, message: 'expected a JSON object {"segment": …, "tokens": […]}' };
  }
  const { segment, tokens } = body as Record<string, unknown>;
  if (!isSegmentName(segment)) {
    return { httpStatus: 400, message: 'segment: expected a name of letters, digits, "_", "." or "-", at most 64 characters' };
  }
  if (!Array.isArray(tokens) || tokens.length === 0) return { httpStatus: 400, message: 'tokens: expected a non-empty array of strings' };
  if (tokens.length > MAX_TOKENS_PER_BATCH) {
    return { httpStatus: 413, message: `tokens: at most ${MAX_TOKENS_PER_BATCH} per upload, got ${tokens.length}` };
  }
  const notString = tokens.findIndex((token) => typeof token !== 'string');
  if (notString >= 0) return { httpStatus: 400, message: `tokens[${notString}]: expected a string` };
  return { segment, tokens: tokens as string[] };
}
