// DII normalization and hashing (docs/uid2-protocol.md §5): what a browser or publisher does before sending an
// email or phone, and what the operator accepts.
import { fromBase64, toBase64 } from '../crypto/base64.js';
import { utf8 } from '../crypto/bytes.js';

export type HashedDii = { email_hash: string } | { phone_hash: string };

const WHITESPACE = /\s/;

/**
 * Trim, lowercase A-Z, and for gmail.com only drop dots and "+tag" from the local part.
 * Undefined when the result is not exactly one non-empty local part and one domain, or holds whitespace.
 *
 * The UID2 operator normalizes the raw emails of /v2/token/generate this way (uid2-operator's
 * InputUtil.normalizeEmailString lowercases 'A'-'Z' and nothing else), so a browser that hashes what this returns
 * gets the same UID2 through CSTG as the publisher's server gets for the same address. Prebid's official module and
 * the UID2 web SDK use toLowerCase(), which also lowercases non-ASCII capitals (É, Ö, İ): for such addresses they get
 * a different UID2 than server-side generation.
 */
export function normalizeEmail(email: string): string | undefined {
  const lowered = email.trim().replace(/[A-Z]/g, (c) => c.toLowerCase());
  if (WHITESPACE.test(lowered)) return undefined;
  const parts = lowered.split('@');
  if (parts.length !== 2) return undefined;
  let [local, domain] = parts as [string, string];
  if (domain === 'gmail.com') local = local.split('+')[0]!.replace(/\./g, '');
  if (local === '' || domain === '') return undefined;
  return `${local}@${domain}`;
}

/** E.164 as the operator checks it: "+" then 10 to 15 digits, nothing else (phones are never normalized). */
export function isValidPhone(phone: string): boolean {
  return /^\+[0-9]{10,15}$/.test(phone);
}

/** The browser rule for a pre-hashed value: canonical standard base64 of 32 bytes. */
export function isBase64Sha256(v: string): boolean {
  if (v.length !== 44) return false;
  try {
    return toBase64(fromBase64(v)) === v;
  } catch {
    return false;
  }
}

/** The operator's rule for email_hash/phone_hash: base64 (44 chars) or hex (64 chars), returned as base64. */
export function normalizeDiiHash(v: string): string | undefined {
  if (isBase64Sha256(v)) return v;
  if (!/^[0-9a-fA-F]{64}$/.test(v)) return undefined;
  return toBase64(Uint8Array.from(v.match(/../g)!, (pair) => parseInt(pair, 16)));
}

export async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
}

/** base64 of the 32 raw SHA-256 bytes of the UTF-8 text (never of the hex digest). */
export async function sha256Base64(text: string): Promise<string> {
  return toBase64(await sha256(utf8(text)));
}

/** The CSTG params, in the order Prebid's uid2 module picks the one it uses when several are set. */
export const DII_PARAMS = ['emailHash', 'phoneHash', 'email', 'phone'] as const;
export type DiiParam = (typeof DII_PARAMS)[number];
export type DiiParams = { [param in DiiParam]?: string };

/**
 * The DII a publisher gave: the first param of DII_PARAMS that is set, and its value normalized (the email as
 * the operator normalizes it, the phone and hashes as given), or `value` undefined when that value is invalid.
 * Undefined when no DII param is set.
 */
export function pickDii(params: DiiParams): { param: DiiParam; value: string | undefined } | undefined {
  const param = DII_PARAMS.find((name) => params[name] != null);
  if (!param) return undefined;
  const given = String(params[param]);
  const valid = param === 'email' ? normalizeEmail(given) : (param === 'phone' ? isValidPhone(given) : isBase64Sha256(given)) ? given : undefined;
  return { param, value: valid };
}

/** A picked, valid DII → the hashed payload CSTG sends: hashes go as given, email and phone are hashed here. */
export async function hashPickedDii(param: DiiParam, value: string): Promise<HashedDii> {
  const hash = param.endsWith('Hash') ? value : await sha256Base64(value);
  return param.startsWith('email') ? { email_hash: hash } : { phone_hash: hash };
}

/** The DII params → the hashed payload CSTG sends (pickDii's rule); undefined when none is set or it is invalid. */
export async function hashDii(params: DiiParams): Promise<HashedDii | undefined> {
  const dii = pickDii(params);
  return dii?.value === undefined ? undefined : hashPickedDii(dii.param, dii.value);
}
