// End to end on loopback: pbjs.requestBids in the real bundle → the openrtbSsp adapter → the mock SSP
// (devstack/ssp, started by karma.conf.cjs) → bids; with the uid2 module generating a token at the local operator
// and the SSP decrypting it with the operator's bidstream keys. The SSP's validation report (ext.debug) is read
// off the wire.
import { expect } from 'chai';
import sinon from 'sinon';
import {
  bannerUnit, capturePixels, captureAdapterLogs, multiUnit, nativeUnit, pbjs, tearDownAuction, videoUnit,
} from '../helpers/openrtbSsp.browser.js';
import 'prebid.js/modules/allowActivities';
import { dep } from 'prebid.js/src/ajax.js';
import { config } from 'prebid.js/src/config.js';
import { spec } from '../../modules/openrtbSspBidAdapter.js';
import { uid2IdSubmodule } from '../../modules/uid2IdSystem.js';
import { localServers } from '../helpers/localServerUrls.browser.js';
import { freshPage, leavePage, PUBLIC_KEY, settle, SUBSCRIPTION_ID } from '../helpers/uid2Module.browser.js';

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
    pbjs.setConfig({ openrtbSsp: { endpoint: `${sspUrl}/openrtb2/auction`, gzipMinBytes: 0 } } as any);
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

  describe('outstream video', () => {
    let slot: HTMLDivElement;
    beforeEach(() => {
      slot = document.createElement('div');
      slot.id = 'outstream-slot';
      document.body.appendChild(slot);
    });
    afterEach(() => slot.remove());

    const outstreamUnit = {
      code: 'outstream-slot',
      mediaTypes: { video: { context: 'outstream', playerSize: [[640, 360]], mimes: ['video/mp4'] } },
      bids: [{ bidder: 'openrtbSsp', params: TEST }],
    };

    it('renders in Chromium: the SSP\'s player, loaded by Prebid on render, plays its VAST in the ad unit', async () => {
      const bids = await requestBids([outstreamUnit]);
      const [bid] = bids['outstream-slot']!.bids;
      const player = `${sspUrl}/outstream/player.js`;
      expect(bid).to.include({ mediaType: 'video', width: 640, height: 360 });
      expect(bid.renderer.url).to.equal(player);
      expect(document.querySelector(`script[src="${player}"]`), 'not loaded before the render').to.equal(null);
      const succeeded = new Promise((resolve) => pbjs.onEvent('adRenderSucceeded' as any, resolve));
      pbjs.renderAd(document, bid.adId);
      await succeeded;
      const deadline = performance.now() + 5000;
      while (!slot.querySelector('video') && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      const video = slot.querySelector('video')!;
      expect(video, 'the player\'s <video> in the ad unit').to.be.an.instanceOf(HTMLVideoElement);
      expect(video.src).to.equal(`${sspUrl}/creative/mock.mp4`); // the MediaFile of the SSP's VAST
      expect([video.width, video.height, video.muted, video.dataset.adId]).to.deep.equal([640, 360, true, bid.adId]);
      expect(document.querySelector(`script[src="${player}"]`), 'loaded through loadExternalScript').not.to.equal(null);
    });

    it('is not shown when the publisher\'s activity rules forbid loading the player', async () => {
      pbjs.setConfig({ allowActivities: { loadExternalScript: { rules: [{ allow: false }] } } } as any);
      const bids = await requestBids([outstreamUnit]);
      pbjs.renderAd(document, bids['outstream-slot']!.bids[0].adId);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(slot.querySelector('video')).to.equal(null);
    });
  });

  it('brings each demand partner under its seat when the publisher allows alternate bidder codes', async () => {
    (pbjs as any).bidderSettings = { openrtbSsp: { allowAlternateBidderCodes: true } };
    try {
      const bids = await requestBids([bannerUnit('b', TEST), videoUnit('v', TEST)]);
      expect(bids.b!.bids[0]).to.include({ bidderCode: 'mock-dsp', adapterCode: 'openrtbSsp' });
      expect(bids.v!.bids[0]).to.include({ bidderCode: 'mock-video-dsp', adapterCode: 'openrtbSsp' });
    } finally {
      delete (pbjs as any).bidderSettings;
    }
  });

  it('syncs the SSP\'s partners from its answer, with the consent of the request, at URLs the SSP answers', async () => {
    pbjs.setConfig({ consentManagement: { usp: { cmpApi: 'static', consentData: { getUSPData: { uspString: '1YNN' } } } } } as any);
    await requestBids([bannerUnit('b', TEST)]);
    const responses = answers.map((a) => ({ body: a.body }));
    const syncs: Array<{ type: string; url: string }> = config.runWithBidder('openrtbSsp', () => spec.getUserSyncs!({ iframeEnabled: true, pixelEnabled: true }, responses as any, null, '1YNN', null, false));
    expect(syncs.map((s) => [s.type, new URL(s.url).searchParams.get('partner')])).to.deep.equal([
      ['iframe', null], ['iframe', 'mock-dsp'], ['image', 'mock-dsp'], ['image', 'mock-video-dsp'],
    ]);
    // the SSP's own sync from the adapter, its partners' from the SSP, which had the consent in the request
    for (const sync of syncs) {
      expect(new URL(sync.url).searchParams.get('us_privacy'), sync.url).to.equal('1YNN');
      expect((await fetch(sync.url)).status, sync.url).to.equal(200);
    }
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
