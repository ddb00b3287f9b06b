// The publisher demo page in every engine with an e2e driver (drivers.ts: Chromium, Firefox): login → UID2 token →
// bid request → SSP decrypts → ad; opt-out, background refresh with lifetimes of seconds, refresh opt-out, and log out.
import { expect } from 'chai';
import { e2eBrowsers } from '../helpers/journeyDrivers.js';
import {
  SHORT_LIFETIMES, bidRequestCarrying, bidRequestsTo, bodyText, ensureBundle, screenshot, sspReport, startDemo, storedToken, uid2EidOf, until, waitForState,
  type Demo, type E2eBrowser, type JourneyRequest, type Session,
} from '../helpers/journeyHarness.js';

const EMAIL = 'reader@example.com';

for (const { engine, launch } of e2eBrowsers()) describe(`e2e: publisher page (${engine})`, function () {
  this.timeout(30_000);
  let browser: E2eBrowser;
  let demo: Demo;
  let shortDemo: Demo;
  let session: Session;

  before(async function () {
    this.timeout(120_000);
    await ensureBundle();
    [browser, demo, shortDemo] = await Promise.all([
      launch(),
      startDemo({ port: 0, lifetimes: 'local' }),
      startDemo({ port: 0, lifetimes: SHORT_LIFETIMES }),
    ]);
  });
  after(async () => {
    await browser?.close();
    await Promise.all([demo?.close(), shortDemo?.close()]);
  });
  beforeEach(async () => { session = await browser.openSession(); });
  afterEach(async () => {
    expect(session.errors.map(String), 'uncaught page errors').to.deep.equal([]);
    await session.close();
  });
  /** Chromium's keep the names they always had */
  const screenshotName = (name: string) => (engine === 'chromium' ? `${name}.png` : `${name}-${engine}.png`);

  const bidRequests = (from: Demo): JourneyRequest[] => bidRequestsTo(session, from.urls.sspEndpoint);
  const bidRequestWith = (from: Demo, token: string): Promise<JourneyRequest> => bidRequestCarrying(session, from.urls.sspEndpoint, token);
  async function openPage(from: Demo): Promise<void> {
    await session.page.goto(from.urls.publisher);
    // the page's first auction, before anyone logged in
    await until('the first auction', () => bidRequests(from)[0]);
  }
  async function logIn(from: Demo, dii: string): Promise<void> {
    await openPage(from);
    await session.page.fill('#login-input', dii);
    await session.page.click('#login-button');
  }

  it('logs in with an email: token stored, sent in the bid request, decrypted by the SSP, ad rendered', async () => {
    const { page, requests } = session;
    await logIn(demo, EMAIL);
    await waitForState(page, 'valid');
    const token = await storedToken(page);
    expect(token).to.match(/^A4/); // a v4 UID2 email token

    const eids = await page.evaluate(() => (window as any).pbjs.getUserIdsAsEids());
    expect(eids).to.deep.include({ source: 'uidapi.com', uids: [{ id: token, atype: 3 }] });

    const request = await bidRequestWith(demo, token!);
    expect(uid2EidOf(request)).to.deep.equal({ source: 'uidapi.com', uids: [{ id: token, atype: 3 }] });
    const report = await sspReport(request);
    expect(report.uid2).to.include({ present: true, decrypted: true, status: 'success', siteId: 123 });

    // the page shows the same
    await page.waitForSelector('#ssp-decrypted[data-state="yes"]');
    expect(await page.textContent('#ssp-site')).to.equal('123');
    expect(await page.getAttribute('#ortb-request', 'data-uid2-token')).to.equal(token);
    expect(await page.textContent('#uid2-eid')).to.contain(token);
    // Prebid renders the creative into its own frame inside the page's
    await session.waitForTextInFrame('#ad-slot iframe', 'openrtbSsp mock ad');

    // the email went out only inside the encrypted CSTG request
    const cstg = requests.filter((r) => r.url().endsWith('/v2/token/client-generate'));
    expect(cstg).to.have.length(1);
    for (const r of requests) {
      expect(`${r.url()} ${bodyText(r)}`).not.to.contain(EMAIL).and.not.to.contain(encodeURIComponent(EMAIL));
    }
    await screenshot(page, screenshotName('publisher'));

    // log out without a reload: no identity, nothing stored, no eid, and the next auction carries no UID2
    const before = bidRequests(demo).length;
    await page.evaluate(() => { (window as any).beforeLogout = true; });
    await page.click('#logout-button');
    await waitForState(page, 'none');
    expect(await storedToken(page)).to.equal(undefined);
    expect(await page.evaluate(() => (window as any).pbjs.getUserIdsAsEids())).to.deep.equal([]);
    const afterLogout = await until('the auction after the logout', () => bidRequests(demo)[before]);
    expect(uid2EidOf(afterLogout)).to.equal(undefined);
    expect(await page.evaluate(() => (window as any).beforeLogout)).to.equal(true);
  });

  it('the opt-out test identity gets no token, and bid requests carry no UID2', async () => {
    const { page } = session;
    await openPage(demo);
    await page.click('[data-test-identity="optout@example.com"]');
    await waitForState(page, 'optout');
    expect(await storedToken(page)).to.equal(undefined);
    expect(await page.evaluate(() => (window as any).pbjs.getUserIdsAsEids())).to.deep.equal([]);

    // the auction after the login: no UID2 eid, and the SSP says so
    const after = await until('a bid request after the opt-out', () => bidRequests(demo)[1]);
    expect(uid2EidOf(after)).to.equal(undefined);
    expect((await sspReport(after)).uid2).to.deep.equal({ present: false });
    await page.waitForSelector('#ssp-decrypted[data-state="none"]');
  });

  it('an invalid address gets no token, and nothing goes to the operator', async () => {
    const { page, requests } = session;
    await logIn(demo, 'not-an-email');
    await page.waitForFunction(() => [...document.querySelectorAll('#events li')].some((li) => li.textContent!.includes('No token')));
    expect(await page.getAttribute('#identity-state', 'data-state')).to.equal('none');
    expect(requests.map((r) => r.url()).filter((url) => url.startsWith(demo.urls.operator))).to.deep.equal([]);
  });

  it('refreshes the token in the background once refresh_from passes (lifetimes of seconds)', async () => {
    const { page, requests } = session;
    await logIn(shortDemo, EMAIL);
    const first = await until('a stored token', () => storedToken(page));
    await bidRequestWith(shortDemo, first);

    await page.waitForFunction(() => Number(document.getElementById('identity-refreshes')!.textContent) >= 1, undefined, { timeout: 10_000 });
    const refreshed = (await storedToken(page))!;
    expect(refreshed).to.match(/^A4/).and.not.equal(first);
    expect(requests.some((r) => r.url().endsWith('/v2/token/refresh'))).to.equal(true);

    // the page runs an auction with the new token, and the SSP decrypts it
    const request = await bidRequestWith(shortDemo, refreshed);
    expect((await sspReport(request)).uid2).to.include({ decrypted: true, status: 'success' });
    await screenshot(page, screenshotName('publisher-refreshed'));
  });

  it('refresh-optout@example.com gets a token, then is opted out at the first refresh', async () => {
    const { page, requests } = session;
    await openPage(shortDemo);
    await page.click('[data-test-identity="refresh-optout@example.com"]');
    // the token works until the first refresh: the auction after the login carries it
    const withToken = await until('a bid request with a UID2 token', () => bidRequests(shortDemo).find((r) => uid2EidOf(r)));
    expect(uid2EidOf(withToken)!.uids[0]!.id).to.match(/^A4/);
    await waitForState(page, 'optout');
    expect(requests.some((r) => r.url().endsWith('/v2/token/refresh'))).to.equal(true);
    expect(await storedToken(page)).to.equal(undefined);
    expect(await page.evaluate(() => (window as any).pbjs.getUserIdsAsEids())).to.deep.equal([]);
  });

  it('"Refresh token now" refreshes before refresh_from', async () => {
    const { page } = session;
    await logIn(demo, EMAIL);
    await waitForState(page, 'valid');
    const first = await storedToken(page);
    await page.click('#refresh-button');
    await page.waitForFunction(() => Number(document.getElementById('identity-refreshes')!.textContent) >= 1);
    expect(await storedToken(page)).to.match(/^A4/).and.not.equal(first);
    await waitForState(page, 'valid');
  });
});
