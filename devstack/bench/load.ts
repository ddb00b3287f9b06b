// Load on the servers, as ratios against a trivial Node HTTP handler measured in the same run: token refresh
// and CSTG at the local operator, and an auction with a UID2 token at the mock SSP (decrypting it). Each target
// gets a fixed number of requests from a fixed number of keep-alive connections on loopback, bounded in time
// too, in rounds that alternate with the trivial handler's so that both see the same load on a shared machine;
// the servers run in a child process (devstack/bench/loadServers.ts), whose resident memory is read before and after
// each target. Run directly: node build/node/devstack/bench/load.js (LOAD_REQUESTS=n for another count per target)
import { fork, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createCstgRequest } from '../../libraries/uid2/client/cstg.js';
import type { Uid2Identity } from '../../libraries/uid2/client/uid2Identity.js';
import { LOCAL_OPERATOR_CONFIG, loadOperatorConfig } from '../operator/config.js';
import { callOperator } from '../../libraries/uid2/receiver/operatorClient.js';
import type { LoadServerMessage, LoadServerPorts } from './loadServers.js';
import { median } from './median.js';

export interface LoadOptions {
  /** requests per target after warm-up */
  requests?: number;
  warmup?: number;
  /** requests in flight at once */
  concurrency?: number;
  /** a target stops after this long whatever the count */
  maxSeconds?: number;
  /** the requests are sent in this many rounds, alternating with as many to the trivial handler */
  rounds?: number;
}

export interface LoadFigures {
  requests: number;
  errors: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  rssBeforeMiB: number;
  rssAfterMiB: number;
}

export interface LoadTarget extends LoadFigures {
  /** the trivial handler loaded the same way in rounds alternating with this target's (the machine is shared) */
  trivial: LoadFigures;
  /** requests per second over the trivial handler's, and p99 over its p99 */
  throughputRatio: number;
  p99Ratio: number;
}

export interface LoadResult {
  options: Required<LoadOptions>;
  /** 1-minute load average before and after: other processes on the machine skew every figure */
  loadAverage: { start: number; end: number };
  refresh: LoadTarget;
  cstg: LoadTarget;
  sspAuction: LoadTarget;
}

/** One request the load sends: the body is chosen per request from a prepared set. */
interface RequestPlan {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  bodies: string[];
}

const DEFAULTS: Required<LoadOptions> = { requests: 3000, warmup: 300, concurrency: 16, maxSeconds: 20, rounds: 5 };
/** identities and CSTG bodies prepared up front, cycled through by the load */
const PREPARED = 40;

function send(agent: http.Agent, plan: RequestPlan, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.request(plan.url, { method: plan.method, agent, headers: { ...plan.headers, 'Content-Length': Buffer.byteLength(body) } }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    request.on('error', reject);
    request.end(body);
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;
}

/** `count` requests, `concurrency` at a time; latencies of 200 answers, anything else counted as an error. */
async function drive(plan: RequestPlan, count: number, concurrency: number, maxSeconds: number): Promise<{ latencies: number[]; errors: number; seconds: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const started = performance.now();
  const deadline = started + maxSeconds * 1000;
  const worker = async () => {
    while (next < count && performance.now() < deadline) {
      const body = plan.bodies[next++ % plan.bodies.length]!;
      const sent = performance.now();
      const status = await send(agent, plan, body).catch(() => 0);
      if (status === 200) latencies.push(performance.now() - sent);
      else errors += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  return { latencies, errors, seconds };
}

function startServers(): Promise<{ child: ChildProcess; ports: LoadServerPorts; rss(): Promise<number> }> {
  const child = fork(fileURLToPath(new URL('./loadServers.js', import.meta.url)), { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const rss = () =>
    new Promise<number>((resolve) => {
      child.once('message', (message: LoadServerMessage) => resolve('rss' in message ? message.rss : NaN));
      child.send('rss');
    });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`load servers exited with ${code}`)));
    child.once('message', (message: LoadServerMessage) => {
      if ('ports' in message) resolve({ child, ports: message.ports, rss });
    });
  });
}

/** The three loads' requests, with identities and CSTG bodies prepared at the operator beforehand. */
async function plans(ports: LoadServerPorts): Promise<Record<'trivial' | 'refresh' | 'cstg' | 'sspAuction', RequestPlan>> {
  const config = await loadOperatorConfig(LOCAL_OPERATOR_CONFIG);
  const publisher = config.clients.find((c) => c.name === 'local-publisher')!;
  const keypair = config.client_side_keypairs.find((k) => k.site_id === publisher.site_id)!;
  const client = { operatorUrl: ports.operator, apiKey: publisher.key, secret: publisher.secret };
  const identities = await Promise.all(
    Array.from({ length: PREPARED }, (_, i) => callOperator(client, '/v2/token/generate', { email: `load-${i}@example.com` }) as Promise<Uid2Identity>),
  );
  const cstgBodies = await Promise.all(
    Array.from({ length: PREPARED }, async (_, i) => {
      const hash = Buffer.from(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`cstg-${i}@example.com`))).toString('base64');
      const { body } = await createCstgRequest({ serverPublicKey: keypair.public_key, subscriptionId: keypair.subscription_id, dii: { email_hash: hash } });
      return JSON.stringify(body);
    }),
  );
  const auctions = identities.map((identity, i) =>
    JSON.stringify({
      id: `load-${i}`,
      imp: [{ id: '1', banner: { format: [{ w: 300, h: 250 }] }, bidfloor: 0.5 }],
      site: { page: 'http://localhost:8080/publisher.html', domain: 'localhost' },
      user: { ext: { eids: [{ source: 'uidapi.com', uids: [{ id: identity.advertising_token, atype: 3 }] }] } },
      cur: ['USD'],
      tmax: 1000,
    }),
  );
  await expectDecrypted(`${ports.ssp}/openrtb2/auction`, auctions[0]!);
  return {
    trivial: { url: `${ports.trivial}/`, method: 'GET', headers: {}, bodies: [''] },
    refresh: { url: `${ports.operator}/v2/token/refresh`, method: 'POST', headers: { 'Content-Type': 'text/plain' }, bodies: identities.map((id) => id.refresh_token) },
    cstg: { url: `${ports.operator}/v2/token/client-generate`, method: 'POST', headers: { 'Content-Type': 'text/plain', Origin: 'http://localhost:8080' }, bodies: cstgBodies },
    sspAuction: { url: `${ports.ssp}/openrtb2/auction`, method: 'POST', headers: { 'Content-Type': 'text/plain', Origin: 'http://localhost:8080' }, bodies: auctions },
  };
}

/** The auction load means something only if the SSP really decrypts the token: checked once before it. */
async function expectDecrypted(url: string, body: string): Promise<void> {
  const response = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body });
  const answer = (await response.json().catch(() => undefined)) as { ext?: { debug?: { uid2?: { decrypted?: boolean; status?: string } } } } | undefined;
  const uid2 = answer?.ext?.debug?.uid2;
  if (!uid2?.decrypted) throw new Error(`the load's auction token was not decrypted (HTTP ${response.status}, ${uid2?.status ?? 'no report'})`);
}

const MIB = 2 ** 20;

type Round = Awaited<ReturnType<typeof drive>>;

function throughput(round: Round): number {
  return round.latencies.length / round.seconds;
}

/** Figures over all rounds: median throughput of the rounds, percentiles of all their latencies. */
function figuresOf(rounds: Round[], rssBefore: number, rssAfter: number): LoadFigures {
  const sorted = rounds.flatMap((round) => round.latencies).sort((a, b) => a - b);
  const errors = rounds.reduce((sum, round) => sum + round.errors, 0);
  return {
    requests: sorted.length + errors,
    errors,
    requestsPerSecond: median(rounds.map(throughput)),
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    rssBeforeMiB: rssBefore / MIB,
    rssAfterMiB: rssAfter / MIB,
  };
}

export async function benchLoad(opts: LoadOptions = {}): Promise<LoadResult> {
  const options = { ...DEFAULTS, ...opts };
  const loadAtStart = os.loadavg()[0]!;
  const servers = await startServers();
  try {
    const all = await plans(servers.ports);
    /** The target and the trivial handler in alternating rounds, so that both see the same machine load. */
    const against = async (plan: RequestPlan): Promise<LoadTarget> => {
      await drive(all.trivial, options.warmup, options.concurrency, options.maxSeconds);
      await drive(plan, options.warmup, options.concurrency, options.maxSeconds);
      const perRound = Math.ceil(options.requests / options.rounds);
      const trivialRounds: Round[] = [];
      const targetRounds: Round[] = [];
      const rssBefore = await servers.rss();
      for (let round = 0; round < options.rounds; round++) {
        trivialRounds.push(await drive(all.trivial, perRound, options.concurrency, options.maxSeconds / options.rounds));
        targetRounds.push(await drive(plan, perRound, options.concurrency, options.maxSeconds / options.rounds));
      }
      const rssAfter = await servers.rss();
      const trivial = figuresOf(trivialRounds, NaN, NaN);
      const figures = figuresOf(targetRounds, rssBefore, rssAfter);
      return {
        ...figures,
        trivial,
        throughputRatio: median(targetRounds.map((round, i) => throughput(round) / throughput(trivialRounds[i]!))),
        p99Ratio: figures.p99Ms / trivial.p99Ms,
      };
    };
    const [refresh, cstg, sspAuction] = [await against(all.refresh), await against(all.cstg), await against(all.sspAuction)];
    return { options, loadAverage: { start: loadAtStart, end: os.loadavg()[0]! }, refresh, cstg, sspAuction };
  } finally {
    servers.child.removeAllListeners('exit');
    servers.child.send('exit');
  }
}

/** Table rows: target, req/s and p99 (each × its trivial reference), the reference's, RSS before → after, errors. */
function loadRows(result: LoadResult): string[][] {
  const row = (name: string, target: LoadTarget): string[] => [
    name,
    `${Math.round(target.requestsPerSecond)} (${target.throughputRatio.toFixed(2)}×)`,
    `${target.p99Ms.toFixed(1)} ms (${target.p99Ratio.toFixed(2)}×)`,
    `${Math.round(target.trivial.requestsPerSecond)}, ${target.trivial.p99Ms.toFixed(1)} ms`,
    `${target.rssBeforeMiB.toFixed(0)} → ${target.rssAfterMiB.toFixed(0)} MiB`,
    `${target.errors} of ${target.requests}`,
  ];
  return [
    row('operator /v2/token/refresh', result.refresh),
    row('operator /v2/token/client-generate (CSTG)', result.cstg),
    row('SSP auction with a UID2 token (decrypted)', result.sspAuction),
  ];
}

export function loadTable(result: LoadResult): string {
  const { requests, concurrency } = result.options;
  return [
    '| load target | req/s (× trivial) | p99 (× trivial) | trivial handler: req/s, p99 | server RSS before → after | errors |',
    '|---|---|---|---|---|---|',
    ...loadRows(result).map((row) => `| ${row.join(' | ')} |`),
    '',
    `${requests} requests per target after warm-up in ${result.options.rounds} rounds, each followed by as many to a trivial Node ` +
      `http handler in the same child process (the reference: req/s ratio is the median of the rounds' ratios, p99 over all ` +
      `requests), ${concurrency} keep-alive connections, loopback; ` +
      `machine load average ${result.loadAverage.start.toFixed(2)} at start, ${result.loadAverage.end.toFixed(2)} at end.`,
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const requests = Number(process.env.LOAD_REQUESTS);
  console.log(loadTable(await benchLoad(requests > 0 ? { requests } : {})));
}
