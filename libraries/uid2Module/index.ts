/**
 * The shell of the token lifecycle behind the uid2 and euid userId submodules. decide.ts says what to do and why
 * (which identity, whether to refresh or generate); this file logs the reasons (logInfo, shown with pbjs_debug=true)
 * and carries the decision out: storage, the operator calls, one refresh across the site's tabs, a timer that looks
 * again at refresh_from and identity_expires on long-lived pages, and logout (disconnect).
 */
import { cyrb53Hash, debugTurnedOn, logInfo, logWarn, logError } from 'prebid.js/src/utils.js';
import { getStorageManager } from 'prebid.js/src/storageManager.js';
import { MODULE_TYPE_UID } from 'prebid.js/src/activities/modules.js';
import { getGlobal } from 'prebid.js/src/prebidGlobal.js';
import * as events from 'prebid.js/src/events.js';
import { EVENTS } from 'prebid.js/src/constants.js';
import { config } from 'prebid.js/src/config.js';
import type { AllConsentData } from 'prebid.js/src/consentHandler.js';
import type { IdProviderSpec, UserIdConfig } from 'prebid.js/modules/userId/spec.js';
import { hashPickedDii, pickDii, type DiiParam, type DiiParams } from '../uid2/client/normalize.js';
import { openRefreshResponse } from '../uid2/client/refreshResponse.js';
import { createCstgRequestForSpki, openCstgResponse, parseServerPublicKey } from '../uid2/client/cstg.js';
import { callOperator, Refused, settings, type Outcome } from './api.js';
import { createClaims } from './claim.js';
import { isModuleIdentity, type ModuleIdentity } from './moduleIdentity.js';
import { createStore, type CookieScope, type Store, type Stored, type StoredValue, type Unkept } from './storage.js';
import { reportDeniedStorage } from './storageCheck.js';
import { current, decide, fromDii, REASONS, type Decision } from './decide.js';

export { settings };
export type { Stored, ModuleIdentity };

export type UidModuleName = 'uid2' | 'euid';

/** Params the uid2 and euid modules share. */
export type UidCommonParams = DiiParams & {
  /** where the module keeps its record; default localStorage */
  storage?: 'localStorage' | 'cookie' | null;
  /** cookie storage: the domain the record cookie is shared under (the page's host or a parent of it); default the host */
  cookieDomain?: string;
  /** cookie storage: the path the record cookie is shared under; default / */
  cookiePath?: string;
  /** client-side token generation: credentials, and one DII (DiiParams) */
  serverPublicKey?: string;
  subscriptionId?: string;
};

/** The params of the `name` module: the common ones and <name>ApiBase, <name>Token, <name>Cookie, <name>ServerCookie. */
export type UidParams<N extends UidModuleName> = UidCommonParams
  & { [param in `${N}ApiBase` | `${N}Cookie` | `${N}ServerCookie`]?: string }
  & { [param in `${N}Token`]?: ModuleIdentity | string };

export interface UidModuleOptions<N extends UidModuleName> {
  name: N;
  /** operator base URL unless params.<name>ApiBase says otherwise */
  baseUrl: string;
  eids: IdProviderSpec<N>['eids'];
  gvlid?: number;
  /** the ID's consent rule; false stops the module (after saying why with `warn`) */
  allowed(consent: AllConsentData | undefined, warn: (msg: string) => void): unknown;
}

/**
 * How long an opt-out answer stands for its token or DII: meanwhile pages ask nothing for it (at most one call a day
 * per browser for an opted-out user; the official module generates again on every page), and a user who opted back
 * in gets a token within a day.
 */
export const OPTOUT_MEMORY_MS = 24 * 3600_000;

/** characters of a refresh token's end that name it in the cross-tab claims: a GCM tag's 16 bytes and more */
const CLAIM_SUBJECT_CHARS = 32;

/**
 * How the cross-tab claims (claim.ts) name a refresh token: a hash of its end, the last bytes of its GCM layer (its
 * tag, one of its own), never the token. The whole 388 characters through cold hashing code held a page's first
 * refresh by 4 ms (median of 12 profiled Chromium page loads; up to 15 ms), its end by 0.3 ms.
 */
export const claimSubject = (refreshToken: string): string => String(cyrb53Hash(refreshToken.slice(-CLAIM_SUBJECT_CHARS)));

/** setTimeout's largest delay (about 24.8 days); a longer one fires at once */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The module's userId spec, and the publisher's logout call behind pbjs.disconnectUid2 / disconnectEuid. */
export type UidModule<N extends UidModuleName> = IdProviderSpec<N> & { disconnect(): void };

/** What tells records apart for decode: a bare token, 'optout', or the latest advertising token. */
const idOf = (v: StoredValue | undefined) => (typeof v === 'string' || v === undefined ? v
  : v.latestToken === 'optout' ? v.latestToken : v.latestToken?.advertising_token);

/** CSTG credentials and the DII as pickDii gave it (`value` undefined: invalid or none given) */
interface Cstg { spki: Uint8Array<ArrayBuffer>; sub: string; param?: DiiParam; value?: string }

export function createUidModule<N extends UidModuleName>({ name, baseUrl, eids, gvlid, allowed }: UidModuleOptions<N>): UidModule<N> {
  const NAME = name.toUpperCase();
  const err = (...a: unknown[]) => logError(`${NAME}:`, ...a);
  const warn = (...a: unknown[]) => logWarn(`${NAME}:`, ...a);
  const info = (...a: unknown[]) => logInfo(`${NAME}:`, ...a);
  const sm = getStorageManager({ moduleType: MODULE_TYPE_UID, moduleName: name });
  const key = `__${name}_advertising_token`;
  /**
   * Where the claims go: in cookie mode, the record cookie's domain (params.cookieDomain), so that pages of every
   * subdomain sharing the record see each other's claims; else the host, as the localStorage record is the origin's.
   */
  let claimDomain: string | undefined;
  const claims = createClaims(sm, key, { lifetime: () => settings.timeout + 1000, domain: () => claimDomain, pollMs: 25, handoverMs: 5000 });
  const param = <S extends string>(suffix: S) => `${name}${suffix}` as `${N}${S}`;
  const when = (ms: number) => new Date(ms).toISOString();
  /** the supplied token or DII a record descends from */
  const origin = (s: Stored) => s.originalIdentity?.identity ?? s.originalToken?.advertising_token;

  /** the store of the last getId, which a logout clears */
  let lastStore: Store | undefined;
  /** this page's refreshes under way, by configuration (epoch) and refresh token */
  const refreshing = new Map<string, Promise<Stored | undefined>>();
  const unkept: Unkept = {};
  /**
   * What the core was last handed (getId's id, or its callback's record): the only record decode gives an ID for.
   * With a userId `storage` config the core also decodes its own copy when getId hands nothing over (after a logout,
   * consent withheld, a refresh or generation under way), and that copy may be a logged-out reader's.
   */
  let handedOut: StoredValue | undefined;
  const handOut = (record: StoredValue) => ({ id: (handedOut = record) });
  /** the core's callback, for a record that decode then accepts */
  const toCore = (run: (cb: (v?: Stored) => void) => void) => (cb: (v?: Stored) => void) => run((record) => cb(handedOut = record));
  /** counts the ends of handed-out IDs (logout, refused refresh): an ID decoded before one is no longer given out */
  let ends = 0;
  /**
   * Counts logouts and new configurations (a setConfig with other params): a call begun before one is no longer
   * wanted, so it is not retried and its answer is not stored
   */
  let epoch = 0;
  let configuredParams: unknown;
  /** true while no logout or new configuration came since it was made */
  const wantedNow = (epochBefore = epoch) => () => epoch === epochBefore;
  let timer: ReturnType<typeof setTimeout> | undefined;

  /**
   * Long-lived pages: at the time lookAgainAt sets, the core runs getId again (refreshUserIds), which refreshes a due
   * token. A hidden tab asks nothing on its own: it looks again once the reader comes back to it.
   */
  function lookAgain() {
    // one listener however often this runs while hidden: the same function is added once
    if (document.hidden) return void document.addEventListener('visibilitychange', lookAgain, { once: true });
    // nothing left to look at (a logout in another tab, storage cleared): the core is not asked at all
    const stored = lastStore?.read();
    if (typeof stored !== 'object' || decide(stored, {}, Date.now()).action === 'none') return;
    info('looking at the token again (long-lived page)');
    getGlobal().refreshUserIds({ submoduleNames: [name] });
  }
  function lookAgainAt(at?: number) {
    clearTimeout(timer);
    if (at !== undefined) timer = setTimeout(lookAgain, Math.min(Math.max(at - Date.now(), 0), MAX_TIMER_MS));
  }

  /** logs why, and when the module looks at the record again */
  function explain({ why, next }: Decision) {
    why.forEach((reason) => info(REASONS[reason]));
    if (next !== undefined) info(`looking at it again at ${when(next)}`);
  }

  /** the cookie scope of params.cookieDomain and params.cookiePath; a value the page cannot use falls back to the host (and /) */
  function cookieScope({ cookieDomain: domain, cookiePath: path = '/' }: UidParams<N>): CookieScope {
    const host = location.hostname;
    const bare = typeof domain === 'string' ? domain.replace(/^\./, '') : undefined;
    const domainOk = domain === undefined || (/^[\w-]+(\.[\w-]+)*$/.test(bare!) && (host === bare || host.endsWith(`.${bare}`)));
    const { pathname } = location;
    // a cookie path covers itself and what lies under it (RFC 6265 5.1.4), and must cover this page to be read back
    const pathOk = typeof path === 'string' && /^\/[\w/.~%-]*$/.test(path) &&
      (pathname === path || pathname.startsWith(path.endsWith('/') ? path : `${path}/`));
    if (!domainOk) warn(`params.cookieDomain ${JSON.stringify(domain)} does not contain this page (${host}): the cookie stays on the host`);
    if (!pathOk) warn(`params.cookiePath ${JSON.stringify(path)} is not a path of this page: the cookie goes on /`);
    return { domain: domainOk ? bare : undefined, path: pathOk ? path : '/' };
  }

  /** CSTG credentials and DII; undefined (after saying why) when CSTG is not configured or its credentials are invalid */
  function cstgConfig(p: UidParams<N>): Cstg | undefined {
    const dii = pickDii(p);
    const { serverPublicKey, subscriptionId: sub } = p;
    if (serverPublicKey == null && sub == null) {
      if (dii) warn(`params.${dii.param} needs serverPublicKey and subscriptionId: not generating a token`);
      return;
    }
    const spki = typeof serverPublicKey === 'string' ? parseServerPublicKey(serverPublicKey)?.spki : undefined;
    const invalid = !spki ? 'serverPublicKey' : typeof sub !== 'string' || !sub ? 'subscriptionId' : undefined;
    if (invalid) return void warn(`invalid CSTG params.${invalid}: not generating a token`);
    if (dii && dii.value === undefined) warn(`invalid CSTG params.${dii.param}: not generating a token`);
    return { spki: spki!, sub: sub!, ...dii };
  }

  /** params.<name>Token, else the identity JSON in the cookie params.<name>Cookie names */
  function suppliedToken(p: UidParams<N>): ModuleIdentity | undefined {
    const cookie = p[param('Cookie')] ?? p[param('ServerCookie')];
    const fromParams = p[param('Token')];
    // an empty params.<name>Token (a template's logged-out value) falls through to the cookie, as in the official module
    let token: unknown = fromParams || (cookie && sm.getCookie(cookie));
    // JSON text only: anything else (an object, nothing) throws, and a page's first throw costs 1-3 ms in Chromium
    if (typeof token === 'string') try { token = JSON.parse(token); } catch (e) { /* not JSON */ }
    if (!token) return;
    if (!isModuleIdentity(token)) return void err(`params.${name}Token or the ${name} cookie is not an identity`);
    info(`token source: ${fromParams ? `params.${name}Token` : `the cookie ${cookie}`}`);
    return token;
  }

  /**
   * Stores `next` unless meanwhile another tab stored a record `reuse` accepts, which is then kept: one record
   * across tabs. Synchronous, so that the stored record is there as soon as the result is handed over.
   */
  function commit(store: Store, next: Stored, reuse: (cur: Stored) => unknown): Stored {
    const cur = store.read();
    if (typeof cur === 'object' && reuse(cur)) {
      info('another tab stored a newer record meanwhile: using it');
      return cur;
    }
    store.write(next);
    return next;
  }

  /** `record` with the operator's answer as its latest token; an opt-out is remembered for OPTOUT_MEMORY_MS */
  const answered = (record: Omit<Stored, 'latestToken'>, latestToken: Outcome): Stored =>
    (latestToken === 'optout' ? { ...record, latestToken, optoutUntil: Date.now() + OPTOUT_MEMORY_MS } : { ...record, latestToken });
  const outcomeText = (t: Outcome) => (t === 'optout' ? 'opted out' : `new token, refresh from ${when(t.refresh_from)}`);

  /**
   * Refreshes the token of `s`; at most one tab calls the operator for a refresh token, the others take its record.
   * Hands over nothing when the reader logged out or another reader logged in while the call was under way.
   */
  function refresh(s: Stored, store: Store, base: string, wanted = wantedNow(), keepHeld?: () => void): Promise<Stored | undefined> {
    const t = s.latestToken as ModuleIdentity;
    // a second getId while this page refreshes the token (refreshUserIds, a consent change) joins the refresh
    const key = `${epoch} ${t.refresh_token}`;
    const joined = refreshing.get(key);
    if (joined) return joined;
    const storedBefore = JSON.stringify(store.read() ?? null);
    /** the stored record was removed or replaced by another identity's since the refresh began */
    const identityLeft = (cur: Stored | string | undefined) =>
      JSON.stringify(cur ?? null) !== storedBefore && !(typeof cur === 'object' && origin(cur) === origin(s));
    // the same identity, refreshed by another tab (another token, not older), found opted out there (an opt-out
    // still remembered: not a lapsed one, which is what a refresh of the supplied token asks about again), or dead
    // (this refresh token, refused); not an older token of it, such as the record a newer supplied token replaces
    const reuse = (cur: Stored, c = cur.latestToken) => origin(cur) === origin(s) && (c === 'optout' ? current(cur, Date.now())
      : c.refresh_token !== t.refresh_token ? c.identity_expires >= t.identity_expires : c.refresh_expires !== t.refresh_expires);
    const open = (text: string) => {
      if (t.refresh_response_key) return openRefreshResponse(t.refresh_response_key, text);
      info('token has no refresh_response_key: reading the refresh answer as plain JSON');
      return Promise.resolve().then(() => JSON.parse(text));
    };
    /** the record another tab stored for this refresh, if any */
    const fromOtherTab = (cur = store.read()) => {
      if (typeof cur === 'object' && reuse(cur)) return cur;
    };
    const call = async (renew: (ms?: number) => void) => {
      // a tab comes here late when it waited for another tab's claim, or started after that claim had ended: what
      // was stored meanwhile may answer it (another tab's refresh) or leave nothing to ask about (a logout in any
      // tab, a new login)
      if (!wanted()) return void info('logged out or configured anew since the refresh began: not calling');
      const cur = store.read();
      const stored = fromOtherTab(cur);
      if (stored) return stored;
      if (identityLeft(cur)) return void info('logged out or another reader since the refresh began: not calling');
      const latestToken = await callOperator(name, `${base}/v2/token/refresh`, t.refresh_token, open, { warn, onWait: renew, onTransientFailure: keepHeld, wanted })
        .catch((e) => {
          if (!(e instanceof Refused)) throw e;
          err('refresh refused, the ID ends here:', e.message);
          // a previous reader's refusal ends nothing the page holds now
          if (wanted()) ends++;
          return { ...t, refresh_expires: Date.now() };
        });
      info('refresh answered:', outcomeText(latestToken));
      // storing it would bring back a reader who logged out, or overwrite the one who logged in since
      if (!wanted()) return void info('logged out or configured anew during the refresh: dropping the answer');
      if (identityLeft(store.read())) return void info('the stored identity changed during the refresh (logout or another login): dropping the answer');
      return commit(store, answered(s, latestToken), reuse);
    };
    const running = claims.run(claimSubject(t.refresh_token), call, () => fromOtherTab(),
      () => info('another tab is refreshing this token: waiting for the record it stores'));
    refreshing.set(key, running);
    return running.finally(() => refreshing.delete(key));
  }

  /**
   * Client-side generation goes to the operator at once. A record another tab stored first for the same DII wins
   * over this tab's answer (two tabs generating at the same moment both call the operator). An answer that arrives
   * after a logout is dropped.
   */
  async function generate({ spki, sub, param: diiParam, value }: Cstg, store: Store, base: string): Promise<Stored | undefined> {
    const id = value!;
    const wanted = wantedNow();
    info(`generating a token from params.${diiParam}`);
    // hashing runs beside the key agreement
    const request = await createCstgRequestForSpki(spki, sub, hashPickedDii(diiParam!, id));
    const salt = Math.floor(Math.random() * 2 ** 32);
    const latestToken = await callOperator(name, `${base}/v2/token/client-generate`, JSON.stringify(request.body),
      (text) => openCstgResponse(request.sharedKey, text), { warn, wanted });
    info('token generation answered:', outcomeText(latestToken));
    if (!wanted()) return void info('logged out or configured anew during the generation: dropping the answer');
    const next = answered({ originalIdentity: { identity: cyrb53Hash(id, salt), salt } }, latestToken);
    return commit(store, next, (cur) => fromDii(cur, id) && current(cur, Date.now()));
  }

  /**
   * A callback for `work` (the userId core's, or the background refresh's own): hands over the new record (and looks
   * at it again when its time comes), or nothing after logging why; always completes.
   */
  const handOver = (what: string, work: () => Promise<Stored | undefined>) => {
    const pending = new Promise<Stored | undefined>((resolve) => {
      if (!window.crypto?.subtle) throw Error('no WebCrypto (insecure context?)');
      resolve(work());
    });
    return (cb: (v?: Stored) => void) => {
      pending.then((record) => {
        if (record) lookAgainAt(decide(record, {}, Date.now()).next);
        cb(record);
      }, (e) => { err(`${what} failed:`, e?.message ?? e); cb(); });
    };
  };

  /**
   * Refreshes `held` beside the userId core, not as a callback: the core keeps the current record it was handed with
   * nothing to wait for (an auctionDelay waits for callbacks), and gets the refreshed one once it lands, through
   * refreshUserIds, which finds it stored. A refreshed token that is due again at once (a skewed clock) waits for the
   * current one's expiry instead of refreshing in a loop.
   */
  const inBackground = (held: Stored, run: ReturnType<typeof handOver>, keepHeld?: () => void) => run((next) => {
    if (!next) return keepHeld?.();
    if (next === held) return;
    const now = Date.now();
    if (decide(next, {}, now).action !== 'background') getGlobal().refreshUserIds({ submoduleNames: [name] });
    // withheld: the core keeps `held`, so the next look is at its expiry, not at the withheld record's
    else lookAgainAt(decide(held, {}, now).next);
  });

  /** Stores `held` when called, unless the reader logged out or the stored record changed meanwhile (another tab, another login). */
  function keepLater(store: Store, held: Stored, storedBefore: unknown, wanted: () => boolean) {
    const before = JSON.stringify(storedBefore ?? null);
    return () => {
      if (wanted() && JSON.stringify(store.read() ?? null) === before) store.write(held);
    };
  }

  /**
   * With userSync.auctionDelay, the userId core holds the auction until the IDs are settled: this resolves once it has
   * released it (its auctionInit), or in the next task when no auction is under way (refreshUserIds,
   * getUserIdsAsync). A background refresh starts there: its synchronous part (the claim cookies, the page's first
   * fetch) would otherwise lengthen the hold for a token the auction does not wait for. Without auctionDelay nothing
   * is held, and the refresh starts at once, to run while the auction does (as the official module's does).
   */
  const auctionReleased = () => new Promise<void>((resolve) => {
    if (!(Number(config.getConfig('userSync.auctionDelay')) > 0)) return resolve();
    const release = () => {
      events.off(EVENTS.AUCTION_INIT, release);
      clearTimeout(fallback);
      resolve();
    };
    events.on(EVENTS.AUCTION_INIT, release);
    const fallback = setTimeout(release);
  });

  // Prebid's DecodedId<N> is {[N]: UserId[N]}, which TypeScript cannot resolve for a generic N (as ProviderParams[N] below)
  const decoded = (id: { id?: string; optout?: boolean }) => ({ [name]: id }) as unknown as ReturnType<IdProviderSpec<N>['decode']>;

  function getId(config: UserIdConfig<N>, consent?: AllConsentData) {
    handedOut = undefined;
    if (!allowed(consent, warn)) return;
    // ProviderParams[N] is UidParams<N> (Uid2Params, EuidParams); TypeScript cannot resolve that for a generic N
    const p = (config.params ?? {}) as UidParams<N>;
    // the core passes the same params object until the publisher configures the module anew
    if (config.params !== configuredParams) {
      configuredParams = config.params;
      epoch++;
    }
    const base = p[param('ApiBase')] ?? baseUrl;
    const cstg = cstgConfig(p);
    // params.storage unset: where the userId storage config says (userSync.enforceStorageType allows no other)
    const useCookie = p.storage === 'cookie' || (p.storage == null && config.storage?.type === 'cookie');
    const publisherCookie = p[param('Cookie')] ?? p[param('ServerCookie')];
    reportDeniedStorage(name, [
      { key, storageType: useCookie ? 'cookie' : 'html5', write: true },
      ...(publisherCookie ? [{ key: publisherCookie, storageType: 'cookie', write: false } as const] : []),
    ]);
    // the cookie params matter to cookie mode, and in localStorage mode only to a logout (removing a cookie copy):
    // worked out (and warned about) when first needed, not on every page
    let scope: CookieScope | undefined;
    const scopeOnce = () => (scope ??= cookieScope(p));
    claimDomain = useCookie ? scopeOnce().domain : undefined;
    const store = lastStore = createStore(sm, key, useCookie, scopeOnce, err, unkept);
    const stored = store.read();
    const decision = decide(stored, cstg ? { dii: cstg.value ?? null } : { token: suppliedToken(p) }, Date.now());
    const { action, record } = decision;
    // the reasons are logInfo's, which prints only with debugging on: not even worded otherwise
    if (debugTurnedOn()) explain(decision);
    lookAgainAt(decision.next);
    if (action === 'generate') return { callback: toCore(handOver('token generation', () => generate(cstg!, store, base))) };
    if (typeof record !== 'object') return record ? handOut(record) : undefined;
    if (action === 'refresh') return { callback: toCore(handOver('token refresh', () => refresh(record, store, base))) };
    if (action === 'use') {
      store.keep(record);
      return handOut(record);
    }
    // wanted from here: a logout or a new configuration before the refresh starts leaves nothing to refresh
    const wanted = wantedNow();
    // In cookie mode a record the refresh replaces is not written first: WebKit applies the browser's notices of a
    // page's own cookie writes to the page's cookie cache as they arrive (WebCookieCache::cookiesAdded), so for a few
    // ms after two quick writes of one cookie, reads can return the first. It is stored once the refresh fails.
    if (!useCookie) store.keep(record);
    const keepHeld = useCookie ? keepLater(store, record, stored, wanted) : undefined;
    inBackground(record, handOver('token refresh', () => auctionReleased().then(() => (wanted() ? refresh(record, store, base, wanted, keepHeld) : undefined))), keepHeld);
    return handOut(record);
  }

  /**
   * Logout: the record in both storages, the claim cookies, and the ID the core holds; answers still due are dropped and
   * the module looks at nothing again by itself. What the params supply afterwards is the publisher's to change.
   */
  function disconnect() {
    info('disconnect: removing the stored record, the claims and the ID');
    lastStore?.remove();
    claims.clear();
    handedOut = undefined;
    ends++;
    epoch++;
    lookAgainAt();
    document.removeEventListener('visibilitychange', lookAgain);
  }

  return {
    name,
    gvlid,
    getId,
    // with a userId `storage` config, core skips getId while its copy lasts; keep the lifecycle running
    extendId: getId,
    decode(v: Stored | string) {
      if (v == null || idOf(v) !== idOf(handedOut)) return;
      if (typeof v === 'string') return decoded({ id: v });
      const t = v?.latestToken;
      if (t === 'optout') return decoded({ optout: true });
      if (typeof t !== 'object') return;
      const endsBefore = ends;
      const live = () => current(v, Date.now()) && ends === endsBefore;
      // read at each auction: no auction gets the token once it expired or the ID ended (logout, refused refresh)
      if (live()) return decoded({ get id() { return live() ? t.advertising_token : undefined; } });
    },
    // the userId core's call when the user asks for their data to be deleted (a CMP's deletion request)
    onDataDeletionRequest: disconnect,
    disconnect,
    eids,
  } as UidModule<N>;
}
