/**
 * End-to-end harness: the demo (operator, SSP, pages, receiver) in-process on ephemeral ports, the bundle built
 * when it is missing or older than its sources, and what a journey needs of a browser whatever drives it
 * (drivers.ts: Chromium through playwright-core, Firefox through WebDriver BiDi): a page, and a record of every
 * request it sends.
 */
import { expect } from 'chai';
import { mkdir, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import type { Page, Request } from 'playwright-core';
import webpack, { type Configuration } from 'webpack';
import { startDemo, type Demo, type DemoOptions } from '../../devstack/demo/start.js';
import { findBrowser } from '../../devstack/browsers/browsers.js';
import { launchChromium } from './chromiumDriver.js';

/** the repository root: this file runs as build/node/test/helpers/journeyHarness.js */
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const BUNDLE = path.join(ROOT, 'build/dist/prebid.js');
const BUNDLE_SOURCES = ['prebid.bundle.ts', 'webpack.conf.js', 'withPrebidUid2.cjs', 'modules', 'libraries'];
export const OUTPUT_DIR = path.join(ROOT, 'test-output');

async function newestSource(): Promise<number> {
  let newest = 0;
  for (const source of BUNDLE_SOURCES) {
    const full = path.join(ROOT, source);
    const info = await stat(full);
    const files = info.isDirectory() ? (await readdir(full, { recursive: true })).map((f) => path.join(full, f)) : [full];
    for (const file of files) newest = Math.max(newest, (await stat(file)).mtimeMs);
  }
  return newest;
}

let bundleReady: Promise<void> | undefined;

/** Builds build/dist/prebid.js with webpack.conf.js unless it is newer than every source of the bundle (once per run). */
export function ensureBundle(): Promise<void> {
  bundleReady ??= buildIfStale();
  return bundleReady;
}

async function buildIfStale(): Promise<void> {
  const built = await stat(BUNDLE).then((s) => s.mtimeMs, () => 0);
  if (built > (await newestSource())) return;
  const { default: bundleConfig } = (await import(pathToFileURL(path.join(ROOT, 'webpack.conf.js')).href)) as {
    default: (env?: Record<string, string>) => Configuration;
  };
  await new Promise<void>((resolve, reject) => {
    webpack(bundleConfig(), (error, stats) => {
      if (error || !stats || stats.hasErrors()) reject(error ?? new Error(stats?.toString('errors-only') ?? 'webpack failed'));
      else resolve();
    });
  });
}

/**
 * The page calls a journey makes, with Playwright's signatures: a Playwright Page is one as it is, and drivers.ts
 * adapts the others.
 */
export interface JourneyPage {
  goto(url: string): Promise<unknown>;
  fill(selector: string, value: string): Promise<void>;
  click(selector: string): Promise<void>;
  evaluate<Result>(pageFunction: () => Result | Promise<Result>): Promise<Result>;
  waitForSelector(selector: string, options?: { timeout?: number }): Promise<unknown>;
  waitForFunction(pageFunction: () => boolean, arg?: undefined, options?: { timeout?: number }): Promise<unknown>;
  textContent(selector: string): Promise<string | null>;
  getAttribute(selector: string, name: string): Promise<string | null>;
  screenshot(options: { path: string; fullPage: boolean }): Promise<unknown>;
}

/** A request the page sent, with Playwright's signatures. */
export interface JourneyRequest {
  url(): string;
  method(): string;
  /** the body's bytes as sent (gzipped when Prebid gzipped it): read it through bodyText() */
  postDataBuffer(): Buffer | null;
  response(): Promise<{ status(): number; json(): Promise<any> } | null>;
}

export interface Session<Page extends JourneyPage = JourneyPage, Request extends JourneyRequest = JourneyRequest> {
  page: Page;
  /** every request the page sent, in order */
  requests: Request[];
  /** uncaught page errors */
  errors: Error[];
  /** resolves once a frame inside the iframe `iframeSelector` of the page shows `text` */
  waitForTextInFrame(iframeSelector: string, text: string, timeout?: number): Promise<void>;
  close(): Promise<void>;
}

export interface E2eBrowser<Page extends JourneyPage = JourneyPage, Request extends JourneyRequest = JourneyRequest> {
  /** "Chromium", "Firefox" */
  name: string;
  /** A fresh browser profile (empty localStorage) with one page. */
  openSession(): Promise<Session<Page, Request>>;
  close(): Promise<void>;
}

/** What a suite's tests share: one Chromium and the demos for the whole suite, a fresh session for each test. */
export interface E2eSuite {
  browser: E2eBrowser<Page, Request>;
  demos: Demo[];
  session: Session<Page, Request>;
}

/**
 * Registers a suite's mocha hooks: the bundle built, Chromium and one demo per `demoOptions` started before
 * the suite and closed after it, a fresh session for each test, which must end without uncaught page errors.
 * Its tests use Playwright's page calls, so they are pending where Chromium is missing (npm test says so up front).
 */
export function e2eSuite(...demoOptions: DemoOptions[]): E2eSuite {
  const suite = {} as E2eSuite;
  before(async function () {
    if (!findBrowser('chromium')) this.skip();
    this.timeout(180_000);
    await ensureBundle();
    [suite.browser, suite.demos] = await Promise.all([launchChromium(), Promise.all(demoOptions.map((options) => startDemo(options)))]);
  });
  after(async () => {
    await suite.browser?.close();
    await Promise.all((suite.demos ?? []).map((demo) => demo.close()));
  });
  beforeEach(async () => { suite.session = await suite.browser.openSession(); });
  afterEach(async () => {
    if (!suite.session) return;
    const errors = suite.session.errors.map(String);
    await suite.session.close();
    if (errors.length) throw new Error(`uncaught page errors: ${errors.join('; ')}`);
  });
  return suite;
}

export async function screenshot(page: JourneyPage, name: string): Promise<void> {
  await mkdir(OUTPUT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(OUTPUT_DIR, name), fullPage: true });
}

/** Lifetimes short enough to see a refresh within seconds. */
export const SHORT_LIFETIMES: DemoOptions['lifetimes'] = {
  refresh_identity_token_after_seconds: 1,
  identity_token_expires_after_seconds: 5,
  refresh_token_expires_after_seconds: 60,
};

export { startDemo, type Demo };

export interface OrtbEid {
  source: string;
  uids: Array<{ id: string; atype?: number }>;
}

/** A request's body as the server reads it: gunzipped when Prebid gzipped it (`?gzip=1`). */
export function bodyText(request: JourneyRequest): string {
  const body = request.postDataBuffer();
  if (!body) return '';
  return (new URL(request.url()).searchParams.get('gzip') === '1' ? gunzipSync(body) : body).toString('utf8');
}

/** The UID2 eid of an OpenRTB request body, at either location. */
export function uid2EidOf(request: JourneyRequest): OrtbEid | undefined {
  const ortb = JSON.parse(bodyText(request) || '{}');
  const eids: OrtbEid[] = [...(ortb.user?.eids ?? []), ...(ortb.user?.ext?.eids ?? [])];
  return eids.find((eid) => eid.source === 'uidapi.com');
}

/** The bid requests the page sent to the SSP at `sspEndpoint`, in order. */
export function bidRequestsTo<R extends JourneyRequest>(session: { requests: R[] }, sspEndpoint: string): R[] {
  return session.requests.filter((r) => r.method() === 'POST' && r.url().startsWith(sspEndpoint));
}

/** The first bid request (after `skip` earlier ones) carrying `token` as its UID2 eid. */
export function bidRequestCarrying<R extends JourneyRequest>(
  session: { requests: R[] }, sspEndpoint: string, token: string, skip = 0, timeout?: number,
): Promise<R> {
  return until(`a bid request carrying ${token.slice(0, 12)}…`, () =>
    bidRequestsTo(session, sspEndpoint).slice(skip).find((r) => uid2EidOf(r)?.uids[0]?.id === token), timeout);
}

/** The advertising token the module stored, if any. */
export function storedToken(page: JourneyPage): Promise<string | undefined> {
  return page.evaluate(() => {
    const stored = JSON.parse(localStorage.getItem('__uid2_advertising_token') ?? 'null');
    return stored?.latestToken?.advertising_token as string | undefined;
  });
}

/**
 * Long-lived page probes: from now on the page records the identity_expires of every token the module stores (read it
 * with storedExpiries), and window.setHidden(hidden) hides or shows the tab as the module sees it (document.hidden and
 * a visibilitychange event).
 */
export function watchStoredTokens(page: JourneyPage): Promise<void> {
  return page.evaluate(() => {
    const w = window as any;
    w.expiries = {};
    setInterval(() => {
      const token = JSON.parse(localStorage.getItem('__uid2_advertising_token') ?? 'null')?.latestToken;
      if (token?.advertising_token) w.expiries[token.advertising_token] = token.identity_expires;
    }, 20);
    w.setHidden = (hidden: boolean) => {
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => hidden });
      document.dispatchEvent(new Event('visibilitychange'));
    };
  });
}

/** identity_expires of each token the module stored since watchStoredTokens, by advertising token */
export function storedExpiries(page: JourneyPage): Promise<Record<string, number>> {
  return page.evaluate(() => (window as any).expiries as Record<string, number>);
}

/** Asserts that each token used (sent, collected) at `at` is one the module stored, used before its identity_expires. */
export function expectUsedBeforeExpiry(uses: Array<{ at: number; token?: string }>, expiries: Record<string, number>): void {
  for (const { at, token } of uses) {
    if (token === undefined) continue;
    expect(expiries[token], 'a token the module stored').to.be.a('number');
    expect(at, `used before its identity_expires (${token.slice(0, 12)}…)`).to.be.below(expiries[token]!);
  }
}

/** Logs `email` in on the publisher demo page at `url` (client-side generation) and waits for its token. */
export async function logInOnPublisherPage(page: JourneyPage, url: string, email: string): Promise<void> {
  await page.goto(url);
  await page.fill('#login-input', email);
  await page.click('#login-button');
  await waitForState(page, 'valid');
}

/** hides or shows the tab, after watchStoredTokens */
export function setHidden(page: JourneyPage, hidden: boolean): Promise<void> {
  // evaluate takes no argument in JourneyPage: one page function for each case
  return page.evaluate(hidden ? () => (window as any).setHidden(true) : () => (window as any).setHidden(false));
}

export function waitForState(page: JourneyPage, state: string, timeout = 10_000): Promise<unknown> {
  return page.waitForSelector(`#identity-state[data-state="${state}"]`, { timeout });
}

/** Polls `find` until it returns something (or throws after `timeout` ms, naming `what`). */
export async function until<T>(what: string, find: () => T | undefined | Promise<T | undefined>, timeout = 10_000): Promise<T> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const found = await find();
    if (found !== undefined && found !== null && (found as unknown) !== false) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** What the SSP's report (ext.debug of its answer) says of the UID2 token it received. */
export interface SspUid2Report {
  present: boolean;
  decrypted?: boolean;
  status?: string;
  siteId?: number;
  clientSideGenerated?: boolean;
  /** tells two users apart */
  fingerprint?: string;
}

/** The SSP's answer to a bid request the browser sent: its ext.debug report. */
export async function sspReport(request: JourneyRequest): Promise<{ uid2: SspUid2Report }> {
  const response = await request.response();
  if (!response || response.status() !== 200) throw new Error(`SSP answered ${response?.status()}`);
  return (await response.json()).ext.debug;
}
