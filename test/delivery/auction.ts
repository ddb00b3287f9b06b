/**
 * One auction in Chromium, as a publisher page runs it: a Prebid bundle (however it was built), the uid2 module
 * generating a token client-side (CSTG) from the local operator, and one openrtbSsp ad unit bidding at the mock SSP.
 * Passes when the outgoing OpenRTB request carries the UID2 eid and the SSP decrypts it as a CSTG token of the
 * local publisher (site 123 of server/operator/local-config.json).
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { uid2EidOf } from '../e2e/harness.js';
import { listenOnLoopback } from '../helpers/node/localServers.js';
import { ROOT } from './steps.js';

const PUBLISHER_SITE_ID = 123;

export interface AuctionServers { operatorUrl: string; sspUrl: string }

function localCstgCredentials(): { subscriptionId: string; publicKey: string } {
  const config = JSON.parse(readFileSync(path.join(ROOT, 'server/operator/local-config.json'), 'utf8'));
  const [keypair] = config.client_side_keypairs;
  return { subscriptionId: keypair.subscription_id, publicKey: keypair.public_key };
}

/** the publisher page: the bundle, CSTG against the local operator, one openrtbSsp ad unit */
function publisherPage(servers: AuctionServers): string {
  const cstg = localCstgCredentials();
  const config = {
    userSync: {
      auctionDelay: 5000,
      userIds: [{
        name: 'uid2',
        params: {
          uid2ApiBase: servers.operatorUrl,
          email: 'delivery-check@example.com',
          subscriptionId: cstg.subscriptionId,
          serverPublicKey: cstg.publicKey,
        },
      }],
    },
    openrtbSsp: { endpoint: `${servers.sspUrl}/openrtb2/auction` },
  };
  const adUnits = [{
    code: 'ad-1',
    mediaTypes: { banner: { sizes: [[300, 250]] } },
    bids: [{ bidder: 'openrtbSsp', params: { placementId: 'delivery-check', test: true } }],
  }];
  return `<!doctype html><title>publisher</title><div id="ad-1"></div><script src="/prebid.js"></script><script>
pbjs.que.push(() => {
  pbjs.setConfig(${JSON.stringify(config)});
  pbjs.addAdUnits(${JSON.stringify(adUnits)});
  pbjs.requestBids({ bidsBackHandler: (bids) => { window.auctionBids = bids; } });
});
</script>`;
}

/** Serves the page and the bundle on localhost (an origin the local operator's CSTG accepts). */
async function servePage(html: string, bundle: Buffer): Promise<{ url: string; close: () => void }> {
  const server = http.createServer((req, res) => {
    if (req.url === '/prebid.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle);
    else if (req.url === '/') res.writeHead(200, { 'content-type': 'text/html' }).end(html);
    else res.writeHead(404).end();
  });
  const url = (await listenOnLoopback(server)).replace('127.0.0.1', 'localhost');
  return { url: `${url}/`, close: () => server.close() };
}

/** the UID2 eid of the first OpenRTB request the page sends to the SSP, and the SSP's report on it */
async function auctionFromBrowser(browser: Browser, pageUrl: string, sspUrl: string) {
  const context = await browser.newContext();
  const messages: string[] = [];
  try {
    const page = await context.newPage();
    page.on('console', (message) => { if (message.type() === 'error' || message.type() === 'warning') messages.push(message.text()); });
    page.on('pageerror', (error) => messages.push(String(error)));
    const isAuction = (url: string) => url.startsWith(`${sspUrl}/openrtb2/auction`);
    const exchange = page.waitForResponse((response) => isAuction(response.url()) && response.request().method() === 'POST', { timeout: 20_000 });
    await page.goto(pageUrl);
    const response = await exchange;
    // the body as the SSP reads it: gzipped bodies (the adapter's default from 1 KB on) gunzipped
    const uid2 = uid2EidOf(response.request());
    const body = await response.json().catch(() => undefined);
    return { uid2, report: body?.ext?.debug?.uid2 };
  } catch (error) {
    throw new Error(`${error instanceof Error ? error.message : error}\npage console:\n${messages.join('\n')}`);
  } finally {
    await context.close();
  }
}

/** Runs the auction with `bundle` (a built Prebid.js); throws unless the UID2 eid went out and the SSP decrypted it. */
export async function checkAuction(browser: Browser, bundle: Buffer, servers: AuctionServers): Promise<void> {
  const page = await servePage(publisherPage(servers), bundle);
  try {
    const { uid2, report } = await auctionFromBrowser(browser, page.url, servers.sspUrl);
    if (!uid2) throw new Error('the OpenRTB request carries no eid with source uidapi.com');
    const [uid] = uid2.uids;
    if (uid2.uids.length !== 1 || uid.atype !== 3 || !/^[A-Za-z0-9+/=_-]{100,}$/.test(uid.id)) {
      throw new Error(`unexpected UID2 eid: ${JSON.stringify(uid2).slice(0, 200)}`);
    }
    if (report?.status !== 'success' || report.siteId !== PUBLISHER_SITE_ID || report.clientSideGenerated !== true) {
      throw new Error(`the SSP did not decrypt the token as a CSTG token of site ${PUBLISHER_SITE_ID}: ${JSON.stringify(report)}`);
    }
  } finally {
    page.close();
  }
}
