// /v2/token/refresh 200 answers: base64(GCM blob) under the refresh_response_key the client holds, whose
// plaintext is the response JSON itself (no timestamp/nonce header, unlike the v2 envelope).
import { importAesKey } from './aesGcm.js';
import { openGcmJson, sealGcmJson } from './gcmJson.js';

export async function openRefreshResponse(refreshResponseKey: string, responseText: string): Promise<unknown> {
  return openGcmJson(await importAesKey(refreshResponseKey), responseText);
}

export async function sealRefreshResponse(
  refreshResponseKey: string,
  json: unknown,
  opts: { iv?: Uint8Array } = {},
): Promise<string> {
  return sealGcmJson(await importAesKey(refreshResponseKey), json, opts);
}
