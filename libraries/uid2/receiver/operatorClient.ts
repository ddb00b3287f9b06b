// An SDK-style client of the UID2 operator's server-to-server endpoints, as UID2's server SDKs call them: API key
// as bearer, v2 envelope sealed with the client secret both ways. Used by the sharing command and the dev stack.
import { openResponseEnvelope, sealRequestEnvelope } from './envelope.js';

export interface OperatorClient {
  operatorUrl: string;
  apiKey: string;
  secret: string;
  /** ms epoch clock, the envelope timestamp the operator checks; default Date.now */
  now?: () => number;
  /** gives up on a call after this many ms (a TimeoutError); default: no limit */
  timeoutMs?: number;
}

/** The opened answer of a 200 response: `success` with a body, or another status (`optout`, …). */
export interface OperatorAnswer {
  status: string;
  body?: unknown;
}

/** An HTTP status other than 200: the operator's plain-JSON error answers (400, 401, …) and anything in between. */
export class OperatorHttpError extends Error {
  constructor(readonly path: string, readonly httpStatus: number, text: string) {
    super(`${path} answered ${httpStatus} ${text.slice(0, 200)}`);
  }
}

/**
 * POSTs one enveloped request (`json` undefined: an envelope without payload, as the key endpoints take) and
 * opens the answer whatever its status; an HTTP status other than 200 is an OperatorHttpError.
 */
export async function callOperatorForAnswer(client: OperatorClient, path: string, json?: unknown): Promise<OperatorAnswer> {
  const { operatorUrl, apiKey, secret } = client;
  const { envelope, nonce } = await sealRequestEnvelope(secret, json, { now: (client.now ?? Date.now)() });
  const response = await fetch(`${operatorUrl.replace(/\/$/, '')}${path}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'text/plain' },
    body: envelope,
    ...(client.timeoutMs !== undefined && { signal: AbortSignal.timeout(client.timeoutMs) }),
  });
  const text = await response.text();
  if (response.status !== 200) throw new OperatorHttpError(path, response.status, text);
  const answer = (await openResponseEnvelope(secret, text, nonce)) as { status?: unknown; body?: unknown };
  return { status: String(answer.status), body: answer.body };
}

/** The answer's `body` on success; any other status is an Error naming the path. */
export async function callOperator(client: OperatorClient, path: string, json?: unknown): Promise<unknown> {
  const answer = await callOperatorForAnswer(client, path, json);
  if (answer.status !== 'success') throw new Error(`${path} answered status ${answer.status}`);
  return answer.body;
}
