// Client-side token generation, browser side (docs/uid2-protocol.md §4). Kept to what a page needs: the payload is
// the hashed DII, encrypted under an ECDH P-256 shared key with the operator's public key (the raw 32-byte
// x-coordinate is the AES-256-GCM key, no KDF), bound to the request timestamp through the AAD.
import { fromBase64, toBase64 } from '../crypto/base64.js';
import { randomBytes, utf8 } from '../crypto/bytes.js';
import { GCM_IV_LENGTH } from '../crypto/aesGcm.js';
import { webCryptoBackend } from '../crypto/webCryptoBackend.js';
import { openGcmJson } from './gcmJson.js';
import type { HashedDii } from './normalize.js';

export interface CstgRequestBody {
  /** base64 ciphertext ‖ tag */
  payload: string;
  /** base64, 12 bytes */
  iv: string;
  /** base64 SPKI of the client's ephemeral P-256 key */
  public_key: string;
  /** ms epoch, authenticated as AAD */
  timestamp: number;
  subscription_id: string;
  /** mobile apps only */
  app_name?: string;
}

export const ECDH_P256 = { name: 'ECDH', namedCurve: 'P-256' } as const;

/** `UID2-X-<env>-<base64 SPKI>` or `EUID-X-…` → scope and SPKI bytes; undefined if malformed. */
export function parseServerPublicKey(key: string): { scope: 'UID2' | 'EUID'; spki: Uint8Array<ArrayBuffer> } | undefined {
  const match = /^(UID2|EUID)-X-[A-Z]-(.+)$/.exec(key);
  if (!match) return undefined;
  try {
    return { scope: match[1] as 'UID2' | 'EUID', spki: fromBase64(match[2]!) };
  } catch {
    return undefined;
  }
}

/**
 * The AAD both sides compute: the JSON array [timestamp], or [timestamp,"app name"] for mobile apps, without
 * spaces. The caller picks the form (only the operator sees app names; pages always send the timestamp alone).
 */
export function cstgAad(fields: [timestamp: unknown, appName?: unknown]): Uint8Array<ArrayBuffer> {
  return utf8(JSON.stringify(fields));
}

export function deriveCstgKey(publicKey: CryptoKey, privateKey: CryptoKey): Promise<CryptoKey> {
  return crypto.subtle.deriveKey({ name: 'ECDH', public: publicKey }, privateKey, { name: 'AES-GCM', length: 256 }, false, [
    'encrypt',
    'decrypt',
  ]);
}

/** Builds the /v2/token/client-generate body; keep `sharedKey` to open the response. */
export async function createCstgRequest(opts: {
  serverPublicKey: string;
  subscriptionId: string;
  dii: HashedDii;
  now?: number;
}): Promise<{ body: CstgRequestBody; sharedKey: CryptoKey }> {
  const server = parseServerPublicKey(opts.serverPublicKey);
  if (!server) throw new Error('invalid CSTG server public key');
  return createCstgRequestForSpki(server.spki, opts.subscriptionId, opts.dii, opts.now);
}

/**
 * createCstgRequest for a server public key already parsed (the module validates it with its config). `dii` may be
 * still hashing: the server key import, the key pair and the hash run at once, then the encryption and the export
 * of the public key, so that the request waits for two WebCrypto steps after the slowest of the first three, not six.
 */
export async function createCstgRequestForSpki(
  serverSpki: Uint8Array<ArrayBuffer>,
  subscriptionId: string,
  dii: HashedDii | Promise<HashedDii>,
  timestamp = Date.now(),
): Promise<{ body: CstgRequestBody; sharedKey: CryptoKey }> {
  const [serverKey, client, hashed] = await Promise.all([
    crypto.subtle.importKey('spki', serverSpki, ECDH_P256, false, []),
    crypto.subtle.generateKey(ECDH_P256, false, ['deriveKey']),
    dii,
  ]);
  const sharedKey = await deriveCstgKey(serverKey, client.privateKey);
  const iv = randomBytes(GCM_IV_LENGTH);
  // AES through the one backend seam, as every AES call; the body carries IV and ciphertext ‖ tag apart
  const [sealed, clientSpki] = await Promise.all([
    webCryptoBackend.gcmEncrypt(sharedKey, utf8(JSON.stringify(hashed)), iv, cstgAad([timestamp])),
    crypto.subtle.exportKey('spki', client.publicKey),
  ]);
  return {
    body: {
      payload: toBase64(sealed.subarray(GCM_IV_LENGTH)),
      iv: toBase64(iv),
      public_key: toBase64(new Uint8Array(clientSpki)),
      timestamp,
      subscription_id: subscriptionId,
    },
    sharedKey,
  };
}

/** Opens a 200 answer: base64(GCM blob) of the response JSON under the shared key. */
export function openCstgResponse(sharedKey: CryptoKey, responseText: string): Promise<unknown> {
  return openGcmJson(sharedKey, responseText);
}
