// JSON sealed as base64(GCM blob): the shape of refresh responses (under the refresh_response_key) and of
// CSTG responses (under the ECDH shared key).
import { fromBase64, toBase64 } from '../crypto/base64.js';
import { fromUtf8, randomBytes, utf8 } from '../crypto/bytes.js';
import { GCM_IV_LENGTH } from '../crypto/aesGcm.js';
// WebCrypto directly, not the backend cryptoBackend() picks: these keys are WebCrypto keys (ECDH-derived for CSTG),
// and a page bundle must not pull the choice of a Node backend
import { webCryptoBackend } from '../crypto/webCryptoBackend.js';

export async function openGcmJson(key: CryptoKey, responseText: string): Promise<unknown> {
  return JSON.parse(fromUtf8(await webCryptoBackend.gcmDecrypt(key, fromBase64(responseText))));
}

export async function sealGcmJson(key: CryptoKey, json: unknown, opts: { iv?: Uint8Array } = {}): Promise<string> {
  return toBase64(await webCryptoBackend.gcmEncrypt(key, utf8(JSON.stringify(json)), opts.iv ?? randomBytes(GCM_IV_LENGTH)));
}
