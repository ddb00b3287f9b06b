// DII normalization and hashing (protocol notes §5): what a browser or publisher does before sending an
// email or phone, and what the operator accepts.
import { fromBase64, toBase64 } from './base64.js';
import { utf8 } from './bytes.js';

export type HashedDii = { email_hash: string } | { phone_hash: string };

const WHITESPACE = /\s/;

/**
 * Trim, lowercase ASCII, and for gmail.com only drop dots and "+tag" from the local part.
 * Undefined when the result is not exactly one non-empty local part and one domain.
 */
export function normalizeEmail(email: string): string | undefined {
  // the operator lowercases A-Z only, so non-ASCII letters keep their case (and their hash)
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

/**
 * Exactly one of email, phone, emailHash, phoneHash → the hashed payload CSTG sends.
 * Undefined when none or several are given, or the one given is invalid.
 */
export async function hashDii(params: {
  email?: string;
  phone?: string;
  emailHash?: string;
  phoneHash?: string;
}): Promise<HashedDii | undefined> {
  const given = (['email', 'phone', 'emailHash', 'phoneHash'] as const).filter((k) => params[k] !== undefined);
  if (given.length !== 1) return undefined;
  const { email, phone, emailHash, phoneHash } = params;
  if (email !== undefined) {
    const normalized = normalizeEmail(email);
    return normalized === undefined ? undefined : { email_hash: await sha256Base64(normalized) };
  }
  if (phone !== undefined) return isValidPhone(phone) ? { phone_hash: await sha256Base64(phone) } : undefined;
  if (emailHash !== undefined) return isBase64Sha256(emailHash) ? { email_hash: emailHash } : undefined;
  return isBase64Sha256(phoneHash!) ? { phone_hash: phoneHash! } : undefined;
}
