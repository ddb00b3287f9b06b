// v2 request/response envelopes of the server-to-server endpoints (docs/uid2-protocol.md §2), both sides.
// Request:  base64( 0x01 || GCM blob of timestamp ms (8) || nonce (8) || UTF-8 JSON ) under the client secret.
// Response: base64( GCM blob of timestamp ms (8) || the request's nonce (8) || UTF-8 JSON ), same secret.
import { fromBase64, toBase64 } from '../crypto/base64.js';
import { ByteReader, ByteWriter } from '../crypto/byteLayout.js';
import { bytesEqual, concatBytes, fromUtf8, randomBytes, utf8 } from '../crypto/bytes.js';
import { gcmOpen, gcmSeal } from '../crypto/cryptoBackend.js';
import { GCM_IV_LENGTH } from '../crypto/aesGcm.js';
import { clientError } from './operatorError.js';

const ENVELOPE_VERSION = 1;
const NONCE_LENGTH = 8;
const HEADER_LENGTH = 8 + NONCE_LENGTH;
/** version + IV + tag + timestamp + nonce */
const MIN_REQUEST_LENGTH = 1 + GCM_IV_LENGTH + 16 + HEADER_LENGTH;
/** Java's Duration.toMinutes() truncates, so up to 119 s of drift still counts as "1 minute" */
const MAX_DRIFT_MINUTES = 1;

function header(timestamp: number, nonce: Uint8Array): Uint8Array {
  return new ByteWriter(HEADER_LENGTH).i64(timestamp).raw(nonce).done();
}

function jsonBytes(json: unknown): Uint8Array {
  return json === undefined ? new Uint8Array(0) : utf8(JSON.stringify(json));
}

// ---- client side (publishers' servers, SDKs, tests) ----

/** Seals a request; `json` undefined sends timestamp and nonce only (what /v2/key/sharing expects). */
export async function sealRequestEnvelope(
  secret: string,
  json: unknown | undefined,
  opts: { now?: number; nonce?: Uint8Array; iv?: Uint8Array } = {},
): Promise<{ envelope: string; nonce: Uint8Array }> {
  const nonce = opts.nonce ?? randomBytes(NONCE_LENGTH);
  const plaintext = concatBytes(header(opts.now ?? Date.now(), nonce), jsonBytes(json));
  const blob = await gcmSeal(secret, plaintext, { iv: opts.iv });
  return { envelope: toBase64(concatBytes(Uint8Array.of(ENVELOPE_VERSION), blob)), nonce };
}

/** Opens a 200 response; throws if it does not decrypt or does not echo the request's nonce. */
export async function openResponseEnvelope(secret: string, body: string, expectedNonce: Uint8Array): Promise<unknown> {
  const plaintext = await gcmOpen(secret, fromBase64(body));
  const reader = new ByteReader(plaintext);
  reader.i64(); // the operator's timestamp: informative only
  if (!bytesEqual(reader.take(NONCE_LENGTH), expectedNonce)) throw new Error('response nonce does not match the request');
  return JSON.parse(fromUtf8(reader.rest()));
}

// ---- server side (the local operator) ----

export interface OpenedRequest {
  timestamp: number;
  nonce: Uint8Array;
  /** the request JSON object, undefined when the envelope carried none */
  json: Record<string, unknown> | undefined;
}

function docsHint(identityScope: 'UID2' | 'EUID'): string {
  const site = identityScope === 'EUID' ? 'https://euid.eu' : 'https://unifiedid.com';
  return ` See ${site}/docs/getting-started/gs-encryption-decryption#encryption-and-decryption-code-examples for encryption and decryption code examples.`;
}

function parseJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(fromUtf8(bytes));
  } catch {
    return undefined;
  }
}

/** what a caller that skipped the encryption step sends: a JSON object or array */
function looksLikeJson(bytes: Uint8Array): boolean {
  const value = parseJson(bytes);
  return typeof value === 'object' && value !== null;
}

function parseJsonObject(bytes: Uint8Array): Record<string, unknown> | undefined {
  const value = parseJson(bytes);
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/**
 * Opens a request envelope the way the operator does, throwing a Uid2OperatorError (400 client_error) with
 * the operator's message. `body` is the base64 text, or the raw bytes of an application/octet-stream request.
 */
export async function openRequestEnvelope(
  secret: string,
  body: string | Uint8Array,
  now: number,
  identityScope: 'UID2' | 'EUID' = 'UID2',
): Promise<OpenedRequest> {
  const hint = docsHint(identityScope);
  if (body.length === 0) throw clientError('Invalid body: Body is missing.');
  let bytes: Uint8Array;
  if (typeof body === 'string') {
    try {
      bytes = fromBase64(body);
    } catch {
      if (looksLikeJson(utf8(body))) throw clientError(`Invalid body: The request body is unencrypted JSON. It must be an encrypted request envelope.${hint}`);
      throw clientError(`Invalid body: Body is not valid base64.${hint}`);
    }
  } else {
    bytes = body;
  }
  if (looksLikeJson(bytes)) throw clientError(`Invalid body: The request body is unencrypted JSON. It must be an encrypted request envelope.${hint}`);
  if (bytes.length < MIN_REQUEST_LENGTH) throw clientError(`Invalid body: Body too short. Check encryption method.${hint}`);
  if (bytes[0] !== ENVELOPE_VERSION) {
    throw clientError(`Invalid body: Invalid request envelope format version: received ${bytes[0]}, must be ${ENVELOPE_VERSION}.${hint}`);
  }
  let plaintext: Uint8Array;
  try {
    plaintext = await gcmOpen(secret, bytes.subarray(1));
  } catch {
    throw clientError(`Invalid body: Check encryption key (ClientSecret).${hint}`);
  }
  const reader = new ByteReader(plaintext);
  const timestamp = reader.i64();
  const nonce = reader.take(NONCE_LENGTH);
  if (Math.abs(Math.trunc((now - timestamp) / 60_000)) > MAX_DRIFT_MINUTES) {
    throw clientError('Invalid timestamp: Request too old or client time drift.');
  }
  const jsonPart = reader.rest();
  if (jsonPart.length === 0) return { timestamp, nonce, json: undefined };
  const json = parseJsonObject(jsonPart);
  if (json === undefined) throw clientError('Invalid payload in body: Data is not valid json string.');
  return { timestamp, nonce, json };
}

/** Seals a 200 response for the request that carried `nonce`. */
export async function sealResponseEnvelope(
  secret: string,
  json: unknown,
  nonce: Uint8Array,
  opts: { now?: number; iv?: Uint8Array } = {},
): Promise<string> {
  const plaintext = concatBytes(header(opts.now ?? Date.now(), nonce), jsonBytes(json));
  return toBase64(await gcmSeal(secret, plaintext, { iv: opts.iv }));
}
