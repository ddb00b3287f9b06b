// Runs the local operator on an ephemeral loopback port with a hand-driven clock, and speaks its protocol
// the way SDKs and browsers do.
import { openResponseEnvelope, sealRequestEnvelope } from '../../libraries/uid2/receiver/envelope.js';
import { parseKeyContainer, type KeyContainer } from '../../libraries/uid2/receiver/keys.js';
import { LOCAL_OPERATOR_CONFIG, loadOperatorConfig, type ClientConfig, type OperatorConfig } from '../../devstack/operator/config.js';
import { startLocalStack } from '../../devstack/localStack.js';
import type { OperatorOptions } from '../../devstack/operator/operator.js';


/** A fixed start time: tests never depend on the wall clock. */
export const T0 = Date.UTC(2030, 0, 1);

export function localConfig(): Promise<OperatorConfig> {
  return loadOperatorConfig(LOCAL_OPERATOR_CONFIG);
}

export function clientNamed(config: OperatorConfig, name: string): ClientConfig {
  const client = config.clients.find((c) => c.name === name);
  if (!client) throw new Error(`no client ${name}`);
  return client;
}

export interface RunningOperator {
  url: string;
  config: OperatorConfig;
  clock: { now: () => number; advance: (ms: number) => void };
  logs: string[];
  close(): Promise<void>;
}

export async function startOperator(
  opts: { config?: OperatorConfig; random?: OperatorOptions['random'] } = {},
): Promise<RunningOperator> {
  const config = opts.config ?? (await localConfig());
  let time = T0;
  const clock = { now: () => time, advance: (ms: number) => void (time += ms) };
  const logs: string[] = [];
  const stack = await startLocalStack({ config, operator: { now: clock.now, random: opts.random, log: (line) => logs.push(line) }, ssp: false });
  return { url: stack.operatorUrl, config, clock, logs, close: stack.close };
}


export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
}

export async function post(url: string, body: string | Uint8Array<ArrayBuffer>, headers: Record<string, string> = {}): Promise<HttpAnswer> {
  const response = await fetch(url, { method: 'POST', body, headers });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** An SDK call: envelope sealed with the client's secret at the operator's time, API key as bearer. */
export async function callEnveloped(
  op: RunningOperator,
  path: string,
  client: ClientConfig,
  json?: unknown,
): Promise<{ status: number; json: unknown }> {
  const { envelope, nonce } = await sealRequestEnvelope(client.secret, json, { now: op.clock.now() });
  const answer = await post(op.url + path, envelope, { Authorization: `Bearer ${client.key}` });
  if (answer.status !== 200) return { status: answer.status, json: JSON.parse(answer.text) };
  return { status: 200, json: await openResponseEnvelope(client.secret, answer.text, nonce) };
}

/** A receiver's key container from /v2/key/sharing or /v2/key/bidstream. */
export async function fetchKeys(op: RunningOperator, path: '/v2/key/sharing' | '/v2/key/bidstream', client: ClientConfig): Promise<KeyContainer> {
  const { status, json } = await callEnveloped(op, path, client);
  if (status !== 200) throw new Error(`${path}: ${status} ${JSON.stringify(json)}`);
  return parseKeyContainer((json as { body: unknown }).body);
}

/** The local admin route of sharing permissions: GET the list, or POST one change (JSON unless told otherwise). */
export async function adminSharing(
  baseUrl: string,
  change?: unknown,
  headers: Record<string, string> = { 'Content-Type': 'application/json' },
): Promise<{ status: number; headers: Headers; json: any }> {
  const response = await fetch(`${baseUrl}/admin/sharing`, change === undefined ? {} : { method: 'POST', headers, body: typeof change === 'string' ? change : JSON.stringify(change) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: text ? JSON.parse(text) : undefined };
}
