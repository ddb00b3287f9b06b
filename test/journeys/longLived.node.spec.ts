// A long-lived page in Chromium (the publisher demo, operator lifetimes of seconds, an auction every 700 ms): it stays
// open across refreshes with no reload, goes hidden while its token expires (no operator call meanwhile, no UID2 in
// its auctions) and refreshes once shown again. Every bid request carries the token current when it left, or none.
import { expect } from 'chai';
import {
  SHORT_LIFETIMES, bidRequestsTo, e2eSuite, expectUsedBeforeExpiry, logInOnPublisherPage, setHidden, storedExpiries, uid2EidOf, until,
  watchStoredTokens,
} from '../helpers/journeyHarness.js';

interface Sent { at: number; token?: string }

describe('e2e: a long-lived page (Chromium)', function () {
  this.timeout(60_000);
  const suite = e2eSuite({ port: 0, lifetimes: SHORT_LIFETIMES });

  it('refreshes without a reload, drops the token at its expiry while hidden, and never sends an expired one', async () => {
    const [demo] = suite.demos;
    const { page, requests } = suite.session;
    await logInOnPublisherPage(page, demo!.urls.publisher, 'long-lived@example.com');
    // what each bid request carried and when it left (Prebid's beforeBidderHttp), the expiry of every token the module
    // stored, and an auction every 700 ms
    await watchStoredTokens(page);
    await page.evaluate(() => {
      const w = window as any;
      w.sent = [];
      w.pbjs.onEvent('beforeBidderHttp', (bidderRequest: any) => {
        const user = bidderRequest.ortb2?.user ?? {};
        const eid = [...(user.eids ?? []), ...(user.ext?.eids ?? [])].find((e: any) => e.source === 'uidapi.com');
        w.sent.push({ at: Date.now(), token: eid?.uids[0]?.id });
      });
      setInterval(() => document.getElementById('auction-button')!.click(), 700);
    });
    const sent = () => page.evaluate(() => (window as any).sent as Sent[]);
    const tokensSent = async () => [...new Set((await sent()).map((s) => s.token).filter(Boolean))];
    const refreshCalls = () => requests.filter((r) => r.method() === 'POST' && r.url().endsWith('/v2/token/refresh')).length;

    // two refreshes by the module's own timer, each carried by the auctions that follow
    await until('two refreshed tokens in bid requests', async () => (await tokensSent()).length >= 3, 15_000);

    // hidden: no operator call, and from identity_expires on no UID2 in the auctions
    await setHidden(page, true);
    const callsWhenHidden = refreshCalls();
    const hiddenAt = Date.now();
    await until('an auction without UID2 after the token expired', async () =>
      (await sent()).some((s) => s.at > hiddenAt && s.token === undefined), 15_000);
    expect(refreshCalls()).to.equal(callsWhenHidden);

    // shown again: the module refreshes at once, and the next auctions carry the new token
    const before = (await tokensSent()).length;
    await setHidden(page, false);
    await until('a refreshed token after the tab was shown', async () => (await tokensSent()).length > before, 15_000);

    const log = await sent();
    const expiries = await storedExpiries(page);
    expectUsedBeforeExpiry(log, expiries);
    // never back to an older token once a newer one went out
    const order = await tokensSent();
    log.forEach(({ token }, index) => {
      if (!token) return;
      const latestBefore = Math.max(...log.slice(0, index + 1).map((s) => (s.token ? order.indexOf(s.token) : -1)));
      expect(order.indexOf(token), 'the current token').to.equal(latestBefore);
    });
    // and the wire carried only tokens the module stored
    const wire = bidRequestsTo(suite.session, demo!.urls.sspEndpoint).map((r) => uid2EidOf(r)?.uids[0]?.id).filter(Boolean);
    expect(wire.filter((token) => !(token! in expiries))).to.deep.equal([]);
  });
});
