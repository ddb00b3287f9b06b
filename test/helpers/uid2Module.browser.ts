// Shared by the uid2/euid browser specs: a fresh userId "page" per test, scripted operator answers sealed with
// real WebCrypto (the fake CSTG endpoint really opens the request with the local test private key), an
// openrtbSsp auction that shows the eids a bidder receives, and log capture.
import pbjs from '../../prebid.bundle.js';
import { config } from 'prebid.js/src/config.js';
import { gdprDataHandler } from 'prebid.js/src/consentHandler.js';
// the userId core's own module instance (the one the bundle registered with): reached through the src alias
// because the package exports no path to it; used only to start each test on a fresh "page"
import { attachIdSystem, resetUserIds } from 'prebid.js/src/../modules/userId/index.js';
import { settings } from '../../libraries/uid2Module';
import { forgetReportedDenials } from '../../libraries/uid2Module/storageCheck.js';
import { toBase64 } from '../../libraries/uid2/crypto/base64.js';
import type { Uid2Identity } from '../../libraries/uid2/client/uid2Identity.js';
import type { HashedDii } from '../../libraries/uid2/client/normalize.js';
import { sealRefreshResponse } from '../../libraries/uid2/client/refreshResponse.js';
import { importServerPrivateKey, openCstgRequest, sealCstgResponse } from '../../devstack/operator/cstgServer.js';
import { fakeFetch, jsonBody, jsonResponse, textResponse, type CapturedRequest, type FakeFetch } from './fakeFetch.browser.js';

export { pbjs };

/** The operator's public local test keypair (uid2-operator test resources), allowed for origin localhost. */
export const SUBSCRIPTION_ID = '4WvryDGbR5';
export const PUBLIC_KEY = 'UID2-X-L-MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEtXJdTSZAYHvoRDWiehMHoWF1BNPuqLs5w2ZHiAZ1IJc7O4/z0ojPTB0V+KYX/wxQK0hxx6kxCvHj335eI/ZQsQ==';
export const PRIVATE_KEY = 'UID2-Y-L-MEECAQAwEwYHKoZIzj0CAQYIKoZIzj0DAQcEJzAlAgEBBCC5kOSRVD+qhAZqf0L4LGbmAhdy5HpIptwXE72jxhwo6w==';
export const SSP = 'https://ssp.test/openrtb2/auction';
const AD_UNIT = { code: 'slot-1', mediaTypes: { banner: { sizes: [[300, 250]] } }, bids: [{ bidder: 'openrtbSsp', params: { placementId: 'p1' } }] };

const HOUR = 3600_000;
let serial = 0;

/** An identity like the operator's, with its own refresh token and a real random refresh_response_key. */
export function makeIdentity(token: string, { refreshDue = false, expired = false, refreshExpired = false } = {}): Uid2Identity {
  const now = Date.now();
  return {
    advertising_token: token,
    refresh_token: `refresh-${token}-${++serial}`,
    identity_expires: expired ? now - 1000 : now + HOUR,
    refresh_from: refreshDue || expired ? now - 2000 : now + HOUR / 4,
    refresh_expires: refreshExpired ? now - 500 : now + 24 * HOUR,
    refresh_response_key: toBase64(crypto.getRandomValues(new Uint8Array(32))),
  };
}

type Answer = unknown | Response | Promise<unknown | Response>;

/**
 * Scripted operator on the fake network. Refresh answers are sealed with the refresh_response_key of the
 * identity whose refresh token was sent; CSTG requests are opened with the test private key (so the spec sees
 * the hashed DII the module sent) and answers sealed with the shared key, all with real WebCrypto.
 */
export class FakeOperator {
  readonly held = new Map<string, Uid2Identity>();
  constructor(readonly network: FakeFetch, readonly base = 'https://prod.uidapi.com') {}

  /** identities whose refresh token the operator accepts */
  knows(...ids: Uid2Identity[]): this {
    ids.forEach((id) => this.held.set(id.refresh_token, id));
    return this;
  }

  refreshRequests(): CapturedRequest[] { return this.network.requests.filter((r) => r.url === `${this.base}/v2/token/refresh`); }
  cstgRequests(): CapturedRequest[] { return this.network.requests.filter((r) => r.url === `${this.base}/v2/token/client-generate`); }

  /** answer(heldIdentity) → JSON to seal (e.g. success(...)), or a raw Response */
  onRefresh(answer: (held: Uid2Identity | undefined, request: CapturedRequest) => Answer): this {
    this.network.respondWith(`${this.base}/v2/token/refresh`, async (request) => {
      const held = this.held.get(request.body);
      const a = await answer(held, request);
      if (a instanceof Response) return a;
      this.learn(a);
      return textResponse(await sealRefreshResponse(held!.refresh_response_key, a));
    });
    return this;
  }

  /** answer(hashedDii) → JSON to seal, or a raw Response */
  onCstg(answer: (dii: HashedDii, request: CapturedRequest) => Answer): this {
    this.network.respondWith(`${this.base}/v2/token/client-generate`, async (request) => {
      const { dii, sharedKey } = await openCstgRequest(await importServerPrivateKey(PRIVATE_KEY), JSON.parse(request.body));
      const a = await answer(dii, request);
      if (a instanceof Response) return a;
      this.learn(a);
      return textResponse(await sealCstgResponse(sharedKey, a));
    });
    return this;
  }

  private learn(a: any) {
    if (a?.body?.refresh_token) this.knows(a.body);
  }
}

export const success = (body: Uid2Identity) => ({ status: 'success', body });
export const OPTOUT = { status: 'optout' };
export const refreshError = () => jsonResponse({ status: 'error', message: 'Error refreshing token' }, 400);

export interface UidSetup {
  name?: string;
  params?: Record<string, unknown>;
  auctionDelay?: number;
  value?: unknown;
  storage?: unknown;
}

/** Configures userId as a page would; with auctionDelay > 0 the module's callbacks start at once. */
export function configure({ name = 'uid2', params = {}, auctionDelay = 0, value, storage }: UidSetup) {
  pbjs.setConfig({
    openrtbSsp: { endpoint: SSP },
    userSync: {
      syncEnabled: false,
      auctionDelay,
      syncDelay: 0,
      userIds: [{ name, params, ...(value ? { value } : {}), ...(storage ? { storage } : {}) }],
    },
  } as any);
}

/** Runs an openrtbSsp auction (which also makes the consent modules read consent). */
export function runAuction(): Promise<unknown> {
  return new Promise((resolve) => pbjs.requestBids({ adUnits: [AD_UNIT] as any, bidsBackHandler: resolve as any }));
}

/** Runs an openrtbSsp auction and returns the eids its OpenRTB request carried. */
export async function auctionEids(network: FakeFetch): Promise<any[]> {
  network.respondWith(SSP, async (request) => jsonResponse({ id: (await jsonBody(request)).id, seatbid: [] }));
  const before = network.requests.length;
  await runAuction();
  // gzipped (?gzip=1) or not, by the request's size
  const sent = network.requests.slice(before).filter((r) => r.url.replace('?gzip=1', '') === SSP);
  if (sent.length !== 1) throw new Error(`expected one SSP request, saw ${sent.length}`);
  return (await jsonBody(sent[0]!)).user?.ext?.eids ?? [];
}

export const eidFor = (eids: any[], source = 'uidapi.com') => eids.find((e) => e.source === source);
export const tokenIn = (eids: any[], source = 'uidapi.com') => eidFor(eids, source)?.uids?.[0]?.id;

/** Warnings and errors Prebid emitted (logWarn/logError), as text. */
export function captureLogs() {
  const logs: Array<{ type: string; text: string }> = [];
  const handler = (e: any) => logs.push({ type: e.type, text: e.arguments.map((a: unknown) => (a instanceof Error ? a.message : typeof a === 'string' ? a : JSON.stringify(a))).join(' ') });
  pbjs.onEvent('auctionDebug' as any, handler);
  return {
    logs,
    errors: (prefix = 'UID2:') => logs.filter((l) => l.type === 'ERROR' && l.text.startsWith(prefix)).map((l) => l.text),
    warnings: (prefix = 'UID2:') => logs.filter((l) => l.type === 'WARNING' && l.text.startsWith(prefix)).map((l) => l.text),
    stop: () => pbjs.offEvent('auctionDebug' as any, handler),
  };
}

export const storageKeys = ['__uid2_advertising_token', '__euid_advertising_token'];
/** The cookies in which pages claim a refresh (libraries/uid2Module/claim.ts): `<key>_refreshing_<page>_<subject>`. */
const claimCookies = () => document.cookie.split('; ').map((c) => c.split('=')[0]!).filter((name) => name.includes('_refreshing_'));

export function readStored(key = '__uid2_advertising_token'): any {
  const raw = localStorage.getItem(key);
  return raw == null ? null : JSON.parse(raw);
}

export function readCookie(name: string): string | undefined {
  const match = document.cookie.split('; ').find((c) => c.startsWith(`${name}=`));
  return match && decodeURIComponent(match.slice(name.length + 1));
}

/** A cookie as the page told the browser to set it: its value and its attributes (names lowercased). */
export interface CookieWrite { value: string; attributes: Record<string, string> }

/** Every cookie write through document.cookie while `run` ran, as the page wrote it. */
export async function cookieWritesDuring(run: () => Promise<unknown>): Promise<string[]> {
  const native = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie')!;
  const writes: string[] = [];
  Object.defineProperty(document, 'cookie', {
    configurable: true,
    get: () => native.get!.call(document),
    set: (text: string) => {
      writes.push(text);
      native.set!.call(document, text);
    },
  });
  try {
    await run();
  } finally {
    delete (document as { cookie?: string }).cookie;
  }
  return writes;
}

/**
 * The last write of cookie `name` through document.cookie while `run` ran. The attributes a cookie was set with are
 * not readable back in every engine (Firefox's and WebKit's cookieStore give name and value only), so specs read
 * what the page wrote.
 */
export async function cookieWrittenDuring(name: string, run: () => Promise<unknown>): Promise<CookieWrite | undefined> {
  const writes = await cookieWritesDuring(run);
  const last = writes.filter((text) => text.startsWith(`${name}=`)).at(-1);
  if (last === undefined) return;
  const [pair, ...attributes] = last.split(';').map((part) => part.trim());
  return {
    value: pair!.slice(name.length + 1),
    attributes: Object.fromEntries(attributes.filter(Boolean).map((attribute) => {
      const at = attribute.indexOf('=');
      return at < 0 ? [attribute.toLowerCase(), ''] : [attribute.slice(0, at).toLowerCase(), attribute.slice(at + 1)];
    })),
  };
}

export function setCookie(name: string, value: string) {
  document.cookie = `${name}=${encodeURIComponent(value)}; path=/; max-age=3600`;
}

export function clearCookie(name: string) {
  document.cookie = `${name}=; path=/; expires=Thu, 01 Jan 1970 00:00:01 GMT`;
}

export const defaultSettings = { ...settings };

let attached: any[] = [];

const clearStoredIds = () => {
  storageKeys.forEach((k) => { localStorage.removeItem(k); clearCookie(k); });
  claimCookies().forEach(clearCookie);
};

/**
 * A fresh page for each test: userId core reset with our submodules attached again, no config, no consent,
 * no stored identities, fast retries. Returns the fake network.
 */
export function freshPage(...submodules: any[]): FakeFetch {
  attached = submodules;
  nextPage();
  clearStoredIds();
  Object.assign(settings, defaultSettings, { backoff: 5 });
  return fakeFetch();
}

/** The next page view in the same browser: userId starts over, storage and cookies stay. */
export function nextPage() {
  // the userId core keeps the last auctionDelay through resetUserIds (its init() leaves it), and with no userIds
  // configured it holds every later auction that long: a page starts with none
  config.setConfig({ userSync: { userIds: [], auctionDelay: 0 } });
  resetUserIds();
  attached.forEach((m) => attachIdSystem(m));
}

export function leavePage(network: FakeFetch | undefined, ...cookies: string[]) {
  network?.restore();
  // unset (not {}: resetConfig would hand consent modules {} and start a CMP lookup), then forget consent
  pbjs.setConfig({ consentManagement: undefined } as any);
  gdprDataHandler.reset();
  config.resetConfig();
  // a page that closes takes its timers along (a long-lived page's next look at its token)
  attached.forEach((m) => m.disconnect?.());
  // leave the userId core as a page starts: nothing configured, the bundle's submodules registered
  nextPage();
  clearStoredIds();
  cookies.forEach(clearCookie);
  Object.assign(settings, defaultSettings);
  forgetReportedDenials();
}

export interface TestPage { network: FakeFetch; op: FakeOperator; log: ReturnType<typeof captureLogs> }

/**
 * Mocha hooks that give each test a fresh page for `submodule` (fake network, scripted operator, log capture) and
 * clean up after it, `cookies` included; the returned object holds the current test's.
 */
export function freshPageEachTest(submodule: unknown, ...cookies: string[]): TestPage {
  const page = {} as TestPage;
  beforeEach(() => {
    page.network = freshPage(submodule);
    page.op = new FakeOperator(page.network);
    page.log = captureLogs();
  });
  afterEach(async () => {
    // let background work finish on this page's fake network: the refreshes under way, and the userId core's callbacks
    // where the test configured it (getUserIdsAsync waits for a configuration that a test calling getId never makes)
    const configured = ((config.getConfig('userSync.userIds') as unknown[] | undefined) ?? []).length > 0;
    await Promise.race([configured ? refreshDone() : claimsFree(), sleep(1000)]);
    page.log.stop();
    leavePage(page.network, ...cookies);
  });
  return page;
}

/** Waits for the module's background work (callbacks) that pbjs exposes through getUserIdsAsync. */
export const settle = () => pbjs.getUserIdsAsync();

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until Date.now() has reached `time`. A timer alone does not promise that: Firefox fires timers a little early
 * by design (its timer thread wakes ahead to be on time on average), and the module reads expiry from Date.now().
 */
export async function sleepUntil(time: number) {
  while (Date.now() < time) await sleep(time - Date.now());
}

/** Waits until no page claims a uid2/euid refresh it has not finished: the refreshes under way stored their records. */
export async function claimsFree() {
  const busy = () => claimCookies().some((name) => !readCookie(name)?.endsWith('.d'));
  while (busy()) await sleep(5);
}

/**
 * Waits for a background refresh: the module hands the core the current token at once and refreshes under its
 * cross-tab claim once the auction is released (or, with no auction under way, in the next task), so this waits for
 * the callbacks to run, the refresh to start, the claim to be released, and the core to take what the refresh stored.
 */
export async function refreshDone() {
  await settle();
  await sleep(0);
  await claimsFree();
  await settle();
}

/** Keeps polling `check` until it is truthy (or fails after `ms`). */
export async function until(check: () => unknown, ms = 3000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(5);
  }
}
