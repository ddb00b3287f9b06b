/**
 * `npm start`: the whole demo on loopback — the local UID2 operator, the mock SSP, and one server for the
 * demo pages, the freshly built bundle, the pixel receiver, the Local DSP's segment API, the advertiser's own server
 * (its UID2 tokens and segment uploads) and the operator's sharing-permission admin route — then prints one URL.
 *
 *   node build/node/devstack/demo/start.js [--port 8080] [--operator-port 8877] [--ssp-port 8878]
 *                                   [--lifetimes demo|local] [--host 127.0.0.1]
 *                                   [--operator URL]… [--ssp URL]…   (origins the pages may be pointed at)
 *
 * (env: PORT, OPERATOR_PORT, SSP_PORT, UID2_LIFETIMES). Specs call startDemo({port: 0, …}) for ephemeral ports.
 */
import http, { type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { LifetimesChoice } from '../operator/config.js';
import { createAdvertiserBackend } from '../receivers/advertiser.js';
import { createDsp } from '../receivers/dsp/dsp.js';
import { LOCAL_ADVERTISER_PARTNER } from '../receivers/dsp/partners.js';
import { answerUnexpectedError, closeServer, hostIsLoopbackName, listenServer as listen, localAdminRefusal, loopbackUrl, NO_STORE, readBody, requestUrl, sendJson, sendText } from '../http.js';
import { parseOptions, portOption, refuse } from '../commandLine.js';
import { startLocalStack, type LocalStack } from '../localStack.js';
import { createPublisherBackend } from '../publisher/publisher.js';
import { createReceiver } from '../receivers/pixel.js';
import { staticFiles } from './static.js';

/** the repository root: this file runs as build/node/devstack/demo/start.js */
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
/** the operator client of the SSP, the pixel receiver and the DSP's segment API: a DSP (ID_READER and SHARER), site 125 */
const DSP_CLIENT = 'local-dsp';
/** the operator client of the advertiser's own server: MAPPER and SHARER, site 124 */
const ADVERTISER_CLIENT = 'local-advertiser';
/** the operator client of the publisher's own server (the server-side route): GENERATOR, site 123 */
const PUBLISHER_CLIENT = 'local-publisher';
const PUBLISHER_MOUNT = '/publisher/';
const PUBLISHER_SERVER_PAGE = '/publisher-server.html';
const RECEIVER_MOUNT = '/receiver/';
const ADVERTISER_MOUNT = '/advertiser/';
const DSP_MOUNT = '/dsp/';
/** Prebid's published ES modules, for the creative frame's `creative/crossDomain.js` */
const PREBID_SOURCES_MOUNT = '/prebid/';
/** the ad frame the pages render winning bids in (integrationExamples/creative-frame.html) */
const CREATIVE_FRAME_PATH = '/creative-frame.html';
/** the one admin route the pages use, forwarded to the operator as is: GET reads, POST changes */
const SHARING_ADMIN_PATH = '/admin/sharing';

export interface DemoOptions {
  /** demo pages, bundle and receiver; 0 = an ephemeral port */
  port?: number;
  operatorPort?: number;
  sspPort?: number;
  /** bind address of all servers (the pages are still opened as http://localhost:…, which CSTG requires) */
  host?: string;
  /** 'demo' (default): refresh after 15 s, expiry after 60 s; 'local': the operator's hour/day; or exact values (over the demo's, with the config file's key and salt rotation) */
  lifetimes?: LifetimesChoice;
  /** where the bundle is (default build/dist) */
  bundleDir?: string;
  /** one line per operator/SSP request; default: silent */
  log?: (line: string) => void;
  /**
   * Origins (besides loopback and the page's own) that the pages' query parameters may point the UID2 operator,
   * the SSP and the other endpoints at, e.g. ['https://operator-integ.uidapi.com']: a link cannot add any.
   */
  overrideOrigins?: string[];
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
  /** the Local DSP's segment upload endpoint (its partners' API keys: devstack/receivers/dsp/partners.ts) */
  dspSegments: string;
  /** the operator's sharing permissions (GET, POST), through the demo server: it also refreshes the receivers' keys */
  sharingAdmin: string;
}

export interface Demo {
  urls: DemoUrls;
  close(): Promise<void>;
}

/**
 * Forwards `GET`/`POST /admin/sharing` (and nothing else) to the operator, for pages of this server on this
 * machine only. After a change it makes the receivers fetch their keys at once: a real receiver would see the
 * change at its next periodic key refresh, which the demo does not make anyone wait for.
 */
async function forwardSharingAdmin(req: IncomingMessage, res: ServerResponse, operatorUrl: string, afterChange: () => Promise<unknown>): Promise<void> {
  const refusal = localAdminRefusal(req);
  if (refusal) {
    req.resume();
    return sendJson(res, 403, { status: 'unauthorized', message: refusal });
  }
  if (req.method !== 'GET' && req.method !== 'POST') {
    req.resume();
    return sendJson(res, 405, { status: 'client_error', message: 'GET or POST only' }, { Allow: 'GET, POST' });
  }
  const body = req.method === 'POST' ? await readBody(req, 4096) : (req.resume(), undefined);
  if (req.method === 'POST' && body === undefined) return sendJson(res, 413, { status: 'client_error', message: 'body too large' });
  const contentType = req.headers['content-type'];
  // the operator checks Host too: it is reached by its own loopback address, as fetch names it
  const answer = await fetch(`${operatorUrl}${SHARING_ADMIN_PATH}`, {
    method: req.method,
    headers: contentType ? { 'Content-Type': contentType } : {},
    body: body?.toString('utf8'),
  });
  const text = await answer.text();
  if (req.method === 'POST' && answer.status === 200) await afterChange();
  sendText(res, answer.status, text, answer.headers.get('content-type') ?? 'application/json');
}

/** The path exactly as sent, before any URL normalization: `/admin/../v2/…` must not become an operator route. */
function rawPath(req: IncomingMessage): string {
  const target = req.url ?? '/';
  const query = target.indexOf('?');
  return query < 0 ? target : target.slice(0, query);
}

/** `https://host:port/any/path` → its origin; throws for anything but an http(s) URL. */
export function overrideOrigin(url: string): string {
  const parsed = new URL(url);
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Error(`not an http(s) URL: ${url}`);
  return parsed.origin;
}

export async function startDemo(options: DemoOptions = {}): Promise<Demo> {
  const host = options.host ?? '127.0.0.1';
  const log = options.log ?? (() => {});
  const servers: Server[] = [];
  const stops: Array<() => void> = [];
  let stack: LocalStack | undefined;
  const shutdown = () => {
    stops.forEach((stop) => stop());
    return Promise.all([...servers.filter((s) => s.listening).map(closeServer), stack?.close()]).then(() => undefined);
  };
  const browserUrl = (port: number) => `http://localhost:${port}`;
  try {
    stack = await startLocalStack({
      lifetimes: options.lifetimes ?? 'demo',
      host,
      operatorPort: options.operatorPort,
      sspPort: options.sspPort,
      operator: { log: (line) => log(`[operator] ${line}`) },
      ssp: { log: (line) => log(`[ssp] ${line}`), publicUrl: browserUrl },
    });
    const { config, operatorUrl, operatorPort } = stack;
    const { ssp, port: sspPort } = stack.ssp!;

    // the pixel receiver (sharing keys) is the local DSP at the operator, as the SSP (bidstream keys) is
    const credentialsOf = (name: string) => {
      const client = config.clients.find((c) => c.name === name);
      if (!client) throw new Error(`operator config has no client "${name}"`);
      return { operatorUrl, apiKey: client.key, secret: client.secret };
    };
    const credentials = credentialsOf(DSP_CLIENT);

    const receiver = createReceiver(credentials);
    stops.push(() => receiver.close());
    const dsp = createDsp({ ...credentials, partners: [LOCAL_ADVERTISER_PARTNER], log: (line) => log(`[dsp] ${line}`) });
    stops.push(() => dsp.close());
    let demoPort = 0;
    const advertiser = createAdvertiserBackend(credentialsOf(ADVERTISER_CLIENT), {
      segmentsUrl: () => `${loopbackUrl(host, demoPort)}${DSP_MOUNT}v1/segments`,
      key: LOCAL_ADVERTISER_PARTNER.key,
    });
    stops.push(() => advertiser.close());
    const refreshReceiverKeys = () => Promise.all([receiver.refreshKeys(), dsp.refreshKeys(), ssp.keys?.refetch()]);

    /** a catch-all's answer for the demo's servers, logged under `label` */
    const answerUnexpected = (label: string, error: unknown, req: IncomingMessage, res: ServerResponse) =>
      answerUnexpectedError(error, req, res, requestUrl(req)?.pathname ?? '(not a URL)', (line) => (options.log ?? console.error)(`[${label}] ${line}`), () =>
        sendText(res, 500, 'Internal Server Error'));

    // the ad frame's origin: a server of its own (127.0.0.1 and a port of its own, another site than the pages'
    // localhost) with nothing but the frame and Prebid's creative script, framed by this demo's pages only. Ad markup
    // runs there, so it must reach none of the demo server's routes (the sharing admin) nor its pages' storage.
    const creativePages = staticFiles({ [PREBID_SOURCES_MOUNT]: `${ROOT}node_modules/prebid.js/dist/src`, '/': `${ROOT}integrationExamples` });
    const creativeServer = http.createServer(async (req, res) => {
      try {
        const path = requestUrl(req)?.pathname;
        res.setHeader('Content-Security-Policy', `frame-ancestors http://localhost:${demoPort} http://127.0.0.1:${demoPort}`);
        if (!(path === CREATIVE_FRAME_PATH || path?.startsWith(PREBID_SOURCES_MOUNT)) || !(await creativePages(req, res))) {
          req.resume();
          sendText(res, 404, 'Not found');
        }
      } catch (error) {
        answerUnexpected('creative', error, req, res);
      }
    });
    servers.push(creativeServer);
    const creativeOrigin = `http://127.0.0.1:${await listen(creativeServer, 0, host)}`;

    const pageConfig = {
      uid2ApiBase: browserUrl(operatorPort),
      serverPublicKey: config.client_side_keypairs[0]!.public_key,
      subscriptionId: config.client_side_keypairs[0]!.subscription_id,
      sspEndpoint: `${browserUrl(sspPort)}/openrtb2/auction`,
      receiverUrl: RECEIVER_MOUNT.slice(0, -1),
      advertiserTokenUrl: `${ADVERTISER_MOUNT}uid2-token`,
      advertiserSegmentUrl: `${ADVERTISER_MOUNT}segment`,
      sharingAdminUrl: SHARING_ADMIN_PATH,
      overrideOrigins: (options.overrideOrigins ?? []).map(overrideOrigin),
      creativeOrigin,
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
    // Prebid's own cross-origin creative (what an ad server's SafeFrame loads) for the pages' sandboxed ad frames
    const serve = staticFiles({
      '/build/': options.bundleDir ?? `${ROOT}build/dist`,
      [PREBID_SOURCES_MOUNT]: `${ROOT}node_modules/prebid.js/dist/src`,
      '/': `${ROOT}integrationExamples`,
    });
    const demoServer = http.createServer(async (req, res) => {
      try {
        if (!requestUrl(req)) {
          req.resume();
          sendText(res, 400, 'Bad Request: the request target is not a valid URL');
        } else if (!hostIsLoopbackName(req)) {
          // its pages, receivers and backends act for this machine's browser only: a DNS-rebinding page names its own host
          req.resume();
          sendText(res, 403, 'Forbidden: the demo answers requests addressed to localhost, 127.0.0.1 or [::1] only');
        } else if (req.url === '/demo-config.js') {
          sendText(res, 200, configScript, 'text/javascript; charset=utf-8', NO_STORE);
        } else if (rawPath(req) === SHARING_ADMIN_PATH) {
          await forwardSharingAdmin(req, res, operatorUrl, refreshReceiverKeys);
        } else if (
          !(await receiver.handle(req, res, RECEIVER_MOUNT)) &&
          !(await dsp.handle(req, res, DSP_MOUNT)) &&
          !(await advertiser.handle(req, res, ADVERTISER_MOUNT)) &&
          !(await publisher.handle(req, res)) &&
          !(await serve(req, res))
        ) {
          sendText(res, 404, 'Not found');
        }
      } catch (error) {
        answerUnexpected('demo', error, req, res);
      }
    });
    servers.push(demoServer);
    demoPort = await listen(demoServer, options.port ?? 0, host);
    const demo = browserUrl(demoPort);

    return {
      urls: {
        demo: `${demo}/`,
        publisher: `${demo}/publisher.html`,
        publisherServer: `${demo}${PUBLISHER_SERVER_PAGE}`,
        advertiser: `${demo}/advertiser.html`,
        operator: pageConfig.uid2ApiBase,
        sspEndpoint: pageConfig.sspEndpoint,
        receiver: `${demo}${RECEIVER_MOUNT}`,
        dspSegments: `${demo}${DSP_MOUNT}v1/segments`,
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
  const values = parseOptions({
    // an empty variable (PORT=) means the default, as if it were unset
    port: { type: 'string', default: process.env.PORT || '8080' },
    'operator-port': { type: 'string', default: process.env.OPERATOR_PORT || '8877' },
    'ssp-port': { type: 'string', default: process.env.SSP_PORT || '8878' },
    host: { type: 'string', default: '127.0.0.1' },
    lifetimes: { type: 'string', default: process.env.UID2_LIFETIMES || 'demo' },
    verbose: { type: 'boolean', default: false },
    operator: { type: 'string', multiple: true, default: [] },
    ssp: { type: 'string', multiple: true, default: [] },
  });
  if (values.lifetimes !== 'demo' && values.lifetimes !== 'local') refuse(`--lifetimes must be "demo" or "local", not "${values.lifetimes}"`);
  const demo = await startDemo({
    port: portOption('port', values.port),
    operatorPort: portOption('operator-port', values['operator-port']),
    sspPort: portOption('ssp-port', values['ssp-port']),
    host: values.host,
    lifetimes: values.lifetimes,
    log: values.verbose ? (line) => console.log(line) : undefined,
    overrideOrigins: [...values.operator, ...values.ssp],
  });
  console.log(`Demo: ${demo.urls.demo}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
