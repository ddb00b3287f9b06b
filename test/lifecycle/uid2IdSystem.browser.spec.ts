// The uid2 userId submodule through the public pbjs API of the real bundle (bid requests of an openrtbSsp
// auction, getUserIds*, refreshUserIds): token sources, lifecycle, opt-out, client-side generation, failures,
// one refresh across tabs, storage and consent. Operator answers are sealed with real WebCrypto.
import { expect } from 'chai';
import sinon from 'sinon';
import { cyrb53Hash } from 'prebid.js/src/utils.js';
import { dep } from 'prebid.js/src/ajax.js';
import { uid2IdSubmodule } from '../../modules/uid2IdSystem.js';
import { claimSubject, createUidModule, OPTOUT_MEMORY_MS, settings } from '../../libraries/uid2Module';
import { sha256Base64 } from '../../libraries/uid2/client/normalize.js';
import type { Uid2Identity } from '../../libraries/uid2/client/uid2Identity.js';
import { jsonResponse, textResponse, type FakeFetch } from '../helpers/fakeFetch.browser.js';
import {
  FakeOperator, OPTOUT, PUBLIC_KEY, cookieWritesDuring, cookieWrittenDuring, SUBSCRIPTION_ID, auctionEids, clearCookie, configure, freshPageEachTest,
  claimsFree, makeIdentity, nextPage, pbjs, runAuction, readCookie, readStored, refreshDone, refreshError, setCookie, settle, sleep, sleepUntil, success,
  tokenIn, until,
  type TestPage,
} from '../helpers/uid2Module.browser.js';

const KEY = '__uid2_advertising_token';
const SERVER_COOKIE = '__UID2_SERVER_COOKIE';
const CSTG = { serverPublicKey: PUBLIC_KEY, subscriptionId: SUBSCRIPTION_ID };
const originalIdentity = (dii: string, salt = 7) => ({ identity: cyrb53Hash(dii, salt), salt });
const store = (value: unknown) => localStorage.setItem(KEY, typeof value === 'string' ? value : JSON.stringify(value));

/** resolves the returned promise's answer only when `release()` is called */
function gate<T>(answer: T) {
  let release!: () => void;
  const opened = new Promise<void>((resolve) => { release = resolve; });
  return { release, answer: () => opened.then(() => answer) };
}

describe('uid2 userId submodule', () => {
  const page = freshPageEachTest(uid2IdSubmodule, SERVER_COOKIE);
  let network: FakeFetch;
  let op: FakeOperator;
  let log: TestPage['log'];
  beforeEach(() => ({ network, op, log } = page));

  describe('token sources', () => {
    it('uses a current params.uid2Token as is: in the bid request and stored, no operator call', async () => {
      const token = makeIdentity('A4-config');
      configure({ params: { uid2Token: token } });
      const eids = await auctionEids(network);
      expect(eids).to.deep.include({ source: 'uidapi.com', uids: [{ id: 'A4-config', atype: 3 }] });
      expect(pbjs.getUserIds()).to.deep.equal({ uid2: { id: 'A4-config' } });
      expect(pbjs.getUserIdsAsEids()).to.deep.equal([{ source: 'uidapi.com', uids: [{ id: 'A4-config', atype: 3 }] }]);
      expect(readStored()).to.deep.equal({ originalToken: token, latestToken: token });
      expect(network.requests.filter((r) => r.url.includes('uidapi.com'))).to.have.length(0);
    });

    it('reads the identity JSON from the publisher cookie named by uid2Cookie', async () => {
      setCookie(SERVER_COOKIE, JSON.stringify(makeIdentity('A4-cookie')));
      configure({ params: { uid2Cookie: SERVER_COOKIE } });
      expect(tokenIn(await auctionEids(network))).to.equal('A4-cookie');
    });

    it('accepts the older param name uid2ServerCookie', async () => {
      setCookie(SERVER_COOKIE, JSON.stringify(makeIdentity('A4-server-cookie')));
      configure({ params: { uid2ServerCookie: SERVER_COOKIE } });
      expect(tokenIn(await auctionEids(network))).to.equal('A4-server-cookie');
    });

    it('reads the cookie when params.uid2Token is empty, as the official module does', async () => {
      setCookie(SERVER_COOKIE, JSON.stringify(makeIdentity('A4-cookie')));
      configure({ params: { uid2Token: '', uid2Cookie: SERVER_COOKIE } });
      expect(tokenIn(await auctionEids(network))).to.equal('A4-cookie');
    });

    it('prefers params.uid2Token over the cookie', async () => {
      setCookie(SERVER_COOKIE, JSON.stringify(makeIdentity('A4-cookie')));
      configure({ params: { uid2Token: makeIdentity('A4-config'), uid2Cookie: SERVER_COOKIE } });
      expect(tokenIn(await auctionEids(network))).to.equal('A4-config');
    });

    it('falls back to the stored identity when nothing is supplied', async () => {
      const stored = makeIdentity('A4-stored');
      store({ originalToken: stored, latestToken: stored });
      configure({});
      expect(tokenIn(await auctionEids(network))).to.equal('A4-stored');
    });

    it('keeps a stored token refreshed from the supplied one when it is newer', async () => {
      const initial = makeIdentity('A4-initial', { expired: true });
      store({ originalToken: initial, latestToken: makeIdentity('A4-refreshed') });
      configure({ params: { uid2Token: initial } });
      expect(tokenIn(await auctionEids(network))).to.equal('A4-refreshed');
      expect(op.refreshRequests()).to.have.length(0);
    });

    it('takes the supplied token over a stored one of the same origin when the supplied one is newer', async () => {
      const older = makeIdentity('A4-same');
      const newer = { ...older, identity_expires: older.identity_expires + 60_000 };
      store({ originalToken: older, latestToken: older });
      configure({ params: { uid2Token: newer } });
      expect(tokenIn(await auctionEids(network))).to.equal('A4-same');
      expect(readStored().latestToken.identity_expires).to.equal(newer.identity_expires);
    });

    it('replaces what is stored when a different token is supplied (another user)', async () => {
      const previous = makeIdentity('A4-previous-user');
      store({ originalToken: previous, latestToken: makeIdentity('A4-previous-refreshed') });
      const next = makeIdentity('A4-new-user', { refreshDue: false });
      next.identity_expires = previous.identity_expires - 60_000; // older, but another user's: still wins
      configure({ params: { uid2Token: next } });
      expect(tokenIn(await auctionEids(network))).to.equal('A4-new-user');
      expect(readStored()).to.deep.equal({ originalToken: next, latestToken: next });
    });

    it('passes a server-only value config through (userId core)', async () => {
      configure({ value: { uid2: { id: 'A4-value' } } });
      expect(tokenIn(await auctionEids(network))).to.equal('A4-value');
    });

    it('uses a bare advertising token left in the module cookie by older integrations, unless a token is supplied', async () => {
      setCookie(KEY, 'legacy-advertising-token');
      configure({});
      expect(tokenIn(await auctionEids(network))).to.equal('legacy-advertising-token');

      nextPage();
      configure({ params: { uid2Token: makeIdentity('A4-config') } });
      expect(tokenIn(await auctionEids(network))).to.equal('A4-config');
    });

    it('logs and ignores a params.uid2Token that is not an identity', async () => {
      configure({ params: { uid2Token: { advertising_token: 'A4-x', identity_expires: 'soon' } } });
      expect(tokenIn(await auctionEids(network))).to.equal(undefined);
      expect(log.errors().join()).to.contain('not an identity');
    });

    it('calls https://prod.uidapi.com by default and params.uid2ApiBase when set', async () => {
      configure({ params: { uid2Token: makeIdentity('A4-a', { expired: true }) }, auctionDelay: 50 });
      await settle();
      expect(network.requests[0]?.url).to.equal('https://prod.uidapi.com/v2/token/refresh');

      nextPage();
      localStorage.removeItem(KEY);
      configure({ params: { uid2Token: makeIdentity('A4-b', { expired: true }), uid2ApiBase: 'https://operator-integ.uidapi.com' }, auctionDelay: 50 });
      await settle();
      expect(network.requests.map((r) => r.url)).to.include('https://operator-integ.uidapi.com/v2/token/refresh');
    });
  });

  describe('lifecycle', () => {
    it('refreshes a token past refresh_from in the background: the auction gets the current one, later calls the new one', async () => {
      const makeRequest = sinon.spy(dep, 'makeRequest');
      try {
        const current = makeIdentity('A4-current', { refreshDue: true });
        const refreshed = makeIdentity('A4-refreshed');
        // answered only after the first auction: that auction does not wait for it
        const answer = gate(success(refreshed));
        op.knows(current).onRefresh(answer.answer);
        configure({ params: { uid2Token: current } });

        expect(tokenIn(await auctionEids(network))).to.equal('A4-current');
        answer.release();
        await refreshDone();
        expect(pbjs.getUserIds()).to.deep.equal({ uid2: { id: 'A4-refreshed' } });
        expect(tokenIn(await auctionEids(network))).to.equal('A4-refreshed');
        expect(readStored()).to.deep.equal({ originalToken: current, latestToken: refreshed });

        // Prebid's fetch, no cookies sent along (credentials mode not 'include')
        expect(makeRequest.returnValues.filter((r: Request) => r.url.includes('/v2/token/refresh')).map((r: Request) => r.credentials))
          .to.deep.equal(['same-origin']);
        const [request] = op.refreshRequests();
        expect(op.refreshRequests()).to.have.length(1);
        expect(request!.method).to.equal('POST');
        expect(request!.body).to.equal(current.refresh_token);
        // a CORS-simple request: no custom header (the official module's X-UID2-Client-Version costs a preflight) and
        // the endpoint's URL as it is (Prebid's own specs answer that exact URL)
        expect(request!.url).to.equal('https://prod.uidapi.com/v2/token/refresh');
        expect([...request!.headers.keys()].filter((name) => name !== 'content-type')).to.deep.equal([]);
        expect(request!.headers.get('content-type')).to.match(/^text\/plain/);
      } finally {
        makeRequest.restore();
      }
    });

    it('does not hold the auction for a refresh that is only due, whatever auctionDelay says', async () => {
      const current = makeIdentity('A4-current', { refreshDue: true });
      const slow = gate(success(makeIdentity('A4-refreshed')));
      op.knows(current).onRefresh(slow.answer);
      // held for the refresh, the auction would wait past the spec's timeout
      configure({ params: { uid2Token: current }, auctionDelay: 60000 });
      try {
        expect(tokenIn(await auctionEids(network))).to.equal('A4-current');
        await until(() => op.refreshRequests().length === 1);
      } finally {
        slow.release();
      }
      await refreshDone();
      expect(pbjs.getUserIds()).to.deep.equal({ uid2: { id: 'A4-refreshed' } });
    });

    it('starts a due token\'s refresh only once the auction has built its bid requests (auctionDelay)', async () => {
      const current = makeIdentity('A4-current', { refreshDue: true });
      op.knows(current).onRefresh(() => success(makeIdentity('A4-refreshed')));
      const order: string[] = [];
      const bidRequest = () => order.push('bid request');
      const makeRequest = dep.makeRequest;
      const stub = sinon.stub(dep, 'makeRequest').callsFake((...args: Parameters<typeof makeRequest>) => {
        const request = makeRequest(...args);
        if (request.url.includes('/v2/token/refresh')) order.push('refresh');
        return request;
      });
      pbjs.onEvent('beforeBidderHttp', bidRequest);
      try {
        configure({ params: { uid2Token: current }, auctionDelay: 1000 });
        expect(tokenIn(await auctionEids(network))).to.equal('A4-current');
        await refreshDone();
      } finally {
        pbjs.offEvent('beforeBidderHttp', bidRequest);
        stub.restore();
      }
      expect(order).to.deep.equal(['bid request', 'refresh']);
      expect(pbjs.getUserIds()).to.deep.equal({ uid2: { id: 'A4-refreshed' } });
    });

    it('refreshes an expired token (refresh token still valid) before the auction, within auctionDelay', async () => {
      const expired = makeIdentity('A4-expired', { expired: true });
      op.knows(expired).onRefresh(() => success(makeIdentity('A4-refreshed')));
      configure({ params: { uid2Token: expired }, auctionDelay: 1000 });
      expect(tokenIn(await auctionEids(network))).to.equal('A4-refreshed');
      expect(readStored().latestToken.advertising_token).to.equal('A4-refreshed');
    });

    it('sends no expired token while its refresh is pending, and the refreshed one once it arrives', async () => {
      const expired = makeIdentity('A4-expired', { expired: true });
      const slow = gate(success(makeIdentity('A4-late')));
      op.knows(expired).onRefresh(slow.answer);
      configure({ params: { uid2Token: expired }, auctionDelay: 20 });
      expect(tokenIn(await auctionEids(network))).to.equal(undefined);
      expect(pbjs.getUserIds()).to.not.have.property('uid2');
      expect(readStored()).to.equal(null);
      slow.release();
      await settle();
      expect(pbjs.getUserIds()).to.deep.equal({ uid2: { id: 'A4-late' } });
    });

    it('drops an identity whose refresh token expired: no ID, no operator call', async () => {
      configure({ params: { uid2Token: makeIdentity('A4-dead', { expired: true, refreshExpired: true }) }, auctionDelay: 50 });
      expect(tokenIn(await auctionEids(network))).to.equal(undefined);
      await settle();
      expect(pbjs.getUserIds()).to.deep.equal({});
      expect(network.requests.filter((r) => r.url.includes('uidapi.com'))).to.have.length(0);
    });

    it('chains refreshes with each new refresh token and key; a refreshed token due at once waits for the next call', async () => {
      const first = makeIdentity('A4-1', { refreshDue: true });
      const second = makeIdentity('A4-2', { refreshDue: true });
      const third = makeIdentity('A4-3');
      op.knows(first).onRefresh((held) => success(held === first ? second : third));
      configure({ params: { uid2Token: first }, auctionDelay: 1000 });
      await refreshDone();
      // stored, but not handed to the core: refreshing it at once again could loop (a skewed clock)
      expect(readStored().latestToken).to.deep.equal(second);
      expect(pbjs.getUserIds()).to.deep.equal({ uid2: { id: 'A4-1' } });
      await pbjs.refreshUserIds();
      expect(pbjs.getUserIds()).to.deep.equal({ uid2: { id: 'A4-2' } });
      await refreshDone();
      expect(pbjs.getUserIds()).to.deep.equal({ uid2: { id: 'A4-3' } });
      expect(op.refreshRequests().map((r) => r.body)).to.deep.equal([first.refresh_token, second.refresh_token]);
      expect(readStored()).to.deep.equal({ originalToken: first, latestToken: third });
    });

    it('keeps working from storage alone on the next page', async () => {
      const current = makeIdentity('A4-current', { refreshDue: true });
      op.knows(current).onRefresh(() => success(makeIdentity('A4-refreshed')));
      configure({ params: { uid2Token: current }, auctionDelay: 1000 });
      await refreshDone();
      nextPage();
      configure({});
      expect(tokenIn(await auctionEids(network))).to.equal('A4-refreshed');
      expect(op.refreshRequests()).to.have.length(1);
    });
  });

  describe('opt-out', () => {
    it('removes the token when a background refresh answers optout, and remembers it on the next page', async () => {
      const current = makeIdentity('A4-current', { refreshDue: true });
      const answer = gate(OPTOUT);
      op.knows(current).onRefresh(answer.answer);
      configure({ params: { uid2Token: current } });
      expect(tokenIn(await auctionEids(network))).to.equal('A4-current');
      answer.release();
      await refreshDone();
      expect(pbjs.getUserIds()).to.deep.equal({ uid2: { optout: true } });
      expect(pbjs.getUserIdsAsEids()).to.deep.equal([]);
      expect(tokenIn(await auctionEids(network))).to.equal(undefined);
      expect(readStored()).to.deep.include({ originalToken: current, latestToken: 'optout' });
      expect(readStored().optoutUntil).to.be.above(Date.now());

      nextPage();
      configure({ params: { uid2Token: current }, auctionDelay: 50 });
      expect(tokenIn(await auctionEids(network))).to.equal(undefined);
      expect(pbjs.getUserIds()).to.deep.equal({ uid2: { optout: true } });
      expect(op.refreshRequests()).to.have.length(1);
    });

    // the official module stores no optoutUntil: its opt-out is asked about again, as a lapsed one of ours
    [['an opt-out Prebid\'s official module stored', undefined], ['a lapsed opt-out', -1]].forEach(([what, until]) => {
      it(`asks the operator about the supplied token before it goes out again: ${what}; the answer is remembered for a day`, async () => {
        const current = makeIdentity('A4-opted-out');
        store({ originalToken: current, latestToken: 'optout', ...(until !== undefined && { optoutUntil: Date.now() + (until as number) }) });
        op.knows(current).onRefresh(() => OPTOUT);
        configure({ params: { uid2Token: current } });
        expect(tokenIn(await auctionEids(network))).to.equal(undefined);
        await settle();
        expect(tokenIn(await auctionEids(network))).to.equal(undefined);
        expect(pbjs.getUserIds()).to.deep.equal({ uid2: { optout: true } });
        expect(op.refreshRequests()).to.have.length(1);
        expect(readStored().optoutUntil - Date.now()).to.be.within(OPTOUT_MEMORY_MS - 60_000, OPTOUT_MEMORY_MS);
      });
    });

    it('with a lapsed opt-out and nothing to ask again with, the page rests: no loop of lookups', async () => {
      store({ originalToken: makeIdentity('A4-opted-out'), latestToken: 'optout', optoutUntil: Date.now() - 1 });
      const getId = sinon.spy(uid2IdSubmodule, 'getId');
      try {
        configure({});
        await auctionEids(network);
        await sleep(300);
        expect(getId.callCount).to.be.at.most(2);
        expect(pbjs.getUserIds()).to.deep.equal({ uid2: { optout: true } });
      } finally {
        getId.restore();
      }
    });

    it('gives no ID when the refresh of an expired token answers optout', async () => {
      const expired = makeIdentity('A4-expired', { expired: true });
      op.knows(expired).onRefresh(() => OPTOUT);
      configure({ params: { uid2Token: expired }, auctionDelay: 1000 });
      expect(tokenIn(await auctionEids(network))).to.equal(undefined);
      expect(pbjs.getUserIds()).to.deep.equal({ uid2: { optout: true } });
    });
  });

  describe('client-side token generation (CSTG)', () => {
    const generated = () => makeIdentity('A4-generated');

    it('generates from params.email: normalized and hashed, opened by the operator key, stored with the official originalIdentity', async () => {
      let sent: unknown;
      op.onCstg((dii) => { sent = dii; return success(generated()); });
      configure({ params: { ...CSTG, email: ' TEst.TEst+123@GMail.Com ' }, auctionDelay: 1000 });
      expect(tokenIn(await auctionEids(network))).to.equal('A4-generated');
      expect(sent).to.deep.equal({ email_hash: 'LkLfFrut8Tc3h/fIvYDiBKSbaMiau/DtaLBPQYszdMw=' });
      const [request] = op.cstgRequests();
      const body = JSON.parse(request!.body);
      expect(body).to.include({ subscription_id: SUBSCRIPTION_ID });
      // a CORS-simple request (no custom header, text/plain), so no preflight
      expect(request!.url).to.equal('https://prod.uidapi.com/v2/token/client-generate');
      expect([...request!.headers.keys()].filter((name) => name !== 'content-type')).to.deep.equal([]);
      expect(request!.headers.get('content-type')).to.match(/^text\/plain/);
      expect(body).to.have.all.keys('payload', 'iv', 'public_key', 'timestamp', 'subscription_id');
      const stored = readStored();
      expect(stored.latestToken.advertising_token).to.equal('A4-generated');
      expect(stored.originalIdentity).to.deep.equal(originalIdentity('testtest@gmail.com', stored.originalIdentity.salt));
      expect(stored).to.not.have.property('originalToken');
    });

    const forms: Array<[string, Record<string, string>, unknown, string]> = [
      ['phone', { phone: '+12345678901' }, { phone_hash: 'EObwtHBUqDNZR33LNSMdtt5cafsYFuGmuY4ZLenlue4=' }, '+12345678901'],
      ['emailHash', { emailHash: 'tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ=' }, { email_hash: 'tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ=' }, 'tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ='],
      ['phoneHash', { phoneHash: 'EObwtHBUqDNZR33LNSMdtt5cafsYFuGmuY4ZLenlue4=' }, { phone_hash: 'EObwtHBUqDNZR33LNSMdtt5cafsYFuGmuY4ZLenlue4=' }, 'EObwtHBUqDNZR33LNSMdtt5cafsYFuGmuY4ZLenlue4='],
    ];
    forms.forEach(([name, params, expected, identityKey]) => {
      it(`generates from params.${name}`, async () => {
        let sent: unknown;
        op.onCstg((dii) => { sent = dii; return success(generated()); });
        configure({ params: { ...CSTG, ...params }, auctionDelay: 1000 });
        expect(tokenIn(await auctionEids(network))).to.equal('A4-generated');
        expect(sent).to.deep.equal(expected);
        const stored = readStored();
        expect(stored.originalIdentity).to.deep.equal(originalIdentity(identityKey, stored.originalIdentity.salt));
      });
    });

    // the official module's normalization cases, plus the gmail rules
    [
      ['TEst.TEST@Test.com ', 'test.test@test.com'],
      ['test+test@test.com', 'test+test@test.com'],
      ['  testtest@test.com  ', 'testtest@test.com'],
      ['TEst.TEst+123@GMail.Com', 'testtest@gmail.com'],
      ['JANE.SAOIRSE@gmail.com', 'janesaoirse@gmail.com'],
    ].forEach(([email, normalized]) => {
      it(`normalizes "${email}" to ${normalized} before hashing`, async () => {
        let sent: any;
        op.onCstg((dii) => { sent = dii; return success(generated()); });
        configure({ params: { ...CSTG, email }, auctionDelay: 1000 });
        await settle();
        expect(sent).to.deep.equal({ email_hash: await sha256Base64(normalized!) });
        const stored = readStored();
        expect(stored.originalIdentity).to.deep.equal(originalIdentity(normalized!, stored.originalIdentity.salt));
      });
    });

    it('ignores params.uid2Token and the publisher cookie when CSTG is configured', async () => {
      setCookie(SERVER_COOKIE, JSON.stringify(makeIdentity('A4-cookie')));
      configure({ params: { ...CSTG, email: 'user@example.com', uid2Token: makeIdentity('A4-config'), uid2Cookie: SERVER_COOKIE } });
      expect(tokenIn(await auctionEids(network))).to.equal(undefined);
      expect(readStored()).to.equal(null);
      await settle();
      expect(op.cstgRequests()).to.have.length.at.least(1);
      expect(op.refreshRequests()).to.have.length(0);
    });

    it('uses a valid token stored for the same DII without calling the operator', async () => {
      store({ originalIdentity: originalIdentity('user@example.com'), latestToken: makeIdentity('A4-stored') });
      configure({ params: { ...CSTG, email: 'User@Example.com' } });
      expect(tokenIn(await auctionEids(network))).to.equal('A4-stored');
      expect(network.requests.filter((r) => r.url.includes('uidapi.com'))).to.have.length(0);
    });

    it('generates anew when the stored token came from a different DII', async () => {
      store({ originalIdentity: originalIdentity('someone.else@example.com'), latestToken: makeIdentity('A4-someone-else') });
      op.onCstg(() => success(generated()));
      configure({ params: { ...CSTG, email: 'user@example.com' }, auctionDelay: 1000 });
      expect(tokenIn(await auctionEids(network))).to.equal('A4-generated');
      expect(op.cstgRequests()).to.have.length(1);
    });

    it('generates anew when the stored token of the same DII can no longer be refreshed', async () => {
      store({ originalIdentity: originalIdentity('user@example.com'), latestToken: makeIdentity('A4-dead', { expired: true, refreshExpired: true }) });
      op.onCstg(() => success(generated()));
      configure({ params: { ...CSTG, email: 'user@example.com' }, auctionDelay: 1000 });
      expect(tokenIn(await auctionEids(network))).to.equal('A4-generated');
    });

    it('refreshes (does not regenerate) an expired token of the same DII whose refresh token is valid', async () => {
      const expired = makeIdentity('A4-expired', { expired: true });
      store({ originalIdentity: originalIdentity('user@example.com'), latestToken: expired });
      op.knows(expired).onRefresh(() => success(makeIdentity('A4-refreshed')));
      configure({ params: { ...CSTG, email: 'user@example.com' }, auctionDelay: 1000 });
      expect(tokenIn(await auctionEids(network))).to.equal('A4-refreshed');
      expect(op.cstgRequests()).to.have.length(0);
      expect(readStored().originalIdentity).to.deep.equal(originalIdentity('user@example.com'));
    });

    it('remembers an optout answer for that DII (no ID, no new request), and generates for another DII', async () => {
      op.onCstg(() => OPTOUT);
      configure({ params: { ...CSTG, email: 'optout@example.com' }, auctionDelay: 1000 });
      expect(tokenIn(await auctionEids(network))).to.equal(undefined);
      expect(pbjs.getUserIds()).to.deep.equal({ uid2: { optout: true } });
      expect(readStored().latestToken).to.equal('optout');

      nextPage();
      configure({ params: { ...CSTG, email: 'optout@example.com' }, auctionDelay: 1000 });
      expect(tokenIn(await auctionEids(network))).to.equal(undefined);
      expect(pbjs.getUserIds()).to.deep.equal({ uid2: { optout: true } });
      expect(op.cstgRequests()).to.have.length(1);

      nextPage();
      op.onCstg(() => success(generated()));
      configure({ params: { ...CSTG, email: 'another@example.com' }, auctionDelay: 1000 });
      expect(tokenIn(await auctionEids(network))).to.equal('A4-generated');
      expect(op.cstgRequests()).to.have.length(2);
    });

    it('logs a 400 answer once (no retry) and gives no ID', async () => {
      op.onCstg(() => jsonResponse({ status: 'client_error', message: 'bad subscription_id' }, 400));
      configure({ params: { ...CSTG, email: 'user@example.com' }, auctionDelay: 1000 });
      expect(tokenIn(await auctionEids(network))).to.equal(undefined);
      expect(op.cstgRequests()).to.have.length(1);
      expect(log.errors().join()).to.contain('bad subscription_id');
      expect(readStored()).to.equal(null);
    });

    const invalid: Array<[string, Record<string, unknown>, string]> = [
      ['a server public key of the wrong format', { ...CSTG, serverPublicKey: 'serverPublicKey', email: 'user@example.com' }, 'serverPublicKey'],
      ['a server public key that is not a string', { ...CSTG, serverPublicKey: {}, email: 'user@example.com' }, 'serverPublicKey'],
      ['a server public key that is not base64', { ...CSTG, serverPublicKey: 'UID2-X-L-not*base64', email: 'user@example.com' }, 'serverPublicKey'],
      ['a missing server public key', { subscriptionId: SUBSCRIPTION_ID, email: 'user@example.com' }, 'serverPublicKey'],
      ['an empty subscriptionId', { ...CSTG, subscriptionId: '', email: 'user@example.com' }, 'subscriptionId'],
      ['a subscriptionId that is not a string', { ...CSTG, subscriptionId: {}, email: 'user@example.com' }, 'subscriptionId'],
      ['a missing subscriptionId', { serverPublicKey: PUBLIC_KEY, email: 'user@example.com' }, 'subscriptionId'],
      ['an email without CSTG credentials', { email: 'user@example.com' }, 'email'],
    ];
    invalid.forEach(([what, params, named]) => {
      it(`warns about ${what} and uses params.uid2Token instead, as the official module does: nothing generated`, async () => {
        configure({ params: { ...params, uid2Token: makeIdentity('A4-config') }, auctionDelay: 50 });
        expect(tokenIn(await auctionEids(network))).to.equal('A4-config');
        expect(log.warnings().join()).to.contain(named);
        expect(op.cstgRequests()).to.have.length(0);
        expect(readStored().latestToken.advertising_token).to.equal('A4-config');
      });
    });

    it('warns about invalid credentials and uses the token in the publisher cookie', async () => {
      setCookie(SERVER_COOKIE, JSON.stringify(makeIdentity('A4-cookie')));
      configure({ params: { ...CSTG, subscriptionId: '', email: 'user@example.com', uid2Cookie: SERVER_COOKIE }, auctionDelay: 50 });
      expect(tokenIn(await auctionEids(network))).to.equal('A4-cookie');
      expect(log.warnings().join()).to.contain('invalid CSTG params.subscriptionId');
    });

    it('warns about invalid credentials and uses the stored record when nothing is supplied', async () => {
      store({ originalIdentity: originalIdentity('user@example.com'), latestToken: makeIdentity('A4-stored') });
      configure({ params: { ...CSTG, serverPublicKey: 'UID2-X-L-not*base64', email: 'user@example.com' }, auctionDelay: 50 });
      expect(tokenIn(await auctionEids(network))).to.equal('A4-stored');
      expect(op.cstgRequests()).to.have.length(0);
    });

    const invalidDii: Array<[string, Record<string, unknown>, string]> = [
      ['an invalid email', { email: 'test . test@gmail.com' }, 'email'],
      ['an email without local part', { email: '+@gmail.com' }, 'email'],
      ['an invalid phone', { phone: 'test123' }, 'phone'],
      ['a phone without +', { phone: '12345678901' }, 'phone'],
      ['an invalid emailHash', { emailHash: 'test@example.com' }, 'emailHash'],
      ['an invalid phoneHash', { phoneHash: '614332222111' }, 'phoneHash'],
    ];
    invalidDii.forEach(([what, dii, named]) => {
      it(`warns about ${what} with valid credentials: nothing generated, the stored record used, params.uid2Token ignored`, async () => {
        store({ originalIdentity: originalIdentity('user@example.com'), latestToken: makeIdentity('A4-stored') });
        configure({ params: { ...CSTG, ...dii, uid2Token: makeIdentity('A4-config') }, auctionDelay: 50 });
        expect(tokenIn(await auctionEids(network))).to.equal('A4-stored');
        expect(log.warnings().join()).to.contain(`invalid CSTG params.${named}`);
        expect(network.requests.filter((r) => r.url.includes('uidapi.com'))).to.have.length(0);
      });
    });

    it('never stores, sends or logs the raw or normalized email', async () => {
      const console_ = ['log', 'info', 'warn', 'error', 'debug'].map((m) => sinon.spy(console, m as 'log'));
      try {
        pbjs.setConfig({ debug: true });
        op.onCstg(() => success(generated()));
        configure({ params: { ...CSTG, email: 'Private.Person+news@gmail.com' }, auctionDelay: 1000 });
        await auctionEids(network);
        const seen = JSON.stringify([
          console_.flatMap((spy) => spy.args.map((args) => args.map(String))),
          log.logs,
          network.requests.map((r) => [r.url, r.body]),
          localStorage.getItem(KEY),
          document.cookie,
        ]).toLowerCase();
        expect(seen).to.contain('a4-generated'); // the capture works
        expect(seen).to.not.contain('private');
        expect(seen).to.not.contain('privateperson@gmail.com');
      } finally {
        console_.forEach((spy) => spy.restore());
      }
    });
  });

  describe('failures', () => {
    it('logs corrupt stored JSON, ignores it and overwrites it with a valid record', async () => {
      store('{"latestToken": {broken');
      configure({ params: { uid2Token: makeIdentity('A4-config') } });
      expect(tokenIn(await auctionEids(network))).to.equal('A4-config');
      expect(log.errors().join()).to.contain(`unreadable stored value in ${KEY}`);
      expect(readStored().latestToken.advertising_token).to.equal('A4-config');
    });

    it('logs and ignores a stored record with wrong field types', async () => {
      store({ originalToken: null, latestToken: { ...makeIdentity('A4-bad'), identity_expires: 'tomorrow' } });
      configure({ auctionDelay: 50 });
      expect(tokenIn(await auctionEids(network))).to.equal(undefined);
      expect(log.errors().join()).to.contain('unreadable stored value');
    });

    it('keeps a valid token and does not retry when a refresh answer cannot be decrypted', async () => {
      const current = makeIdentity('A4-current', { refreshDue: true });
      op.knows(current).onRefresh(() => textResponse(btoa('x'.repeat(40))));
      configure({ params: { uid2Token: current }, auctionDelay: 1000 });
      await refreshDone();
      expect(pbjs.getUserIds()).to.deep.equal({ uid2: { id: 'A4-current' } });
      expect(op.refreshRequests()).to.have.length(1);
      expect(log.errors().join()).to.contain('token refresh failed').and.to.contain('unreadable response');
      expect(readStored().latestToken).to.deep.equal(current);
    });

    it('logs a 400 refresh answer once, ends the ID at once and never asks again for it (no loop)', async () => {
      const current = makeIdentity('A4-current', { refreshDue: true });
      op.knows(current).onRefresh(refreshError);
      configure({ params: { uid2Token: current }, auctionDelay: 1000 });
      await refreshDone();
      expect(tokenIn(await auctionEids(network))).to.equal(undefined);
      expect(op.refreshRequests()).to.have.length(1);
      expect(log.errors().join()).to.contain('HTTP 400').and.to.contain('Error refreshing token');

      for (let page = 0; page < 2; page++) {
        nextPage();
        configure({ params: { uid2Token: current }, auctionDelay: 1000 });
        expect(tokenIn(await auctionEids(network))).to.equal(undefined);
      }
      expect(op.refreshRequests()).to.have.length(1);
    });

    it('does not ask again on later pages after a 400 for an expired token', async () => {
      const expired = makeIdentity('A4-expired', { expired: true });
      op.knows(expired).onRefresh(refreshError);
      configure({ params: { uid2Token: expired }, auctionDelay: 1000 });
      expect(tokenIn(await auctionEids(network))).to.equal(undefined);
      for (let page = 0; page < 2; page++) {
        nextPage();
        configure({ params: { uid2Token: expired }, auctionDelay: 50 });
        expect(tokenIn(await auctionEids(network))).to.equal(undefined);
      }
      expect(op.refreshRequests()).to.have.length(1);
    });

    it('retries a 5xx with backoff and uses the answer that follows', async () => {
      const expired = makeIdentity('A4-expired', { expired: true });
      let calls = 0;
      op.knows(expired).onRefresh(() => (++calls === 1 ? jsonResponse({ status: 'unknown' }, 503) : success(makeIdentity('A4-second-try'))));
      configure({ params: { uid2Token: expired }, auctionDelay: 1000 });
      expect(tokenIn(await auctionEids(network))).to.equal('A4-second-try');
      expect(op.refreshRequests()).to.have.length(2);
      expect(log.warnings().join()).to.contain('HTTP 503').and.to.contain('retrying');
    });

    it('gives up after a bounded number of attempts on persistent 5xx, keeping the valid token', async () => {
      const current = makeIdentity('A4-current', { refreshDue: true });
      op.knows(current).onRefresh(() => jsonResponse({ status: 'unknown' }, 500));
      configure({ params: { uid2Token: current }, auctionDelay: 1000 });
      await refreshDone();
      expect(op.refreshRequests()).to.have.length(settings.retries + 1);
      expect(pbjs.getUserIds()).to.deep.equal({ uid2: { id: 'A4-current' } });
      expect(log.errors().join()).to.contain('HTTP 500').and.to.contain(`${settings.retries + 1} attempts`);
      expect(readStored().latestToken).to.deep.equal(current);
    });

    it('retries network errors a bounded number of times', async () => {
      const current = makeIdentity('A4-current', { refreshDue: true });
      configure({ params: { uid2Token: current }, auctionDelay: 1000 }); // no route: every fetch fails
      await refreshDone();
      expect(op.refreshRequests()).to.have.length(settings.retries + 1);
      expect(log.errors().join()).to.contain('network error');
      expect(pbjs.getUserIds()).to.deep.equal({ uid2: { id: 'A4-current' } });
    });

    it('aborts a request that exceeds the timeout and retries it a bounded number of times', async () => {
      settings.timeout = 30;
      network.restore();
      // a network that never answers, only honours the abort signal of Prebid's fetch timeout
      const hanging = sinon.stub(dep, 'fetch').callsFake((request: Request) => new Promise((_resolve, reject) => {
        request.signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
      }));
      try {
        configure({ params: { uid2Token: makeIdentity('A4-current', { refreshDue: true }) }, auctionDelay: 1000 });
        await refreshDone();
        expect(hanging.callCount).to.equal(settings.retries + 1);
        expect(log.errors().join()).to.contain('token refresh failed').and.to.contain('network error');
        expect(pbjs.getUserIds()).to.deep.equal({ uid2: { id: 'A4-current' } });
      } finally {
        hanging.restore();
      }
    });

    it('sends no retry once the publisher configured the module anew, and stores nothing of the old call', async () => {
      settings.backoff = 40;
      const expired = makeIdentity('A4-expired', { expired: true });
      op.knows(expired).onRefresh(() => jsonResponse({ status: 'unknown' }, 503));
      configure({ params: { uid2Token: expired } });
      await until(() => op.refreshRequests().length === 1);
      const next = makeIdentity('A4-next-config');
      configure({ params: { uid2Token: next } });
      await pbjs.refreshUserIds();
      await sleep(120);
      expect(op.refreshRequests()).to.have.length(1);
      expect(readStored()).to.deep.equal({ originalToken: next, latestToken: next });
    });

    it('waits longer before each retry (exponential backoff)', async () => {
      settings.backoff = 40;
      const current = makeIdentity('A4-current', { refreshDue: true });
      const times: number[] = [];
      op.knows(current).onRefresh(() => { times.push(performance.now()); return jsonResponse({}, 502); });
      configure({ params: { uid2Token: current }, auctionDelay: 1000 });
      await refreshDone();
      expect(times).to.have.length(3);
      expect(times[1]! - times[0]!).to.be.at.least(35);
      expect(times[2]! - times[1]!).to.be.at.least(75);
    });

    it('logs a clear error and sends nothing when WebCrypto is missing (insecure context)', async () => {
      const expired = makeIdentity('A4-expired', { expired: true });
      op.knows(expired).onRefresh(() => success(makeIdentity('A4-refreshed')));
      Object.defineProperty(window.crypto, 'subtle', { value: undefined, configurable: true });
      try {
        configure({ params: { uid2Token: expired }, auctionDelay: 1000 });
        await settle();
      } finally {
        delete (window.crypto as any).subtle;
      }
      expect(window.crypto.subtle).to.exist;
      expect(op.refreshRequests()).to.have.length(0);
      expect(log.errors().join()).to.contain('WebCrypto');
      expect(pbjs.getUserIds()).to.deep.equal({});
    });
  });

  describe('one refresh across tabs', () => {
    /** Another tab (`page` id) claims the refresh of `identity` until `ms` from now in `state`, as claim.ts writes it. */
    const otherTabClaims = (identity: Uid2Identity, ms: number, state = 'c', page = 'othertab') =>
      setCookie(`${KEY}_refreshing_${page}`, `${page}.${claimSubject(identity.refresh_token)}.${Date.now() + ms}.${state}`);
    const newTab = () => createUidModule({ name: 'uid2', baseUrl: 'https://prod.uidapi.com', eids: {}, allowed: () => true });
    // the other tabs close: their claims go (this page's own are left for the page's end to wait for)
    afterEach(() => ['othertab', '0'].forEach((page) => clearCookie(`${KEY}_refreshing_${page}`)));

    /** This page needs its expired token refreshed while another tab claims that refresh; resolves once this page waits. */
    async function waitingForOtherTab(...claim: [ms: number, state?: string, page?: string]) {
      const expired = makeIdentity('A4-expired', { expired: true });
      op.knows(expired).onRefresh(() => success(makeIdentity('A4-this-tab')));
      otherTabClaims(expired, ...claim);
      configure({ params: { uid2Token: expired }, auctionDelay: 2000 });
      const ids = pbjs.getUserIdsAsync();
      await sleep(60);
      expect(op.refreshRequests()).to.have.length(0);
      return { expired, ids };
    }

    it('sends the refresh request within getId: no lock or other wait before the network call', () => {
      const expired = makeIdentity('A4-expired', { expired: true });
      op.knows(expired).onRefresh(() => success(makeIdentity('A4-refreshed')));
      const fetchCalls = (dep.fetch as sinon.SinonStub).callCount;
      newTab().getId({ name: 'uid2', params: { uid2Token: expired } }, {} as any);
      expect((dep.fetch as sinon.SinonStub).callCount - fetchCalls).to.equal(1);
    });

    it('waits while another tab calls the operator and takes the record that tab stored, without calling itself', async () => {
      const { expired, ids } = await waitingForOtherTab(5000);
      // the other tab finishes its refresh
      store({ originalToken: expired, latestToken: makeIdentity('A4-other-tab') });
      await ids;
      expect(pbjs.getUserIds()).to.deep.equal({ uid2: { id: 'A4-other-tab' } });
      expect(op.refreshRequests()).to.have.length(0);
    });

    it('refreshes itself once the other tab\'s claim ends without a record (that tab closed or failed)', async () => {
      const { ids } = await waitingForOtherTab(150);
      await ids;
      expect(pbjs.getUserIds()).to.deep.equal({ uid2: { id: 'A4-this-tab' } });
      expect(op.refreshRequests()).to.have.length(1);
    });

    it('lets a tab that claimed at the same moment and comes first by page id call, then calls once that claim ends', async () => {
      // page id "0" sorts before any other: this page waits for it while it lasts
      const { ids } = await waitingForOtherTab(200, 'w', '0');
      await ids;
      expect(op.refreshRequests()).to.have.length(1);
    });

    it('ignores another tab\'s claim on a different refresh token', async () => {
      const expired = makeIdentity('A4-expired', { expired: true });
      op.knows(expired).onRefresh(() => success(makeIdentity('A4-this-tab')));
      otherTabClaims(makeIdentity('A4-someone-else'), 5000);
      configure({ params: { uid2Token: expired }, auctionDelay: 2000 });
      await settle();
      expect(pbjs.getUserIds()).to.deep.equal({ uid2: { id: 'A4-this-tab' } });
      expect(op.refreshRequests()).to.have.length(1);
    });

    it('two module instances refreshing the same identity make one request; both go on with the current token meanwhile', async () => {
      const current = makeIdentity('A4-current', { refreshDue: true });
      const slow = gate(success(makeIdentity('A4-refreshed')));
      op.knows(current).onRefresh(slow.answer);
      store({ originalToken: current, latestToken: current });
      // each hands the core the current record, with no callback to wait for, and refreshes beside it
      const [a, b] = [newTab(), newTab()].map((tab) => tab.getId({ name: 'uid2', params: {} }, {} as any) as any);
      expect(a).to.deep.equal({ id: { originalToken: current, latestToken: current } });
      expect(b).to.deep.equal(a);
      await until(() => op.refreshRequests().length === 1);
      await sleep(30);
      slow.release();
      await claimsFree();
      expect(readStored().latestToken.advertising_token).to.equal('A4-refreshed');
      expect(op.refreshRequests()).to.have.length(1);
    });

    it('two module instances with an expired token: one request, and both hand the refreshed token to the core', async () => {
      const expired = makeIdentity('A4-expired', { expired: true });
      op.knows(expired).onRefresh(() => sleep(20).then(() => success(makeIdentity('A4-refreshed'))));
      const results = [newTab(), newTab()].map((tab) =>
        new Promise((resolve) => (tab.getId({ name: 'uid2', params: { uid2Token: expired } }, {} as any) as any).callback(resolve)));
      const [a, b] = (await Promise.all(results)) as any[];
      expect(a.latestToken.advertising_token).to.equal('A4-refreshed');
      expect(b).to.deep.equal(a);
      expect(op.refreshRequests()).to.have.length(1);
    });

    it('two module instances generating for the same DII both call the operator and end with the record stored first', async () => {
      let answers = 0;
      op.onCstg(() => success(makeIdentity(`A4-generated-${++answers}`)));
      const params = { ...CSTG, email: 'user@example.com' };
      const results = [newTab(), newTab()].map((tab) => new Promise((resolve) => (tab.getId({ name: 'uid2', params }, {} as any) as any).callback(resolve)));
      const [a, b] = (await Promise.all(results)) as any[];
      expect(op.cstgRequests()).to.have.length(2);
      expect(b).to.deep.equal(a);
      expect(readStored()).to.deep.equal(a);
    });
  });

  describe('long-lived pages', () => {
    /** a token with refresh_from and identity_expires `refreshIn` and `expiresIn` ms from now */
    const shortLived = (name: string, refreshIn: number, expiresIn: number) =>
      ({ ...makeIdentity(name), refresh_from: Date.now() + refreshIn, identity_expires: Date.now() + expiresIn });
    let hidden: boolean | undefined;
    const setHidden = (value: boolean) => {
      hidden = value;
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => value });
      document.dispatchEvent(new Event('visibilitychange'));
    };
    afterEach(() => {
      if (hidden !== undefined) delete (document as { hidden?: boolean }).hidden;
      hidden = undefined;
    });

    it('refreshes past refresh_from without a reload, and the next auction carries the new token', async () => {
      const first = shortLived('A4-first', 300, 60_000);
      op.knows(first).onRefresh(() => success(makeIdentity('A4-second')));
      configure({ params: { uid2Token: first } });
      expect(tokenIn(await auctionEids(network))).to.equal('A4-first');
      await until(() => op.refreshRequests().length === 1);
      await refreshDone();
      expect(tokenIn(await auctionEids(network))).to.equal('A4-second');
      expect(readStored().latestToken.advertising_token).to.equal('A4-second');
    });

    it('never sends an expired token: from a second before identity_expires on, no UID2 until a refreshed token is there', async () => {
      const token = shortLived('A4-expiring', 60_000, 1300);
      const answer = gate(success(makeIdentity('A4-renewed')));
      op.knows(token).onRefresh(answer.answer);
      configure({ params: { uid2Token: token } });
      expect(tokenIn(await auctionEids(network))).to.equal('A4-expiring');
      await sleepUntil(token.identity_expires - 1000);
      // the ID the core held is gone at once, before any refresh answered
      expect(pbjs.getUserIdsAsEids()).to.deep.equal([]);
      expect(tokenIn(await auctionEids(network))).to.equal(undefined);
      answer.release();
      await until(() => pbjs.getUserIdsAsEids().length === 1);
      expect(tokenIn(await auctionEids(network))).to.equal('A4-renewed');
    });

    it('ends the ID at once when the refresh answers opt-out', async () => {
      const token = shortLived('A4-opting-out', 200, 60_000);
      op.knows(token).onRefresh(() => OPTOUT);
      configure({ params: { uid2Token: token } });
      expect(tokenIn(await auctionEids(network))).to.equal('A4-opting-out');
      await until(() => op.refreshRequests().length === 1);
      await refreshDone();
      expect(tokenIn(await auctionEids(network))).to.equal(undefined);
      expect(pbjs.getUserIds()).to.deep.equal({ uid2: { optout: true } });
    });

    it('a hidden tab does not call the operator on its own; it refreshes once the reader comes back', async () => {
      const token = shortLived('A4-hidden', 100, 60_000);
      op.knows(token).onRefresh(() => success(makeIdentity('A4-shown')));
      setHidden(true);
      configure({ params: { uid2Token: token } });
      expect(tokenIn(await auctionEids(network))).to.equal('A4-hidden');
      await sleep(400);
      expect(op.refreshRequests()).to.have.length(0);
      setHidden(false);
      await until(() => op.refreshRequests().length === 1);
      await refreshDone();
      expect(tokenIn(await auctionEids(network))).to.equal('A4-shown');
    });
  });

  describe('Google Secure Signals (userSync.encryptedSignalSources, on a googletag stub)', () => {
    let providers: Array<{ id: string; collectorFunction: () => Promise<unknown> }>;
    beforeEach(() => {
      providers = [];
      (window as any).googletag = { pubads: () => ({ getSlots: () => [] }), secureSignalProviders: providers };
    });
    afterEach(() => { delete (window as any).googletag; });
    /** what googletag gets when it collects the uidapi.com signal */
    const collect = () => providers.find((provider) => provider.id === 'uidapi.com')!.collectorFunction();

    // test/journeys/secureSignals.node.spec.ts follows the signal across refreshes, an expiry and a logout on the demo; this
    // holds the operator's answer to check the one moment it cannot: a collection during the refresh
    it('makes a collection during an expired token\'s refresh wait for it, and hands googletag the refreshed token', async () => {
      const token = { ...makeIdentity('A4-signal'), identity_expires: Date.now() + 1400 };
      const answer = gate(success(makeIdentity('A4-signal-renewed')));
      op.knows(token).onRefresh(answer.answer);
      configure({ params: { uid2Token: token } });
      // Prebid's type asks for a customFunc, which UID2's setup leaves out
      pbjs.mergeConfig({ userSync: { encryptedSignalSources: { sources: [{ source: ['uidapi.com'], encrypt: false }], registerDelay: 0 } } } as any);
      pbjs.registerSignalSources();
      await until(() => providers.length === 1);
      expect(tokenIn(await auctionEids(network))).to.equal('A4-signal');

      await sleepUntil(token.identity_expires - 1000);
      // the refresh the module started a second before identity_expires is under way: googletag waits for it
      await until(() => op.refreshRequests().length === 1);
      const collected = collect();
      answer.release();
      expect(await collected).to.equal('A4-signal-renewed');
    });
  });

  describe('logout (pbjs.disconnectUid2)', () => {
    (['localStorage', 'cookie'] as const).forEach((storage) => {
      it(`removes the record (${storage}), the claim cookies and the ID Prebid holds: the next auction has no UID2`, async () => {
        const token = makeIdentity('A4-reader');
        configure({ params: { uid2Token: token, storage } });
        expect(tokenIn(await auctionEids(network))).to.equal('A4-reader');
        setCookie(`${KEY}_refreshing_otherpage_123`, 'otherpage.123.9999999999999.w');
        pbjs.disconnectUid2();
        expect(pbjs.getUserIdsAsEids()).to.deep.equal([]);
        expect(tokenIn(await auctionEids(network))).to.equal(undefined);
        expect(localStorage.getItem(KEY)).to.equal(null);
        // WebKit's document.cookie may show a removal a moment later
        await until(() => readCookie(KEY) === undefined && readCookie(`${KEY}_refreshing_otherpage_123`) === undefined);
        // the next login
        configure({ params: { uid2Token: makeIdentity('A4-next-reader'), storage } });
        await pbjs.refreshUserIds();
        expect(tokenIn(await auctionEids(network))).to.equal('A4-next-reader');
      });
    });

    it('with a userId storage config, the core\'s own copy of the ID gives no UID2 after the logout, on this page or the next', async () => {
      const coreStorage = { type: 'html5', name: 'uid2_logout_copy', expires: 1 };
      try {
        configure({ params: { uid2Token: makeIdentity('A4-reader') }, storage: coreStorage });
        expect(tokenIn(await auctionEids(network))).to.equal('A4-reader');
        expect(localStorage.getItem('uid2_logout_copy')).to.contain('A4-reader');
        pbjs.disconnectUid2();
        // the publisher's logout: the module configured anew without the reader's token
        configure({ params: {}, storage: coreStorage });
        await pbjs.refreshUserIds();
        expect(tokenIn(await auctionEids(network))).to.equal(undefined);
        nextPage();
        configure({ params: {}, storage: coreStorage });
        expect(tokenIn(await auctionEids(network))).to.equal(undefined);
        expect(pbjs.getUserIds().uid2).to.equal(undefined);
      } finally {
        ['', '_exp', '_cst', '_last'].forEach((suffix) => localStorage.removeItem(`uid2_logout_copy${suffix}`));
      }
    });

    it('in localStorage mode, works out the cookie params only at a logout, which removes a cookie copy under them', async () => {
      configure({ params: { uid2Token: makeIdentity('A4-local'), cookieDomain: 'example.com' } });
      expect(tokenIn(await auctionEids(network))).to.equal('A4-local');
      expect(log.warnings().join()).to.not.contain('params.cookieDomain');
      setCookie(KEY, 'a copy an older integration left');
      pbjs.disconnectUid2();
      expect(log.warnings().join()).to.contain('params.cookieDomain "example.com" does not contain this page');
      await until(() => readCookie(KEY) === undefined);
    });

    /** operator calls under way at the logout: each starts its call and says how many were sent */
    const underWay: Array<[string, () => { release: () => void; sent: () => number }]> = [
      ['a refresh answer', () => {
        const due = makeIdentity('A4-due', { refreshDue: true });
        const answer = gate(success(makeIdentity('A4-too-late')));
        op.knows(due).onRefresh(answer.answer);
        configure({ params: { uid2Token: due } });
        return { release: answer.release, sent: () => op.refreshRequests().length };
      }],
      // nothing stored before it (an expired token is stored only once refreshed): the stored record cannot tell
      ['an expired token\'s refresh answer', () => {
        const expired = makeIdentity('A4-expired', { expired: true });
        const answer = gate(success(makeIdentity('A4-too-late')));
        op.knows(expired).onRefresh(answer.answer);
        configure({ params: { uid2Token: expired } });
        return { release: answer.release, sent: () => op.refreshRequests().length };
      }],
      ['a generated token', () => {
        const answer = gate(success(makeIdentity('A4-generated-late')));
        op.onCstg(answer.answer);
        configure({ params: { ...CSTG, email: 'user@example.com' } });
        return { release: answer.release, sent: () => op.cstgRequests().length };
      }],
    ];
    underWay.forEach(([what, start]) => {
      it(`drops ${what} that arrives after the logout`, async () => {
        const { release, sent } = start();
        await auctionEids(network);
        await until(() => sent() === 1);
        pbjs.disconnectUid2();
        release();
        await refreshDone();
        expect(localStorage.getItem(KEY)).to.equal(null);
        expect(tokenIn(await auctionEids(network))).to.equal(undefined);
      });
    });
  });

  describe('storage', () => {
    // the lifecycle decides from what it reads back: an answer it could not read back would be asked for again at once
    const unkept: Array<[string, () => void, () => object]> = [
      ['storage denied (deviceAccess: false), a refreshed token', () => pbjs.setConfig({ deviceAccess: false }), () => success(makeIdentity('A4-refreshed'))],
      ['storage denied (deviceAccess: false), a refused refresh', () => pbjs.setConfig({ deviceAccess: false }), refreshError],
      ['cookie mode, a refused refresh (its record cookie expires as it is written)', () => {}, refreshError],
    ];
    unkept.forEach(([what, setUp, answer]) => {
      it(`calls the operator once when the answer cannot be stored: ${what}`, async () => {
        setUp();
        const due = makeIdentity('A4-due', { refreshDue: true });
        op.knows(due).onRefresh(answer as () => any);
        configure({ params: { uid2Token: due, ...(what.startsWith('cookie') && { storage: 'cookie' }) } });
        await auctionEids(network);
        await until(() => op.refreshRequests().length >= 1);
        await sleep(300);
        expect(op.refreshRequests()).to.have.length(1);
        const refreshed = what.endsWith('refreshed token');
        expect(tokenIn(await auctionEids(network))).to.equal(refreshed ? 'A4-refreshed' : undefined);
        expect(op.refreshRequests()).to.have.length(1);
      });
    });

    it('does not write back a stored record it only read (another tab may have stored a newer one meanwhile)', async () => {
      const stored = makeIdentity('A4-stored');
      store({ originalToken: stored, latestToken: stored });
      const setItem = sinon.spy(Storage.prototype, 'setItem');
      try {
        configure({});
        expect(tokenIn(await auctionEids(network))).to.equal('A4-stored');
        expect(setItem.args.filter(([key]) => key === KEY)).to.deep.equal([]);
      } finally {
        setItem.restore();
      }
    });

    it('keeps its record in localStorage by default', async () => {
      configure({ params: { uid2Token: makeIdentity('A4-config') } });
      await auctionEids(network);
      expect(readStored().latestToken.advertising_token).to.equal('A4-config');
      expect(readCookie(KEY)).to.equal(undefined);
    });

    it('keeps its record in a cookie with params.storage = "cookie"', async () => {
      const token = makeIdentity('A4-config');
      configure({ params: { uid2Token: token, storage: 'cookie' } });
      await auctionEids(network);
      expect(JSON.parse(readCookie(KEY)!)).to.deep.equal({ originalToken: token, latestToken: token });
      expect(localStorage.getItem(KEY)).to.equal(null);
      nextPage();
      configure({ params: { storage: 'cookie' } });
      expect(tokenIn(await auctionEids(network))).to.equal('A4-config');
    });

    it('shares the record cookie under params.cookieDomain and params.cookiePath, until refresh_expires', async () => {
      const token = makeIdentity('A4-shared');
      configure({ params: { uid2Token: token, storage: 'cookie', cookieDomain: location.hostname, cookiePath: '/' } });
      const cookie = (await cookieWrittenDuring(KEY, () => auctionEids(network)))!;
      expect([cookie.attributes.domain, cookie.attributes.path, cookie.attributes.samesite]).to.deep.equal([location.hostname, '/', 'Lax']);
      expect(Date.parse(cookie.attributes.expires!)).to.be.within(token.refresh_expires - 1000, token.refresh_expires);
      expect(log.warnings()).to.deep.equal([]);
    });

    it('in cookie mode, claims a refresh under params.cookieDomain too: tabs of every subdomain sharing the record see the claim', async () => {
      const due = makeIdentity('A4-due-shared', { refreshDue: true });
      op.knows(due).onRefresh(() => success(makeIdentity('A4-refreshed-shared')));
      configure({ params: { uid2Token: due, storage: 'cookie', cookieDomain: location.hostname } });
      const writes = await cookieWritesDuring(async () => {
        await auctionEids(network);
        await refreshDone();
      });
      const claims = writes.filter((text) => text.startsWith(`${KEY}_refreshing_`));
      expect(claims).to.not.deep.equal([]);
      claims.forEach((text) => expect(text).to.contain(`domain=${location.hostname}`));
    });

    const unusable: Array<[string, Record<string, unknown>, string]> = [
      ['a domain the page is not under', { cookieDomain: 'example.com' }, 'params.cookieDomain'],
      ['a domain with attribute text in it', { cookieDomain: `${location.hostname}; Path=/x` }, 'params.cookieDomain'],
      ['a path that does not cover the page', { cookiePath: '/elsewhere' }, 'params.cookiePath'],
      ['a path with attribute text in it', { cookiePath: '/; Domain=example.com' }, 'params.cookiePath'],
    ];
    unusable.forEach(([what, scope, named]) => {
      it(`warns about ${what} and keeps the cookie on the host, at /`, async () => {
        configure({ params: { uid2Token: makeIdentity('A4-host'), storage: 'cookie', ...scope } });
        const cookie = (await cookieWrittenDuring(KEY, () => auctionEids(network)))!;
        expect(log.warnings().join()).to.contain(named);
        expect(cookie.attributes).to.not.have.property('domain');
        expect(cookie.attributes.path).to.equal('/');
        expect(JSON.parse(readCookie(KEY)!).latestToken.advertising_token).to.equal('A4-host');
      });
    });

    it('finds a record left in the other storage and moves it to the configured one', async () => {
      const token = makeIdentity('A4-in-cookie');
      setCookie(KEY, JSON.stringify({ originalToken: token, latestToken: token }));
      configure({});
      expect(tokenIn(await auctionEids(network))).to.equal('A4-in-cookie');
      expect(readStored().latestToken.advertising_token).to.equal('A4-in-cookie');
      clearCookie(KEY);
    });
  });

  describe('consent and IDs', () => {
    it('does not run where GDPR applies (getId gives nothing and says why)', () => {
      const config = { name: 'uid2', params: { uid2Token: makeIdentity('A4-config') } };
      expect(uid2IdSubmodule.getId(config as any, { gdpr: { gdprApplies: true } } as any)).to.equal(undefined);
      expect(log.warnings().join()).to.contain('GDPR');
      expect((uid2IdSubmodule.getId(config as any, { gdpr: { gdprApplies: false } } as any) as any).id.latestToken.advertising_token).to.equal('A4-config');
    });

    [true, false].forEach((gdprApplies) => {
      it(`${gdprApplies ? 'gives no' : 'gives the'} token when the CMP says gdprApplies: ${gdprApplies}`, async () => {
        pbjs.setConfig({ consentManagement: { gdpr: { cmpApi: 'static', consentData: { gdprApplies, tcString: 'CPhJRpMPhJRpMABAMBFRACBoALAAAEJAAIYgAKwAQAKgArABAAqAAA' } } } } as any);
        configure({ params: { uid2Token: makeIdentity('A4-config') } });
        await runAuction();
        await settle();
        expect(pbjs.getUserIds().uid2).to.deep.equal(gdprApplies ? undefined : { id: 'A4-config' });
      });
    });

    it('decodes what getId handed over (a record, an opt-out, a bare token), and nothing else; the userId core makes the eid', () => {
      const handedOver = (params: object) => (uid2IdSubmodule.getId({ name: 'uid2', params } as any, {} as any) as any).id;
      const token = makeIdentity('A4-x');
      expect(uid2IdSubmodule.decode(handedOver({ uid2Token: token }), {} as any)).to.deep.equal({ uid2: { id: 'A4-x' } });
      // what the core holds of its own (a userId storage config) is not what the module handed over
      expect(uid2IdSubmodule.decode({ latestToken: makeIdentity('A4-core-copy') } as any, {} as any)).to.equal(undefined);
      store({ originalToken: token, latestToken: 'optout', optoutUntil: Date.now() + 60_000 });
      expect(uid2IdSubmodule.decode(handedOver({}), {} as any)).to.deep.equal({ uid2: { optout: true } });
      store('A4-bare');
      expect(uid2IdSubmodule.decode(handedOver({}), {} as any)).to.deep.equal({ uid2: { id: 'A4-bare' } });
      expect(uid2IdSubmodule.decode(null as any, {} as any)).to.equal(undefined);
    });

    it('keeps the lifecycle running when the userId core stores the ID itself (storage config)', async () => {
      const coreStorage = { type: 'html5', name: 'uid2_core_copy', expires: 1 };
      configure({ params: { uid2Token: makeIdentity('A4-first') }, auctionDelay: 1000, storage: coreStorage });
      await settle();
      expect(localStorage.getItem('uid2_core_copy')).to.contain('A4-first');
      // the server now supplies a new identity, due for refresh: the core's copy must not hide it
      const due = makeIdentity('A4-new', { refreshDue: true });
      op.knows(due).onRefresh(() => success(makeIdentity('A4-refreshed')));
      nextPage();
      configure({ params: { uid2Token: due }, auctionDelay: 1000, storage: coreStorage });
      await refreshDone();
      expect(pbjs.getUserIds()).to.deep.equal({ uid2: { id: 'A4-refreshed' } });
      ['', '_exp', '_cst', '_last'].forEach((suffix) => localStorage.removeItem(`uid2_core_copy${suffix}`));
    });
  });

  describe('pbjs.getUid2PixelUrl (tokenized sharing in pixels)', () => {
    const RECEIVER = 'https://receiver.test/pixel?campaign=7';

    it('adds the current advertising token and the given params to the pixel URL, keeping its own', async () => {
      configure({ params: { uid2Token: makeIdentity('A4-pixel+/=') } });
      await auctionEids(network);
      const url = new URL(pbjs.getUid2PixelUrl(RECEIVER, { event: 'purchase' })!);
      expect(url.origin + url.pathname).to.equal('https://receiver.test/pixel');
      expect(Object.fromEntries(url.searchParams)).to.deep.equal({ campaign: '7', event: 'purchase', uid2_token: 'A4-pixel+/=' });
    });

    it('puts the token in the parameter the receiver names', async () => {
      configure({ params: { uid2Token: makeIdentity('A4-pixel') } });
      await auctionEids(network);
      expect(new URL(pbjs.getUid2PixelUrl(RECEIVER, {}, 'tkn')!).searchParams.get('tkn')).to.equal('A4-pixel');
    });

    it('gives no URL without a valid token: none, expired, or opted out', async () => {
      configure({});
      await auctionEids(network);
      expect(pbjs.getUid2PixelUrl(RECEIVER)).to.equal(undefined);
      nextPage();
      store({ latestToken: makeIdentity('A4-old', { expired: true, refreshExpired: true }) });
      configure({});
      await auctionEids(network);
      expect(pbjs.getUid2PixelUrl(RECEIVER)).to.equal(undefined);
      nextPage();
      store({ latestToken: 'optout' });
      configure({});
      await auctionEids(network);
      expect(pbjs.getUid2PixelUrl(RECEIVER)).to.equal(undefined);
    });
  });
});

