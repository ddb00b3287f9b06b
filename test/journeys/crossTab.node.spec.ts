// Two real tabs (separate renderer processes) of one site open at the same moment with a UID2 token due for
// refresh, against the local operator: the operator sees exactly one refresh, and both tabs end with its token.
// The module claims a refresh in a cookie, which other processes read synchronously (libraries/uid2Module/claim.ts);
// specs running two module instances in one page never exercise that race. Also reads the module's logInfo
// diagnostics from the console of a page opened with pbjs_debug=true.
import http from 'node:http';
import path from 'node:path';
import { expect } from 'chai';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import type { Uid2Identity } from '../../libraries/uid2/client/uid2Identity.js';
import { closeServer, listenOnLoopback } from '../../devstack/http.js';
import { staticFiles } from '../../devstack/demo/static.js';
import { startBenchOperator, type BenchOperator } from '../../devstack/bench/operator.js';
import { launchChromium } from '../../devstack/browsers/chromium.js';
import { ensureBundle, until } from '../helpers/journeyHarness.js';

const KEY = '__uid2_advertising_token';
const REFRESH = '/v2/token/refresh';
/** races run, each in a fresh profile */
const ROUNDS = 4;
/** after both tabs have the refreshed token, for any late refresh call to land */
const SETTLE_MS = 300;

/** A page that configures the uid2 module against `operatorUrl` and exposes its state. */
const page = (operatorUrl: string) => `<!doctype html><html><head><script src="/build/prebid.js"></script><script>
pbjs.que.push(function () {
  pbjs.setConfig({ userSync: { userIds: [{ name: 'uid2', params: { uid2ApiBase: ${JSON.stringify(operatorUrl)} } }], auctionDelay: 2000, syncDelay: 0 } });
  pbjs.getUserIdsAsync();
});
</script></head><body></body></html>`;

describe('e2e: one refresh across tabs in separate processes', function () {
  this.timeout(60_000);
  let browser: Browser;
  let op: BenchOperator;
  let origin: string;
  let server: http.Server;
  let cdp: CDPSession;
  let identity: Uid2Identity;

  before(async function () {
    this.timeout(180_000);
    await ensureBundle();
    [browser, op] = await Promise.all([launchChromium(), startBenchOperator()]);
    const bundle = staticFiles({ '/build/': path.resolve('build/dist') });
    server = http.createServer(async (req, res) => {
      if (req.url?.startsWith('/tab.html')) return void res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(page(op.url));
      if (req.url === '/seed') return void res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>seed</title>');
      if (!(await bundle(req, res))) res.writeHead(404).end();
    });
    origin = (await listenOnLoopback(server)).replace('127.0.0.1', 'localhost');
    cdp = await browser.newBrowserCDPSession();
    identity = await op.generate('two-tabs@example.com');
  });
  after(async () => {
    await browser?.close();
    await Promise.all([op?.close(), server && closeServer(server)]);
  });

  /** A fresh profile whose localStorage holds `record` under the module's key. */
  async function profileWith(record: unknown): Promise<BrowserContext> {
    const context = await browser.newContext();
    const seeder = await context.newPage();
    await seeder.goto(`${origin}/seed`);
    await seeder.evaluate(([key, value]) => localStorage.setItem(key, value), [KEY, JSON.stringify(record)]);
    await seeder.close();
    return context;
  }

  const uid2Of = (tab: Page) => tab.evaluate(() => (window as any).pbjs.getUserIds?.().uid2?.id as string | undefined);
  const storedToken = (tab: Page) => tab.evaluate((key) => JSON.parse(localStorage.getItem(key) ?? 'null')?.latestToken?.advertising_token, KEY);
  /** the renderer processes' ids: a closed tab's process may still be exiting, so new ones are told by id, not count */
  const renderers = async () => ((await cdp.send('SystemInfo.getProcessInfo')).processInfo as Array<{ type: string; id: number }>)
    .filter((process) => process.type === 'renderer').map((process) => process.id);

  /** Opens two tabs at the same moment on a profile holding `record`; resolves once both hand the refreshed token over. */
  async function race(record: { latestToken: Uid2Identity }, url = `${origin}/tab.html`) {
    const context = await profileWith(record);
    try {
      const renderersBefore = await renderers();
      const tabs = await Promise.all([context.newPage(), context.newPage()]);
      const calls = op.calls(REFRESH);
      await Promise.all(tabs.map((tab) => tab.goto(url)));
      // each tab in a renderer process of its own
      expect((await renderers()).filter((id) => !renderersBefore.includes(id))).to.have.length.at.least(2);
      const refreshed = await until('the refreshed token stored', async () => {
        const token = await storedToken(tabs[0]!);
        return token !== record.latestToken.advertising_token ? token : undefined;
      });
      await until('both tabs using the refreshed token', async () =>
        (await Promise.all(tabs.map(uid2Of))).every((token) => token === refreshed));
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      return { refreshCalls: op.calls(REFRESH) - calls, refreshed, tabs };
    } finally {
      await context.close();
    }
  }

  it('a token past refresh_from: the operator sees one refresh, both tabs get its token', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const due = { originalToken: identity, latestToken: { ...identity, refresh_from: Date.now() - 1000 } };
      const { refreshCalls } = await race(due);
      expect(refreshCalls, `round ${round + 1}`).to.equal(1);
    }
  });

  it('an expired token (the ID waits for the refresh): the operator sees one refresh, both tabs get its token', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const now = Date.now();
      const expired = { originalToken: identity, latestToken: { ...identity, identity_expires: now - 1000, refresh_from: now - 2000 } };
      const { refreshCalls } = await race(expired);
      expect(refreshCalls, `round ${round + 1}`).to.equal(1);
    }
  });

  it('explains its decisions in the console with pbjs_debug=true', async () => {
    const context = await profileWith({ originalToken: identity, latestToken: { ...identity, refresh_from: Date.now() - 1000 } });
    try {
      const tab = await context.newPage();
      const lines: string[] = [];
      tab.on('console', (message) => { if (message.text().includes('UID2:')) lines.push(message.text()); });
      await tab.goto(`${origin}/tab.html?pbjs_debug=true`);
      await until('the refresh answer logged', () => lines.some((line) => line.includes('refresh answered')));
      const log = lines.join('\n');
      expect(log).to.contain('using the stored record');
      expect(log).to.contain('token past refresh_from: refreshing in the background');
      expect(log).to.contain('refresh answered: new token, refresh from');
      expect(log).to.not.contain('two-tabs@example.com');
    } finally {
      await context.close();
    }
  });
});
