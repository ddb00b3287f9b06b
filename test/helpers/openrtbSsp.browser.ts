// Shared by the openrtbSsp browser specs: ad units, bid requests built the way core builds them, auctions through
// the real bundle on a fake (or the real) network, pixel capture, and a clean slate after each test.
import sinon from 'sinon';
import pbjs from '../../prebid.bundle.js';
import { config } from 'prebid.js/src/config.js';
import { gdprDataHandler, gppDataHandler } from 'prebid.js/src/consentHandler.js';
import { BIDDER_CODE } from '../../modules/openrtbSspBidAdapter.js';
import { fakeFetch, jsonBody, jsonResponse, type CapturedRequest, type FakeFetch } from './fakeFetch.browser.js';

export { pbjs };

export const ENDPOINT = 'https://ssp.test/openrtb2/auction';
export const UID2_TOKEN = 'A4AAAABlh75XmviGJi-openrtbSsp-spec-token';
export const UID2_EID = Object.freeze({ source: 'uidapi.com', uids: Object.freeze([Object.freeze({ id: UID2_TOKEN, atype: 3 })]) });
export const OTHER_EID = Object.freeze({ source: 'pubcid.org', uids: Object.freeze([Object.freeze({ id: 'pubcid-1', atype: 1 })]) });
export const SCHAIN = { ver: '1.0', complete: 1, nodes: [{ asi: 'ssp.test', sid: 'publisher-1', hp: 1 }] };
export const NATIVE_ASSETS = [
  { id: 1, required: 1, title: { len: 80 } },
  { id: 2, required: 1, img: { type: 3, w: 300, h: 250 } },
];
export const TCF_STRING = 'CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA';
export const GPP_STRING = 'DBABMA~CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA';

type Params = Record<string, unknown>;

export const bannerUnit = (code = 'slot-banner', params: Params = { placementId: 'p-banner' }, extra: Params = {}) => ({
  code,
  mediaTypes: { banner: { sizes: [[300, 250], [300, 600]] } },
  bids: [{ bidder: BIDDER_CODE, params }],
  ...extra,
});

export const videoUnit = (code = 'slot-video', params: Params = { placementId: 'p-video' }, extra: Params = {}) => ({
  code,
  mediaTypes: { video: { context: 'instream', playerSize: [[640, 480]], mimes: ['video/mp4'], protocols: [2, 3] } },
  bids: [{ bidder: BIDDER_CODE, params }],
  ...extra,
});

export const nativeUnit = (code = 'slot-native', params: Params = { placementId: 'p-native' }) => ({
  code,
  mediaTypes: { native: { ortb: { ver: '1.2', assets: NATIVE_ASSETS } } },
  bids: [{ bidder: BIDDER_CODE, params }],
});

export const multiUnit = (code = 'slot-multi', params: Params = { placementId: 'p-multi' }) => ({
  code,
  mediaTypes: {
    banner: { sizes: [[300, 250]] },
    video: { context: 'instream', playerSize: [[640, 480]], mimes: ['video/mp4'] },
    native: { ortb: { ver: '1.2', assets: NATIVE_ASSETS } },
  },
  bids: [{ bidder: BIDDER_CODE, params }],
});

/** A bid request and bidder request as core hands them to buildRequests (ortb2 already enriched and frozen). */
export function bidderRequestFor(bids: Params[], ortb2: Params = {}, extra: Params = {}): { bidRequests: any[]; bidderRequest: any } {
  const fpd = Object.freeze({ site: { page: 'https://publisher.test/page.html', domain: 'publisher.test' }, ...ortb2 });
  const bidRequests = bids.map((bid, i) => ({
    bidder: BIDDER_CODE,
    bidId: `bid-${i + 1}`,
    adUnitCode: `slot-${i + 1}`,
    auctionId: 'auction-1',
    mediaTypes: { banner: { sizes: [[300, 250]] } },
    params: { placementId: `p${i + 1}` },
    ortb2: fpd,
    ...bid,
  }));
  return { bidRequests, bidderRequest: { bidderCode: BIDDER_CODE, auctionId: 'auction-1', bids: bidRequests, ortb2: fpd, timeout: 1200, refererInfo: {}, ...extra } };
}

export interface AuctionResult {
  /** requests the adapter sent to the SSP endpoint */
  sent: CapturedRequest[];
  /** the first one's OpenRTB body */
  ortb: any;
  bids: Record<string, { bids: any[] }>;
}

/** An SSP answer: one bid per imp, mtype from the imp's (first) format unless `bid` says otherwise. */
export function answerEachImp(ortb: any, bid: (imp: any) => Params = () => ({})): Response {
  const bids = ortb.imp.map((imp: any, i: number) => ({
    id: `bid-${i}`,
    impid: imp.id,
    price: 1.5,
    crid: `creative-${i}`,
    w: 300,
    h: 250,
    adm: '<div>ad</div>',
    adomain: ['advertiser.test'],
    mtype: imp.banner ? 1 : imp.video ? 2 : 4,
    ...bid(imp),
  }));
  return jsonResponse({ id: ortb.id, cur: 'USD', seatbid: [{ seat: 'dsp-1', bid: bids }] });
}

/** Runs pbjs.requestBids with the SSP on `network`; `respond` answers the SSP (default: no bid). */
export async function runAuction(
  network: FakeFetch,
  adUnits: unknown[],
  opts: { respond?: (ortb: any, request: CapturedRequest) => Response | Promise<Response>; ortb2?: Params; timeout?: number; endpoint?: string } = {},
): Promise<AuctionResult> {
  const endpoint = opts.endpoint ?? ENDPOINT;
  network.respondWith(endpoint, async (request) => (opts.respond ? opts.respond(await jsonBody(request), request) : new Response(null, { status: 204 })));
  const before = network.requests.length;
  const bids = await new Promise<Record<string, { bids: any[] }>>((resolve) =>
    pbjs.requestBids({ adUnits: adUnits as any, ortb2: opts.ortb2 as any, timeout: opts.timeout, bidsBackHandler: resolve as any }),
  );
  const sent = network.requests.slice(before).filter((r) => r.url.startsWith(endpoint));
  return { sent, ortb: sent[0] ? await jsonBody(sent[0]) : undefined, bids };
}

/** Image/keepalive pixels Prebid fires with politeTriggerPixel (window.fetch, not ajax). */
export function capturePixels() {
  const urls: string[] = [];
  const stub = sinon.stub(window, 'fetch').callsFake(async (resource: RequestInfo | URL) => {
    urls.push(resource instanceof Request ? resource.url : String(resource));
    return new Response(null, { status: 204 });
  });
  return {
    urls,
    /** resolves when a pixel matching `pattern` has fired; rejects after `ms` */
    async waitFor(pattern: RegExp, ms = 3000): Promise<string> {
      const deadline = performance.now() + ms;
      while (performance.now() < deadline) {
        const url = urls.find((u) => pattern.test(u));
        if (url) return url;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      throw new Error(`no pixel matching ${pattern}; fired: ${urls.join(', ') || 'none'}`);
    },
    restore: () => stub.restore(),
  };
}

/** Warnings and errors logged with the adapter's prefix (and all warnings), through Prebid's auctionDebug event. */
export function captureAdapterLogs() {
  const logs: Array<{ type: string; text: string }> = [];
  const handler = (e: any) => logs.push({ type: e.type, text: e.arguments.map((a: unknown) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ') });
  pbjs.onEvent('auctionDebug' as any, handler);
  const ours = (type: string) => logs.filter((l) => l.type === type && l.text.startsWith(`${BIDDER_CODE}:`)).map((l) => l.text);
  /** every warning, core's included (core's normalizers name the adapter's request in theirs) */
  const allWarnings = () => logs.filter((l) => l.type === 'WARNING').map((l) => l.text);
  return { warnings: () => ours('WARNING'), allWarnings, errors: () => ours('ERROR'), infos: () => ours('INFO'), stop: () => pbjs.offEvent('auctionDebug' as any, handler) };
}

/** Starts a test with the fake network and the SSP endpoint configured. */
export function setUpAuction(settings: Params = {}): FakeFetch {
  const network = fakeFetch();
  pbjs.setConfig({ openrtbSsp: { endpoint: ENDPOINT, ...settings } } as any);
  return network;
}

/**
 * Leaves the page as the next spec expects it: config reset, and the modules that keep state outside config
 * (consent, currency, floors, activity rules) switched back off first.
 */
export function tearDownAuction(network?: FakeFetch): void {
  network?.restore();
  pbjs.setConfig({ consentManagement: undefined, currency: {}, floors: { enabled: false }, allowActivities: {}, coppa: undefined } as any);
  gdprDataHandler.reset();
  gppDataHandler.reset();
  config.resetConfig();
}
