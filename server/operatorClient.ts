// How the local servers call the UID2 operator as an SDK does: API key as bearer, v2 envelope sealed with
// the client secret both ways. The answer's `body` on success; anything else is an Error naming the path.
import { openResponseEnvelope, sealRequestEnvelope } from '../libraries/uid2/envelope.js';

export interface OperatorClient {
  operatorUrl: string;
  apiKey: string;
  secret: string;
  /** ms epoch clock, the envelope timestamp the operator checks; default Date.now */
  now?: () => number;
}

/** POSTs one enveloped request (`json` undefined: an envelope without payload, as the key endpoints take). */
export async function callOperator(client: OperatorClient, path: string, json?: unknown): Promise<unknown> {
  const { operatorUrl, apiKey, secret } = client;
  const { envelope, nonce } = await sealRequestEnvelope(secret, json, { now: (client.now ?? Date.now)() });
  const response = await fetch(`${operatorUrl.replace(/\/$/, '')}${path}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'text/plain' },
    body: envelope,
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${path} answered ${response.status} ${text.slice(0, 200)}`);
  const answer = (await openResponseEnvelope(secret, text, nonce)) as { status?: string; body?: unknown };
  if (answer.status !== 'success') throw new Error(`${path} answered status ${String(answer.status)}`);
  return answer.body;
}
