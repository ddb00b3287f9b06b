// The body of the publisher's login route, checked field by field: the reader's email or phone, and how the
// token should reach the page. The DII is normalized and hashed here, on the server; errors name the field
// and never repeat its value.
import { hashDii, type HashedDii } from '../../libraries/uid2/client/normalize.js';

/** How the publisher's server hands the identity to the page: a first-party cookie, or the page's Prebid config. */
export type Delivery = 'cookie' | 'config';
export const DELIVERIES: readonly Delivery[] = ['cookie', 'config'];

export interface LoginRequest {
  /** what /v2/token/generate gets: {email_hash} or {phone_hash}, base64 SHA-256 of the normalized DII */
  hashed: HashedDii;
  delivery: Delivery;
}

/** A refused body: the field at fault and why (for a 400 answer). */
export interface FieldError {
  field: string;
  message: string;
}

const DII_FIELDS = ['email', 'phone'] as const;

const INVALID_VALUE: Record<(typeof DII_FIELDS)[number], string> = {
  email: 'not a valid email address',
  phone: 'not a phone number in E.164 form (+ and 10 to 15 digits)',
};

/** `{"email": …}` or `{"phone": …}`, and optionally `"delivery": "cookie" | "config"` (default cookie). */
export async function parseLoginRequest(text: string): Promise<LoginRequest | FieldError> {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { field: 'body', message: 'not JSON' };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { field: 'body', message: 'expected a JSON object' };
  const fields = body as Record<string, unknown>;

  const delivery = fields.delivery ?? 'cookie';
  if (!DELIVERIES.includes(delivery as Delivery)) return { field: 'delivery', message: 'must be "cookie" or "config"' };

  const given = DII_FIELDS.filter((field) => fields[field] !== undefined);
  if (given.length !== 1) return { field: 'email', message: 'give exactly one of email or phone' };
  const field = given[0]!;
  const value = fields[field];
  if (typeof value !== 'string') return { field, message: 'must be a string' };
  const hashed = await hashDii({ [field]: value });
  if (!hashed) return { field, message: INVALID_VALUE[field] };
  return { hashed, delivery: delivery as Delivery };
}

export function isFieldError(parsed: LoginRequest | FieldError): parsed is FieldError {
  return 'field' in parsed;
}
