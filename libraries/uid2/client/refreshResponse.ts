// /v2/token/refresh 200 answers: base64(GCM blob) under the refresh_response_key the client holds, whose
// plaintext is the response JSON itself (no timestamp/nonce header, unlike the v2 envelope).
import { fromBase64 } from '../crypto/base64.js';
import { webCryptoBackend } from '../crypto/webCryptoBackend.js';
import { openGcmJson, sealGcmJson } from './gcmJson.js';

export async function openRefreshResponse(refreshResponseKey: string, responseText: string): Promise<unknown> {
  return openGcmJson(await webCryptoBackend.importGcmKey(fromBase64(refreshResponseKey)), responseText);
}

export async function sealRefreshResponse(
  refreshResponseKey: string,
  json: unknown,
  opts: { iv?: Uint8Array } = {},
): Promise<string> {
  return sealGcmJson(await webCryptoBackend.importGcmKey(fromBase64(refreshResponseKey)), json, opts);
}
