// Real round trips: the uid2 module in the bundle against the local UID2 operator (devstack/operator, started by
// karma.conf.cjs on loopback). CSTG with the local test keypair (origin localhost is allowed), refresh with
// the operator's encrypted answers, and the operator's test identities for opt-out.
import { expect } from 'chai';
import { uid2IdSubmodule } from '../../modules/uid2IdSystem.js';
import { isUid2Identity } from '../../libraries/uid2/client/uid2Identity.js';
import { fakeFetch } from '../helpers/fakeFetch.browser.js';
import { localServers } from '../helpers/localServerUrls.browser.js';
import {
  PUBLIC_KEY, SUBSCRIPTION_ID, auctionEids, captureLogs, configure, freshPage, leavePage, nextPage, pbjs, readStored,
  refreshDone, settle, sleep, until,
} from '../helpers/uid2Module.browser.js';

const KEY = '__uid2_advertising_token';

describe('uid2 module against the local operator', () => {
  let log: ReturnType<typeof captureLogs>;
  let operatorUrl: string;
  const cstg = (email: string) => ({ serverPublicKey: PUBLIC_KEY, subscriptionId: SUBSCRIPTION_ID, email, uid2ApiBase: operatorUrl });

  /** Makes the stored token look expired (client-side timing fields only): the next page must refresh it. */
  function ageStoredToken() {
    const stored = readStored();
    const now = Date.now();
    stored.latestToken = { ...stored.latestToken, identity_expires: now - 1000, refresh_from: now - 2000 };
    localStorage.setItem(KEY, JSON.stringify(stored));
  }

  before(function () {
    operatorUrl = localServers().operatorUrl!;
    expect(operatorUrl, 'local operator URL (karma.conf.cjs starts it)').to.be.a('string');
  });
  beforeEach(() => {
    freshPage(uid2IdSubmodule).restore(); // the real network
    log = captureLogs();
  });
  afterEach(async () => {
    await Promise.race([refreshDone(), sleep(1000)]);
    log.stop();
    leavePage(undefined);
  });

  it('generates a token client-side, then refreshes it with the encrypted refresh answer', async () => {
    configure({ params: cstg('user@example.com'), auctionDelay: 3000 });
    await settle();
    const first = readStored();
    expect(isUid2Identity(first.latestToken)).to.equal(true);
    expect(first.latestToken.advertising_token).to.match(/^A4/);
    expect(pbjs.getUserIds()).to.deep.equal({ uid2: { id: first.latestToken.advertising_token } });

    ageStoredToken();
    nextPage();
    configure({ params: cstg('user@example.com'), auctionDelay: 3000 });
    await settle();
    const second = readStored();
    expect(second.latestToken.refresh_token).to.not.equal(first.latestToken.refresh_token);
    expect(second.latestToken.refresh_response_key).to.not.equal(first.latestToken.refresh_response_key);
    expect(second.originalIdentity).to.deep.equal(first.originalIdentity);
    expect(pbjs.getUserIds()).to.deep.equal({ uid2: { id: second.latestToken.advertising_token } });
    expect(log.errors()).to.deep.equal([]);
  });

  it('puts the generated token in the bid request', async () => {
    configure({ params: cstg('user@example.com'), auctionDelay: 3000 });
    await settle();
    const fake = fakeFetch(); // answers the SSP request; the operator is not called again
    try {
      const eids = await auctionEids(fake);
      expect(eids).to.deep.include({ source: 'uidapi.com', uids: [{ id: readStored().latestToken.advertising_token, atype: 3 }] });
    } finally {
      fake.restore();
    }
  });

  it('refreshes a server-supplied token (params.uid2Token) before the auction', async () => {
    configure({ params: cstg('validate@example.com'), auctionDelay: 3000 });
    await settle();
    const supplied = { ...readStored().latestToken, identity_expires: Date.now() - 1000, refresh_from: Date.now() - 2000 };
    localStorage.removeItem(KEY);
    nextPage();
    configure({ params: { uid2Token: supplied, uid2ApiBase: operatorUrl }, auctionDelay: 3000 });
    await settle();
    const stored = readStored();
    expect(stored.originalToken).to.deep.equal(supplied);
    expect(stored.latestToken.refresh_token).to.not.equal(supplied.refresh_token);
    expect(pbjs.getUserIds()).to.deep.equal({ uid2: { id: stored.latestToken.advertising_token } });
  });

  it('records the operator\'s optout answer to CSTG (optout@example.com)', async () => {
    configure({ params: cstg('optout@example.com'), auctionDelay: 3000 });
    await settle();
    expect(pbjs.getUserIds()).to.deep.equal({ uid2: { optout: true } });
    expect(readStored().latestToken).to.equal('optout');
  });

  it('records the operator\'s optout answer to a refresh (refresh-optout@example.com)', async () => {
    configure({ params: cstg('refresh-optout@example.com'), auctionDelay: 3000 });
    await settle();
    expect(pbjs.getUserIds().uid2?.id).to.match(/^A4/);
    ageStoredToken();
    nextPage();
    configure({ params: cstg('refresh-optout@example.com'), auctionDelay: 3000 });
    await settle();
    expect(pbjs.getUserIds()).to.deep.equal({ uid2: { optout: true } });
    expect(readStored().latestToken).to.equal('optout');
  });

  it('logs the operator\'s 400 for an unknown subscription', async () => {
    configure({ params: { ...cstg('user@example.com'), subscriptionId: 'unknown-sub' }, auctionDelay: 3000 });
    await settle();
    expect(pbjs.getUserIds()).to.deep.equal({});
    expect(log.errors().join()).to.contain('HTTP 400').and.to.contain('bad subscription_id');
  });

  it('logs the operator\'s 400 for a refresh token it does not accept, ends that ID and generates anew for the DII', async () => {
    configure({ params: cstg('user@example.com'), auctionDelay: 3000 });
    await settle();
    const stored = readStored();
    stored.latestToken = { ...stored.latestToken, refresh_from: Date.now() - 1000, refresh_token: 'not-a-refresh-token' };
    localStorage.setItem(KEY, JSON.stringify(stored));
    nextPage();
    configure({ params: cstg('user@example.com'), auctionDelay: 3000 });
    await refreshDone();
    expect(log.errors().join()).to.contain('HTTP 400').and.to.contain('Error refreshing token');
    await until(() => typeof pbjs.getUserIds().uid2?.id === 'string');
    expect(pbjs.getUserIds().uid2!.id).to.not.equal(stored.latestToken.advertising_token);
  });
});
