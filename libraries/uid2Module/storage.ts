// The module's own record of the identity, in the same key and shape as Prebid's official uid2/euid modules
// (`{originalToken, latestToken, originalIdentity?}` as JSON, or a bare advertising token from older
// server-side integrations), so publishers can switch modules without losing their users' identities.
import type { StorageManager } from 'prebid.js/src/storageManager.js';
import { isModuleIdentity, type ModuleIdentity } from './moduleIdentity.js';

/** cyrb53Hash of the normalized DII (or the hash given), salted: tells whether a stored token came from it. */
export interface OriginalIdentity { identity: string; salt: number }

export interface Stored {
  /** the token the publisher supplied (config or cookie) that this record descends from */
  originalToken?: ModuleIdentity;
  latestToken: ModuleIdentity | 'optout';
  /** present when the record came from client-side token generation */
  originalIdentity?: OriginalIdentity;
  /** ms epoch until which an opt-out answer stands for this record's token or DII (ours only; see OPTOUT_MEMORY_MS) */
  optoutUntil?: number;
}

/** A bare string is a server-only advertising token (legacy integrations): used as is, never refreshed. */
export type StoredValue = Stored | string;

/** Where the record cookie goes: params.cookieDomain (undefined: the page's host) and params.cookiePath. */
export interface CookieScope { domain?: string; path: string }

export interface Store {
  read(): StoredValue | undefined;
  write(value: Stored): void;
  /**
   * Writes `value` unless it is what the last read() found in the configured storage (another tab may have stored a
   * newer record since, which a blind write would replace with this older one), or a record the storage did not keep.
   */
  keep(value: Stored): void;
  /** removes the record from both storages (logout) */
  remove(): void;
}

/** The record if its latestToken is usable; other fields are only compared, so need no check. */
function validStored(v: any): Stored | undefined {
  if (v?.latestToken === 'optout' || isModuleIdentity(v?.latestToken)) return v;
}

/** When a record cookie stops being useful: with its refresh token, or with the opt-out memory. */
export function recordExpiry(v: Stored): number {
  const t = v.latestToken;
  return t === 'optout' ? v.optoutUntil ?? Date.now() : t.refresh_expires;
}

/**
 * SameSite=Lax: the record is read by the site's own pages only; Secure on https. Prebid's setCookie writes `path=/`
 * and adds `Secure` for SameSite=None only, so both go in after the SameSite value (the last Path attribute wins).
 */
const cookieAttributes = (path: string) =>
  `Lax${location.protocol === 'https:' ? '; Secure' : ''}${path === '/' ? '' : `; Path=${path}`}`;

/**
 * The last record written that the configured storage did not keep (access denied, a full localStorage, or a cookie
 * whose expiry has passed, such as a refused refresh's): read back for the rest of the page. The lifecycle decides from what it reads,
 * and an answer it could not read back would be asked for again at once, in a loop. One per module, shared by the
 * stores it makes.
 */
export interface Unkept { record?: Stored }

/** `scope`: asked for at the first cookie write, so a page that only reads the record never works it out */
export function createStore(sm: StorageManager, key: string, useCookie: boolean, scope: () => CookieScope, logError: (...a: unknown[]) => void, unkept: Unkept): Store {
  const setCookie = (value: string, expires: number, { domain, path } = scope()) =>
    sm.setCookie(key, value, new Date(expires).toUTCString(), cookieAttributes(path), domain);
  const local = {
    get: () => sm.getDataFromLocalStorage(key),
    set: (text: string) => sm.setDataInLocalStorage(key, text),
  };
  const cookie = {
    get: () => sm.getCookie(key),
    set: (text: string, v: Stored) => setCookie(text, recordExpiry(v)),
  };
  const [primary, secondary] = useCookie ? [cookie, local] : [local, cookie];

  function parse(raw: string | null): StoredValue | undefined {
    if (!raw) return;
    if (!raw.includes('{')) return raw;
    let v;
    try { v = validStored(JSON.parse(raw)); } catch (e) { /* reported below */ }
    if (!v) logError(`ignoring unreadable stored value in ${key}`);
    return v;
  }

  let lastReadFromPrimary: StoredValue | undefined;
  const write = (v: Stored) => {
    const text = JSON.stringify(v);
    try {
      primary.set(text, v);
    } catch (e) {
      // a full localStorage (QuotaExceededError), which Prebid's storage manager passes on: kept for the page below
    }
    unkept.record = primary.get() === text ? undefined : v;
  };
  return {
    // a refreshable record wins over a bare token, the configured storage over the other (a record found only
    // there moves over with the next write), and both over what they did not keep; the other storage is read only
    // when needed (cookie reads cost)
    read() {
      lastReadFromPrimary = parse(primary.get());
      if (typeof lastReadFromPrimary === 'object') return lastReadFromPrimary;
      const other = parse(secondary.get());
      return typeof other === 'object' ? other : unkept.record ?? lastReadFromPrimary ?? other;
    },
    write,
    keep(v) {
      if (v !== lastReadFromPrimary && v !== unkept.record) write(v);
    },
    remove() {
      unkept.record = undefined;
      sm.removeDataFromLocalStorage(key);
      // the configured scope, and the host's own cookie that older integrations (and Prebid's module) write
      setCookie('', 0);
      setCookie('', 0, { path: '/' });
    },
  };
}
