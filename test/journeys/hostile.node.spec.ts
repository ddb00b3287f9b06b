// Crafted demo links in Chromium: query parameters that would send the UID2 token, the refresh token or the
// raw email to another site, a `javascript:` receiver link, receiver answers carrying markup, and the ad's
// reach into the page. None leaks or executes: endpoints move only to allow-listed origins, values render as
// text, and creatives run in a sandboxed frame of another origin.
import { expect } from 'chai';
import http, { type Server } from 'node:http';
import { closeServer, listen } from '../../devstack/http.js';
import type { Page, Request } from 'playwright-core';
import { bodyText, e2eSuite, startDemo, storedToken, until, waitForState, type Demo, type Session } from '../helpers/journeyHarness.js';

const ATTACKER = 'http://attacker.example';
const EMAIL = 'victim@example.com';
const MARKUP = '<img src=x onerror="window.__pwned=1">';

describe('e2e: crafted demo URLs', function () {
  this.timeout(30_000);
  const suite = e2eSuite({ port: 0, lifetimes: 'local' });
  let demo: Demo;
  let session: Session<Page, Request>;
  beforeEach(async () => {
    [demo] = suite.demos;
    session = suite.session;
    // the attacker's site, answered without DNS; every request to it is recorded in session.requests
    await session.page.context().route((url) => url.hostname === 'attacker.example', (route) => route.fulfill({ status: 200, body: '{}', headers: { 'Access-Control-Allow-Origin': '*' } }));
    session.page.on('dialog', (dialog) => {
      session.errors.push(new Error(`a dialog opened: ${dialog.message()}`));
      void dialog.dismiss();
    });
  });
  afterEach(() => {
    const toAttacker = session.requests.map((r) => r.url()).filter((url) => new URL(url).hostname === 'attacker.example');
    expect(toAttacker, 'requests to the attacker').to.deep.equal([]);
  });

  const withQuery = (pageUrl: string, query: Record<string, string>) => `${pageUrl}?${new URLSearchParams(query)}`;

  async function logIn(dii = EMAIL): Promise<void> {
    await session.page.fill('#login-input', dii);
    await session.page.click('#login-form button[type="submit"]');
  }

  it('?sspEndpoint= to another site: the token goes to the demo SSP only, and the page says the override was ignored', async () => {
    const { page } = session;
    await page.goto(withQuery(demo.urls.publisher, { sspEndpoint: `${ATTACKER}/openrtb2/auction` }));
    await logIn();
    await waitForState(page, 'valid');
    const token = await storedToken(page);
    await until('a bid request with the token at the demo SSP', () =>
      session.requests.find((r) => r.url().startsWith(demo.urls.sspEndpoint) && bodyText(r).includes(token!)));
    expect(await page.textContent('#environment')).to.include('ignored ?sspEndpoint=');
  });

  it('?uid2ApiBase= to another site with its own key: the stored refresh token goes to the demo operator only', async () => {
    const { page } = session;
    await page.goto(demo.urls.publisher);
    await logIn();
    await waitForState(page, 'valid');
    const before = await storedToken(page);
    // a link to the same page with the attacker's "operator", opened once a refresh is due
    await page.evaluate(() => {
      const stored = JSON.parse(localStorage.getItem('__uid2_advertising_token')!);
      stored.latestToken.refresh_from = Date.now() - 1;
      localStorage.setItem('__uid2_advertising_token', JSON.stringify(stored));
    });
    await page.goto(withQuery(demo.urls.publisher, { uid2ApiBase: ATTACKER, serverPublicKey: 'UID2-X-I-MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEattacker', subscriptionId: 'attacker' }));
    await until('a refreshed token', async () => ((await storedToken(page)) !== before ? true : undefined));
    expect(session.requests.some((r) => r.url().startsWith(`${demo.urls.operator}/v2/token/refresh`))).to.equal(true);
    expect(await page.textContent('#environment')).to.include('ignored ?uid2ApiBase=');
  });

  it('?advertiserTokenUrl= to another site: the raw email is posted only to the demo\'s own advertiser server', async () => {
    const { page } = session;
    await page.goto(withQuery(demo.urls.advertiser, { advertiserTokenUrl: `${ATTACKER}/steal` }));
    await logIn();
    await page.waitForSelector('#advertiser-token-state:has-text("own token")');
    const carriers = session.requests.filter((r) => bodyText(r).includes(EMAIL) || r.url().includes(encodeURIComponent(EMAIL)));
    expect(carriers.map((r) => new URL(r.url()).pathname)).to.deep.equal(['/advertiser/uid2-token']);
  });

  it('?advertiserSegmentUrl= to another site: the customer list is posted only to the demo\'s own advertiser server', async () => {
    const { page } = session;
    await page.goto(withQuery(demo.urls.advertiser, { advertiserSegmentUrl: `${ATTACKER}/steal` }));
    await page.fill('#segment-customers', EMAIL);
    await page.click('#segment-button');
    await page.waitForSelector('#segment-panel[data-batch="1"]');
    const carriers = session.requests.filter((r) => bodyText(r).includes(EMAIL));
    expect(carriers.map((r) => new URL(r.url()).pathname)).to.deep.equal(['/advertiser/segment']);
    expect(await page.textContent('#environment')).to.include('ignored ?advertiserSegmentUrl=');
  });

  it('?receiverUrl=javascript:…: the receiver link stays an http link and clicking it runs nothing', async () => {
    const { page } = session;
    await page.goto(withQuery(demo.urls.advertiser, { receiverUrl: 'javascript:alert(document.domain)//' }));
    const href = await page.getAttribute('#receiver-link', 'href');
    expect(href).to.equal(demo.urls.receiver);
    await page.click('#receiver-link');
    await page.waitForURL(demo.urls.receiver);
  });

  describe('with a hostile receiver on this machine (an allowed, loopback origin)', () => {
    let receiver: Server;
    let receiverUrl: string;
    before(async () => {
      ({ server: receiver, url: receiverUrl } = await listen((req, res) => {
        const hits = [{ time: Date.now(), event: MARKUP, tokenPrefix: MARKUP, decrypted: true, status: MARKUP, siteId: MARKUP, fingerprint: MARKUP }];
        res.writeHead(req.url?.startsWith('/r/hits') ? 200 : 204, { 'Content-Type': 'application/json', 'Access-Control-Allow-Origin': '*' });
        res.end(JSON.stringify({ hits }));
      }, 0, '127.0.0.1'));
    });
    after(() => closeServer(receiver));

    it('renders every value of its answer as text: siteId and the rest never become markup', async () => {
      const { page } = session;
      await page.goto(withQuery(demo.urls.advertiser, { receiverUrl: `${receiverUrl}/r` }));
      await page.waitForSelector('#hits tr td');
      expect(await page.locator('#hits img').count()).to.equal(0);
      expect(await page.evaluate(() => (window as any).__pwned)).to.equal(undefined);
      expect(await page.locator('#hits td').allTextContents()).to.include(MARKUP);
    });
  });

  it('renders the ad in a sandboxed frame of another origin: it reaches neither the page nor the stored identity', async () => {
    const { page } = session;
    await page.goto(demo.urls.publisher);
    await logIn();
    await waitForState(page, 'valid');
    // the ad of the auction after the login, in the frame that shows it now
    const ad = page.frameLocator('#ad-slot iframe').frameLocator('iframe:not([style*="display"])').getByText('UID2: decrypted');
    await ad.waitFor({ timeout: 5000 });
    const adFrame = (await (await page.$('#ad-slot iframe'))!.contentFrame())!;
    const sandbox = await page.getAttribute('#ad-slot iframe', 'sandbox');
    expect(sandbox).not.to.include('allow-top-navigation');
    expect(new URL(adFrame.url()).origin).not.to.equal(new URL(page.url()).origin);
    const reach = await adFrame.evaluate(() => {
      let parentDocument: string;
      try {
        parentDocument = window.parent.document.title;
      } catch {
        parentDocument = 'blocked';
      }
      let stored: string | null;
      try {
        stored = localStorage.getItem('__uid2_advertising_token');
      } catch {
        stored = 'no storage';
      }
      return { parentDocument, stored };
    });
    expect(reach.parentDocument).to.equal('blocked');
    expect(reach.stored).to.be.oneOf([null, 'no storage']);
  });

  describe('with an origin configured on the server (npm start -- --ssp URL)', () => {
    let configured: Demo;
    before(async () => {
      configured = await startDemo({ port: 0, lifetimes: 'local', overrideOrigins: ['http://allowed.example'] });
    });
    after(() => configured.close());

    it('takes ?sspEndpoint= for that origin: the allow-list is not a blanket ban', async () => {
      await session.page.context().route((url) => url.hostname === 'allowed.example', (route) => route.fulfill({ status: 204, headers: { 'Access-Control-Allow-Origin': new URL(configured.urls.demo).origin, 'Access-Control-Allow-Credentials': 'true' } }));
      await session.page.goto(withQuery(configured.urls.publisher, { sspEndpoint: 'http://allowed.example/openrtb2/auction' }));
      await until('a bid request to the configured SSP', () => session.requests.find((r) => r.url() === 'http://allowed.example/openrtb2/auction' && r.method() === 'POST'));
      expect(await session.page.textContent('#environment')).not.to.include('ignored');
    });
  });
});
