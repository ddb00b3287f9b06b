/**
 * Time to eids and cross-tab behaviour in headless Chromium (playwright-core), and cross-tab behaviour in Firefox
 * (WebDriver BiDi, puppeteer-core), for bundles that differ only in their UID2 module. Pages are served from http://localhost (an origin the local operator's CSTG subscription allows,
 * and a secure context for WebCrypto and Web Locks), cross-origin isolated so performance.now() resolves
 * 5 µs instead of 100 µs. The SSP endpoint is the page server itself: no Playwright routing, which would
 * send every request of the page through Node and slow the operator calls being measured.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { closeServer, listenOnLoopback } from '../http.js';
import { staticFiles } from '../demo/static.js';
import { launchChromium } from '../browsers/chromium.js';
import { launchFirefox } from '../browsers/firefox.js';
import { BUILD_DIR } from './bundles.js';

/** generous, so that neither module's network call is cut short: the auction waits at most this long */
export const AUCTION_DELAY_MS = 2000;
/**
 * how long a tab may take to its bid request before the run fails: a safety net, not a measure. Firefox tabs
 * opening at once on a 2-core machine at load average 10 once took longer than 10 s
 */
const TAB_TIMEOUT_MS = 30_000;
const SSP_PATH = '/openrtb2/auction';
const SEED_PATH = '/seed';
const STORAGE_KEY = '__uid2_advertising_token';
const ISOLATED = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export interface PageSpec {
  /** a bundle name in build/bench, without .js */
  bundle: string;
  /** the uid2 userId params; null configures no UID2 module */
  uid2Params: Record<string, unknown> | null;
  adUnitCount?: number;
  /** auctions run one after the other on the page (default 1); only the first is timed to its eids */
  auctions?: number;
  /** scripts (in build/bench, without .js) loaded before the bundle: the chunks of a bundle built in parts */
  scripts?: string[];
  /**
   * a CPU profile of the first auction's path, from the first Prebid call to the bid request leaving Prebid (the span
   * toBidRequestMs times), through console.profile; only profiledAuction reads it
   */
  profile?: boolean;
}

export interface AuctionTiming {
  /** ms from the page's first Prebid call (setConfig, which starts the ID modules) to the openrtbSsp request leaving Prebid */
  toBidRequestMs: number;
  /** whether that request carried the UID2 eid */
  carriedUid2: boolean;
  /** Prebid's own performanceMetrics, ms: */
  /** the adapter's spec.buildRequests, per auction: the first runs cold code, later ones warm */
  buildRequestsMs: number[];
  /** the uid2 submodule's synchronous init (getId, decode), userId.mods.uid2.init; 0 without it */
  uid2InitMs: number;
  /** how long the userId hook held the auction for IDs, requestBids.userId */
  idWaitMs: number;
  crossOriginIsolated: boolean;
  /**
   * the page's first operator call (refresh or CSTG), ms from the same start as toBidRequestMs: when it left and when
   * its answer was in; null without one. Before `startMs` and after `endMs` is the module's own time on the way.
   */
  operatorCall: { startMs: number; endMs: number } | null;
}

/** Auctions on load; the timings end up in window.__bench once the last one is back. */
function benchPage({ bundle, uid2Params, adUnitCount = 1, auctions = 1, scripts = [], profile = false }: PageSpec, sspEndpoint: string): string {
  const userIds = uid2Params ? [{ name: 'uid2', params: uid2Params }] : [];
  const adUnits = Array.from({ length: adUnitCount }, (_, i) => ({
    code: `slot-${i}`,
    mediaTypes: { banner: { sizes: [[300, 250], [728, 90]] } },
    bids: [{ bidder: 'openrtbSsp', params: { placementId: `p${i}` } }],
  }));
  return `<!doctype html><html><head>${[...scripts, bundle].map((script) => `<script src="/${script}.js"></script>`).join('')}<script>
pbjs.que.push(function () {
  ${profile ? "console.profile('auction');" : ''}
  var t0 = performance.now(), first, buildRequestsMs = [];
  pbjs.onEvent('beforeBidderHttp', function (bidderRequest, request) {
    var now = performance.now();
    ${profile ? "if (!first) console.profileEnd('auction');" : ''}
    var metrics = bidderRequest.metrics.getMetrics();
    var sum = function (name) { return [].concat(metrics[name] || 0).reduce(function (a, b) { return a + b; }, 0); };
    var eids = (request.data.user && request.data.user.ext && request.data.user.ext.eids) || [];
    buildRequestsMs.push(sum('adapter.client.buildRequests'));
    first = first || {
      toBidRequestMs: now - t0,
      uid2InitMs: sum('userId.mods.uid2.init'),
      idWaitMs: sum('requestBids.userId'),
      carriedUid2: eids.some(function (e) { return e.source === 'uidapi.com'; }),
      crossOriginIsolated: window.crossOriginIsolated,
      operatorCall: performance.getEntriesByType('resource').filter(function (e) { return e.name.indexOf('/v2/token/') >= 0; })
        .slice(0, 1).map(function (e) { return { startMs: e.startTime - t0, endMs: e.responseEnd - t0 }; })[0] || null,
    };
  });
  pbjs.setConfig({
    performanceMetrics: true,
    openrtbSsp: { endpoint: ${JSON.stringify(sspEndpoint)} },
    userSync: { userIds: ${JSON.stringify(userIds)}, auctionDelay: ${AUCTION_DELAY_MS}, syncDelay: 0 },
  });
  (function auction() {
    pbjs.requestBids({ adUnits: ${JSON.stringify(adUnits)}, bidsBackHandler: function () {
      if (buildRequestsMs.length < ${auctions}) auction();
      else window.__bench = Object.assign({ buildRequestsMs: buildRequestsMs }, first);
    } });
  })();
});
</script></head><body></body></html>`;
}

export interface Reader {
  /** one page view: opens the page in a new tab, resolves with its auction, closes the tab */
  view(): Promise<AuctionTiming>;
  close(): Promise<void>;
}

export interface BrowserBench {
  /** the browser's version, as its driver reports it */
  version: string;
  /**
   * Opens `tabs` pages of `page` at once in one fresh profile whose localStorage holds `stored` (under the
   * UID2 modules' key, when given); resolves with each tab's auction once every tab has made its bid request.
   */
  openTabs(page: PageSpec, stored: unknown, tabs: number): Promise<AuctionTiming[]>;
  /** One auction in a fresh profile. */
  auction(page: PageSpec, stored?: unknown): Promise<AuctionTiming>;
  /**
   * One auction in a fresh profile with `page.profile` set, and the V8 CPU profile of its path sampled every
   * `intervalUs` (Chromium only: the DevTools protocol's Profiler).
   */
  profiledAuction(page: PageSpec, stored: unknown, intervalUs: number): Promise<{ timing: AuctionTiming; profile: CpuProfile }>;
  /** A reader: one fresh profile whose page views (one tab each, one after the other) share its storage. */
  reader(page: PageSpec): Promise<Reader>;
  close(): Promise<void>;
}

/** The DevTools protocol's Profiler.Profile, as far as the bench reads it */
export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string } }[];
  /** node id of each sample */
  samples?: number[];
  /** µs before each sample, since the one before it (the first: since the profile's start) */
  timeDeltas?: number[];
}

/** What the bench asks of a tab, in either driver. */
interface BenchTab {
  goto(url: string): Promise<unknown>;
  /** localStorage.setItem on the tab's page */
  store(key: string, value: string): Promise<void>;
  /** window.__bench once the page has set it */
  timings(timeout: number): Promise<AuctionTiming>;
  /** Chromium: goes to `url`, and resolves with the profile the page takes with console.profile */
  profile?(url: string, intervalUs: number): Promise<CpuProfile>;
  close(): Promise<unknown>;
}

/** a fresh profile: storage of its own */
interface BenchProfile {
  newTab(): Promise<BenchTab>;
  close(): Promise<unknown>;
}

interface BenchDriver {
  version: string;
  newProfile(): Promise<BenchProfile>;
  close(): Promise<unknown>;
}

export type BenchEngine = 'chromium' | 'firefox';

const pageTimings = () => (window as any).__bench as AuctionTiming | undefined;
const storeItem = ([key, value]: string[]) => localStorage.setItem(key!, value!);

/** What differs between the two drivers; their pages both answer goto and close alike. */
interface DriverCalls<Page extends { goto(url: string): Promise<unknown>; close(): Promise<unknown> }> {
  version: string;
  newContext(): Promise<{ newPage(): Promise<Page>; close(): Promise<unknown> }>;
  store(page: Page, key: string, value: string): Promise<void>;
  timings(page: Page, timeout: number): Promise<AuctionTiming>;
  profile?(page: Page, url: string, intervalUs: number): Promise<CpuProfile>;
  close(): Promise<unknown>;
}

function benchDriver<Page extends { goto(url: string): Promise<unknown>; close(): Promise<unknown> }>(calls: DriverCalls<Page>): BenchDriver {
  const tab = (page: Page): BenchTab => ({
    goto: (url) => page.goto(url),
    store: (key, value) => calls.store(page, key, value),
    timings: (timeout) => calls.timings(page, timeout),
    ...(calls.profile && { profile: (url: string, intervalUs: number) => calls.profile!(page, url, intervalUs) }),
    close: () => page.close(),
  });
  return {
    version: calls.version,
    async newProfile() {
      const context = await calls.newContext();
      return { newTab: async () => tab(await context.newPage()), close: () => context.close() };
    },
    close: () => calls.close(),
  };
}

async function launchDriver(engine: BenchEngine): Promise<BenchDriver> {
  if (engine === 'firefox') {
    const browser = await launchFirefox();
    return benchDriver({
      version: await browser.version(),
      newContext: () => browser.createBrowserContext(),
      store: (page, key, value) => page.evaluate(storeItem, [key, value]),
      timings: async (page, timeout) => (await (await page.waitForFunction(pageTimings, { timeout })).jsonValue())!,
      close: () => browser.close(),
    });
  }
  const browser = await launchChromium();
  return benchDriver({
    version: browser.version(),
    newContext: () => browser.newContext(),
    store: (page, key, value) => page.evaluate(storeItem, [key, value]),
    timings: async (page, timeout) => (await (await page.waitForFunction(pageTimings, undefined, { timeout })).jsonValue())!,
    async profile(page, url, intervalUs) {
      const session = await page.context().newCDPSession(page);
      await session.send('Profiler.enable');
      await session.send('Profiler.setSamplingInterval', { interval: intervalUs });
      const finished = new Promise<CpuProfile>((resolve) => session.once('Profiler.consoleProfileFinished', ({ profile }) => resolve(profile)));
      // A profile of the whole page load around the page's own, thrown away: a profile started by console.profile alone
      // took its first sample 28-62 ms late (the sampler starting up), after the ID modules had run, so that page
      // loads with no sample in the module's script were most of the time a profile that began too late.
      await session.send('Profiler.start');
      await page.goto(url);
      const profile = await finished;
      await session.send('Profiler.stop');
      return profile;
    },
    close: () => browser.close(),
  });
}

export async function startBrowserBench(engine: BenchEngine = 'chromium'): Promise<BrowserBench> {
  const serveBundles = staticFiles({ '/': BUILD_DIR });
  const pages = new Map<string, string>();
  const sendHtml = (res: ServerResponse, html: string) => void res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', ...ISOLATED }).end(html);
  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const page = pages.get(req.url ?? '');
    if (page) return sendHtml(res, page);
    if (req.url === SEED_PATH) return sendHtml(res, '<!doctype html><title>seed</title>');
    // ?gzip=1 when the adapter gzipped the body
    if (req.url?.split('?')[0] === SSP_PATH) return void req.resume().on('end', () => res.writeHead(204).end());
    if (!(await serveBundles(req, res))) res.writeHead(404).end();
  }
  const server = http.createServer((req, res) => void serve(req, res));
  const origin = (await listenOnLoopback(server)).replace('127.0.0.1', 'localhost');
  const browser = await launchDriver(engine);
  let pageCounter = 0;

  function publish(page: PageSpec): string {
    const url = `/bench-${++pageCounter}.html`;
    pages.set(url, benchPage(page, origin + SSP_PATH));
    return origin + url;
  }

  /** A fresh profile; `stored` goes in through a page of the same origin, so every later tab sees it. */
  async function newProfile(stored: unknown): Promise<BenchProfile> {
    const profile = await browser.newProfile();
    if (stored !== undefined) {
      const seeder = await profile.newTab();
      await seeder.goto(origin + SEED_PATH);
      await seeder.store(STORAGE_KEY, JSON.stringify(stored));
      await seeder.close();
    }
    return profile;
  }

  async function auctionIn(tab: BenchTab, url: string): Promise<AuctionTiming> {
    await tab.goto(url);
    const timing = await tab.timings(TAB_TIMEOUT_MS);
    // the timings' resolution rests on it (100 µs instead of 5 µs otherwise)
    if (!timing.crossOriginIsolated) throw new Error('bench page is not cross-origin isolated');
    return timing;
  }

  async function openTabs(page: PageSpec, stored: unknown, tabs: number): Promise<AuctionTiming[]> {
    const url = publish(page);
    const profile = await newProfile(stored);
    try {
      const opened = await Promise.all(Array.from({ length: tabs }, () => profile.newTab()));
      return await Promise.all(opened.map((tab) => auctionIn(tab, url)));
    } finally {
      pages.delete(url);
      await profile.close();
    }
  }

  async function reader(page: PageSpec): Promise<Reader> {
    const url = publish(page);
    const profile = await newProfile(undefined);
    return {
      async view() {
        const tab = await profile.newTab();
        try {
          return await auctionIn(tab, url);
        } finally {
          await tab.close();
        }
      },
      async close() {
        pages.delete(url);
        await profile.close();
      },
    };
  }

  async function profiledAuction(page: PageSpec, stored: unknown, intervalUs: number) {
    const url = publish({ ...page, profile: true });
    const profile = await newProfile(stored);
    try {
      const tab = await profile.newTab();
      if (!tab.profile) throw new Error('CPU profiles are taken in Chromium only');
      const cpuProfile = await tab.profile(url, intervalUs);
      return { timing: await tab.timings(TAB_TIMEOUT_MS), profile: cpuProfile };
    } finally {
      pages.delete(url);
      await profile.close();
    }
  }

  return {
    version: browser.version,
    openTabs,
    auction: async (page, stored) => (await openTabs(page, stored, 1))[0]!,
    profiledAuction,
    reader,
    async close() {
      await browser.close();
      await closeServer(server);
    },
  };
}
