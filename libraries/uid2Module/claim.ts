/**
 * One refresh across a site's tabs, without holding the request: before calling the operator, a page claims the
 * refresh token synchronously in a short-lived cookie; a page that finds another page's live claim on the same
 * refresh token does not call, but polls storage for the record that page stores, and calls itself only once
 * that claim has ended without one.
 *
 * Why a cookie: it is the one synchronous store whose reads see other renderer processes' writes within an IPC
 * round trip. A Web Lock is exact but asynchronous (the first `navigator.locks.request` of a page takes tens of ms,
 * which every auction waiting for an expired token's refresh would pay); localStorage is synchronous, but Chromium
 * applies other processes' writes between tasks, so two tabs starting at once would both see no claim.
 */
import type { StorageManager } from 'prebid.js/src/storageManager.js';

export interface ClaimOptions {
  /** ms a claim lives without renewal: one attempt's timeout and a margin */
  lifetime(): number;
  /** ms between checks while another page holds the claim */
  pollMs: number;
  /**
   * ms the claim stays after the call ended: the record the claimant stored reaches other processes' localStorage
   * between their tasks, later than the cookie's removal would
   */
  handoverMs: number;
}

export interface Claims {
  /**
   * `call` (given a `renew` to keep the claim alive across retries) unless another page holds a live claim on
   * `subject`; then `settled()` once that page has stored its result, or `call` once its claim has ended without one.
   * `call` starts synchronously when nobody else holds the claim.
   */
  run<T>(subject: string, call: (renew: () => void) => Promise<T>, settled: () => T | undefined, onWait: () => void): Promise<T>;
}

interface Claim { page: string; subject: string; until: number }

export function createClaims(sm: StorageManager, name: string, { lifetime, pollMs, handoverMs }: ClaimOptions): Claims {
  /** this module instance on this page */
  const page = Math.random().toString(36).slice(2);
  const cookieName = `${name}_refreshing`;
  // cookies unavailable (publisher rules, consent): the same claim in localStorage, weaker across processes
  const area = () => sm.cookiesAreEnabled() ? {
    get: () => sm.getCookie(cookieName),
    set: (value: string, until: number) => sm.setCookie(cookieName, value, new Date(until).toUTCString(), 'Strict'),
  } : {
    get: () => sm.getDataFromLocalStorage(cookieName),
    set: (value: string) => sm.setDataInLocalStorage(cookieName, value),
  };

  const read = (): Claim | undefined => {
    const [owner, subject, until] = area().get()?.split('.') ?? [];
    if (owner && subject) return { page: owner, subject, until: Number(until) };
  };
  const heldElsewhere = (subject: string) => {
    const claim = read();
    return claim?.subject === subject && claim.page !== page && Date.now() < claim.until;
  };
  const claim = (subject: string) => {
    const until = Date.now() + lifetime();
    area().set(`${page}.${subject}.${until}`, until);
  };
  const release = (subject: string) => {
    const current = read();
    if (current?.page === page && current.subject === subject) area().set('', 0);
  };

  async function callClaimed<T>(subject: string, call: (renew: () => void) => Promise<T>): Promise<T> {
    claim(subject);
    try {
      return await call(() => claim(subject));
    } finally {
      setTimeout(() => release(subject), handoverMs);
    }
  }

  return {
    async run(subject, call, settled, onWait) {
      if (heldElsewhere(subject)) {
        onWait();
        // bounded: a claim ends when its page finishes or stops renewing it
        for (;;) {
          await new Promise((resolve) => setTimeout(resolve, pollMs));
          const result = settled();
          if (result !== undefined) return result;
          if (!heldElsewhere(subject)) break;
        }
      }
      return callClaimed(subject, call);
    },
  };
}
