/**
 * One refresh across a site's tabs, without holding the request: before calling the operator, a page claims the
 * refresh token synchronously in a short-lived cookie of its own, reads all claims back, marks its claim "calling",
 * reads them back once more, and calls at once if no other page claims the same refresh token (or only pages that
 * wait and come after it by page id). A page that finds other claims does not call: it polls for the record the
 * calling page stores, and calls itself only when no page is calling or done any more and it is the first of those
 * still waiting (every claim ended without a record).
 *
 * Why cookies: they are the one synchronous store whose reads reach the browser's shared store (document.cookie
 * after a write of one's own goes to the cookie service, which has every write that arrived before). A Web Lock is
 * exact but asynchronous (the first `navigator.locks.request` of a page takes tens of ms, which every auction waiting
 * for an expired token's refresh would pay); localStorage is synchronous, but Chromium applies other processes'
 * writes between tasks, so tabs starting at once would not see each other. Each page writes its own cookie, so no
 * claim overwrites another: two pages that claim at the same moment both see both claims, and neither calls until
 * the order among them is settled.
 */
import type { StorageManager } from 'prebid.js/src/storageManager.js';

export interface ClaimOptions {
  /** ms a claim lives without renewal: one attempt's timeout and a margin */
  lifetime(): number;
  /** the domain the claims are shared under; undefined: the page's host */
  domain(): string | undefined;
  /** ms between checks while waiting for other pages */
  pollMs: number;
  /**
   * ms a claim says "done" after the call stored its record: that record reaches other processes' localStorage
   * between their tasks, later than the cookie does, and waiting pages keep looking for it meanwhile
   */
  handoverMs: number;
}

export interface Claims {
  /**
   * `call` (given a `renew` to keep the claim alive across retries: for `ms` more than a call's lifetime) unless other
   * pages claim `subject`; then `settled()` once the calling page has stored its result, or `call` once this page's
   * turn has come. `call` starts synchronously when no other page claims the subject; a call that stores nothing
   * (resolves undefined) lets the waiting pages take over at once.
   */
  run<T>(subject: string, call: (renew: (ms?: number) => void) => Promise<T | undefined>, settled: () => T | undefined, onWait: () => void): Promise<T | undefined>;
  /** removes every page's claims (logout: they name the reader's refresh tokens by hash) */
  clear(): void;
}

/** the page decided to call the operator */
const CALLING = 'c';
/** the page called and stored the result */
const DONE = 'd';
/** the page claimed, but other pages' claims were there */
const WAITING = 'w';

interface Claim { page: string; subject: string; until: number; state: string }

export function createClaims(sm: StorageManager, name: string, { lifetime, domain, pollMs, handoverMs }: ClaimOptions): Claims {
  /** this module instance on this page; claims are ordered by it when several pages wait */
  const page = Math.random().toString(36).slice(2);
  const prefix = `${name}_refreshing_`;

  // one cookie per page and refresh token: a page refreshing two tokens at once keeps two claims
  const cookieName = (subject: string, owner = page) => `${prefix}${owner}_${subject}`;
  const write = (subject: string, state: string, ms = lifetime()) => {
    const until = Date.now() + ms;
    // an expires date has whole seconds: rounded up, so the cookie outlives `until` instead of ending up to a second
    // before it, under a call still running (readers go by `until`)
    const expires = new Date(Math.ceil(until / 1000) * 1000).toUTCString();
    sm.setCookie(cookieName(subject), [page, subject, until, state].join('.'), expires, 'Strict', domain());
  };
  const remove = (name: string) => sm.setCookie(name, '', new Date(0).toUTCString(), 'Strict', domain());
  const release = (subject: string) => remove(cookieName(subject));
  const all = (): Claim[] => (sm.findSimilarCookies(prefix) ?? []).map((value) => {
    const [owner = '', claimed, until, state] = value.split('.');
    return { page: owner, subject: claimed!, until: Number(until), state: state! };
  });
  /** the live claims of other pages on `subject` */
  const others = (subject: string) =>
    all().filter((claim) => claim.page !== page && claim.subject === subject && Date.now() < claim.until);

  /** nobody else calls, has called, or comes before this page among those waiting */
  const first = (subject: string) => others(subject).every((claim) => claim.state === WAITING && claim.page > page);
  /**
   * Claims the call, then reads the claims back once more: two pages whose first reads missed each other see each
   * other now, and only the first of them by page id calls.
   */
  const mayCall = (subject: string) => {
    write(subject, CALLING);
    if (first(subject)) return true;
    write(subject, WAITING);
    return false;
  };

  async function callClaimed<T>(subject: string, call: (renew: (ms?: number) => void) => Promise<T | undefined>): Promise<T | undefined> {
    try {
      const result = await call((ms = 0) => write(subject, CALLING, ms + lifetime()));
      // nothing stored (the answer was dropped: a logout, another reader): nothing for the waiting pages to look for
      if (result === undefined) release(subject);
      else write(subject, DONE, handoverMs);
      return result;
    } catch (e) {
      // nothing stored: the waiting pages take over at once
      release(subject);
      throw e;
    }
  }

  return {
    clear: () => all().forEach((claim) => remove(cookieName(claim.subject, claim.page))),
    async run(subject, call, settled, onWait) {
      // write first: this page's own write makes the read after it go to the shared cookie store
      write(subject, WAITING);
      if (!sm.cookiesAreEnabled() || (first(subject) && mayCall(subject))) return callClaimed(subject, call);
      onWait();
      // bounded: other claims end when their pages finish or stop renewing them
      for (;;) {
        await new Promise((resolve) => setTimeout(resolve, pollMs));
        const result = settled();
        if (result !== undefined) {
          release(subject);
          return result;
        }
        write(subject, WAITING);
        if (first(subject) && mayCall(subject)) break;
      }
      return callClaimed(subject, call);
    },
  };
}
