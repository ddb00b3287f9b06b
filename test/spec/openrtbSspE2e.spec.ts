// End to end on loopback: pbjs.requestBids in the real bundle → the openrtbSsp adapter → the mock SSP
// (server/ssp, started by karma.conf.cjs) → bids; with the uid2 module generating a token at the local operator
// and the SSP decrypting it with the operator's bidstream keys. The SSP's validation report (ext.debug) is read
// off the wire.
import { expect } from 'chai';
import sinon from 'sinon';
import {
  bannerUnit, capturePixels, captureAdapterLogs, multiUnit, nativeUnit, pbjs, tearDownAuction, videoUnit,
} from './openrtbSspHelpers.js';
import 'prebid.js/modules/allowActivities';
import { dep } from 'prebid.js/src/ajax.js';
import { config } from 'prebid.js/src/config.js';
import { spec } from '../../modules/openrtbSspBidAdapter.js';
import { uid2IdSubmodule } from '../../modules/uid2IdSystem.js';
import { localServers } from '../helpers/localServers.js';
import { freshPage, leavePage, PUBLIC_KEY, settle, SUBSCRIPTION_ID } from './uid2TestHelpers.js';

/** test placements: the mock SSP always bids on test requests */
const TEST = { placementId: 'test-placement', test: true };

describe('openrtbSsp end to end against the mock SSP', function () {
  this.timeout(15000);
  let sspUrl: string;
  let answers: Array<{ url: string; status: number; body: any }>;

  before(() => {
    sspUrl = localServers().sspUrl!;
    expect(sspUrl, 'mock SSP URL (karma.conf.cjs starts it)').to.be.a('string');
  });

  /** the real network, with the SSP's answers copied for the specs */
  function tapSsp() {
    answers = [];
    const network = dep.fetch;
    sinon.stub(dep, 'fetch').callsFake(async (resource: RequestInfo, init?: RequestInit) => {
      const response = await network(resource, init);
      const url = resource instanceof Request ? resource.url : String(resource);
      if (url.startsWith(`${sspUrl}/openrtb2/auction`)) {
        answers.push({ url, status: response.status, body: response.status === 204 ? undefined : await response.clone().json() });
      }
      return response;
    });
  }

  beforeEach(() => {
    tapSsp();
    pbjs.setConfig({ openrtbSsp: { endpoint: `${sspUrl}/openrtb2/auction` }, cache: { allowVastXmlOnly: true } } as any);
  });

  afterEach(() => {
    sinon.restore();
    tearDownAuction();
  });

  function requestBids(adUnits: unknown[]): Promise<Record<string, { bids: any[] }>> {
    return new Promise((resolve) => pbjs.requestBids({ adUnits: adUnits as any, bidsBackHandler: resolve as any }));
  }

  const report = () => {
    expect(answers, 'SSP answers').to.have.length(1);
    return answers[0]!.body.ext.debug;
  };

  it('brings a banner, a video and a native bid from test placements, each with its media type', async () => {
    const bids = await requestBids([bannerUnit('b', TEST), videoUnit('v', TEST), nativeUnit('n', TEST)]);
    expect(bids.b!.bids[0]).to.include({ mediaType: 'banner', cpm: 1.5, width: 300, height: 250, currency: 'USD', bidderCode: 'openrtbSsp' });
    expect(bids.b!.bids[0].ad).to.include('openrtbSsp mock ad');
    expect(bids.v!.bids[0]).to.include({ mediaType: 'video', cpm: 4 });
    expect(bids.v!.bids[0].vastXml).to.match(/<VAST version="4.0">/);
    expect(bids.n!.bids[0].mediaType).to.equal('native');
    expect(bids.n!.bids[0].native.ortb.assets.map((a: { id: number }) => a.id)).to.deep.equal([1, 2]);
    expect(bids.b!.bids[0].meta.advertiserDomains).to.deep.equal(['advertiser.example']);
    expect(report()).to.include({ ortbVersion: '2.5', test: true });
    expect(report().warnings).to.deep.equal([]);
  });

  it('brings the format the SSP prefers for a multi-format ad unit', async () => {
    const bids = await requestBids([multiUnit('m', TEST)]);
    expect(bids.m!.bids[0].mediaType).to.equal('video');
  });

  it('gets no bid, silently, for a placement the SSP does not fill (204)', async () => {
    const logs = captureAdapterLogs();
    try {
      const bids = await requestBids([bannerUnit('b', { placementId: 'nobid-1' })]);
      expect(bids.b?.bids ?? []).to.deep.equal([]);
      expect(answers.map((a) => a.status)).to.deep.equal([204]);
      expect(logs.warnings()).to.deep.equal([]);
    } finally {
      logs.stop();
    }
  });

  it('is understood gzipped', async () => {
    pbjs.setConfig({ openrtbSsp: { endpoint: `${sspUrl}/openrtb2/auction`, gzip: true } } as any);
    const bids = await requestBids([bannerUnit('b', TEST)]);
    expect(answers[0]!.url).to.match(/\?gzip=1$/);
    expect(bids.b!.bids).to.have.length(1);
  });

  it('passes the SSP\'s OpenRTB 2.6 checks with ortbVersion 2.6: eids in user.eids only, no warning', async () => {
    pbjs.setConfig({ openrtbSsp: { endpoint: `${sspUrl}/openrtb2/auction`, ortbVersion: '2.6' } } as any);
    const eids = [{ source: 'pubcid.org', uids: [{ id: 'pubcid-1', atype: 1 }] }];
    await new Promise((resolve) => pbjs.requestBids({ adUnits: [bannerUnit('b', TEST)] as any, ortb2: { user: { ext: { eids } } } as any, bidsBackHandler: resolve as any }));
    expect(report()).to.deep.include({ ortbVersion: '2.6', eids: { location: 'user.eids', sources: ['pubcid.org'] }, warnings: [] });
  });

  it('sends the SSP no eids at all when transmitEids is denied', async () => {
    pbjs.setConfig({ allowActivities: { transmitEids: { rules: [{ allow: false }] } } } as any);
    const eids = [{ source: 'pubcid.org', uids: [{ id: 'pubcid-1', atype: 1 }] }];
    await new Promise((resolve) => pbjs.requestBids({ adUnits: [bannerUnit('b', TEST)] as any, ortb2: { user: { ext: { eids } } } as any, bidsBackHandler: resolve as any }));
    expect(report().eids).to.deep.equal({ location: 'none', sources: [] });
  });

  it('reports the SSP\'s reasons when it rejects a request', async () => {
    const logs = captureAdapterLogs();
    try {
      pbjs.setConfig({ ortb2: { regs: { ext: { gdpr: 2 } } } } as any);
      const bids = await requestBids([bannerUnit('b', TEST)]);
      expect(bids.b?.bids ?? []).to.deep.equal([]);
      expect(answers[0]!.status).to.equal(400);
      expect(logs.warnings().join('\n')).to.include('request.regs.ext.gdpr must be either 0 or 1');
    } finally {
      logs.stop();
    }
  });

  it('syncs at a URL the SSP answers', async () => {
    const [sync] = config.runWithBidder('openrtbSsp', () => spec.getUserSyncs!({ iframeEnabled: true, pixelEnabled: true }, [], { gdprApplies: true, consentString: 'CP' } as any, '1YNN', null, false));
    expect(sync!.url.startsWith(`${sspUrl}/usersync?type=iframe&gdpr=1`)).to.equal(true);
    const response = await fetch(sync!.url);
    expect(response.status).to.equal(200);
    expect(response.headers.get('content-type')).to.match(/^text\/html/);
  });

  it('bills at the SSP\'s burl with the price when the bid wins', async () => {
    const bids = await requestBids([bannerUnit('b', TEST)]);
    const pixels = capturePixels();
    pbjs.markWinningBidAsUsed({ adId: bids.b!.bids[0].adId, events: true } as any);
    expect(await pixels.waitFor(/type=billing/)).to.equal(`${sspUrl}/event?bid=${encodeURIComponent(answers[0]!.body.seatbid[0].bid[0].id)}&price=1.5&type=billing`);
  });

  describe('with a UID2 token from the local operator', () => {
    let operatorUrl: string | undefined;
    before(function () {
      operatorUrl = localServers().operatorUrl;
      if (!operatorUrl) this.skip(); // karma.conf.cjs logs why the operator did not start
    });
    beforeEach(() => {
      sinon.restore(); // freshPage stubs the network itself: let it, take its stub off, then tap the real one
      freshPage(uid2IdSubmodule).restore();
      tapSsp();
    });
    afterEach(() => leavePage(undefined));

    it('the SSP decrypts the token the uid2 module generated client-side, and shows only its metadata', async () => {
      pbjs.setConfig({
        openrtbSsp: { endpoint: `${sspUrl}/openrtb2/auction` },
        userSync: { syncEnabled: false, auctionDelay: 3000, userIds: [{ name: 'uid2', params: { serverPublicKey: PUBLIC_KEY, subscriptionId: SUBSCRIPTION_ID, email: 'e2e@example.com', uid2ApiBase: operatorUrl } }] },
      } as any);
      await settle();
      const token = (pbjs.getUserIds() as any).uid2?.id as string;
      expect(token, 'token from the operator').to.match(/^A4/);
      const bids = await requestBids([bannerUnit('b', TEST)]);
      const uid2 = report().uid2;
      expect(uid2, JSON.stringify(uid2)).to.include({ present: true, atype: 3, decrypted: true, status: 'success', siteId: 123, identityType: 'email', clientSideGenerated: true });
      expect(uid2.fingerprint).to.match(/^[0-9a-f]{6}$/);
      expect(bids.b!.bids[0].ad).to.include(`UID2: decrypted, site 123, email`);
      expect(JSON.stringify(answers[0]!.body)).not.to.include(token);
    });
  });
});
