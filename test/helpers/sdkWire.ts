// The UID2 wire format written out by hand from the published docs (gs-encryption-decryption, the endpoint
// pages, integration-dsp-no-sdk) with node:crypto, the way any SDK implements it: the specs that prove the
// operator's endpoints use this, never the project's own client code.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { ClientConfig, OperatorConfig } from '../../devstack/operator/config.js';
import { post, type RunningOperator } from './operatorHarness.js';

function int64(value: number): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeBigInt64BE(BigInt(value));
  return bytes;
}

function gcmOpen(key: Buffer, blob: Buffer): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, blob.subarray(0, 12));
  decipher.setAuthTag(blob.subarray(blob.length - 16));
  return Buffer.concat([decipher.update(blob.subarray(12, blob.length - 16)), decipher.final()]);
}

/** Request envelope: base64( 0x01 ‖ IV ‖ AES-256-GCM( timestamp ms ‖ nonce(8) ‖ JSON ) ‖ tag ) under the client secret. */
export function sealEnvelope(secret: string, json: unknown, now: number): { body: string; nonce: Buffer } {
  const nonce = randomBytes(8);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(secret, 'base64'), iv);
  const payload = Buffer.concat([int64(now), nonce, json === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(json))]);
  const sealed = Buffer.concat([cipher.update(payload), cipher.final(), cipher.getAuthTag()]);
  return { body: Buffer.concat([Buffer.from([1]), iv, sealed]).toString('base64'), nonce };
}

/** Response envelope: base64( IV ‖ GCM( timestamp ‖ the request's nonce ‖ JSON ) ‖ tag ); the JSON text as sent. */
export function openEnvelope(secret: string, text: string, nonce: Buffer): string {
  const plaintext = gcmOpen(Buffer.from(secret, 'base64'), Buffer.from(text, 'base64'));
  if (!plaintext.subarray(8, 16).equals(nonce)) throw new Error('response nonce does not match');
  return plaintext.subarray(16).toString('utf8');
}

export interface SdkAnswer {
  status: number;
  /** the decrypted JSON text of a 200, the plain body otherwise */
  text: string;
  json: any;
}

/** One server-side SDK call: bearer API key, enveloped JSON at the operator's time. */
export async function callAsSdk(op: RunningOperator, path: string, client: Pick<ClientConfig, 'key' | 'secret'>, json?: unknown): Promise<SdkAnswer> {
  const { body, nonce } = sealEnvelope(client.secret, json, op.clock.now());
  const answer = await post(op.url + path, body, { Authorization: `Bearer ${client.key}`, 'X-UID2-Client-Version': 'spec-1.0' });
  const text = answer.status === 200 ? openEnvelope(client.secret, answer.text, nonce) : answer.text;
  return { status: answer.status, text, json: JSON.parse(text) };
}

function sha256Base64(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('base64');
}

/**
 * The raw UID2 the docs' derivation gives for a hashed DII under a bucket salt:
 * FLH = SHA-256(base64 hash ‖ first-level salt), bucket = FLH bits mod bucket count, raw = SHA-256(base64 FLH ‖ salt).
 */
export function rawUidOf(config: OperatorConfig, diiHash: string, salt?: string): { rawUid: string; bucketId: string } {
  const flh = createHash('sha256').update(diiHash + config.salts.first_level, 'utf8').digest();
  const buckets = config.salts.rotating;
  const bucket = buckets[((flh[0]! << 12) | (flh[1]! << 4) | (flh[2]! & 0x0f)) % buckets.length]!;
  return { rawUid: sha256Base64(flh.toString('base64') + (salt ?? bucket.salt)), bucketId: bucket.bucket_id };
}

/** base64 SHA-256 of a normalized email or E.164 phone, what the *_hash fields carry. */
export function diiHash(normalized: string): string {
  return sha256Base64(normalized);
}

/** A v4 advertising token opened with the keys of a /v2/key/* answer, as a DSP without an SDK does. */
export function openAdvertisingToken(token: string, keys: Array<{ id: number; secret: string }>): { siteId: number; rawUid: string; typeByte: number } {
  const secretOf = (id: number) => Buffer.from(keys.find((key) => key.id === id)!.secret, 'base64');
  const bytes = Buffer.from(token, 'base64url');
  const master = gcmOpen(secretOf(bytes.readInt32BE(2)), bytes.subarray(6));
  const site = gcmOpen(secretOf(master.readInt32BE(29)), master.subarray(33));
  return { siteId: site.readInt32BE(0), rawUid: site.subarray(36).toString('base64'), typeByte: bytes[0]! };
}
