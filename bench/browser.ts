/**
 * Time to eids and refresh calls across tabs, in headless Chromium, for bundles that differ only in their
 * UID2 module. Pages are served from localhost (an origin the local operator's CSTG subscription allows).
 */
import http from 'node:http';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { staticFiles } from '../server/static.js';
import { listenOnLoopback } from '../test/helpers/node/localServers.js';
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from '../test/helpers/node/chromium.js';
import { BUILD_DIR } from './bundles.js';

const SSP_ENDPOINT = 'https://ssp.bench.test/openrtb2/auction';
const AUCTION_DELAY_MS = 2000;

export interface AuctionTiming {
  /** ms from requestBids to the openrtbSsp request leaving Prebid */
  toBidRequestMs: number;
  /** whether that request carried the UID2 eid */
  carriedUid2: boolean;
  /** ms from requestBids to the adapter's buildRequests finishing: bidRequested → beforeBidderHttp */
  buildRequestsMs: number;
}

/** The page a variant is measured on: config, then one auction, timings left in window.__bench. */
function benchPage(bundle: string, uid2Params: Record<string, unknown> | null, adUnitCount: number): string {
  const userIds = uid2Params ? [{ name: 'uid2', params: uid2Params }] : [];
  const adUnits = Array.from({ length: adUnitCount }, (_, i) => ({
    code: `slot-${i}`,
    mediaTypes: { banner: { sizes: [[300, 250], [728, 90]] } },
    bids: [{ bidder: 'openrtbSsp', params: { placementId: `p${i}` } }],
  }));
  return `<!doctype html><html><head><script src="/${bundle}.js"></script><script>
pbjs.que.push(function () {
  pbjs.setConfig({
    openrtbSsp: { endpoint: ${JSON.stringify(SSP_ENDPOINT)} },
    userSync: { userIds: ${JSON.stringify(userIds)}, auctionDelay: ${AUCTION_DELAY_MS}, syncDelay: 0 },
  });
  var t0 = performance.now(), requested;
  pbjs.onEvent('bidRequested', function () { requested = requested || performance.now(); });
  pbjs.onEvent('beforeBidderHttp', function (bidderRequest, request) {
    var now = performance.now();
    var eids = (request.data.user && request.data.user.ext && request.data.user.ext.eids) || [];
    window.__bench = {
      toBidRequestMs: now - t0,
      buildRequestsMs: now - requested,
      carriedUid2: eids.some(function (e) { return e.source === 'uidapi.com'; }),
    };
  });
  pbjs.requestBids({ adUnits: ${JSON.stringify(adUnits)} });
});
</script></head><body></body></html>`;
}

export interface BrowserBench {
  /** One auction on a fresh page; `stored` is put in localStorage first (module storage key). */
  auction(bundle: string, uid2Params: Record<string, unknown> | null, stored?: unknown, adUnitCount?: number): Promise<AuctionTiming>;
  /** Opens `tabs` pages of one site at once, all with `stored`; counts /v2/token/refresh calls they make. */
  refreshCallsAcrossTabs(bundle: string, uid2Params: Record<string, unknown>, stored: unknown, tabs: number, settleMs: number): Promise<number>;
  close(): Promise<void>;
}

const STORAGE_KEY = '__uid2_advertising_token';

export async function startBrowserBench(): Promise<BrowserBench> {
  const serveBundles = staticFiles({ '/': BUILD_DIR });
  const pages = new Map<string, string>();
  const server = http.createServer(async (req, res) => {
    const page = pages.get(req.url ?? '');
    if (page) {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(page);
    } else if (!(await serveBundles(req, res))) {
      res.writeHead(404).end();
    }
  });
  const origin = (await listenOnLoopback(server)).replace('127.0.0.1', 'localhost');
  const browser: Browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_FLAGS });
  let pageCounter = 0;

  async function newContext(stored: unknown): Promise<BrowserContext> {
    const context = await browser.newContext();
    await context.route(SSP_ENDPOINT, (route) => route.fulfill({ status: 204 }));
    if (stored !== undefined) {
      await context.addInitScript(([key, value]) => {
        // only before the first script of the first page: later tabs must see what earlier ones stored
        if (!sessionStorage.getItem('bench-seeded')) {
          localStorage.setItem(key, value);
          sessionStorage.setItem('bench-seeded', '1');
        }
      }, [STORAGE_KEY, JSON.stringify(stored)]);
    }
    return context;
  }

  function publish(bundle: string, uid2Params: Record<string, unknown> | null, adUnitCount: number): string {
    const url = `/bench-${++pageCounter}.html`;
    pages.set(url, benchPage(bundle, uid2Params, adUnitCount));
    return origin + url;
  }

  return {
    async auction(bundle, uid2Params, stored, adUnitCount = 1) {
      const context = await newContext(stored);
      try {
        const page = await context.newPage();
        await page.goto(publish(bundle, uid2Params, adUnitCount));
        await page.waitForFunction(() => (window as any).__bench, undefined, { timeout: AUCTION_DELAY_MS * 5 });
        return await page.evaluate(() => (window as any).__bench as AuctionTiming);
      } finally {
        await context.close();
      }
    },
    async refreshCallsAcrossTabs(bundle, uid2Params, stored, tabs, settleMs) {
      const context = await newContext(undefined);
      let refreshCalls = 0;
      await context.route('**/v2/token/refresh', (route) => { refreshCalls += 1; return route.continue(); });
      try {
        const url = publish(bundle, uid2Params, 1);
        // seed the site's storage once, then open every tab at the same moment
        const seeder = await context.newPage();
        await seeder.goto(origin + '/');
        await seeder.evaluate(([key, value]) => localStorage.setItem(key, value), [STORAGE_KEY, JSON.stringify(stored)]);
        await seeder.close();
        await Promise.all(Array.from({ length: tabs }, async () => (await context.newPage()).goto(url)));
        await new Promise((resolve) => setTimeout(resolve, settleMs));
        return refreshCalls;
      } finally {
        await context.close();
      }
    },
    async close() {
      await browser.close();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
