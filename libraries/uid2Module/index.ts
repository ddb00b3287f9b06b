/**
 * The token lifecycle behind the uid2 and euid userId submodules: which identity to use (config token,
 * publisher cookie, stored record, or one generated client-side from DII), when to refresh it (in the
 * background past refresh_from, before the auction once the advertising token expired), opt-out, and one
 * refresh at a time across the site's tabs.
 */
import { cyrb53Hash, logError, logWarn } from 'prebid.js/src/utils.js';
import { getStorageManager } from 'prebid.js/src/storageManager.js';
import { MODULE_TYPE_UID } from 'prebid.js/src/activities/modules.js';
import { getGlobal } from 'prebid.js/src/prebidGlobal.js';
import type { AllConsentData } from 'prebid.js/src/consentHandler.js';
import type { IdProviderSpec } from 'prebid.js/modules/userId/spec.js';
import { isUid2Identity, type Uid2Identity } from '../uid2/identity.js';
import { isBase64Sha256, isValidPhone, normalizeEmail, sha256Base64, type HashedDii } from '../uid2/normalize.js';
import { openRefreshResponse } from '../uid2/refreshResponse.js';
import { createCstgRequestForSpki, openCstgResponse, parseServerPublicKey } from '../uid2/cstg.js';
import { callOperator, Refused, settings, type Outcome } from './api.js';
import { createStore, type Store, type Stored } from './storage.js';

export { settings };
export type { Stored };

/** Params the uid2 and euid modules share; each adds its own <name>ApiBase, <name>Token and <name>Cookie. */
export interface UidCommonParams {
  /** where the module keeps its record; default localStorage */
  storage?: 'localStorage' | 'cookie';
  /** client-side token generation: credentials, and exactly one DII */
  serverPublicKey?: string;
  subscriptionId?: string;
  email?: string;
  phone?: string;
  emailHash?: string;
  phoneHash?: string;
}

export interface UidModuleOptions {
  name: 'uid2' | 'euid';
  /** operator base URL unless params.<name>ApiBase says otherwise */
  baseUrl: string;
  eids: IdProviderSpec<any>['eids'];
  gvlid?: number;
  /** the ID's consent rule; false stops the module (after saying why with `warn`) */
  allowed(consent: AllConsentData | undefined, warn: (msg: string) => void): unknown;
}

/**
 * ms the lock stays held after storing a new record: a tab in another process that takes the lock next may not see
 * the write yet, and would call the operator again
 */
const LOCK_HANDOVER_MS = 100;

/** Exactly one is used, in this order (as Prebid's official module does). */
const DII_PARAMS = ['emailHash', 'phoneHash', 'email', 'phone'] as const;

/** CSTG credentials and, if given, the DII: `id` is the normalized email, the phone or the hash as given */
interface Cstg { spki: Uint8Array<ArrayBuffer>; sub: string; param?: string; id?: string }

export function createUidModule({ name, baseUrl, eids, gvlid, allowed }: UidModuleOptions): IdProviderSpec<any> {
  const NAME = name.toUpperCase();
  const err = (...a: unknown[]) => logError(`${NAME}:`, ...a);
  const warn = (...a: unknown[]) => logWarn(`${NAME}:`, ...a);
  const sm = getStorageManager({ moduleType: MODULE_TYPE_UID, moduleName: name });
  const key = `__${name}_advertising_token`;
  const clientVersion = `PrebidJS-${getGlobal().version}-${NAME}Module-prebid-uid2`;

  const withLock = <T>(fn: () => Promise<T>): Promise<T> => (settings.locks()?.request(key, fn) as Promise<T> | undefined) ?? fn();
  const sameIdentity = (s: Stored, id: string) => s.originalIdentity?.identity === cyrb53Hash(id, s.originalIdentity?.salt);
  const usable = (t: Outcome) => t === 'optout' || Date.now() < t.identity_expires;
  /** past refresh_from and still refreshable ('optout' has neither field) */
  const due = (t: Uid2Identity, now = Date.now()) => now > t.refresh_from && now < t.refresh_expires;
  /** the supplied token or DII a record descends from */
  const origin = (s: Stored) => s.originalIdentity?.identity ?? s.originalToken?.advertising_token;

  /** false: invalid (logged); undefined: no CSTG; else the credentials and, if given, the DII */
  function cstgConfig(p: Record<string, any>): Cstg | false | undefined {
    const param = DII_PARAMS.find((k) => p[k] != null);
    const { serverPublicKey: key, subscriptionId: sub } = p;
    const invalid = (what: string): false => {
      err(`invalid CSTG params: ${what}`);
      return false;
    };
    if (key == null && sub == null) return param && invalid(`${param} needs serverPublicKey, subscriptionId`);
    const spki = parseServerPublicKey(key)?.spki;
    if (!spki) return invalid('serverPublicKey');
    if (typeof sub !== 'string' || !sub) return invalid('subscriptionId');
    const v = String(p[param!]);
    const id = param === 'email' ? normalizeEmail(v) : (param === 'phone' ? isValidPhone(v) : isBase64Sha256(v)) ? v : undefined;
    return !param || id ? { spki, sub, param, id } : invalid(param);
  }

  /** params.<name>Token, else the identity JSON in the cookie params.<name>Cookie names */
  function suppliedToken(p: Record<string, any>): Uid2Identity | undefined {
    const cookie = p[`${name}Cookie`] ?? p[`${name}ServerCookie`];
    let token = p[`${name}Token`] ?? (cookie && sm.getCookie(cookie));
    // JSON text only: anything else (an object, nothing) throws, and a page's first throw costs 1-3 ms in Chromium
    if (typeof token === 'string') try { token = JSON.parse(token); } catch (e) { /* not JSON */ }
    if (!token || isUid2Identity(token)) return token;
    err(`params.${name}Token or the ${name} cookie is not an identity`);
  }

  /**
   * Runs `make` under the cross-tab lock, unless meanwhile another tab stored a record `reuse` accepts, and
   * stores its result. Returns the userId callback: it hands over the new record, or nothing after logging
   * why, and always completes.
   */
  function update(what: string, store: Store, reuse: (cur: Stored) => unknown, make: () => Promise<Stored>) {
    const pending = new Promise<Stored>((resolve, reject) => {
      if (!window.crypto?.subtle) throw Error('no WebCrypto (insecure context?)');
      withLock(async () => {
        const cur = store.read();
        if (typeof cur === 'object' && reuse(cur)) return resolve(cur);
        const next = await make();
        store.write(next);
        resolve(next);
        // this tab goes on at once; tabs waiting for the lock get it once the write has reached them
        await new Promise((resolve) => setTimeout(resolve, LOCK_HANDOVER_MS));
      }).catch(reject);
    });
    return (cb: (v?: Stored) => void) => {
      pending.then(cb, (e) => { err(`${what} failed:`, e?.message ?? e); cb(); });
    };
  }

  const refresh = (s: Stored, store: Store, base: string, t = s.latestToken as Uid2Identity) => update('token refresh', store,
    // the same identity, refreshed (or found opted out, or dead) by another tab
    (cur, c = cur.latestToken as Uid2Identity) =>
      origin(cur) === origin(s) && c.refresh_token + c.refresh_expires !== t.refresh_token + t.refresh_expires,
    async () => ({
      ...s,
      latestToken: await callOperator(name, `${base}/v2/token/refresh`, t.refresh_token,
        (text) => openRefreshResponse(t.refresh_response_key, text), warn, { 'X-UID2-Client-Version': clientVersion },
      ).catch((e) => {
        if (!(e instanceof Refused)) throw e;
        err('refresh refused, not retried:', e.message);
        // the refresh token is dead: keep the advertising token while it lasts
        return { ...t, refresh_expires: Date.now() };
      }),
    }));

  const cstgRequest = async ({ spki, sub, param, id }: Cstg) => createCstgRequestForSpki(spki, sub,
    { [param!.startsWith('email') ? 'email_hash' : 'phone_hash']: param!.endsWith('Hash') ? id : await sha256Base64(id!) } as HashedDii);

  /**
   * Client-side generation goes to the operator at once: the first Web Locks call on a page takes tens of ms, which
   * the first auction would wait for. The lock still orders the write, and a record another tab stored first for
   * the same DII wins over this tab's answer (two tabs generating at the same moment both call the operator).
   */
  const generate = (cstg: Cstg, store: Store, base: string) => {
    const id = cstg.id!;
    const called = cstgRequest(cstg).then(async (request): Promise<Stored> => {
      const salt = Math.floor(Math.random() * 2 ** 32);
      return {
        originalIdentity: { identity: cyrb53Hash(id, salt), salt },
        latestToken: await callOperator(name, `${base}/v2/token/client-generate`, JSON.stringify(request.body),
          (text) => openCstgResponse(request.sharedKey, text), warn),
      };
    });
    called.catch(() => { /* reported by update() unless another tab's record is used */ });
    return update('token generation', store, (cur) => sameIdentity(cur, id) && usable(cur.latestToken), () => called);
  };

  /**
   * A callback that hands the core the current record at once, so no auction waits for the refresh, and the
   * refreshed one once it lands (through refreshUserIds, which finds it stored). A refreshed token that is due
   * again at once (a skewed clock) waits for the next page instead of refreshing in a loop.
   */
  const inBackground = (current: Stored, run: ReturnType<typeof update>) => (cb: (v?: Stored) => void) => {
    cb(current);
    run((next) => {
      if (next && next !== current && !due(next.latestToken as Uid2Identity)) getGlobal().refreshUserIds({ submoduleNames: [name] });
    });
  };

  function getId(config: { params?: Record<string, any> }, consent?: AllConsentData) {
    if (!allowed(consent, warn)) return;
    const p = config.params ?? {};
    const base = p[`${name}ApiBase`] ?? baseUrl;
    const cstg = cstgConfig(p);
    if (cstg === false) return;
    const store = createStore(sm, key, p.storage === 'cookie', err);
    let s = store.read();
    const now = Date.now();
    if (cstg?.id) {
      if (typeof s !== 'object' || !sameIdentity(s, cstg.id) ||
        (s.latestToken !== 'optout' && now > s.latestToken.refresh_expires)) {
        return { callback: generate(cstg, store, base) };
      }
    } else if (!cstg) {
      const supplied = suppliedToken(p);
      if (supplied) {
        // a different supplied token means a different user: forget what is stored
        if (typeof s !== 'object' || s.originalToken?.advertising_token !== supplied.advertising_token) s = undefined;
        // keep a stored token refreshed from the supplied one unless the supplied one is newer
        if (typeof s !== 'object' || (s.latestToken as Uid2Identity).identity_expires < supplied.identity_expires) {
          s = { originalToken: supplied, latestToken: supplied };
        }
      }
    }
    if (typeof s !== 'object') return s && { id: s };
    // 'optout' has none of these fields, so every comparison below is false for it
    const t = s.latestToken as Uid2Identity;
    const expired = now > t.identity_expires;
    if (expired && now > t.refresh_expires) return;
    // an expired token is stored only once refreshed, and meanwhile there is no ID
    if (expired) return { callback: refresh(s, store, base) };
    store.keep(s);
    return { id: s, callback: due(t) ? inBackground(s, refresh(s, store, base)) : undefined };
  }

  return {
    name,
    gvlid,
    getId,
    // with a userId `storage` config, core skips getId while its copy lasts; keep the lifecycle running
    extendId: getId,
    decode(v: any) {
      if (typeof v === 'string') return { [name]: { id: v } };
      const t = v?.latestToken;
      if (t === 'optout') return { [name]: { optout: true } };
      if (Date.now() < t?.identity_expires) return { [name]: { id: t.advertising_token } };
    },
    eids,
  } as IdProviderSpec<any>;
}
