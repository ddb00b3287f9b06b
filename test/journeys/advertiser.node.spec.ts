// The advertiser demo page in Chromium: a conversion pixel carries the UID2 token to the receiver, which
// decrypts it with its sharing keys; the advertiser's sharing toggle; the customer list sent to the DSP's segment
// API as tokens; plus the landing page.
import { expect } from 'chai';
import type { Page, Request } from 'playwright-core';
import { e2eSuite, screenshot, storedToken, until, waitForState, type Demo, type Session } from '../helpers/journeyHarness.js';

interface Hit { event: string; decrypted: boolean; status?: string; siteId?: number; fingerprint?: string; tokenPrefix: string }

describe('e2e: advertiser page and receiver', function () {
  this.timeout(30_000);
  const suite = e2eSuite({ port: 0, lifetimes: 'local' });
  let demo: Demo;
  let session: Session<Page, Request>;
  beforeEach(() => {
    [demo] = suite.demos;
    session = suite.session;
  });

  async function receiverHits(): Promise<Hit[]> {
    return (await (await fetch(`${demo.urls.receiver}hits`)).json()).hits;
  }

  /** The advertiser's (site 124) sharing permissions at the operator. */
  async function adminSharingEntry(): Promise<{ allowed_sites: number[]; allowed_types: string[] }> {
    const { body } = await (await fetch(demo.urls.sharingAdmin)).json();
    return body.senders.find((s: { sender_site_id: number }) => s.sender_site_id === 124);
  }

  it('fires a pixel with the UID2 token, which the receiver decrypts with its sharing keys', async () => {
    const { page, requests } = session;
    await page.goto(demo.urls.advertiser);
    await page.fill('#login-input', 'customer@example.com');
    await page.click('#login-form button[type="submit"]');
    await waitForState(page, 'valid');
    const token = (await storedToken(page))!;

    const pixel = await until('the login pixel', () => requests.find((r) => r.url().includes('/receiver/pixel?event=login')));
    expect(new URL(pixel.url()).searchParams.get('uid2_token')).to.equal(token);

    await page.click('#buy-button');
    await page.waitForSelector('#hits tr:has-text("purchase") [data-state="yes"]');
    const hits = await receiverHits();
    expect(hits.map((h) => h.event)).to.include.members(['login', 'purchase']);
    for (const hit of hits.filter((h) => h.event !== 'pageview')) {
      expect(hit).to.include({ decrypted: true, status: 'success', siteId: 123, tokenPrefix: token.slice(0, 12) });
      expect(hit.fingerprint).to.match(/^[0-9a-f]{6,8}$/);
    }
    // what the receiver shows is never the raw UID2 or the token
    expect(await page.textContent('#hits')).not.to.contain(token);
    await screenshot(page, 'advertiser.png');

    await page.goto(demo.urls.receiver);
    expect(await page.textContent('tbody')).to.contain('purchase');
    await screenshot(page, 'receiver.png');
  });

  it('the receiver rejects a tampered token', async () => {
    const { page } = session;
    await page.goto(demo.urls.advertiser);
    await page.fill('#login-input', '+12025550123');
    await page.click('#login-form button[type="submit"]');
    await waitForState(page, 'valid');
    const token = (await storedToken(page))!;
    expect(token).to.match(/^B4/); // a v4 UID2 phone token

    // flip one character in the middle (inside the encrypted payload)
    const at = 100;
    const tampered = token.slice(0, at) + (token[at] === 'A' ? 'B' : 'A') + token.slice(at + 1);
    await fetch(`${demo.urls.receiver}pixel?event=tampered&uid2_token=${encodeURIComponent(tampered)}`);
    const [hit] = await receiverHits();
    expect(hit).to.include({ event: 'tampered', decrypted: false, status: 'invalid_payload' });
    expect(hit!.fingerprint).to.equal(undefined);
  });

  it('the advertiser decides: revoked, its own token reads "not authorized for key" at the Local DSP; granted, it decrypts', async () => {
    const { page } = session;
    await page.goto(demo.urls.advertiser);
    await page.waitForSelector('#share-toggle:not([disabled])');
    expect(await page.isChecked('#share-toggle'), 'the shipped default: the advertiser shares with DSP 125').to.equal(true);
    await page.fill('#login-input', 'shopper@example.com');
    await page.click('#login-form button[type="submit"]');
    await page.waitForSelector('#advertiser-pixel-button:not([disabled])');
    const newestAdvertiserHit = async () => (await receiverHits()).find((h) => h.event === 'purchase-advertiser')!;

    await page.uncheck('#share-toggle');
    await page.waitForSelector('#share-toggle:not([disabled])'); // the operator answered, the receiver refetched its keys
    expect((await adminSharingEntry()).allowed_sites).to.deep.equal([]);
    await page.click('#advertiser-pixel-button');
    await page.waitForSelector('#hits tr:first-child:has-text("purchase-advertiser") [data-status="not_authorized_for_key"]');
    const revoked = await newestAdvertiserHit();
    expect(revoked).to.include({ decrypted: false, status: 'not_authorized_for_key' });
    expect(revoked.fingerprint).to.equal(undefined);
    expect(await page.textContent('#hits tr:first-child')).to.contain('not authorized for key');

    await page.check('#share-toggle');
    await page.waitForSelector('#share-toggle:not([disabled])');
    expect((await adminSharingEntry()).allowed_sites).to.deep.equal([125]);
    await page.click('#advertiser-pixel-button');
    await page.waitForSelector('#hits tr:first-child:has-text("purchase-advertiser") [data-status="success"]');
    expect(await newestAdvertiserHit()).to.include({ decrypted: true, status: 'success', siteId: 124, tokenPrefix: revoked.tokenPrefix });
    await screenshot(page, 'advertiser-sharing.png');
  });

  it('sends the customer list to the DSP as tokens: a segment with counts and fingerprints; revoked, the same batch is not_authorized_for_key row by row', async () => {
    const { page, requests } = session;
    await page.goto(demo.urls.advertiser);
    await page.waitForSelector('#share-toggle:not([disabled])');
    await page.fill('#segment-name', 'e2e-buyers');
    await page.fill('#segment-customers', 'alice@example.com\n+12025550123\noptout@example.com\nbob@example.com');
    await page.click('#segment-button');
    await page.waitForSelector('#segment-panel[data-batch="1"]');
    const statuses = () => page.$$eval('#segment-rows td[data-status]', (cells) => cells.map((cell) => (cell as HTMLElement).dataset.status));
    expect(await statuses()).to.deep.equal(['success', 'success', 'optout', 'success']);
    const fingerprints = await page.$$eval('#segment-rows tr td:last-child', (cells) => cells.map((cell) => cell.textContent));
    expect(fingerprints.filter((text) => /^[0-9a-f]{6}$/.test(text ?? ''))).to.have.length(3);
    expect(await page.textContent('#segment-rows')).to.contain('124');
    expect(await page.textContent('#segment-summary')).to.match(/Sent 3 of 4 customers as tokens\. DSP: 3 success; segment "e2e-buyers" has 3 members \(3 added\)/);
    // the page sent the list to the advertiser's own server only, and got back no raw UID2 or token
    const sent = requests.filter((r) => r.method() === 'POST' && r.url().includes('/segment'));
    expect(sent.map((r) => new URL(r.url()).pathname)).to.deep.equal(['/advertiser/segment']);
    const answer = JSON.stringify(await (await sent[0]!.response())!.json());
    expect(answer).not.to.match(/[A-Za-z0-9+/=_-]{40,}/);
    expect(await page.textContent('#segment-panel')).not.to.match(/[A-Za-z0-9+/=_-]{40,}/);
    await screenshot(page, 'advertiser-segment.png');

    await page.uncheck('#share-toggle');
    await page.waitForSelector('#share-toggle:not([disabled])');
    try {
      await page.click('#segment-button');
      await page.waitForSelector('#segment-panel[data-batch="2"]');
      expect(await statuses()).to.deep.equal(['not_authorized_for_key', 'not_authorized_for_key', 'optout', 'not_authorized_for_key']);
      expect(await page.textContent('#segment-summary')).to.contain('3 not_authorized_for_key; segment "e2e-buyers" has 3 members (0 added)');
      expect(await page.textContent('#segment-rows')).not.to.match(/[0-9a-f]{6}|124/);
      await screenshot(page, 'advertiser-segment-revoked.png');
    } finally {
      await page.check('#share-toggle');
      await page.waitForSelector('#share-toggle:not([disabled])');
    }
  });

  it('the landing page links both demo pages and names the local environment', async () => {
    const { page } = session;
    await page.goto(demo.urls.demo);
    expect(await page.getAttribute('a[href="publisher.html"]', 'href')).to.equal('publisher.html');
    expect(await page.getAttribute('a[href="advertiser.html"]', 'href')).to.equal('advertiser.html');
    expect(await page.textContent('#env-operator')).to.equal(demo.urls.operator);
    expect(await page.textContent('#env-ssp')).to.equal(demo.urls.sspEndpoint);
    await screenshot(page, 'index.png');
  });
});
