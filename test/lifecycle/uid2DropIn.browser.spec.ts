// Where Prebid's official uid2 module and ours must behave alike (or differ only as modules/uid2IdSystem.md says),
// config by config, through pbjs: identities without refresh_response_key, which operator answers end a refresh
// token, the CSTG opt-out memory, email normalization, consent, the pixel URL under activity controls, and the
// record cookie's attributes.
import { expect } from 'chai';
import { cyrb53Hash } from 'prebid.js/src/utils.js';
import type { UserIdConfig } from 'prebid.js/modules/userId/spec.js';
// the publisher's activity controls (setConfig({allowActivities})) live in this module
import 'prebid.js/modules/allowActivities';
import { uid2IdSubmodule } from '../../modules/uid2IdSystem.js';
import { OPTOUT_MEMORY_MS, settings } from '../../libraries/uid2Module';
import { sha256Base64 } from '../../libraries/uid2/client/normalize.js';
import { jsonResponse } from '../helpers/fakeFetch.browser.js';
import {
  OPTOUT, PUBLIC_KEY, SUBSCRIPTION_ID, auctionEids, configure, cookieWritesDuring, cookieWrittenDuring, freshPageEachTest,
  makeIdentity, nextPage, pbjs, readCookie, readStored, refreshDone, settle, success, tokenIn,
} from '../helpers/uid2Module.browser.js';

const KEY = '__uid2_advertising_token';
const CSTG = { serverPublicKey: PUBLIC_KEY, subscriptionId: SUBSCRIPTION_ID };
const store = (value: unknown) => localStorage.setItem(KEY, JSON.stringify(value));
const withoutKey = <T extends { refresh_response_key?: string }>({ refresh_response_key: _key, ...rest }: T) => rest;

// The params a publisher writes are type-checked (`tsc -p tsconfig.json` compiles this file): Uid2Params through
// Prebid's UserIdConfig, and the lifecycle reads the same type.
export const typedConfigs: Array<UserIdConfig<'uid2'>> = [
  { name: 'uid2', params: { uid2ApiBase: 'https://operator-integ.uidapi.com', uid2Cookie: 'uid2_pub_cookie', storage: 'cookie' } },
  { name: 'uid2', params: { serverPublicKey: PUBLIC_KEY, subscriptionId: SUBSCRIPTION_ID, email: 'user@example.com' } },
  // @ts-expect-error uid2Token is an identity (or its JSON text), not a number
  { name: 'uid2', params: { uid2Token: 42 } },
  // @ts-expect-error storage is 'localStorage' or 'cookie'
  { name: 'uid2', params: { storage: 'sessionStorage' } },
  // @ts-expect-error an identity has all of its fields
  { name: 'uid2', params: { uid2Token: { advertising_token: 'A4' } } },
];

describe('uid2 module: official behaviours, config by config', () => {
  const page = freshPageEachTest(uid2IdSubmodule);

  describe('identities without refresh_response_key (plain-JSON refresh answers)', () => {
    it('uses such a params.uid2Token in the auction and stores it', async () => {
      const token = withoutKey(makeIdentity('A4-no-key'));
      configure({ params: { uid2Token: token } });
      expect(tokenIn(await auctionEids(page.network))).to.equal('A4-no-key');
      expect(readStored().latestToken).to.deep.equal(token);
      expect(page.log.errors()).to.deep.equal([]);
    });

    it('refreshes it with a plain-JSON answer, and takes a refreshed identity without key too', async () => {
      const expired = withoutKey(makeIdentity('A4-no-key', { expired: true }));
      const refreshed = withoutKey(makeIdentity('A4-refreshed-plain'));
      page.network.respondWith('/v2/token/refresh', () => jsonResponse({ status: 'success', body: refreshed }));
      configure({ params: { uid2Token: expired }, auctionDelay: 1000 });
      expect(tokenIn(await auctionEids(page.network))).to.equal('A4-refreshed-plain');
      expect(page.op.refreshRequests().map((r) => r.body)).to.deep.equal([expired.refresh_token]);
      expect(readStored()).to.deep.equal({ originalToken: expired, latestToken: refreshed });
    });

    it('still rejects a refresh_response_key that is not a string', async () => {
      configure({ params: { uid2Token: { ...makeIdentity('A4-bad-key'), refresh_response_key: 42 } as any }, auctionDelay: 50 });
      expect(tokenIn(await auctionEids(page.network))).to.equal(undefined);
      expect(page.log.errors().join()).to.contain('not an identity');
    });
  });

  describe('which operator answers end a refresh token', () => {
    /** A page with `token` due for refresh whose refresh gets `answer`; resolves once the refresh settled. */
    async function refreshAnswered(token: ReturnType<typeof makeIdentity>, answer: () => Response) {
      page.op.knows(token).onRefresh(answer);
      configure({ params: { uid2Token: token }, auctionDelay: 1000 });
      await refreshDone();
    }
    /** The next page with the same supplied token, whose auction carries `carried`: does it ask the operator again? */
    async function nextPageAsks(token: ReturnType<typeof makeIdentity>, carried: string | null = token.advertising_token) {
      const before = page.op.refreshRequests().length;
      nextPage();
      configure({ params: { uid2Token: token }, auctionDelay: 1000 });
      expect(tokenIn(await auctionEids(page.network)) ?? null).to.equal(carried);
      await refreshDone();
      return page.op.refreshRequests().length > before;
    }

    const definitive: Array<[string, () => Response]> = [
      ['400 error (the operator\'s answer to a browser for a bad or expired refresh token)', () => jsonResponse({ status: 'error', message: 'Error refreshing token' }, 400)],
      ['400 invalid_token', () => jsonResponse({ status: 'invalid_token', message: 'Invalid Token presented' }, 400)],
      ['400 expired_token', () => jsonResponse({ status: 'expired_token', message: 'Expired Token presented' }, 400)],
      ['400 client_error', () => jsonResponse({ status: 'client_error', message: 'Required Parameter Missing' }, 400)],
      ['401 unauthorized', () => jsonResponse({ status: 'unauthorized' }, 401)],
    ];
    definitive.forEach(([what, answer]) => {
      // ours ends the ID at once (the official module keeps the token while it lasts): see the Migrating table
      it(`${what}: not retried, the ID ends at once, its refresh token never sent again`, async () => {
        const current = makeIdentity('A4-current', { refreshDue: true });
        await refreshAnswered(current, answer);
        expect(page.op.refreshRequests()).to.have.length(1);
        expect(pbjs.getUserIdsAsEids()).to.deep.equal([]);
        expect(tokenIn(await auctionEids(page.network))).to.equal(undefined);
        expect(page.log.errors().join()).to.contain('refresh refused');
        expect(await nextPageAsks(current, null)).to.equal(false);
      });
    });

    const transient: Array<[string, number]> = [['408 request timeout', 408], ['425 too early', 425], ['429 too many requests', 429], ['503', 503]];
    transient.forEach(([what, status]) => {
      it(`${what}: retried with backoff, and the answer that follows is used`, async () => {
        const expired = makeIdentity('A4-expired', { expired: true });
        let calls = 0;
        page.op.knows(expired).onRefresh(() => (++calls === 1 ? jsonResponse({ status: 'unknown' }, status) : success(makeIdentity('A4-second-try'))));
        configure({ params: { uid2Token: expired }, auctionDelay: 1000 });
        expect(tokenIn(await auctionEids(page.network))).to.equal('A4-second-try');
        expect(page.op.refreshRequests()).to.have.length(2);
        expect(page.log.warnings().join()).to.contain(`HTTP ${status}`).and.to.contain('retrying');
      });

      it(`${what} on every attempt: bounded retries, the refresh token kept and tried again on the next page`, async () => {
        const current = makeIdentity('A4-current', { refreshDue: true });
        await refreshAnswered(current, () => jsonResponse({ status: 'unknown' }, status));
        expect(page.op.refreshRequests()).to.have.length(settings.retries + 1);
        expect(readStored().latestToken).to.deep.equal(current);
        expect(await nextPageAsks(current)).to.equal(true);
      });
    });

    it('another 4xx (403, a setup problem): not retried, the refresh token kept for the next page', async () => {
      const current = makeIdentity('A4-current', { refreshDue: true });
      await refreshAnswered(current, () => jsonResponse({ status: 'invalid_http_origin', message: 'unexpected http origin' }, 403));
      expect(page.op.refreshRequests()).to.have.length(1);
      expect(readStored().latestToken).to.deep.equal(current);
      expect(await nextPageAsks(current)).to.equal(true);
    });

    it('waits as long as a 429\'s Retry-After says (bounded) before retrying', async () => {
      const expired = makeIdentity('A4-expired', { expired: true });
      const times: number[] = [];
      page.op.knows(expired).onRefresh(() => {
        times.push(performance.now());
        return times.length === 1
          ? new Response('{"status":"unknown"}', { status: 429, headers: { 'Retry-After': '1' } })
          : success(makeIdentity('A4-after-wait'));
      });
      configure({ params: { uid2Token: expired }, auctionDelay: 3000 });
      expect(tokenIn(await auctionEids(page.network))).to.equal('A4-after-wait');
      expect(times[1]! - times[0]!).to.be.at.least(950);
    }).timeout(5000);
  });

  describe('opt-out memory', () => {
    /** The next page with CSTG for `email`: opted out, no ID, and still `generations` generation requests in all. */
    async function nextPageStaysOptedOut(email: string, generations: number) {
      nextPage();
      configure({ params: { ...CSTG, email }, auctionDelay: 1000 });
      expect(tokenIn(await auctionEids(page.network))).to.equal(undefined);
      expect(pbjs.getUserIds()).to.deep.equal({ uid2: { optout: true } });
      expect(page.op.cstgRequests()).to.have.length(generations);
    }
    const optedOut = (until: number | undefined) =>
      ({ originalIdentity: { identity: cyrb53Hash('optout@example.com', 3), salt: 3 }, latestToken: 'optout', ...(until && { optoutUntil: until }) });

    it(`remembers an optout answer for its DII for ${OPTOUT_MEMORY_MS / 3600_000} hours: no ID and no request meanwhile`, async () => {
      page.op.onCstg(() => OPTOUT);
      configure({ params: { ...CSTG, email: 'optout@example.com' }, auctionDelay: 1000 });
      await settle();
      const { optoutUntil } = readStored();
      expect(optoutUntil - Date.now()).to.be.within(OPTOUT_MEMORY_MS - 60_000, OPTOUT_MEMORY_MS);
      await nextPageStaysOptedOut('optout@example.com', 1);
    });

    it('asks the operator again once the memory has lapsed, and a user who opted back in gets a token', async () => {
      store(optedOut(Date.now() - 1000));
      page.op.onCstg(() => success(makeIdentity('A4-opted-back-in')));
      configure({ params: { ...CSTG, email: 'optout@example.com' }, auctionDelay: 1000 });
      expect(tokenIn(await auctionEids(page.network))).to.equal('A4-opted-back-in');
      expect(page.op.cstgRequests()).to.have.length(1);
    });

    it('remembers a refresh\'s optout answer for a generated token\'s DII too: no new generation on the next page', async () => {
      const due = makeIdentity('A4-due', { refreshDue: true });
      store({ originalIdentity: { identity: cyrb53Hash('user@example.com', 3), salt: 3 }, latestToken: due });
      page.op.knows(due).onRefresh(() => OPTOUT);
      page.op.onCstg(() => success(makeIdentity('A4-generated')));
      configure({ params: { ...CSTG, email: 'user@example.com' }, auctionDelay: 1000 });
      await refreshDone();
      expect(readStored().optoutUntil).to.be.above(Date.now());
      await nextPageStaysOptedOut('user@example.com', 0);
    });

    it('asks the operator about the supplied token again once a refresh opt-out\'s memory has lapsed, and uses what it answers', async () => {
      const supplied = makeIdentity('A4-supplied');
      store({ originalToken: supplied, latestToken: 'optout', optoutUntil: Date.now() - 1000 });
      // the user opted back in: the refresh gives a token, which the auction waits for (the supplied one is not sent)
      page.op.knows(supplied).onRefresh(() => success(makeIdentity('A4-opted-in')));
      configure({ params: { uid2Token: supplied }, auctionDelay: 1000 });
      expect(tokenIn(await auctionEids(page.network))).to.equal('A4-opted-in');
      expect(page.op.refreshRequests()).to.have.length(1);
      nextPage();
      store({ originalToken: supplied, latestToken: 'optout', optoutUntil: Date.now() + 60_000 });
      configure({ params: { uid2Token: supplied } });
      expect(tokenIn(await auctionEids(page.network))).to.equal(undefined);
    });

    it('asks again for an opt-out stored without an end (the official module\'s record)', async () => {
      store(optedOut(undefined));
      page.op.onCstg(() => OPTOUT);
      configure({ params: { ...CSTG, email: 'optout@example.com' }, auctionDelay: 1000 });
      await settle();
      expect(page.op.cstgRequests()).to.have.length(1);
      expect(readStored().optoutUntil).to.be.above(Date.now());
    });
  });

  describe('email normalization: the operator\'s, so CSTG and server-side generation give the same UID2', () => {
    it('hashes a non-ASCII capital as given and lowercases A-Z only, as uid2-operator does for /v2/token/generate', async () => {
      let sent: unknown;
      page.op.onCstg((dii) => { sent = dii; return success(makeIdentity('A4-elodie')); });
      configure({ params: { ...CSTG, email: ' ÉLODIE@Example.COM ' }, auctionDelay: 1000 });
      expect(tokenIn(await auctionEids(page.network))).to.equal('A4-elodie');
      expect(sent).to.deep.equal({ email_hash: await sha256Base64('Élodie@example.com') });
      const { originalIdentity } = readStored();
      expect(originalIdentity.identity).to.equal(cyrb53Hash('Élodie@example.com', originalIdentity.salt));
    });
  });

  // the logInfo diagnostics themselves are read from the browser console in test/journeys/crossTab.node.spec.ts: Prebid's
  // logInfo holds on to the console.info it found at load, so no spy here can see them
  describe('consent', () => {
    it('warns why it does not run where GDPR applies (consent)', async () => {
      uid2IdSubmodule.getId({ name: 'uid2', params: { uid2Token: makeIdentity('A4-config') } }, { gdpr: { gdprApplies: true } } as any);
      expect(page.log.warnings().join()).to.contain('GDPR');
    });
  });

  describe('pbjs.getUid2PixelUrl under activity controls', () => {
    const RECEIVER = 'https://receiver.test/pixel';
    const deny = (activity: string) => pbjs.setConfig({ allowActivities: { [activity]: { rules: [{ allow: false }] } } } as any);

    it('gives a URL while the activities are allowed (the control for the denials below)', async () => {
      configure({ params: { uid2Token: makeIdentity('A4-pixel') } });
      await auctionEids(page.network);
      expect(new URL(pbjs.getUid2PixelUrl(RECEIVER)!).searchParams.get('uid2_token')).to.equal('A4-pixel');
    });

    ['transmitEids', 'enrichEids'].forEach((activity) => {
      it(`gives no URL when ${activity} is denied`, async () => {
        configure({ params: { uid2Token: makeIdentity('A4-pixel') } });
        await auctionEids(page.network);
        deny(activity);
        expect(pbjs.getUid2PixelUrl(RECEIVER)).to.equal(undefined);
      });
    });

    it('gives no URL when transmitEids is denied for the uid2 module only', async () => {
      configure({ params: { uid2Token: makeIdentity('A4-pixel') } });
      await auctionEids(page.network);
      pbjs.setConfig({ allowActivities: { transmitEids: { rules: [{ condition: (p: any) => p.componentName === 'uid2', allow: false }] } } } as any);
      expect(pbjs.getUid2PixelUrl(RECEIVER)).to.equal(undefined);
    });
  });

  describe('the record cookie (params.storage = "cookie")', () => {
    it('is SameSite=Lax, not Secure on http, and expires with the refresh token', async () => {
      const token = makeIdentity('A4-config');
      configure({ params: { uid2Token: token, storage: 'cookie' } });
      const cookie = (await cookieWrittenDuring(KEY, () => auctionEids(page.network)))!;
      expect(cookie.attributes.samesite).to.equal('Lax');
      expect('secure' in cookie.attributes).to.equal(location.protocol === 'https:');
      // cookie expiry has second resolution
      expect(Date.parse(cookie.attributes.expires!)).to.be.within(token.refresh_expires - 1000, token.refresh_expires);
      expect(JSON.parse(decodeURIComponent(cookie.value)).latestToken).to.deep.equal(token);
      // and the browser kept it
      expect(JSON.parse(decodeURIComponent(readCookie(KEY)!)).latestToken).to.deep.equal(token);
    });

    // WebKit can read a cookie written twice within a few ms back as the first write for a while: a supplied record
    // that its refresh replaces at once is written once, refreshed or, when the refresh fails, as supplied
    const recordWrites = async (run: () => Promise<unknown>) => (await cookieWritesDuring(run))
      .filter((text) => text.startsWith(`${KEY}=`) && !text.startsWith(`${KEY}=;`))
      .map((text) => JSON.parse(decodeURIComponent(text.slice(KEY.length + 1).split(';')[0]!)));

    it('a due supplied token: written once, refreshed', async () => {
      const due = makeIdentity('A4-due', { refreshDue: true });
      const refreshed = makeIdentity('A4-due-refreshed');
      // the answer waits for the auction, which goes out with the due token meanwhile
      let answer!: () => void;
      const held = new Promise<void>((resolve) => { answer = resolve; });
      page.op.knows(due).onRefresh(async () => {
        await held;
        return success(refreshed);
      });
      configure({ params: { uid2Token: due, storage: 'cookie' } });
      const writes = await recordWrites(async () => {
        expect(tokenIn(await auctionEids(page.network))).to.equal('A4-due');
        answer();
        await refreshDone();
      });
      expect(writes).to.deep.equal([{ originalToken: due, latestToken: refreshed }]);
      expect(JSON.parse(readCookie(KEY)!)).to.deep.equal({ originalToken: due, latestToken: refreshed });
    });

    it('a due supplied token whose refresh fails: written once, as supplied, at the first failure', async () => {
      const due = makeIdentity('A4-due', { refreshDue: true });
      let storedAtRetry: unknown;
      page.op.knows(due).onRefresh(() => {
        if (page.op.refreshRequests().length > 1) storedAtRetry = JSON.parse(readCookie(KEY) ?? 'null');
        return new Response('', { status: 503 });
      });
      configure({ params: { uid2Token: due, storage: 'cookie' } });
      const writes = await recordWrites(async () => {
        await auctionEids(page.network);
        await refreshDone();
      });
      expect(page.op.refreshRequests()).to.have.length(settings.retries + 1);
      expect(storedAtRetry).to.deep.equal({ originalToken: due, latestToken: due });
      expect(writes).to.deep.equal([{ originalToken: due, latestToken: due }]);
    });

    it('records an opt-out until the opt-out memory ends', async () => {
      page.op.onCstg(() => OPTOUT);
      configure({ params: { ...CSTG, email: 'optout@example.com', storage: 'cookie' }, auctionDelay: 1000 });
      const cookie = (await cookieWrittenDuring(KEY, settle))!;
      const { optoutUntil } = JSON.parse(decodeURIComponent(cookie.value));
      expect(Date.parse(cookie.attributes.expires!)).to.be.within(optoutUntil - 1000, optoutUntil);
    });
  });

  describe('logout or another login while a refresh is under way', () => {
    /** A page whose due token's refresh is sent and held; `meanwhile` runs, then the operator answers. */
    async function refreshAcross(meanwhile: () => void) {
      const due = makeIdentity('A4-reader-one', { refreshDue: true });
      let answer!: () => void;
      const held = new Promise<void>((resolve) => { answer = resolve; });
      page.op.knows(due).onRefresh(async () => {
        await held;
        return success(makeIdentity('A4-reader-one-refreshed'));
      });
      configure({ params: { uid2Token: due } });
      expect(tokenIn(await auctionEids(page.network))).to.equal('A4-reader-one');
      expect(page.op.refreshRequests()).to.have.length(1);
      meanwhile();
      answer();
      await refreshDone();
    }

    it('logged out (record removed): the refreshed token is not stored, so the reader stays logged out', async () => {
      await refreshAcross(() => localStorage.removeItem(KEY));
      expect(localStorage.getItem(KEY)).to.equal(null);
    });

    it('another reader logged in (record replaced): that reader\'s record stays', async () => {
      const other = makeIdentity('A4-reader-two');
      await refreshAcross(() => store({ originalToken: other, latestToken: other }));
      expect(readStored()).to.deep.equal({ originalToken: other, latestToken: other });
    });
  });
});
