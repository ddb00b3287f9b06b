/**
 * The local UID2 operator, in-process on a loopback port, as the benchmarks' identity source and call
 * counter: stored identities are real ones from /v2/token/generate, and refresh calls are counted where
 * they land rather than in the browser.
 */
import http from 'node:http';
import type { Uid2Identity } from '../../libraries/uid2/client/uid2Identity.js';
import { closeServer, listenOnLoopback } from '../http.js';
import { LOCAL_OPERATOR_CONFIG, loadOperatorConfig, type OperatorConfig } from '../operator/config.js';
import { createOperator } from '../operator/operator.js';
import { callOperator } from '../../libraries/uid2/receiver/operatorClient.js';

const PUBLISHER = 'local-publisher';

/**
 * The round trip to an operator across the internet, for the cases that name it: the distant URL answers each request
 * (a call, or the CORS preflight in front of one) this much later. On loopback a preflight costs nothing; from a
 * reader's browser to UID2's operator each request costs a round trip, tens of ms.
 */
export const DISTANT_ROUND_TRIP_MS = 40;

export interface BenchOperator {
  url: string;
  /** the same operator, each request answered DISTANT_ROUND_TRIP_MS later */
  distantUrl: string;
  /** CSTG params for the local publisher's subscription (its site allows the origin localhost) */
  cstg: { serverPublicKey: string; subscriptionId: string };
  /** a fresh identity for `email`, as a publisher's server gets it */
  generate(email: string): Promise<Uid2Identity>;
  /** POSTs received so far on these paths, whatever their answer */
  calls(...paths: string[]): number;
  /** CORS preflights (OPTIONS) received so far on these paths: the round trip a custom request header costs */
  preflights(...paths: string[]): number;
  close(): Promise<void>;
}

function publisherClient(config: OperatorConfig) {
  const client = config.clients.find((c) => c.name === PUBLISHER);
  const keypair = config.client_side_keypairs.find((k) => k.site_id === client?.site_id);
  if (!client || !keypair) throw new Error(`local config has no ${PUBLISHER} client with a CSTG keypair`);
  return { client, keypair };
}

/** Local lifetimes (an hour per token), not the demo's: a fresh token must stay fresh for the whole run. */
export async function startBenchOperator(): Promise<BenchOperator> {
  const config = await loadOperatorConfig(LOCAL_OPERATOR_CONFIG);
  const { client, keypair } = publisherClient(config);
  const operator = createOperator(config);
  await operator.ready;
  // API calls (POST) and CORS preflights (OPTIONS), apart
  const counts = new Map<string, number>();
  const counted = (delayMs: number) => http.createServer((req, res) => {
    const key = `${req.method} ${new URL(req.url ?? '/', 'http://operator').pathname}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    if (delayMs > 0) setTimeout(() => operator.handler(req, res), delayMs);
    else operator.handler(req, res);
  });
  const count = (method: string, paths: string[]) => paths.reduce((sum, path) => sum + (counts.get(`${method} ${path}`) ?? 0), 0);
  const [server, distant] = [counted(0), counted(DISTANT_ROUND_TRIP_MS)];
  const [url, distantUrl] = [await listenOnLoopback(server), await listenOnLoopback(distant)];

  const publisher = { operatorUrl: url, apiKey: client.key, secret: client.secret };
  const generate = async (email: string) => (await callOperator(publisher, '/v2/token/generate', { email })) as Uid2Identity;

  return {
    url,
    distantUrl,
    cstg: { serverPublicKey: keypair.public_key, subscriptionId: keypair.subscription_id },
    generate,
    calls: (...paths) => count('POST', paths),
    preflights: (...paths) => count('OPTIONS', paths),
    close: async () => void await Promise.all([closeServer(server), closeServer(distant)]),
  };
}
