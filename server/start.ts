/**
 * `npm start`: the whole demo on loopback — the local UID2 operator, the mock SSP, and one server for the
 * demo pages, the freshly built bundle, the pixel receiver, the advertiser's own server (its UID2 tokens) and the
 * operator's sharing-permission admin route — then prints one URL.
 *
 *   node build/node/server/start.js [--port 8080] [--operator-port 8877] [--ssp-port 8878]
 *                                   [--lifetimes demo|local] [--host 127.0.0.1]
 *
 * (env: PORT, OPERATOR_PORT, SSP_PORT, UID2_LIFETIMES). Specs call startDemo({port: 0, …}) for ephemeral ports.
 */
import { readFile } from 'node:fs/promises';
import http, { type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DEMO_PROFILE, LOCAL_OPERATOR_CONFIG, parseOperatorConfig, type Lifetimes, type OperatorConfig } from './operator/config.js';
import { createAdvertiserBackend } from './advertiser/advertiser.js';
import { closeServer, isFromLoopback, listenServer as listen, NO_STORE, readBody, sendJson, sendText } from './http.js';
import { createOperator } from './operator/operator.js';
import { createPublisherBackend } from './publisher/publisher.js';
import { createReceiver } from './receiver/receiver.js';
import { createSsp } from './ssp/ssp.js';
import { staticFiles } from './static.js';

/** the repository root: this file runs as build/node/server/start.js */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** the operator client of the SSP and the pixel receiver: a DSP (ID_READER and SHARER), site 125 */
const DSP_CLIENT = 'local-dsp';
/** the operator client of the advertiser's own server: MAPPER and SHARER, site 124 */
const ADVERTISER_CLIENT = 'local-advertiser';
/** the operator client of the publisher's own server (the server-side route): GENERATOR, site 123 */
const PUBLISHER_CLIENT = 'local-publisher';
const PUBLISHER_MOUNT = '/publisher/';
const PUBLISHER_SERVER_PAGE = '/publisher-server.html';
const RECEIVER_MOUNT = '/receiver/';
const ADVERTISER_MOUNT = '/advertiser/';
const ADMIN_PREFIX = '/admin/';

export interface DemoOptions {
  /** demo pages, bundle and receiver; 0 = an ephemeral port */
  port?: number;
  operatorPort?: number;
  sspPort?: number;
  /** bind address of all servers (the pages are still opened as http://localhost:…, which CSTG requires) */
  host?: string;
  /** 'demo' (default): refresh after 15 s, expiry after 60 s; 'local': the operator's hour/day; or exact values */
  lifetimes?: 'demo' | 'local' | Partial<Lifetimes>;
  /** where the bundle is (default build/dist) */
  bundleDir?: string;
  /** one line per operator/SSP request; default: silent */
  log?: (line: string) => void;
}

export interface DemoUrls {
  /** the landing page: the one URL `npm start` prints */
  demo: string;
  publisher: string;
  /** the publisher page of the server-side route: the publisher's server generates the token */
  publisherServer: string;
  advertiser: string;
  /** the UID2 operator's base URL as pages use it (uid2ApiBase) */
  operator: string;
  /** the mock SSP's OpenRTB endpoint */
  sspEndpoint: string;
  /** the pixel receiver's log page */
  receiver: string;
  /** the operator's sharing permissions (GET, POST), through the demo server: it also refreshes the receivers' keys */
  sharingAdmin: string;
}

export interface Demo {
  urls: DemoUrls;
  close(): Promise<void>;
}

/** local-config.json with the chosen lifetimes, validated like any operator config */
async function operatorConfig(lifetimes: DemoOptions['lifetimes'] = 'demo'): Promise<OperatorConfig> {
  const raw = JSON.parse(await readFile(LOCAL_OPERATOR_CONFIG, 'utf8'));
  if (lifetimes === 'local') return parseOperatorConfig(raw, LOCAL_OPERATOR_CONFIG);
  const chosen = lifetimes === 'demo' ? DEMO_PROFILE.lifetimes : { ...DEMO_PROFILE.lifetimes, ...lifetimes };
  return parseOperatorConfig({ ...raw, lifetimes: chosen, key_rotation: DEMO_PROFILE.key_rotation }, LOCAL_OPERATOR_CONFIG);
}

/**
 * Forwards the operator's local admin routes (sharing permissions) for the pages, from this machine only.
 * After a change it makes the receivers fetch their keys at once: a real receiver would see the change at its
 * next periodic key refresh, which the demo does not make anyone wait for.
 */
async function forwardAdmin(req: IncomingMessage, res: ServerResponse, operatorUrl: string, afterChange: () => Promise<unknown>): Promise<void> {
  if (!isFromLoopback(req)) {
    req.resume();
    return sendJson(res, 403, { status: 'unauthorized', message: 'admin routes answer callers on this machine only' });
  }
  const body = req.method === 'POST' ? await readBody(req, 4096) : (req.resume(), undefined);
  if (req.method === 'POST' && body === undefined) return sendJson(res, 413, { status: 'client_error', message: 'body too large' });
  const contentType = req.headers['content-type'];
  const answer = await fetch(`${operatorUrl}${new URL(req.url ?? '/', 'http://demo').pathname}`, {
    method: req.method,
    headers: contentType ? { 'Content-Type': contentType } : {},
    body: body?.toString('utf8'),
  });
  const text = await answer.text();
  if (req.method === 'POST' && answer.status === 200) await afterChange();
  sendText(res, answer.status, text, answer.headers.get('content-type') ?? 'application/json');
}

export async function startDemo(options: DemoOptions = {}): Promise<Demo> {
  const host = options.host ?? '127.0.0.1';
  const log = options.log ?? (() => {});
  const servers: Server[] = [];
  const stops: Array<() => void> = [];
  const shutdown = () => {
    stops.forEach((stop) => stop());
    return Promise.all(servers.filter((s) => s.listening).map(closeServer)).then(() => undefined);
  };
  const browserUrl = (port: number) => `http://localhost:${port}`;
  try {
    const config = await operatorConfig(options.lifetimes);
    const operator = createOperator(config, { log: (line) => log(`[operator] ${line}`) });
    await operator.ready;
    const operatorServer = http.createServer(operator.handler);
    servers.push(operatorServer);
    const operatorPort = await listen(operatorServer, options.operatorPort ?? 0, host);
    // how the SSP and the receiver reach the operator
    const operatorUrl = `http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${operatorPort}`;

    // the SSP (bidstream keys) and the pixel receiver (sharing keys) are both the local DSP at the operator
    const credentialsOf = (name: string) => {
      const client = config.clients.find((c) => c.name === name);
      if (!client) throw new Error(`operator config has no client "${name}"`);
      return { operatorUrl, apiKey: client.key, secret: client.secret };
    };
    const credentials = credentialsOf(DSP_CLIENT);

    const ssp = createSsp({ ...credentials, log: (line) => log(`[ssp] ${line}`) });
    stops.push(() => ssp.close());
    const sspServer = http.createServer(ssp.handler);
    servers.push(sspServer);
    const sspPort = await listen(sspServer, options.sspPort ?? 0, host);

    const receiver = createReceiver(credentials);
    stops.push(() => receiver.close());
    const advertiser = createAdvertiserBackend(credentialsOf(ADVERTISER_CLIENT));
    stops.push(() => advertiser.close());
    const refreshReceiverKeys = () => Promise.all([receiver.refreshKeys(), ssp.keys?.refetch()]);

    const pageConfig = {
      uid2ApiBase: browserUrl(operatorPort),
      serverPublicKey: config.client_side_keypairs[0]!.public_key,
      subscriptionId: config.client_side_keypairs[0]!.subscription_id,
      sspEndpoint: `${browserUrl(sspPort)}/openrtb2/auction`,
      receiverUrl: RECEIVER_MOUNT.slice(0, -1),
      advertiserTokenUrl: `${ADVERTISER_MOUNT}uid2-token`,
      sharingAdminUrl: `${ADMIN_PREFIX}sharing`,
    };
    const configScript = `window.UID2_DEMO_CONFIG = ${JSON.stringify(pageConfig, null, 2)};\n`;
    const publisher = createPublisherBackend({
      client: credentialsOf(PUBLISHER_CLIENT),
      browserOperatorUrl: pageConfig.uid2ApiBase,
      pageFile: `${ROOT}integrationExamples${PUBLISHER_SERVER_PAGE}`,
      pagePath: PUBLISHER_SERVER_PAGE,
      mount: PUBLISHER_MOUNT,
      log: (line) => log(`[publisher] ${line}`),
    });
    const serve = staticFiles({ '/build/': options.bundleDir ?? `${ROOT}build/dist`, '/': `${ROOT}integrationExamples` });
    const demoServer = http.createServer(async (req, res) => {
      try {
        if (req.url === '/demo-config.js') {
          sendText(res, 200, configScript, 'text/javascript; charset=utf-8', NO_STORE);
        } else if (req.url?.startsWith(ADMIN_PREFIX)) {
          await forwardAdmin(req, res, operatorUrl, refreshReceiverKeys);
        } else if (
          !(await receiver.handle(req, res, RECEIVER_MOUNT)) &&
          !(await advertiser.handle(req, res, ADVERTISER_MOUNT)) &&
          !(await publisher.handle(req, res)) &&
          !(await serve(req, res))
        ) {
          sendText(res, 404, 'Not found');
        }
      } catch (error) {
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end(String(error));
      }
    });
    servers.push(demoServer);
    const demo = browserUrl(await listen(demoServer, options.port ?? 0, host));

    return {
      urls: {
        demo: `${demo}/`,
        publisher: `${demo}/publisher.html`,
        publisherServer: `${demo}${PUBLISHER_SERVER_PAGE}`,
        advertiser: `${demo}/advertiser.html`,
        operator: pageConfig.uid2ApiBase,
        sspEndpoint: pageConfig.sspEndpoint,
        receiver: `${demo}${RECEIVER_MOUNT}`,
        sharingAdmin: `${demo}${pageConfig.sharingAdminUrl}`,
      },
      close: shutdown,
    };
  } catch (error) {
    await shutdown();
    throw error;
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: process.env.PORT ?? '8080' },
      'operator-port': { type: 'string', default: process.env.OPERATOR_PORT ?? '8877' },
      'ssp-port': { type: 'string', default: process.env.SSP_PORT ?? '8878' },
      host: { type: 'string', default: '127.0.0.1' },
      lifetimes: { type: 'string', default: process.env.UID2_LIFETIMES ?? 'demo' },
      verbose: { type: 'boolean', default: false },
    },
  });
  if (values.lifetimes !== 'demo' && values.lifetimes !== 'local') {
    console.error(`--lifetimes must be "demo" or "local", not "${values.lifetimes}"`);
    process.exit(2);
  }
  const demo = await startDemo({
    port: Number(values.port),
    operatorPort: Number(values['operator-port']),
    sspPort: Number(values['ssp-port']),
    host: values.host,
    lifetimes: values.lifetimes,
    log: values.verbose ? (line) => console.log(line) : undefined,
  });
  console.log(`Demo: ${demo.urls.demo}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
