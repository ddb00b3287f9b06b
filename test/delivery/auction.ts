/**
 * A reader's two page views in Chromium, as a publisher page runs them: a Prebid bundle with storageControl (however
 * it was built), the uid2 module generating a token client-side (CSTG) from the local operator, and one openrtbSsp ad
 * unit bidding at the mock SSP. Passes when, on the first page, the outgoing OpenRTB request carries the UID2 eid, the
 * SSP decrypts it as a CSTG token of the local publisher (site 123 of devstack/operator/local-config.json), the record
 * is stored in localStorage and pbjs.getStorageUseDisclosures() lists every key the module uses; and when the second
 * page, the reader returning, bids with the stored token without calling the operator.
 */
import http from 'node:http';
import type { Browser, BrowserContext } from 'playwright-core';
import { uid2EidOf } from '../helpers/journeyHarness.js';
import { listenOnLoopback } from '../../devstack/http.js';
import { LOCAL_OPERATOR_CONFIG, loadOperatorConfig } from '../../devstack/operator/config.js';

const PUBLISHER_SITE_ID = 123;

export interface AuctionServers { operatorUrl: string; sspUrl: string }

interface CstgCredentials { subscriptionId: string; publicKey: string }

async function localCstgCredentials(): Promise<CstgCredentials> {
  const [keypair] = (await loadOperatorConfig(LOCAL_OPERATOR_CONFIG)).client_side_keypairs;
  return { subscriptionId: keypair!.subscription_id, publicKey: keypair!.public_key };
}

/** the publisher page: the bundle, CSTG against the local operator, one openrtbSsp ad unit */
function publisherPage(servers: AuctionServers, cstg: CstgCredentials): string {
  const config = {
    // Prebid prints its log (and our modules' logError) only in debug mode: the check reads it for denied storage
    debug: true,
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

/** every key the uid2 module uses, as the disclosures of the uid2IdSystem metadata list them */
const UID2_KEYS = ['web __uid2_advertising_token', 'cookie __uid2_advertising_token', 'cookie __uid2_advertising_token_refreshing_*'];

interface PageView {
  uid2: ReturnType<typeof uid2EidOf>;
  report: { status?: string; siteId?: number; clientSideGenerated?: boolean } | undefined;
  /** requests the page sent to the operator */
  operatorCalls: number;
  stored: string | null;
  /** "type identifier" of each disclosure naming uid2IdSystem */
  disclosed: string[];
}

/** One page view in `context`: the UID2 eid of the first OpenRTB request it sends to the SSP, and what it stored */
async function pageView(context: BrowserContext, pageUrl: string, servers: AuctionServers, messages: string[]): Promise<PageView> {
  const page = await context.newPage();
  page.on('console', (message) => { if (message.type() === 'error' || message.type() === 'warning') messages.push(message.text()); });
  page.on('pageerror', (error) => messages.push(String(error)));
  let operatorCalls = 0;
  page.on('request', (request) => { if (request.url().startsWith(servers.operatorUrl)) operatorCalls++; });
  const isAuction = (url: string) => url.startsWith(`${servers.sspUrl}/openrtb2/auction`);
  const exchange = page.waitForResponse((response) => isAuction(response.url()) && response.request().method() === 'POST', { timeout: 20_000 });
  await page.goto(pageUrl);
  const response = await exchange;
  // the body as the SSP reads it: gzipped bodies (the adapter's default from 1 KB on) gunzipped
  const uid2 = uid2EidOf(response.request());
  const body = await response.json().catch(() => undefined);
  const { stored, disclosed } = await page.evaluate(() => ({
    stored: localStorage.getItem('__uid2_advertising_token'),
    disclosed: ((window as any).pbjs.getStorageUseDisclosures?.() ?? [])
      .filter((disclosure: any) => disclosure.disclosedBy?.includes('uid2IdSystem'))
      .map((disclosure: any) => `${disclosure.type} ${disclosure.identifier}`),
  }));
  await page.close();
  return { uid2, report: body?.ext?.debug?.uid2, operatorCalls, stored, disclosed };
}

function checkEid({ uid2, report }: PageView, which: string): string {
  if (!uid2) throw new Error(`${which}: the OpenRTB request carries no eid with source uidapi.com`);
  const [uid] = uid2.uids;
  if (uid2.uids.length !== 1 || uid.atype !== 3 || !/^[A-Za-z0-9+/=_-]{100,}$/.test(uid.id)) {
    throw new Error(`${which}: unexpected UID2 eid: ${JSON.stringify(uid2).slice(0, 200)}`);
  }
  if (report?.status !== 'success' || report.siteId !== PUBLISHER_SITE_ID || report.clientSideGenerated !== true) {
    throw new Error(`${which}: the SSP did not decrypt the token as a CSTG token of site ${PUBLISHER_SITE_ID}: ${JSON.stringify(report)}`);
  }
  return uid.id;
}

/** What the returning-reader check measured, for the delivery checks' output */
export interface AuctionFigures { disclosed: string[]; operatorCalls: [number, number] }

/**
 * Runs a reader's two page views with `bundle` (a built Prebid.js); throws unless the UID2 eid went out and the SSP
 * decrypted it, the record was stored and disclosed, and the second page reused it without asking the operator.
 */
export async function checkAuction(browser: Browser, bundle: Buffer, servers: AuctionServers): Promise<AuctionFigures> {
  const page = await servePage(publisherPage(servers, await localCstgCredentials()), bundle);
  const context = await browser.newContext();
  const messages: string[] = [];
  try {
    const first = await pageView(context, page.url, servers, messages);
    const token = checkEid(first, 'first page');
    const record = JSON.parse(first.stored ?? 'null');
    if (record?.latestToken?.advertising_token !== token) {
      throw new Error(`the record in localStorage.__uid2_advertising_token is not the token sent: ${first.stored?.slice(0, 80)}`);
    }
    const undisclosed = UID2_KEYS.filter((key) => !first.disclosed.includes(key));
    if (undisclosed.length) throw new Error(`pbjs.getStorageUseDisclosures() lacks ${undisclosed.join(', ')} (lists ${first.disclosed.join(', ')})`);
    const second = await pageView(context, page.url, servers, messages);
    if (checkEid(second, 'returning page') !== token) throw new Error('the returning page bid with another token than the stored one');
    if (second.operatorCalls !== 0) throw new Error(`the returning page called the operator ${second.operatorCalls} times`);
    const denied = messages.filter((message) => /denied/.test(message) && /uid2/i.test(message));
    if (denied.length) throw new Error(`uid2 storage denied:\n${denied.join('\n')}`);
    return { disclosed: first.disclosed, operatorCalls: [first.operatorCalls, second.operatorCalls] };
  } catch (error) {
    throw new Error(`${error instanceof Error ? error.message : error}\npage console:\n${messages.join('\n')}`);
  } finally {
    await context.close();
    page.close();
  }
}
