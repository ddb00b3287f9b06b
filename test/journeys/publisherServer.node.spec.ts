// The publisher page of the server-side route in Chromium: the publisher's server generates the token
// (/v2/token/generate) and hands it over as a first-party cookie or as the page's config token; Prebid's
// module stores it, refreshes it past refresh_from, and the refreshed token (not the supplied one) goes into
// the next bid request, which the SSP decrypts. Also the opted-out reader, and another reader logging in
// while the module holds the first one's record.
import { expect } from 'chai';
import type { Page, Request } from 'playwright-core';
import type { Uid2Identity } from '../../libraries/uid2/client/uid2Identity.js';
import {
  bidRequestCarrying, bidRequestsTo, bodyText, e2eSuite, screenshot, sspReport, storedToken, uid2EidOf, until, waitForState, type Demo,
  type Session,
} from '../helpers/journeyHarness.js';

const READER = 'Server.Reader+news@gmail.com';
const OTHER_READER = '+12025550123';
/** refresh_from 3 s after issue: time for the first auction to carry the server's token before Prebid refreshes it */
const LIFETIMES = {
  refresh_identity_token_after_seconds: 3,
  identity_token_expires_after_seconds: 30,
  refresh_token_expires_after_seconds: 60,
};
const IDENTITY_COOKIE = 'uid2_pub_cookie';
const SESSION_COOKIE = 'publisher_session';
type Delivery = 'cookie' | 'config';

interface StoredRecord { originalToken?: Uid2Identity; latestToken: Uid2Identity | 'optout' }

describe('e2e: publisher page, server-side route', function () {
  this.timeout(60_000);
  const suite = e2eSuite({ port: 0, lifetimes: LIFETIMES });
  let demo: Demo;
  let session: Session<Page, Request>;
  beforeEach(() => {
    session = suite.session;
    demo = suite.demos[0]!;
  });

  const bidRequests = () => bidRequestsTo(session, demo.urls.sspEndpoint);
  const carrying = (token: string, skip = 0) => bidRequestCarrying(session, demo.urls.sspEndpoint, token, skip, 20_000);
  const storedRecord = (page: Page) => page.evaluate(() =>
    JSON.parse(localStorage.getItem('__uid2_advertising_token') ?? 'null') as StoredRecord | null);
  const cookieNamed = async (name: string) => (await session.page.context().cookies()).find((c) => c.name === name);
  /** the identity in the cookie, as Prebid's module reads it (URI-encoded JSON) */
  const cookieIdentity = async (): Promise<Uid2Identity | undefined> => {
    const cookie = await cookieNamed(IDENTITY_COOKIE);
    return cookie && JSON.parse(decodeURIComponent(cookie.value));
  };
  /** params of the uid2 userId config the server wrote into the page */
  const pageUid2Params = (page: Page) => page.evaluate(() =>
    (window as any).pbjs.getConfig('userSync').userIds.find((id: { name: string }) => id.name === 'uid2').params);

  async function openPage(delivery: Delivery): Promise<void> {
    const before = bidRequests().length;
    await session.page.goto(`${demo.urls.publisherServer}?delivery=${delivery}`);
    await until('the page\'s first auction', () => bidRequests()[before]);
  }

  /** Clicks; when `reloads`, waits for the page the server serves next. */
  async function click(selector: string, reloads: boolean): Promise<void> {
    const { page } = session;
    await (reloads ? Promise.all([page.waitForEvent('load'), page.click(selector)]) : page.click(selector));
  }

  /**
   * Logs in through the page's form and waits for the auction that follows. The page loads again unless the
   * server set a new cookie: it writes a config token (or none after an opt-out) into the page it serves.
   */
  async function logIn(delivery: Delivery, dii: string, expectedAnswer: 'yes' | 'optout' = 'yes'): Promise<void> {
    const { page } = session;
    const before = bidRequests().length;
    await page.fill('#login-input', dii);
    await click('#login-button', delivery === 'config' || expectedAnswer === 'optout');
    await page.waitForSelector(`#call-status[data-state="${expectedAnswer}"]`);
    await until('the auction after the login', () => bidRequests()[before]);
  }

  /** waits until Prebid has refreshed the supplied token; returns the refreshed one */
  async function firstRefresh(page: Page, supplied: string): Promise<string> {
    return until('Prebid\'s first refresh', async () => {
      const latest = (await storedRecord(page))?.latestToken;
      return typeof latest === 'object' && latest.advertising_token !== supplied ? latest.advertising_token : undefined;
    }, 20_000);
  }

  /** No request but the login itself carried the address, and no browser storage holds it. */
  async function expectDiiOnlyInLogin(dii: string): Promise<void> {
    const forms = [dii, encodeURIComponent(dii), dii.toLowerCase()];
    for (const request of session.requests) {
      const text = `${request.url()} ${bodyText(request)}`;
      if (request.url().endsWith('/publisher/login')) continue;
      for (const form of forms) expect(text, request.url()).not.to.contain(form);
    }
    const storage = await session.page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie);
    const cookies = JSON.stringify(await session.page.context().cookies());
    for (const form of forms) expect(storage + cookies).not.to.contain(form);
    const logins = session.requests.filter((r) => r.url().endsWith('/publisher/login'));
    for (const login of logins) expect(new URL(login.url()).origin).to.equal(new URL(demo.urls.demo).origin);
  }

  it('cookie: the server sets the identity cookie; Prebid sends its token, the SSP decrypts it, and after a refresh the new token goes out', async () => {
    const { page } = session;
    await openPage('cookie');
    expect(await pageUid2Params(page)).to.deep.equal({ uid2ApiBase: demo.urls.operator, uid2Cookie: IDENTITY_COOKIE });
    await logIn('cookie', READER);

    // the cookie: first-party, readable by Prebid, gone when the refresh token dies
    const cookie = (await cookieNamed(IDENTITY_COOKIE))!;
    const supplied = (await cookieIdentity())!;
    expect(cookie).to.include({ path: '/', sameSite: 'Lax', secure: false, httpOnly: false });
    expect(cookie.expires).to.be.at.most(supplied.refresh_expires / 1000).and.above(Date.now() / 1000);
    expect(supplied.advertising_token).to.match(/^A4/);
    expect(await cookieNamed(SESSION_COOKIE)).to.equal(undefined);

    // the server's call and what the page received
    expect(await page.textContent('#call-request')).to.equal('POST /v2/token/generate');
    expect(await page.textContent('#call-sent')).to.contain('email_hash');
    expect(await page.textContent('#call-http')).to.equal('200');
    expect(await page.textContent('#received-kind')).to.contain(IDENTITY_COOKIE);
    expect(await page.textContent('#received-attributes')).to.contain('SameSite=Lax').and.contain('Path=/');

    // Prebid took the cookie's token: stored, sent, decrypted as a server-generated token of site 123
    const first = await carrying(supplied.advertising_token);
    const report = await sspReport(first);
    expect(report.uid2).to.include({ decrypted: true, status: 'success', siteId: 123, clientSideGenerated: false });
    await page.waitForSelector('#ssp-decrypted[data-state="yes"]');
    expect(await page.textContent('#ssp-details')).to.contain('generated by a server');

    // past refresh_from the module refreshes in the browser; the next bid request carries the refreshed token
    const refreshed = await firstRefresh(page, supplied.advertising_token);
    const record = (await storedRecord(page))!;
    expect(record.originalToken?.advertising_token).to.equal(supplied.advertising_token);
    expect(session.requests.some((r) => r.url() === `${demo.urls.operator}/v2/token/refresh`)).to.equal(true);
    const next = await carrying(refreshed);
    expect((await sspReport(next)).uid2).to.include({ decrypted: true, siteId: 123, fingerprint: report.uid2.fingerprint });
    await page.waitForSelector('#storage-refreshed[data-state="yes"]');
    // the cookie still holds the server's token: Prebid never writes it
    expect((await cookieIdentity())!.advertising_token).to.equal(supplied.advertising_token);
    await screenshot(page, 'publisher-server-cookie.png');

    // the next page view: the cookie's stale token stays out of bid requests
    await openPage('cookie');
    const afterReload = bidRequests().at(-1)!;
    const sent = uid2EidOf(afterReload)?.uids[0]?.id;
    expect(sent).to.match(/^A4/).and.not.equal(supplied.advertising_token);
    expect((await sspReport(afterReload)).uid2).to.include({ decrypted: true, fingerprint: report.uid2.fingerprint });

    await expectDiiOnlyInLogin(READER);
  });

  it('config token: the server writes the identity into pbjs.setConfig; Prebid refreshes it, and a reload keeps the refreshed token', async () => {
    const { page } = session;
    await openPage('config');
    expect(await pageUid2Params(page)).to.deep.equal({ uid2ApiBase: demo.urls.operator });
    await logIn('config', OTHER_READER);

    // the token reached the page in its config; the session cookie holds only an id the page cannot read
    const supplied: Uid2Identity = (await pageUid2Params(page)).uid2Token;
    expect(supplied.advertising_token).to.match(/^B4/); // a v4 UID2 phone token
    expect(await cookieNamed(IDENTITY_COOKIE)).to.equal(undefined);
    const sessionCookie = (await cookieNamed(SESSION_COOKIE))!;
    expect(sessionCookie).to.include({ path: '/', sameSite: 'Lax', httpOnly: true });
    expect(sessionCookie.value).not.to.contain(supplied.advertising_token.slice(0, 20));
    expect(await page.textContent('#received-kind')).to.contain('uid2Token');
    expect(await page.textContent('#call-sent')).to.contain('phone_hash');

    const first = await carrying(supplied.advertising_token);
    const report = await sspReport(first);
    expect(report.uid2).to.include({ decrypted: true, status: 'success', siteId: 123, clientSideGenerated: false });

    const refreshed = await firstRefresh(page, supplied.advertising_token);
    expect((await sspReport(await carrying(refreshed))).uid2).to.include({ decrypted: true, fingerprint: report.uid2.fingerprint });
    await page.waitForSelector('#storage-refreshed[data-state="yes"]');
    await screenshot(page, 'publisher-server-config.png');

    // the server renders the token it generated into every page; the module keeps its refreshed record
    await openPage('config');
    expect((await pageUid2Params(page)).uid2Token.advertising_token).to.equal(supplied.advertising_token);
    const sent = uid2EidOf(bidRequests().at(-1)!)?.uids[0]?.id;
    expect(sent).to.match(/^B4/).and.not.equal(supplied.advertising_token);
    expect((await storedRecord(page))!.originalToken?.advertising_token).to.equal(supplied.advertising_token);

    await expectDiiOnlyInLogin(OTHER_READER);
  });

  it('the landing page links the server-side page, which the publisher\'s server renders, and says when to pick it', async () => {
    const { page } = session;
    await page.goto(demo.urls.demo);
    expect(await page.textContent('main')).to.contain('Pick this route when the login already goes through your server');
    await Promise.all([page.waitForEvent('load'), page.click('a[href="publisher-server.html"]')]);
    expect(page.url()).to.equal(demo.urls.publisherServer);
    expect(await page.locator('script#uid2-server-config').count()).to.equal(1);
    expect(await page.getAttribute('#delivery-cookie', 'aria-pressed')).to.equal('true');
    // the switch logs out and loads the config-token page
    await Promise.all([page.waitForURL(/delivery=config/), page.click('#delivery-config')]);
    expect(await page.getAttribute('#delivery-config', 'aria-pressed')).to.equal('true');
    expect(await page.textContent('#received-kind')).to.contain('config token');
  });

  for (const delivery of ['cookie', 'config'] as const) {
    it(`${delivery}: the opted-out reader gets no token, a clear message, and bid requests carry no UID2`, async () => {
      const { page } = session;
      await openPage(delivery);
      // a reader with a token first: after the opt-out nothing of theirs may stay either
      await logIn(delivery, READER);
      await waitForState(page, 'valid');
      const before = bidRequests().length;
      await click('[data-test-identity="optout@example.com"]', true);
      await page.waitForSelector('#call-status[data-state="optout"]');
      expect(await page.textContent('#call-message')).to.contain('opted out');
      expect(await cookieNamed(IDENTITY_COOKIE)).to.equal(undefined);
      expect(await cookieNamed(SESSION_COOKIE)).to.equal(undefined);
      if (delivery === 'config') expect(await pageUid2Params(page)).not.to.have.property('uid2Token');
      expect(await storedToken(page)).to.equal(undefined);
      await waitForState(page, 'none');
      expect(await page.evaluate(() => (window as any).pbjs.getUserIdsAsEids())).to.deep.equal([]);
      const after = await until('a bid request after the opt-out', () => bidRequests()[before]);
      expect(uid2EidOf(after)).to.equal(undefined);
      expect((await sspReport(after)).uid2).to.deep.equal({ present: false });
    });

    it(`${delivery}: another reader's login replaces the stored record, log out clears it, and a new login starts afresh`, async () => {
      const { page } = session;
      await openPage(delivery);
      const suppliedToken = async () => delivery === 'cookie'
        ? (await cookieIdentity())!.advertising_token
        : (await pageUid2Params(page)).uid2Token.advertising_token as string;

      await logIn(delivery, READER);
      const firstToken = await suppliedToken();
      const firstUser = (await sspReport(await carrying(firstToken))).uid2.fingerprint;
      const firstRefreshed = await firstRefresh(page, firstToken);

      // another reader logs in while the module holds the first one's refreshed record
      await logIn(delivery, OTHER_READER);
      const secondToken = await suppliedToken();
      expect(secondToken).not.to.equal(firstToken);
      // the module replaces the record as soon as it sees the new token (the page asks it at once)
      const record = await until('the second reader\'s record', async () => {
        const stored = await storedRecord(page);
        return stored?.originalToken?.advertising_token === secondToken ? stored : undefined;
      });
      expect(JSON.stringify(record)).not.to.contain(firstToken).and.not.to.contain(firstRefreshed);
      const second = await sspReport(await carrying(secondToken));
      expect(second.uid2).to.include({ decrypted: true, siteId: 123 });
      expect(second.uid2.fingerprint).not.to.equal(firstUser);

      // log out without a reload: the server's cookie (or session) and the module's record are gone, and so is the eid
      const before = bidRequests().length;
      await page.evaluate(() => { (window as any).beforeLogout = true; });
      await click('#logout-button', false);
      await waitForState(page, 'none');
      expect(await cookieNamed(IDENTITY_COOKIE)).to.equal(undefined);
      expect(await cookieNamed(SESSION_COOKIE)).to.equal(undefined);
      expect(await storedRecord(page)).to.equal(null);
      expect(await page.evaluate(() => (window as any).pbjs.getUserIdsAsEids())).to.deep.equal([]);
      expect(await page.evaluate(() => (window as any).beforeLogout)).to.equal(true);
      await page.click('#auction-button');
      const loggedOut = await until('an auction after the logout', () => bidRequests().slice(before).at(-1));
      expect(uid2EidOf(loggedOut)).to.equal(undefined);

      // the first reader again: a new token, the same person at the SSP
      await logIn(delivery, READER);
      const againToken = await suppliedToken();
      expect(againToken).not.to.equal(firstToken);
      expect((await sspReport(await carrying(againToken))).uid2.fingerprint).to.equal(firstUser);
      expect((await storedRecord(page))!.originalToken?.advertising_token).to.equal(againToken);
    });
  }
});
