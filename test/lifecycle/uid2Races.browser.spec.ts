// The uid2 module when things happen at once: a logout or another reader while a refresh is under way or waited for,
// a second look at the token during its refresh, another tab's answer landing between getId and the refresh, an
// operator outage under a cross-tab claim, a full localStorage, and a page clock ahead of the operator's. Other tabs
// are other instances of the module on this page (createUidModule), with their own page ids for the claims.
import { expect } from 'chai';
import { config } from 'prebid.js/src/config.js';
import { uid2IdSubmodule } from '../../modules/uid2IdSystem.js';
import { claimSubject, createUidModule, settings } from '../../libraries/uid2Module';
import type { Uid2Identity } from '../../libraries/uid2/client/uid2Identity.js';
import { jsonResponse, type FakeFetch } from '../helpers/fakeFetch.browser.js';
import {
  FakeOperator, auctionEids, clearCookie, configure, freshPageEachTest, makeIdentity, pbjs, readCookie, readStored, refreshError,
  setCookie, sleep, success, tokenIn, until,
} from '../helpers/uid2Module.browser.js';

const KEY = '__uid2_advertising_token';
const store = (value: unknown) => localStorage.setItem(KEY, JSON.stringify(value));
const claimCookies = () => document.cookie.split('; ').map((c) => c.split('=')[0]!).filter((name) => name.includes('_refreshing_'));

/** resolves the returned promise's answer only when `release()` is called */
function gate<T>(answer: T) {
  let release!: () => void;
  const opened = new Promise<void>((resolve) => { release = resolve; });
  return { release, answer: () => opened.then(() => answer) };
}

describe('uid2 userId submodule: things at once', () => {
  const page = freshPageEachTest(uid2IdSubmodule);
  let network: FakeFetch;
  let op: FakeOperator;
  beforeEach(() => ({ network, op } = page));
  afterEach(() => claimCookies().forEach(clearCookie));

  /** another tab's claim on `identity`'s refresh token, `state` c(alling), d(one) or w(aiting) */
  const otherTabClaims = (identity: Uid2Identity, ms: number, state = 'c', tab = 'othertab') =>
    setCookie(`${KEY}_refreshing_${tab}_${claimSubject(identity.refresh_token)}`, `${tab}.${claimSubject(identity.refresh_token)}.${Date.now() + ms}.${state}`);
  const otherTab = () => createUidModule({ name: 'uid2', baseUrl: 'https://prod.uidapi.com', eids: {} as any, allowed: () => true });

  describe('a previous reader\'s refresh', () => {
    const refusedAfter = async (logIn: () => void) => {
      const due = makeIdentity('A4-old-reader', { refreshDue: true });
      const refused = gate(refreshError());
      op.knows(due).onRefresh(refused.answer);
      configure({ params: { uid2Token: due } });
      expect(tokenIn(await auctionEids(network))).to.equal('A4-old-reader');
      await until(() => op.refreshRequests().length === 1);
      logIn();
      await pbjs.refreshUserIds();
      expect(tokenIn(await auctionEids(network))).to.equal('A4-new-reader');
      refused.release();
      await sleep(100);
      expect(tokenIn(await auctionEids(network))).to.equal('A4-new-reader');
    };

    it('refused after a logout and another login leaves the new reader\'s ID alone', () => refusedAfter(() => {
      pbjs.disconnectUid2();
      configure({ params: { uid2Token: makeIdentity('A4-new-reader') } });
    }));

    it('refused after another reader was configured leaves the new reader\'s ID alone', () => refusedAfter(() => {
      configure({ params: { uid2Token: makeIdentity('A4-new-reader') } });
    }));

    it('waited for under another tab\'s claim is not called after a logout, and leaves no claim behind', async () => {
      const expired = makeIdentity('A4-expired', { expired: true });
      op.knows(expired).onRefresh(() => success(makeIdentity('A4-after-logout')));
      otherTabClaims(expired, 300);
      configure({ params: { uid2Token: expired }, auctionDelay: 2000 });
      void pbjs.getUserIdsAsync();
      await sleep(60);
      expect(op.refreshRequests()).to.have.length(0);
      pbjs.disconnectUid2();
      await sleep(600);
      expect(op.refreshRequests()).to.have.length(0);
      expect(claimCookies().map(readCookie)).to.deep.equal([]);
    });
  });

  it('refreshes a token once when the page looks at it again during its refresh (refreshUserIds)', async () => {
    const due = makeIdentity('A4-due', { refreshDue: true });
    const slow = gate(success(makeIdentity('A4-refreshed')));
    op.knows(due).onRefresh(slow.answer);
    configure({ params: { uid2Token: due } });
    expect(tokenIn(await auctionEids(network))).to.equal('A4-due');
    await until(() => op.refreshRequests().length === 1);
    await pbjs.refreshUserIds();
    await sleep(100);
    slow.release();
    await until(() => readStored().latestToken.advertising_token === 'A4-refreshed');
    expect(op.refreshRequests()).to.have.length(1);
  });

  // the other tab's answer reaches this page before its refresh starts (the next task): with that tab's claim still
  // saying it is done, or with the claim gone already (a loaded machine)
  [['while that tab\'s claim says it is done', true], ['after that tab\'s claim ended', false]].forEach(([when, claimed]) => {
    it(`takes the record another tab stored between getId and the start of its refresh, ${when}, and calls nothing`, async () => {
      config.setConfig({ userSync: { userIds: [], auctionDelay: 50 } });
      const current = makeIdentity('A4-current', { refreshDue: true });
      op.knows(current).onRefresh(() => success(makeIdentity('A4-this-tab')));
      store({ originalToken: current, latestToken: current });
      otherTab().getId({ name: 'uid2', params: {} } as any, {} as any);
      store({ originalToken: current, latestToken: makeIdentity('A4-refreshed-by-other-tab') });
      if (claimed) otherTabClaims(current, 1500, 'd');
      await sleep(claimed ? 2200 : 300);
      expect(op.refreshRequests()).to.have.length(0);
      expect(readStored().latestToken.advertising_token).to.equal('A4-refreshed-by-other-tab');
    });
  });

  it('keeps its claim through the waits between retries in an outage: the waiting tab does not call as well', async () => {
    // a wait between attempts longer than a claim lives (a call's timeout and a second), as 5 s timeouts and a
    // 2 s backoff, or a Retry-After of 10 s, in production
    Object.assign(settings, { timeout: 200, backoff: 2000 });
    const current = makeIdentity('A4-current', { refreshDue: true });
    op.knows(current).onRefresh(() => jsonResponse({ status: 'unknown' }, 503));
    store({ originalToken: current, latestToken: current });
    otherTab().getId({ name: 'uid2', params: {} } as any, {} as any);
    await until(() => op.refreshRequests().length === 1);
    otherTab().getId({ name: 'uid2', params: {} } as any, {} as any);
    // the first tab's attempts at 0 and 2 s, its third at 6 s: only they
    await sleep(4500);
    expect(op.refreshRequests()).to.have.length(2);
  });

  describe('a full localStorage (QuotaExceededError)', () => {
    let setItem: typeof Storage.prototype.setItem;
    beforeEach(() => {
      setItem = Storage.prototype.setItem;
      Storage.prototype.setItem = function (name: string, value: string) {
        if (name === KEY) throw new DOMException('quota', 'QuotaExceededError');
        return setItem.call(this, name, value);
      };
    });
    afterEach(() => { Storage.prototype.setItem = setItem; });

    it('still sends a supplied token', async () => {
      configure({ params: { uid2Token: makeIdentity('A4-supplied') } });
      expect(tokenIn(await auctionEids(network))).to.equal('A4-supplied');
    });

    it('still sends the refreshed token of an expired one, after one call', async () => {
      const expired = makeIdentity('A4-expired', { expired: true });
      op.knows(expired).onRefresh(() => success(makeIdentity('A4-refreshed')));
      configure({ params: { uid2Token: expired }, auctionDelay: 1000 });
      expect(tokenIn(await auctionEids(network))).to.equal('A4-refreshed');
      expect(op.refreshRequests()).to.have.length(1);
    });
  });

  it('with the page clock ahead, hands over the refreshed token once the held one expires', async () => {
    const now = Date.now();
    const held = { ...makeIdentity('A4-held'), refresh_from: now - 1000, identity_expires: now + 1500 };
    // the operator's new token looks due at once to a page clock running ahead of it
    const fresh = { ...makeIdentity('A4-fresh'), refresh_from: now - 500, identity_expires: now + 60_000 };
    // (and, once handed over, the new token's own background refresh gives a third)
    op.knows(held).onRefresh((token) => success(token === held ? fresh : makeIdentity('A4-third')));
    configure({ params: { uid2Token: held } });
    expect(tokenIn(await auctionEids(network))).to.equal('A4-held');
    await until(() => readStored()?.latestToken.advertising_token === 'A4-fresh');
    // withheld while the held token lasts (a refresh due at once would loop), handed over once it expires
    expect(tokenIn(await auctionEids(network))).to.equal('A4-held');
    await sleep(now + 1600 - Date.now());
    expect(tokenIn(await auctionEids(network))).to.be.oneOf(['A4-fresh', 'A4-third']);
  });
});
