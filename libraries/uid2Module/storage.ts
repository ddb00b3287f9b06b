// The module's own record of the identity, in the same key and shape as Prebid's official uid2/euid modules
// (`{originalToken, latestToken, originalIdentity?}` as JSON, or a bare advertising token from older
// server-side integrations), so publishers can switch modules without losing their users' identities.
import type { StorageManager } from 'prebid.js/src/storageManager.js';
import { isUid2Identity, type Uid2Identity } from '../uid2/identity.js';

/** cyrb53Hash of the normalized DII (or the hash given), salted: tells whether a stored token came from it. */
export interface OriginalIdentity { identity: string; salt: number }

export interface Stored {
  /** the token the publisher supplied (config or cookie) that this record descends from */
  originalToken?: Uid2Identity;
  latestToken: Uid2Identity | 'optout';
  /** present when the record came from client-side token generation */
  originalIdentity?: OriginalIdentity;
}

/** A bare string is a server-only advertising token (legacy integrations): used as is, never refreshed. */
export type StoredValue = Stored | string;

export interface Store {
  read(): StoredValue | undefined;
  write(value: Stored): void;
  /**
   * Writes `value` unless it is what the last read() found in the configured storage: another tab may have stored a
   * newer record since, which a blind write would replace with this older one.
   */
  keep(value: Stored): void;
}

const DAY = 864e5;

/** The record if its latestToken is usable; other fields are only compared, so need no check. */
function validStored(v: any): Stored | undefined {
  if (v?.latestToken === 'optout' || isUid2Identity(v?.latestToken)) return v;
}

export function createStore(sm: StorageManager, key: string, useCookie: boolean, logError: (...a: unknown[]) => void): Store {
  const local = {
    get: () => sm.getDataFromLocalStorage(key),
    set: (v: string) => sm.setDataInLocalStorage(key, v),
  };
  const cookie = {
    get: () => sm.getCookie(key),
    // like localStorage, the record outlives its tokens: it remembers where they came from, and opt-outs
    set: (v: string) => sm.setCookie(key, v, new Date(Date.now() + 400 * DAY).toUTCString()),
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
  const write = (v: Stored) => primary.set(JSON.stringify(v));
  return {
    // a refreshable record wins over a bare token, the configured storage over the other (a record found only
    // there moves over with the next write); the other storage is read only when needed (cookie reads cost)
    read() {
      lastReadFromPrimary = parse(primary.get());
      if (typeof lastReadFromPrimary === 'object') return lastReadFromPrimary;
      const other = parse(secondary.get());
      return typeof other === 'object' ? other : lastReadFromPrimary ?? other;
    },
    write,
    keep(v) {
      if (v !== lastReadFromPrimary) write(v);
    },
  };
}
