/**
 * The openrtbSsp adapter's own bench (`npm run bench:adapter`): the bytes it adds to a core + userId bundle
 * beside the bytes five of Prebid's own ortbConverter adapters add, built in the same webpack run, and the size of its bid requests on the wire with gzip off and on, for 1, 10 and 50 ad units. Requests go
 * through Prebid's real bidderFactory in headless Chromium (CompressionStream, `?gzip=1`) to a loopback
 * endpoint that counts the body bytes it receives. Writes devstack/bench/adapter-results.json.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { writeFile } from 'node:fs/promises';
import { closeServer, listenOnLoopback, readBody } from '../http.js';
import { staticFiles } from '../demo/static.js';
import { launchChromium } from '../browsers/chromium.js';
import { BUILD_DIR, PEER_ADAPTERS, buildVariants } from './bundles.js';
import { adapterSizes, type AdapterSizes } from './peers.js';

const AD_UNIT_COUNTS = [1, 10, 50];
const SSP_PATH = '/openrtb2/auction';
/** a UID2 token as long as a real v4 advertising token, and a second id, so the requests carry eids as in production */
const EIDS = [
  { source: 'uidapi.com', uids: [{ id: `A4AAAA${'x'.repeat(214)}`, atype: 3 }] },
  { source: 'pubcid.org', uids: [{ id: '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0', atype: 1 }] },
];

export interface RequestSize {
  adUnits: number;
  /** body bytes of the JSON request */
  plainBytes: number;
  /** body bytes with gzip forced on (gzipMinBytes 0) */
  gzipBytes: number;
  /** whether the default settings (gzip above gzipMinBytes) compressed this request */
  defaultGzipped: boolean;
}

export interface AdapterBench extends AdapterSizes {
  date: string;
  requests: RequestSize[];
}

interface Received { bytes: number; gzipped: boolean }

function page(adUnitCount: number, endpoint: string, settings: Record<string, unknown>): string {
  const adUnits = Array.from({ length: adUnitCount }, (_, i) => ({
    code: `slot-${i}`,
    mediaTypes: { banner: { sizes: [[300, 250], [728, 90]] } },
    ortb2Imp: { ext: { gpid: `/1234/site/slot-${i}` } },
    bids: [{ bidder: 'openrtbSsp', params: { placementId: `placement-${i}`, publisherId: 'publisher-1' } }],
  }));
  return `<!doctype html><html><head><script src="/adapter.js"></script><script>
pbjs.que.push(function () {
  pbjs.setConfig({ openrtbSsp: ${JSON.stringify({ endpoint, ...settings })}, ortb2: { user: { ext: { eids: ${JSON.stringify(EIDS)} } } } });
  pbjs.requestBids({ adUnits: ${JSON.stringify(adUnits)}, bidsBackHandler: function () { window.__done = true; } });
});
</script></head><body></body></html>`;
}

async function requestSizes(): Promise<RequestSize[]> {
  const serveBundles = staticFiles({ '/': BUILD_DIR });
  const pages = new Map<string, string>();
  let received: Received[] = [];
  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://bench');
    const html = pages.get(url.pathname);
    if (html) return void res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(html);
    if (url.pathname === SSP_PATH) {
      const body = await readBody(req);
      received.push({ bytes: body?.length ?? -1, gzipped: url.searchParams.get('gzip') === '1' });
      return void res.writeHead(204).end();
    }
    if (!(await serveBundles(req, res))) res.writeHead(404).end();
  }
  const server = http.createServer((req, res) => void serve(req, res));
  const origin = (await listenOnLoopback(server)).replace('127.0.0.1', 'localhost');
  const browser = await launchChromium();
  /** the one request an auction of `adUnits` ad units sends with these settings */
  async function send(adUnits: number, settings: Record<string, unknown>): Promise<Received> {
    const path = `/requests-${adUnits}-${pages.size}.html`;
    pages.set(path, page(adUnits, origin + SSP_PATH, settings));
    received = [];
    const context = await browser.newContext();
    try {
      const tab = await context.newPage();
      await tab.goto(origin + path);
      await tab.waitForFunction(() => (window as { __done?: boolean }).__done === true, undefined, { timeout: 10000 });
    } finally {
      await context.close();
      pages.delete(path);
    }
    if (received.length !== 1) throw new Error(`expected one request for ${adUnits} ad unit(s), got ${received.length}`);
    return received[0]!;
  }
  try {
    const sizes: RequestSize[] = [];
    for (const adUnits of AD_UNIT_COUNTS) {
      const plain = await send(adUnits, { gzip: false });
      const gzipped = await send(adUnits, { gzip: true, gzipMinBytes: 0 });
      const byDefault = await send(adUnits, {});
      if (plain.gzipped || !gzipped.gzipped) throw new Error('gzip setting not honoured');
      sizes.push({ adUnits, plainBytes: plain.bytes, gzipBytes: gzipped.bytes, defaultGzipped: byDefault.gzipped });
    }
    return sizes;
  } finally {
    await browser.close();
    await closeServer(server);
  }
}

export async function benchAdapter(): Promise<AdapterBench> {
  const sizes = await adapterSizes(await buildVariants(['baseline', 'adapter', ...PEER_ADAPTERS]));
  return { date: new Date().toISOString(), ...sizes, requests: await requestSizes() };
}

export function adapterTable(result: AdapterBench): string {
  const rows = result.requests.map(({ adUnits, plainBytes, gzipBytes, defaultGzipped }) =>
    `| ${adUnits} | ${plainBytes} | ${gzipBytes} | ${(gzipBytes / plainBytes).toFixed(2)}× | ${defaultGzipped ? 'gzip' : 'plain'} |`);
  const peers = Object.entries(result.peers).map(([peer, size]) => `| ${peer} | ${size.gzip} | ${size.minified} |`);
  return [
    '| adapter added to core+userId | gzip B | minified B |',
    '|---|---|---|',
    `| openrtbSsp (ours) | ${result.ours.gzip} | ${result.ours.minified} |`,
    ...peers,
    `| median of the ${peers.length} peers | ${result.peerMedianGzip} | |`,
    '',
    `ours / peers' median, gzip: ${result.gzipRatio.toFixed(2)}×`,
    '',
    '| ad units | request body, plain | gzip | gzip/plain | default settings send |',
    '|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await benchAdapter();
  await writeFile('devstack/bench/adapter-results.json', JSON.stringify(result, null, 2) + '\n');
  console.log(adapterTable(result));
}
