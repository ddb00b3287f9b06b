// Client-side token generation, operator side (docs/uid2-protocol.md §4): opens a CstgRequest with the
// subscription's private key, failing with the operator's messages, and seals the answer.
// Subscription lookup and the Origin/app-name check come first and belong to the operator itself.
import { fromBase64 } from '../../libraries/uid2/crypto/base64.js';
import { concatBytes, fromUtf8 } from '../../libraries/uid2/crypto/bytes.js';
import { webCryptoBackend } from '../../libraries/uid2/crypto/webCryptoBackend.js';
import { ECDH_P256, cstgAad, deriveCstgKey } from '../../libraries/uid2/client/cstg.js';
import { sealGcmJson } from '../../libraries/uid2/client/gcmJson.js';
import { normalizeDiiHash, type HashedDii } from '../../libraries/uid2/client/normalize.js';
import { clientError, type Uid2OperatorError } from '../../libraries/uid2/receiver/operatorError.js';

/** `UID2-Y-<env>-<base64 PKCS#8>` (or `EUID-Y-…`) → ECDH private key. */
export function importServerPrivateKey(privateKey: string): Promise<CryptoKey> {
  const match = /^(UID2|EUID)-Y-[A-Z]-(.+)$/.exec(privateKey);
  if (!match) throw new Error('invalid CSTG server private key');
  return crypto.subtle.importKey('pkcs8', fromBase64(match[2]!), ECDH_P256, false, ['deriveKey']);
}

/** The operator's answer to a body whose field has the wrong JSON type (its mapping to CstgRequest fails). */
export function invalidCstgField(field: string, expected: string): Uid2OperatorError {
  return clientError(`json payload is not valid: ${field} must be ${expected}`);
}

/**
 * Opens a /v2/token/client-generate body. Throws a Uid2OperatorError (400 client_error) with the
 * operator's message for each failure, in the operator's order.
 */
export async function openCstgRequest(
  serverPrivateKey: CryptoKey,
  body: unknown,
): Promise<{ dii: HashedDii; sharedKey: CryptoKey; timestamp: unknown }> {
  const request = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const { payload, iv, public_key: publicKey, timestamp, app_name: appName } = request;
  // types first: both go into the AAD as JSON, and nothing but a number and a string belongs there
  if (timestamp !== undefined && typeof timestamp !== 'number') throw invalidCstgField('timestamp', 'a number');
  if (appName !== undefined && appName !== null && typeof appName !== 'string') throw invalidCstgField('app_name', 'a string');
  if (typeof payload !== 'string' || typeof iv !== 'string' || typeof publicKey !== 'string') {
    throw clientError('required parameters: payload, iv, public_key');
  }
  let clientKey: CryptoKey;
  try {
    clientKey = await crypto.subtle.importKey('spki', fromBase64(publicKey), ECDH_P256, false, []);
  } catch {
    throw clientError('bad public key');
  }
  const sharedKey = await deriveCstgKey(clientKey, serverPrivateKey);
  let ivBytes: Uint8Array;
  try {
    ivBytes = fromBase64(iv);
  } catch {
    throw clientError('bad iv');
  }
  if (ivBytes.length !== 12) throw clientError('bad iv');
  const aad = cstgAad(appName === undefined ? [timestamp] : [timestamp, appName]);
  let plaintext: Uint8Array;
  try {
    plaintext = await webCryptoBackend.gcmDecrypt(sharedKey, concatBytes(ivBytes, fromBase64(payload)), aad);
  } catch {
    throw clientError('payload decryption failed');
  }
  let json: unknown;
  try {
    json = JSON.parse(fromUtf8(plaintext));
  } catch {
    json = undefined;
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw clientError('encrypted payload contains invalid json');
  const { email_hash: emailHash, phone_hash: phoneHash } = json as Record<string, unknown>;
  const given = [emailHash, phoneHash].filter((v) => v !== undefined && v !== null);
  if (given.length !== 1) throw clientError('please provide exactly one of: email_hash, phone_hash');
  const hash = typeof given[0] === 'string' ? normalizeDiiHash(given[0]) : undefined;
  if (hash === undefined) throw clientError('Invalid Identifier');
  return { dii: emailHash !== undefined && emailHash !== null ? { email_hash: hash } : { phone_hash: hash }, sharedKey, timestamp };
}

/** base64(GCM blob) of the response JSON under the shared key, fresh IV, no AAD. */
export function sealCstgResponse(sharedKey: CryptoKey, json: unknown, opts: { iv?: Uint8Array } = {}): Promise<string> {
  return sealGcmJson(sharedKey, json, opts);
}
