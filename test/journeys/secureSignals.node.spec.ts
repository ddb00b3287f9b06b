// Google Secure Signals in Chromium: the publisher demo with the bundle, operator lifetimes of seconds, Prebid's
// userSync.encryptedSignalSources for uidapi.com (as UID2's Secure Signals guide for Prebid sets it up) and a googletag
// stub that collects the signal every 150 ms, as GPT does for its ad requests. The signal is the token current when it
// was collected: the refreshed one after a refresh, none once the token expired unrefreshed (the tab hidden), and none
// after the reader logged out.
import { expect } from 'chai';
import {
  SHORT_LIFETIMES, e2eSuite, expectUsedBeforeExpiry, logInOnPublisherPage, setHidden, storedExpiries, storedToken, until,
  watchStoredTokens,
} from '../helpers/journeyHarness.js';

interface Collected { at: number; signal?: string }

describe('e2e: Google Secure Signals on a googletag stub (Chromium)', function () {
  this.timeout(60_000);
  const suite = e2eSuite({ port: 0, lifetimes: SHORT_LIFETIMES });

  it('hands googletag the current token, the refreshed one after a refresh, never an expired one, and nothing after logout', async () => {
    const [demo] = suite.demos;
    const { page } = suite.session;
    // googletag before Prebid, as GPT's tag comes first on a page: Prebid registers its collector in
    // googletag.secureSignalProviders, which the stub calls as GPT does
    await page.addInitScript(() => {
      const w = window as any;
      w.googletag = { cmd: [], secureSignalProviders: [], pubads: () => ({ getSlots: () => [] }) };
    });
    await logInOnPublisherPage(page, demo!.urls.publisher, 'secure-signals@example.com');
    await watchStoredTokens(page);
    await page.evaluate(() => {
      const w = window as any;
      w.pbjs.mergeConfig({ userSync: { encryptedSignalSources: { sources: [{ source: ['uidapi.com'], encrypt: false }], registerDelay: 0 } } });
      w.pbjs.registerSignalSources();
      // what googletag collected and when
      w.collected = [];
      setInterval(async () => {
        const provider = w.googletag.secureSignalProviders.find((p: any) => p.id === 'uidapi.com');
        if (!provider) return;
        const signal = await provider.collectorFunction();
        w.collected.push({ at: Date.now(), signal });
      }, 150);
    });
    const collected = () => page.evaluate(() => (window as any).collected as Collected[]);
    const latestSignal = async () => (await collected()).at(-1)?.signal;

    // the current token
    const first = await storedToken(page);
    await until('the stored token as the signal', async () => (await latestSignal()) === first);
    // refreshed by the module's timer: googletag gets the new token
    const refreshed = await until('a refreshed token', async () => ((await storedToken(page)) !== first && storedToken(page)));
    await until('the refreshed token as the signal', async () => (await latestSignal()) === refreshed);

    // hidden, the tab asks the operator nothing: its token expires, and googletag gets no signal from then on
    await setHidden(page, true);
    const hiddenAt = Date.now();
    await until('no signal once the token expired', async () =>
      (await collected()).some((c) => c.at > hiddenAt && c.signal === undefined), 15_000);
    await setHidden(page, false);
    await until('a signal again after the tab was shown', async () => {
      const signal = await latestSignal();
      return signal !== undefined && signal === (await storedToken(page));
    });

    // logout: nothing more
    await page.click('#logout-button');
    const loggedOutAt = Date.now();
    await until('a collection after the logout', async () => (await collected()).some((c) => c.at > loggedOutAt + 200));
    const afterLogout = (await collected()).filter((c) => c.at > loggedOutAt + 200);
    expect(afterLogout.map((c) => c.signal)).to.deep.equal(afterLogout.map(() => undefined));

    // never an expired token, and only tokens the module stored
    expectUsedBeforeExpiry((await collected()).map(({ at, signal }) => ({ at, token: signal })), await storedExpiries(page));
  });
});
