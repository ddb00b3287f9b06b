// Drives the published bundle through the public pbjs API: UID2 from config reaches the SSP's OpenRTB
// request as an eid, and the SSP's answer becomes a bid.
import { expect } from 'chai';
import pbjs from '../../prebid.bundle.js';
import { fakeFetch, jsonResponse, type FakeFetch } from '../helpers/fakeFetch.browser.js';
import { leavePage } from '../helpers/uid2Module.browser.js';

const ENDPOINT = 'https://ssp.test/openrtb2/auction';
const TOKEN = 'A4AAAABlh75XmviGJi-test-token';

function identity(advertisingToken: string) {
  const now = Date.now();
  return {
    advertising_token: advertisingToken,
    refresh_token: 'refresh-token',
    identity_expires: now + 3600_000,
    refresh_from: now + 900_000,
    refresh_expires: now + 86400_000,
    refresh_response_key: 'TS0H0szacv/F3U8bQjZwjSaZJjxZbMvxqHn1l3TL/iY=',
  };
}

function requestBids(adUnits: unknown[]): Promise<Record<string, { bids: any[] }>> {
  return new Promise((resolve) => pbjs.requestBids({ adUnits: adUnits as any, bidsBackHandler: resolve as any }));
}

describe('custom bundle: UID2 eid to the openrtbSsp adapter', () => {
  let network: FakeFetch;
  beforeEach(() => {
    localStorage.removeItem('__uid2_advertising_token');
    network = fakeFetch();
    pbjs.setConfig({
      openrtbSsp: { endpoint: ENDPOINT },
      userSync: { userIds: [{ name: 'uid2', params: { uid2Token: identity(TOKEN) } }], auctionDelay: 50, syncEnabled: false },
    } as any);
  });
  // a page that closes: the specs that run next find no reader, config or stored record of this one
  afterEach(() => leavePage(network));

  it('sends the UID2 token in user.ext.eids with atype 3 and turns the response into a bid', async () => {
    network.respondWith(ENDPOINT, (request) => {
      const ortb = JSON.parse(request.body);
      return jsonResponse({
        id: ortb.id,
        cur: 'USD',
        seatbid: [{ seat: 'ssp', bid: [{ id: 'b1', impid: ortb.imp[0].id, price: 1.25, crid: 'c1', adm: '<div>ad</div>', w: 300, h: 250, mtype: 1, adomain: ['advertiser.test'] }] }],
      });
    });
    const adUnit = { code: 'slot-1', mediaTypes: { banner: { sizes: [[300, 250]] } }, bids: [{ bidder: 'openrtbSsp', params: { placementId: 'p1' } }] };

    const bids = await requestBids([adUnit]);

    const sspRequests = network.requests.filter((r) => r.url.startsWith(ENDPOINT));
    expect(sspRequests).to.have.length(1);
    const ortb = JSON.parse(sspRequests[0].body);
    expect(ortb.user.ext.eids).to.deep.include({ source: 'uidapi.com', uids: [{ id: TOKEN, atype: 3 }] });
    expect(ortb.imp[0].tagid).to.equal('p1');
    expect(bids['slot-1'].bids).to.have.length(1);
    expect(bids['slot-1'].bids[0]).to.include({ cpm: 1.25, creativeId: 'c1', bidderCode: 'openrtbSsp', width: 300, height: 250 });
    expect(pbjs.getBidResponses()['slot-1'].bids.map((bid: any) => bid.cpm)).to.include(1.25);
  });
});
