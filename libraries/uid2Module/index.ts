/**
 * The token lifecycle behind the uid2 and euid userId submodules: which identity to use (config token,
 * publisher cookie, stored record, or one generated client-side from DII), when to refresh it (in the
 * background past refresh_from, before the auction once the advertising token expired), opt-out, and one
 * refresh across the site's tabs. Every decision is logged with logInfo (shown with pbjs_debug=true).
 */
import { cyrb53Hash, logInfo, logWarn, logError } from 'prebid.js/src/utils.js';
import { getStorageManager } from 'prebid.js/src/storageManager.js';
import { MODULE_TYPE_UID } from 'prebid.js/src/activities/modules.js';
import { getGlobal } from 'prebid.js/src/prebidGlobal.js';
import type { AllConsentData } from 'prebid.js/src/consentHandler.js';
import type { IdProviderSpec, UserIdConfig } from 'prebid.js/modules/userId/spec.js';
import { hashPickedDii, pickDii, type DiiParam, type DiiParams } from '../uid2/normalize.js';
import { openRefreshResponse } from '../uid2/refreshResponse.js';
import { createCstgRequestForSpki, openCstgResponse, parseServerPublicKey } from '../uid2/cstg.js';
import { callOperator, Refused, settings, type Outcome } from './api.js';
import { createClaims } from './claim.js';
import { isModuleIdentity, type ModuleIdentity } from './identity.js';
import { createStore, type Store, type Stored } from './storage.js';
import { reportDeniedStorage } from './storageCheck.js';

export { settings };
export type { Stored, ModuleIdentity };

export type UidModuleName = 'uid2' | 'euid';

/** Params the uid2 and euid modules share. */
export type UidCommonParams = DiiParams & {
  /** where the module keeps its record; default localStorage */
  storage?: 'localStorage' | 'cookie' | null;
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

/** CSTG credentials and the DII as pickDii gave it (`value` undefined: invalid or none given) */
interface Cstg { spki: Uint8Array<ArrayBuffer>; sub: string; param?: DiiParam; value?: string }

export function createUidModule<N extends UidModuleName>({ name, baseUrl, eids, gvlid, allowed }: UidModuleOptions<N>): IdProviderSpec<N> {
  const NAME = name.toUpperCase();
  const err = (...a: unknown[]) => logError(`${NAME}:`, ...a);
  const warn = (...a: unknown[]) => logWarn(`${NAME}:`, ...a);
  const info = (...a: unknown[]) => logInfo(`${NAME}:`, ...a);
  const sm = getStorageManager({ moduleType: MODULE_TYPE_UID, moduleName: name });
  const key = `__${name}_advertising_token`;
  const clientVersion = `PrebidJS-${getGlobal().version}-${NAME}Module-prebid-uid2`;
  const claims = createClaims(sm, key, { lifetime: () => settings.timeout + 1000, pollMs: 25, handoverMs: 5000 });
  const param = <S extends string>(suffix: S) => `${name}${suffix}` as `${N}${S}`;
  const when = (ms: number) => new Date(ms).toISOString();

  const sameIdentity = (s: Stored, id: string) => s.originalIdentity?.identity === cyrb53Hash(id, s.originalIdentity?.salt);
  /** past refresh_from and still refreshable ('optout' has neither field) */
  const due = (t: ModuleIdentity, now = Date.now()) => now > t.refresh_from && now < t.refresh_expires;
  /** an opt-out still remembered, or an advertising token not expired */
  const current = (s: Stored, now = Date.now()) => (s.latestToken === 'optout' ? now < (s.optoutUntil ?? 0) : now < s.latestToken.identity_expires);
  /** the supplied token or DII a record descends from */
  const origin = (s: Stored) => s.originalIdentity?.identity ?? s.originalToken?.advertising_token;

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
    let token: unknown = fromParams ?? (cookie && sm.getCookie(cookie));
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
  function refresh(s: Stored, store: Store, base: string): Promise<Stored | undefined> {
    const t = s.latestToken as ModuleIdentity;
    const storedBefore = JSON.stringify(store.read() ?? null);
    /** the stored record was removed or replaced by another identity's since the refresh began */
    const identityLeft = (cur: Stored | string | undefined) =>
      JSON.stringify(cur ?? null) !== storedBefore && !(typeof cur === 'object' && origin(cur) === origin(s));
    // the same identity, refreshed (or found opted out, or dead) by another tab
    const reuse = (cur: Stored, c = cur.latestToken as ModuleIdentity) =>
      origin(cur) === origin(s) && c.refresh_token + c.refresh_expires !== t.refresh_token + t.refresh_expires;
    const open = (text: string) => {
      if (t.refresh_response_key) return openRefreshResponse(t.refresh_response_key, text);
      info('token has no refresh_response_key: reading the refresh answer as plain JSON');
      return Promise.resolve().then(() => JSON.parse(text));
    };
    const call = async (renew: () => void) => {
      const latestToken = await callOperator(name, `${base}/v2/token/refresh`, t.refresh_token, open,
        { warn, onRetry: renew, headers: { 'X-UID2-Client-Version': clientVersion } },
      ).catch((e) => {
        if (!(e instanceof Refused)) throw e;
        err('refresh refused, the refresh token is not used again:', e.message);
        // keep the advertising token while it lasts
        return { ...t, refresh_expires: Date.now() };
      });
      info('refresh answered:', outcomeText(latestToken));
      // storing it would bring back a reader who logged out, or overwrite the one who logged in since
      if (identityLeft(store.read())) return void info('the stored identity changed during the refresh (logout or another login): dropping the answer');
      return commit(store, answered(s, latestToken), reuse);
    };
    const fromOtherTab = () => {
      const cur = store.read();
      if (typeof cur === 'object' && reuse(cur)) return cur;
    };
    return claims.run(String(cyrb53Hash(t.refresh_token)), call, fromOtherTab,
      () => info('another tab is refreshing this token: waiting for the record it stores'));
  }

  /**
   * Client-side generation goes to the operator at once. A record another tab stored first for the same DII wins
   * over this tab's answer (two tabs generating at the same moment both call the operator).
   */
  async function generate({ spki, sub, param: diiParam, value }: Cstg, store: Store, base: string): Promise<Stored> {
    const id = value!;
    info(`generating a token from params.${diiParam}`);
    const request = await createCstgRequestForSpki(spki, sub, await hashPickedDii(diiParam!, id));
    const salt = Math.floor(Math.random() * 2 ** 32);
    const latestToken = await callOperator(name, `${base}/v2/token/client-generate`, JSON.stringify(request.body),
      (text) => openCstgResponse(request.sharedKey, text), { warn });
    info('token generation answered:', outcomeText(latestToken));
    const next = answered({ originalIdentity: { identity: cyrb53Hash(id, salt), salt } }, latestToken);
    return commit(store, next, (cur) => sameIdentity(cur, id) && current(cur));
  }

  /** The userId callback for `work`: hands over the new record, or nothing after logging why; always completes. */
  const handOver = (what: string, work: () => Promise<Stored | undefined>) => {
    const pending = new Promise<Stored | undefined>((resolve) => {
      if (!window.crypto?.subtle) throw Error('no WebCrypto (insecure context?)');
      resolve(work());
    });
    return (cb: (v?: Stored) => void) => {
      pending.then(cb, (e) => { err(`${what} failed:`, e?.message ?? e); cb(); });
    };
  };

  /**
   * A callback that hands the core the current record at once, so no auction waits for the refresh, and the
   * refreshed one once it lands (through refreshUserIds, which finds it stored). A refreshed token that is due
   * again at once (a skewed clock) waits for the next page instead of refreshing in a loop.
   */
  const inBackground = (current: Stored, run: ReturnType<typeof handOver>) => (cb: (v?: Stored) => void) => {
    cb(current);
    run((next) => {
      if (next && next !== current && !due(next.latestToken as ModuleIdentity)) getGlobal().refreshUserIds({ submoduleNames: [name] });
    });
  };

  /** The stored record for a CSTG config with a valid DII: kept when it descends from that DII and is still usable. */
  function forDii(s: Stored | string | undefined, id: string, now: number): Stored | undefined {
    if (typeof s !== 'object') return void info('no stored token for this DII');
    if (!sameIdentity(s, id)) return void info('the stored token came from another DII: ignoring it');
    if (s.latestToken === 'optout') {
      if (!current(s, now)) return void info('a remembered opt-out for this DII has lapsed: asking again');
      info(`opted out for this DII: no token, nothing asked until ${when(s.optoutUntil!)}`);
      return s;
    }
    if (now > s.latestToken.refresh_expires) return void info('the stored token for this DII can no longer be refreshed');
    info('using the stored token for this DII');
    return s;
  }

  /** With no CSTG DII: the supplied token, or the stored record when it descends from it and is newer. */
  function forSuppliedToken(s: Stored | string | undefined, supplied: ModuleIdentity | undefined): Stored | string | undefined {
    if (!supplied) {
      info(typeof s === 'object' ? 'using the stored record' : typeof s === 'string' ? 'using the bare token stored by an older integration' : 'no token supplied or stored');
      return s;
    }
    if (typeof s !== 'object' || s.originalToken?.advertising_token !== supplied.advertising_token) {
      if (s) info('the stored record came from another token (another user?): using the supplied one');
      return { originalToken: supplied, latestToken: supplied };
    }
    if (s.latestToken === 'optout') {
      if (current(s)) return s;
      info('a remembered opt-out for this token has lapsed: using the supplied token again');
      return { originalToken: supplied, latestToken: supplied };
    }
    // keep a stored token refreshed from the supplied one unless the supplied one is newer
    if ((s.latestToken as ModuleIdentity).identity_expires < supplied.identity_expires) {
      info('the supplied token is newer than the stored one: using it');
      return { originalToken: supplied, latestToken: supplied };
    }
    info('using the stored token refreshed from the supplied one');
    return s;
  }

  // Prebid's DecodedId<N> is {[N]: UserId[N]}, which TypeScript cannot resolve for a generic N (as ProviderParams[N] below)
  const decoded = (id: { id?: string; optout?: boolean }) => ({ [name]: id }) as unknown as ReturnType<IdProviderSpec<N>['decode']>;

  function getId(config: UserIdConfig<N>, consent?: AllConsentData) {
    if (!allowed(consent, warn)) return;
    // ProviderParams[N] is UidParams<N> (Uid2Params, EuidParams); TypeScript cannot resolve that for a generic N
    const p = (config.params ?? {}) as UidParams<N>;
    const base = p[param('ApiBase')] ?? baseUrl;
    const cstg = cstgConfig(p);
    // params.storage unset: where the userId storage config says (userSync.enforceStorageType allows no other)
    const inCookie = p.storage === 'cookie' || (p.storage == null && config.storage?.type === 'cookie');
    const publisherCookie = p[param('Cookie')] ?? p[param('ServerCookie')];
    reportDeniedStorage(name, [
      { key, storageType: inCookie ? 'cookie' : 'html5', write: true },
      ...(publisherCookie ? [{ key: publisherCookie, storageType: 'cookie', write: false } as const] : []),
    ]);
    const store = createStore(sm, key, inCookie, err);
    const stored = store.read();
    const now = Date.now();
    let s: Stored | string | undefined;
    if (cstg?.value) {
      s = forDii(stored, cstg.value, now);
      if (!s) return { callback: handOver('token generation', () => generate(cstg, store, base)) };
    } else if (cstg) {
      info('CSTG configured without a valid DII: params.*Token and cookie ignored, using the stored record');
      s = stored;
    } else {
      s = forSuppliedToken(stored, suppliedToken(p));
    }
    if (typeof s !== 'object') return s ? { id: s } : undefined;
    const record = s;
    if (record.latestToken === 'optout') {
      info('opted out: no token');
      return { id: record };
    }
    const t = record.latestToken;
    if (now > t.identity_expires) {
      if (now > t.refresh_expires) return void info('token and refresh token expired: no ID');
      // an expired token is stored only once refreshed, and meanwhile there is no ID
      info('token expired: refreshing before the ID is available');
      return { callback: handOver('token refresh', () => refresh(record, store, base)) };
    }
    store.keep(record);
    if (!due(t)) {
      info(`token valid, refresh from ${when(t.refresh_from)}`);
      return { id: record };
    }
    info('token past refresh_from: refreshing in the background');
    return { id: record, callback: inBackground(record, handOver('token refresh', () => refresh(record, store, base))) };
  }

  return {
    name,
    gvlid,
    getId,
    // with a userId `storage` config, core skips getId while its copy lasts; keep the lifecycle running
    extendId: getId,
    decode(v: Stored | string) {
      if (typeof v === 'string') return decoded({ id: v });
      const t = v?.latestToken;
      if (t === 'optout') return decoded({ optout: true });
      if (Date.now() < t?.identity_expires) return decoded({ id: t.advertising_token });
    },
    eids,
  } as IdProviderSpec<N>;
}
