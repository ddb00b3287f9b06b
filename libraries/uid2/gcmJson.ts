// JSON sealed as base64(GCM blob): the shape of refresh responses (under the refresh_response_key) and of
// CSTG responses (under the ECDH shared key).
import { fromBase64, toBase64 } from './base64.js';
import { fromUtf8, utf8 } from './bytes.js';
import { gcmDecrypt, gcmEncrypt } from './aesGcm.js';

export async function openGcmJson(key: CryptoKey, responseText: string): Promise<unknown> {
  return JSON.parse(fromUtf8(await gcmDecrypt(key, fromBase64(responseText))));
}

export async function sealGcmJson(key: CryptoKey, json: unknown, opts: { iv?: Uint8Array } = {}): Promise<string> {
  return toBase64(await gcmEncrypt(key, utf8(JSON.stringify(json)), opts));
}
