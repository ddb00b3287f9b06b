// Unit specs of the openrtbSsp adapter: the spec object called the way core calls it.
import { expect } from 'chai';
import sinon from 'sinon';
import adapterManager from 'prebid.js/src/adapterManager.js';
import { config } from 'prebid.js/src/config.js';
import { GVL_PURPOSES } from 'prebid.js/src/consentHandler.js';
import {
  ALIASES, BIDDER_CODE, DEFAULT_GZIP_MIN_BYTES, DEFAULT_TTL, GVLID, GVL_DECLARATION, log, spec,
} from '../../modules/openrtbSspBidAdapter.js';
import { MAX_ANSWER_SYNCS } from '../../libraries/openrtbSspUtils/userSyncs.js';
import {
  bidderRequestFor, capturePixels, pbjs, captureAdapterLogs, ENDPOINT, GPP_STRING, NATIVE_ASSETS, OTHER_EID, SCHAIN, TCF_STRING, UID2_EID,
} from '../helpers/openrtbSsp.browser.js';

const BANNER = { banner: { sizes: [[300, 250], [728, 90]] } };
const VIDEO = { video: { context: 'instream', playerSize: [[640, 480]], mimes: ['video/mp4'] } };
const NATIVE = { native: { ortb: { assets: NATIVE_ASSETS } } };
const nativeBid = { mediaTypes: NATIVE, nativeOrtbRequest: { ver: '1.2', assets: NATIVE_ASSETS } };

/** the SSP's settings on top of the endpoint every spec needs */
function settings(extra: Record<string, unknown> = {}) {
  config.setConfig({ openrtbSsp: { endpoint: ENDPOINT, ...extra } });
}

function buildAll(bids: Record<string, unknown>[] = [{}], ortb2: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  const { bidRequests, bidderRequest } = bidderRequestFor(bids, ortb2, extra);
  return { requests: spec.buildRequests(bidRequests, bidderRequest) as any[], bidRequests };
}

function build(bids: Record<string, unknown>[] = [{}], ortb2: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  const { requests, bidRequests } = buildAll(bids, ortb2, extra);
  expect(requests, 'one request').to.have.length(1);
  return { request: requests[0], ortb: requests[0].data, bidRequests };
}

function interpret(response: unknown, bids: Record<string, unknown>[] = [{}]) {
  const { request } = build(bids);
  const result = spec.interpretResponse({ body: typeof response === 'function' ? response(request.data) : response, headers: { get: () => '' } } as any, request) as any;
  return Array.isArray(result) ? result : result.bids;
}

/** an SSP response with one seat holding `bids`, each defaulting to a valid banner bid for the first imp */
const respond = (...bids: Record<string, unknown>[]) => (ortb: any) => ({
  id: ortb.id,
  seatbid: [{ seat: 'dsp-1', bid: bids.map((b, i) => ({ id: `b${i}`, impid: ortb.imp[0].id, price: 2, crid: `c${i}`, w: 300, h: 250, adm: '<p>ad</p>', mtype: 1, ...b })) }],
});

describe('openrtbSsp adapter', () => {
  let logs: ReturnType<typeof captureAdapterLogs>;
  beforeEach(() => {
    logs = captureAdapterLogs();
    settings();
  });
  afterEach(() => {
    logs.stop();
    sinon.restore();
    config.resetConfig();
  });

  describe('spec contract', () => {
    it('is bidder openrtbSsp with a GVL id and banner, video and native', () => {
      expect(spec.code).to.equal('openrtbSsp');
      expect(spec.gvlid).to.equal(GVLID);
      expect(spec.supportedMediaTypes).to.deep.equal(['banner', 'video', 'native']);
      for (const method of ['isBidRequestValid', 'buildRequests', 'interpretResponse', 'getUserSyncs', 'onTimeout', 'onBidderError'] as const) {
        expect(spec[method], method).to.be.a('function');
      }
    });

    it('registers its alias with the alias\'s own GVL id', () => {
      expect(ALIASES).to.deep.equal([{ code: 'openrtbSspWl', gvlid: 1998 }]);
      expect(adapterManager.aliasRegistry.openrtbSspWl).to.equal(BIDDER_CODE);
      expect((adapterManager.getBidAdapter('openrtbSspWl') as any).getSpec()).to.include({ code: 'openrtbSspWl', gvlid: 1998 });
    });

    it('declares its GVL legal bases for tcfControl, as Prebid\'s build does for its own modules', () => {
      expect((GVL_PURPOSES as any)[GVLID]).to.equal(GVL_DECLARATION);
      expect((GVL_PURPOSES as any)[ALIASES[0].gvlid]).to.equal(GVL_DECLARATION);
    });
  });

  describe('isBidRequestValid', () => {
    const valid = (bid: Record<string, unknown>) => spec.isBidRequestValid({ adUnitCode: 'slot', mediaTypes: BANNER, params: { placementId: 'p1' }, ...bid } as any);

    it('accepts a banner with a placementId', () => {
      expect(valid({})).to.equal(true);
    });
    it('rejects a bid without params', () => {
      expect(valid({ params: undefined })).to.equal(false);
    });
    it('rejects a missing, empty or non-string placementId, with a warning', () => {
      expect(valid({ params: {} })).to.equal(false);
      expect(valid({ params: { placementId: '' } })).to.equal(false);
      expect(valid({ params: { placementId: 123 } })).to.equal(false);
      expect(logs.warnings()).to.have.length(3);
    });
    it('rejects a publisherId that is not a non-empty string, with a warning', () => {
      expect(valid({ params: { placementId: 'p', publisherId: 5 } })).to.equal(false);
      expect(logs.warnings()).to.deep.equal(['openrtbSsp: slot: bad params']);
      expect(valid({ params: { placementId: 'p', publisherId: 'pub-1' } })).to.equal(true);
    });
    it('rejects a negative or non-numeric bidfloor', () => {
      expect(valid({ params: { placementId: 'p', bidfloor: -1 } })).to.equal(false);
      expect(valid({ params: { placementId: 'p', bidfloor: '1' } })).to.equal(false);
      expect(valid({ params: { placementId: 'p', bidfloor: 0.5 } })).to.equal(true);
    });
    it('rejects params.video that is not an object', () => {
      expect(valid({ params: { placementId: 'p', video: 'mp4' } })).to.equal(false);
    });
    it('accepts a video with mimes in mediaTypes.video', () => {
      expect(valid({ mediaTypes: VIDEO })).to.equal(true);
    });
    it('accepts a video whose mimes come from params.video', () => {
      expect(valid({ mediaTypes: { video: { playerSize: [[640, 480]] } }, params: { placementId: 'p', video: { mimes: ['video/mp4'] } } })).to.equal(true);
    });
    it('rejects a video-only ad unit without mimes (the SSP would refuse it)', () => {
      expect(valid({ mediaTypes: { video: { playerSize: [[640, 480]] } } })).to.equal(false);
    });
    it('accepts a multi-format ad unit when one format is usable', () => {
      expect(valid({ mediaTypes: { ...BANNER, video: { playerSize: [[640, 480]] } } })).to.equal(true);
    });
    it('accepts a native ad unit with assets, rejects one without', () => {
      expect(valid(nativeBid)).to.equal(true);
      expect(valid({ mediaTypes: NATIVE, nativeOrtbRequest: { assets: [] } })).to.equal(false);
    });
    it('rejects a banner without sizes, accepts sizes from ortb2Imp.banner.format', () => {
      expect(valid({ mediaTypes: { banner: {} } })).to.equal(false);
      expect(valid({ mediaTypes: { banner: {} }, ortb2Imp: { banner: { format: [{ w: 300, h: 250 }] } } })).to.equal(true);
    });
  });

  describe('buildRequests', () => {
    it('POSTs one request for all ad units to the endpoint the SSP configured with setConfig', () => {
      const { request } = build([{}, {}]);
      expect(request.method).to.equal('POST');
      expect(request.url).to.equal(ENDPOINT);
      expect(request.data.imp).to.have.length(2);
    });

    it('refuses to bid, with an error saying what to set, when no endpoint is configured', () => {
      config.resetConfig();
      expect(buildAll([{}]).requests).to.deep.equal([]);
      expect(logs.errors()).to.deep.equal(['openrtbSsp: no endpoint']);
    });

    it('reads bidder-specific config (setBidderConfig) while core runs it for the bidder', () => {
      config.setBidderConfig({ bidders: [BIDDER_CODE], config: { openrtbSsp: { endpoint: 'https://eu.ssp.test/openrtb2/auction' } } } as any);
      const request = config.runWithBidder(BIDDER_CODE, () => build().request);
      expect(request.url).to.equal('https://eu.ssp.test/openrtb2/auction');
    });

    it('refuses to bid, with an error, when the configured endpoint is not an absolute http(s) URL', () => {
      for (const endpoint of ['/relative', 'javascript:alert(1)', 42]) {
        config.setConfig({ openrtbSsp: { endpoint } } as any);
        expect(buildAll([{}]).requests, String(endpoint)).to.deep.equal([]);
      }
      expect(logs.errors()[0]).to.equal('openrtbSsp: endpoint /relative ignored');
      expect(logs.errors()).to.have.length(6); // the bad URL and "not bidding", each time
    });

    it('sets no request options for a small body: core sends a CORS-simple text/plain POST with credentials', () => {
      const { request } = build();
      expect(JSON.stringify(request.data).length).to.be.below(DEFAULT_GZIP_MIN_BYTES);
      expect(request.options).to.equal(undefined);
    });

    describe('gzip', () => {
      const bigBids = Array.from({ length: 12 }, () => ({}));

      it('is asked of core by default for a body of DEFAULT_GZIP_MIN_BYTES or more', () => {
        const { request } = build(bigBids);
        expect(JSON.stringify(request.data).length).to.be.at.least(DEFAULT_GZIP_MIN_BYTES);
        expect(request.options).to.deep.equal({ endpointCompression: true });
      });

      it('follows gzipMinBytes', () => {
        settings({ gzipMinBytes: 0 });
        expect(build().request.options).to.deep.equal({ endpointCompression: true });
        settings({ gzipMinBytes: 1e6 });
        expect(build(bigBids).request.options).to.equal(undefined);
      });

      it('is never asked with gzip: false', () => {
        settings({ gzip: false, gzipMinBytes: 0 });
        expect(build(bigBids).request.options).to.equal(undefined);
      });

      it('is asked in debug mode too: core itself sends the request plain there (see the auction spec)', () => {
        settings({ gzipMinBytes: 0 });
        config.setConfig({ debug: true });
        expect(build(bigBids).request.options).to.deep.equal({ endpointCompression: true });
      });
    });

    describe('imp limit (maxImpsPerRequest)', () => {
      it('splits the ad units over several requests of at most that many imps, each with its own id', () => {
        settings({ maxImpsPerRequest: 2 });
        const { requests } = buildAll([{}, {}, {}, {}, {}]);
        expect(requests.map((r) => r.data.imp.map((imp: any) => imp.id))).to.deep.equal([['bid-1', 'bid-2'], ['bid-3', 'bid-4'], ['bid-5']]);
        expect(new Set(requests.map((r) => r.data.id)).size).to.equal(3);
        expect(requests.every((r) => r.url === ENDPOINT && r.data.site.page === 'https://publisher.test/page.html')).to.equal(true);
      });

      it('maps every bid of each answer back to the ad unit of its own request', () => {
        settings({ maxImpsPerRequest: 2 });
        const { requests } = buildAll([{}, {}, {}]);
        const bids = requests.flatMap((request) => (spec.interpretResponse({ body: respond({})(request.data) } as any, request) as any).bids);
        expect(bids.map((b: any) => b.requestId)).to.deep.equal(['bid-1', 'bid-3']);
      });

      it('sends one request when the limit is not a positive integer, with a warning', () => {
        settings({ maxImpsPerRequest: 0 });
        expect(buildAll([{}, {}]).requests).to.have.length(1);
        expect(logs.warnings()[0]).to.equal('openrtbSsp: maxImpsPerRequest 0 ignored');
      });
    });

    it('makes one imp per bid request, with the bid id as imp.id and the placement as tagid', () => {
      const { ortb } = build([{ params: { placementId: 'a' } }, { params: { placementId: 'b' } }]);
      expect(ortb.imp.map((imp: any) => [imp.id, imp.tagid])).to.deep.equal([['bid-1', 'a'], ['bid-2', 'b']]);
      expect(ortb.imp[0]).not.to.have.nested.property('ext.openrtbSsp');
    });

    it('sets the publisher id on the site, or on the app', () => {
      expect(build([{ params: { placementId: 'p', publisherId: 'pub-9' } }]).ortb.site.publisher.id).to.equal('pub-9');
      const app = build([{ params: { placementId: 'p', publisherId: 'pub-9' } }], { site: undefined, app: { bundle: 'com.example' } }).ortb;
      expect(app.app.publisher.id).to.equal('pub-9');
      expect(app.site).to.equal(undefined);
    });

    it('marks test traffic (params.test) with request.test = 1, otherwise 0', () => {
      expect(build().ortb.test).to.equal(0);
      expect(build([{ params: { placementId: 'p', test: true } }]).ortb.test).to.equal(1);
    });

    it('sends ad units that differ in test traffic or publisherId in requests of their own, each as its params say', () => {
      const { requests } = buildAll([
        { params: { placementId: 'a', test: true, publisherId: 'pub-1' } }, { params: { placementId: 'b' } },
        { params: { placementId: 'c', publisherId: 'pub-2' } }, { params: { placementId: 'd', test: true, publisherId: 'pub-1' } },
      ]);
      expect(requests.map(({ data }) => [data.imp.map((imp: any) => imp.tagid), data.test, data.site.publisher?.id])).to.deep.equal([
        [['a', 'd'], 1, 'pub-1'], [['b'], 0, undefined], [['c'], 0, 'pub-2'],
      ]);
    });

    it('sends tmax from the bidder timeout, USD as the currency, and its version', () => {
      const { ortb } = build();
      expect(ortb.tmax).to.equal(1200);
      expect(ortb.cur).to.deep.equal(['USD']);
      expect(ortb.ext.openrtbSsp).to.deep.equal({ adapterVersion: '1.0.0' });
    });

    it('passes first-party data through: site, device, user.data, bcat, badv', () => {
      const fpd = {
        site: { page: 'https://pub.test/a', domain: 'pub.test', content: { language: 'en' } },
        device: { ua: 'agent', sua: { platform: { brand: 'Linux' } } },
        user: { data: [{ name: 'segments.test', segment: [{ id: '1' }] }] },
        bcat: ['IAB25'],
        badv: ['blocked.test'],
      };
      const { ortb } = build([{}], fpd);
      expect(ortb.site).to.deep.include(fpd.site);
      expect(ortb.device).to.deep.equal(fpd.device);
      expect(ortb.user.data).to.deep.equal(fpd.user.data);
      expect([ortb.bcat, ortb.badv]).to.deep.equal([['IAB25'], ['blocked.test']]);
    });

    it('passes ortb2Imp through: imp.ext.gpid, instl, ext.data', () => {
      const ortb2Imp = { instl: 1, ext: { gpid: '/1234/home/top', data: { pbadslot: '/1234/home/top' } } };
      const [imp] = build([{ ortb2Imp }]).ortb.imp;
      expect(imp.ext.gpid).to.equal('/1234/home/top');
      expect(imp.instl).to.equal(1);
      expect(imp.ext.data).to.deep.equal(ortb2Imp.ext.data);
    });

    it('builds a banner imp with every size and the position', () => {
      const [imp] = build([{ mediaTypes: { banner: { sizes: [[300, 250], [728, 90]], pos: 1 } } }]).ortb.imp;
      expect(imp.banner.format).to.deep.equal([{ w: 300, h: 250 }, { w: 728, h: 90 }]);
      expect(imp.banner.pos).to.equal(1);
    });

    if (FEATURES.VIDEO) {
      it('builds a video imp from mediaTypes.video, with params.video taking precedence', () => {
        const [imp] = build([{ mediaTypes: { video: { ...VIDEO.video, protocols: [2] } }, params: { placementId: 'p', video: { protocols: [2, 3, 7], skip: 1 } } }]).ortb.imp;
        expect(imp.video).to.include({ w: 640, h: 480, skip: 1 });
        expect(imp.video.mimes).to.deep.equal(['video/mp4']);
        expect(imp.video.protocols).to.deep.equal([2, 3, 7]);
        expect(imp.banner).to.equal(undefined);
      });

      // core keeps a copy of mediaTypes.video in ortb2Imp.video (its fillVideoDefaults), which the converter merges in
      const withCoreCopy = (video: Record<string, unknown>) => ({ mediaTypes: { video }, ortb2Imp: { video: { ...video, playerSize: undefined, w: 640, h: 480 } } });

      it('gives params.video precedence over core\'s copy of mediaTypes.video too, lists replaced', () => {
        const bid = withCoreCopy({ ...VIDEO.video, mimes: ['video/mp4'], protocols: [2, 3], maxduration: 30, skip: 0 });
        const [imp] = build([{ ...bid, params: { placementId: 'p', video: { mimes: ['video/webm'], protocols: [7], maxduration: 60, skip: 1, w: 300, h: 200 } } }]).ortb.imp;
        expect(imp.video).to.include({ maxduration: 60, skip: 1, w: 300, h: 200 });
        expect([imp.video.mimes, imp.video.protocols]).to.deep.equal([['video/webm'], [7]]);
      });

      it('leaves out a video without mimes from a multi-format imp, with a warning, core\'s copy of it as well', () => {
        const [imp] = build([{ mediaTypes: { ...BANNER, video: { playerSize: [[640, 480]] } }, ortb2Imp: { video: { w: 640, h: 480, plcmt: 4 } } }]).ortb.imp;
        expect(imp.banner).to.be.an('object');
        expect(imp.video).to.equal(undefined);
        expect(logs.warnings()).to.deep.equal(['openrtbSsp: slot-1: no video mimes']);
      });
    }

    if (FEATURES.NATIVE) {
      it('builds a native imp: the assets, and image impression trackers it can fire', () => {
        const [imp] = build([nativeBid]).ortb.imp;
        const request = JSON.parse(imp.native.request);
        expect(request.assets).to.deep.equal(NATIVE_ASSETS);
        expect(request.eventtrackers).to.deep.equal([{ event: 1, methods: [1] }]);
        expect(imp.native.ver).to.equal('1.2');
      });
    }

    if (FEATURES.VIDEO && FEATURES.NATIVE) {
      it('sends banner, video and native of one ad unit in one imp', () => {
        const [imp] = build([{ mediaTypes: { ...BANNER, ...VIDEO, ...NATIVE }, nativeOrtbRequest: { ver: '1.2', assets: NATIVE_ASSETS } }]).ortb.imp;
        expect(Object.keys(imp)).to.include.members(['banner', 'video', 'native']);
      });
    }

    describe('eids', () => {
      const withEids = { user: { ext: { eids: [UID2_EID, OTHER_EID] } } };

      it('forwards eids untouched in user.ext.eids (OpenRTB 2.5 locations, the default), and nowhere else', () => {
        const { ortb } = build([{}], withEids);
        expect(ortb.user.ext.eids).to.deep.equal([UID2_EID, OTHER_EID]);
        expect(ortb.user.ext.eids[0]).to.equal(UID2_EID); // the very objects other bidders share
        expect(ortb.user.eids).to.equal(undefined);
      });

      it('moves eids to user.eids with regs.gdpr, user.consent and source.schain for ortbVersion 2.6', () => {
        settings({ ortbVersion: '2.6' });
        const { ortb } = build([{}], { ...withEids, user: { ext: { eids: [UID2_EID], consent: TCF_STRING } }, regs: { ext: { gdpr: 1, us_privacy: '1YNN' } }, source: { ext: { schain: SCHAIN } } });
        expect(ortb.user.eids).to.deep.equal([UID2_EID]);
        expect(ortb.user.ext?.eids).to.equal(undefined);
        expect(ortb.user.consent).to.equal(TCF_STRING);
        expect(ortb.regs).to.deep.include({ gdpr: 1, us_privacy: '1YNN' });
        expect(ortb.source.schain).to.deep.equal(SCHAIN);
        expect(ortb.source.ext?.schain).to.equal(undefined);
      });

      it('merges stray user.eids into user.ext.eids in 2.5 mode, so they are never in both', () => {
        const { ortb } = build([{}], { user: { eids: [OTHER_EID], ext: { eids: [UID2_EID] } } });
        expect(ortb.user.ext.eids).to.deep.equal([OTHER_EID, UID2_EID]);
        expect(ortb.user).not.to.have.property('eids');
      });

      it('keeps eids from both locations in user.eids in 2.6 mode', () => {
        settings({ ortbVersion: '2.6' });
        const { ortb } = build([{}], { user: { eids: [OTHER_EID], ext: { eids: [UID2_EID] } } });
        expect(ortb.user.eids).to.deep.equal([OTHER_EID, UID2_EID]);
        expect(ortb.user.ext?.eids).to.equal(undefined);
      });

      it('keeps an eid found in both locations once, with a warning', () => {
        const { ortb } = build([{}], { user: { eids: [UID2_EID], ext: { eids: [UID2_EID, OTHER_EID] } } });
        expect(ortb.user.ext.eids).to.deep.equal([UID2_EID, OTHER_EID]);
        expect(logs.allWarnings().filter((text) => text.includes('openrtbSsp request'))).to.have.length(1);
      });

      it('keeps the 2.6 value of a field set in both places for ortbVersion 2.6, with a warning', () => {
        settings({ ortbVersion: '2.6' });
        const { ortb } = build([{}], { regs: { gdpr: 1, ext: { gdpr: 0 } } });
        expect(ortb.regs.gdpr).to.equal(1);
        expect(ortb.regs.ext?.gdpr).to.equal(undefined);
        expect(logs.allWarnings().filter((text) => text.includes('openrtbSsp request'))).to.have.length(1);
      });

      it('sends no eids when core sent none', () => {
        const { ortb } = build();
        expect(ortb.user?.ext?.eids).to.equal(undefined);
        expect(ortb.user?.eids).to.equal(undefined);
      });
    });

    describe('floors', () => {
      const getFloor = (result: unknown) => sinon.stub().returns(result);

      it('sends params.bidfloor in USD when no floor came from the floors module or ortb2Imp', () => {
        const [imp] = build([{ params: { placementId: 'p', bidfloor: 0.75 } }]).ortb.imp;
        expect([imp.bidfloor, imp.bidfloorcur]).to.deep.equal([0.75, 'USD']);
      });

      it('keeps a floor from ortb2Imp over params.bidfloor', () => {
        const [imp] = build([{ params: { placementId: 'p', bidfloor: 0.75 }, ortb2Imp: { bidfloor: 2, bidfloorcur: 'USD' } }]).ortb.imp;
        expect(imp.bidfloor).to.equal(2);
      });

      it('asks getFloor for a USD floor for any format and size, and sends it', () => {
        const stub = getFloor({ floor: 1.25, currency: 'USD' });
        const [imp] = build([{ getFloor: stub, params: { placementId: 'p', bidfloor: 9 } }]).ortb.imp;
        expect([imp.bidfloor, imp.bidfloorcur]).to.deep.equal([1.25, 'USD']);
        expect(stub.firstCall.args[0]).to.deep.equal({ currency: 'USD', mediaType: '*', size: '*' });
      });

      it('sends per-size floors when they differ from the imp floor', () => {
        const stub = sinon.stub().callsFake(({ size }: { size: unknown }) => ({ floor: Array.isArray(size) && size[0] === 728 ? 3 : 1, currency: 'USD' }));
        const [imp] = build([{ getFloor: stub, mediaTypes: BANNER }]).ortb.imp;
        expect(imp.bidfloor).to.equal(1);
        expect(imp.banner.format[1].ext).to.deep.equal({ bidfloor: 3, bidfloorcur: 'USD' });
        expect(imp.banner.format[0].ext).to.equal(undefined);
      });

      it('drops a floor getFloor could not convert to USD, with a warning', () => {
        const [imp] = build([{ getFloor: getFloor({ floor: 1, currency: 'EUR' }) }]).ortb.imp;
        expect(imp.bidfloor).to.equal(undefined);
        expect(logs.warnings()[0]).to.match(/slot-1: floor in EUR not sent/);
      });

      it('sends no floor when getFloor throws or has none', () => {
        expect(build([{ getFloor: sinon.stub().throws(new Error('boom')) }]).ortb.imp[0].bidfloor).to.equal(undefined);
        expect(build([{ getFloor: getFloor({}) }]).ortb.imp[0].bidfloor).to.equal(undefined);
      });
    });

    describe('consent and supply chain (as core put them in ortb2)', () => {
      const consent = {
        regs: { coppa: 1, gpp: GPP_STRING, gpp_sid: [7], ext: { gdpr: 1, us_privacy: '1YNN', gpc: '1' } },
        user: { ext: { consent: TCF_STRING } },
        source: { ext: { schain: SCHAIN } },
      };

      it('forwards TCF: regs.ext.gdpr and user.ext.consent', () => {
        const { ortb } = build([{}], consent);
        expect(ortb.regs.ext.gdpr).to.equal(1);
        expect(ortb.user.ext.consent).to.equal(TCF_STRING);
      });
      it('forwards US privacy: regs.ext.us_privacy', () => {
        expect(build([{}], consent).ortb.regs.ext.us_privacy).to.equal('1YNN');
      });
      it('forwards GPP: regs.gpp and regs.gpp_sid', () => {
        expect(build([{}], consent).ortb.regs).to.deep.include({ gpp: GPP_STRING, gpp_sid: [7] });
      });
      it('forwards COPPA and GPC', () => {
        const { regs } = build([{}], consent).ortb;
        expect([regs.coppa, regs.ext.gpc]).to.deep.equal([1, '1']);
      });
      it('forwards the schain from source.ext.schain', () => {
        expect(build([{}], consent).ortb.source.ext.schain).to.deep.equal(SCHAIN);
      });
    });
  });

  describe('interpretResponse', () => {
    it('turns a banner bid into a Prebid bid with every required field', () => {
      const [bid] = interpret(respond({ dealid: 'deal-1', exp: 120, adomain: ['advertiser.test'] }));
      expect(bid).to.include({ requestId: 'bid-1', cpm: 2, currency: 'USD', width: 300, height: 250, creativeId: 'c0', ttl: 120, netRevenue: true, dealId: 'deal-1', mediaType: 'banner', ad: '<p>ad</p>' });
      expect(bid.meta.advertiserDomains).to.deep.equal(['advertiser.test']);
    });

    it('defaults the ttl and takes the currency from the response', () => {
      const [bid] = interpret((ortb: any) => ({ ...respond({})(ortb), cur: 'EUR' }));
      expect(bid.ttl).to.equal(DEFAULT_TTL.banner);
      expect(bid.currency).to.equal('EUR');
    });

    it('fills meta: DSA transparency, categories, the seat as network, the demand chain', () => {
      const dsa = { behalf: 'Advertiser', paid: 'Advertiser', adrender: 0 };
      const dchain = { complete: 1, ver: '1.0', nodes: [{ name: 'dsp' }] };
      const [bid] = interpret(respond({ cat: ['IAB1', 'IAB2'], ext: { dsa, dchain } }));
      expect(bid.meta).to.deep.include({ dsa, dchain, primaryCatId: 'IAB1', secondaryCatIds: ['IAB2'], networkName: 'dsp-1' });
    });

    if (FEATURES.VIDEO) {
      it('turns a video bid into vastXml; a nurl next to markup is a win notice, not the vastUrl', () => {
        const [bid] = interpret(respond({ mtype: 2, adm: '<VAST/>', nurl: 'https://ssp.test/win?p=${AUCTION_PRICE}' }), [{ mediaTypes: VIDEO }]);
        expect(bid).to.include({ mediaType: 'video', vastXml: '<VAST/>', playerWidth: 640, playerHeight: 480 });
        expect(bid.vastUrl).to.equal(undefined);
        expect(bid.eventtrackers).to.deep.include({ event: 500, method: 1, url: 'https://ssp.test/win?p=2' });
      });

      it('uses the nurl of a video bid without markup as its vastUrl', () => {
        const [bid] = interpret(respond({ mtype: 2, adm: undefined, nurl: 'https://ssp.test/vast.xml' }), [{ mediaTypes: VIDEO }]);
        expect(bid.vastUrl).to.equal('https://ssp.test/vast.xml');
        expect(bid.eventtrackers ?? []).to.deep.equal([]);
      });
    }

    if (FEATURES.NATIVE) {
      it('parses native markup (a JSON string or an object) into native.ortb, and its nurl into a win tracker', () => {
        const adm = { ver: '1.2', assets: [{ id: 1, title: { text: 'Title' } }], link: { url: 'https://advertiser.test' } };
        const [fromString] = interpret(respond({ mtype: 4, adm: JSON.stringify(adm), nurl: 'https://ssp.test/w' }), [nativeBid]);
        expect(fromString.mediaType).to.equal('native');
        expect(fromString.native.ortb).to.deep.equal(adm);
        expect(fromString.eventtrackers).to.deep.include({ event: 500, method: 1, url: 'https://ssp.test/w' });
        const [fromObject] = interpret(respond({ mtype: 4, adm }), [nativeBid]);
        expect(fromObject.native.ortb).to.deep.equal(adm);
      });
    }

    it('turns burl into a billing tracker with the price filled in, keeping the SSP\'s own trackers', () => {
      const own = { event: 1, method: 1, url: 'https://ssp.test/imp' };
      const [bid] = interpret(respond({ price: 1.75, burl: 'https://ssp.test/bill?p=${AUCTION_PRICE}&x=1', ext: { eventtrackers: [own] } }));
      expect(bid.eventtrackers).to.deep.equal([own, { event: 1, method: 1, url: 'https://ssp.test/bill?p=1.75&x=1' }]);
    });

    it('keeps only the trackers core can read: an SSP\'s malformed one would fail the bid\'s render events, bidWon and billing', () => {
      const own = { event: 1, method: 1, url: 'https://ssp.test/imp' };
      const [bid] = interpret(respond({ burl: 'https://ssp.test/bill', ext: { eventtrackers: [null, 'x', { event: 1 }, { event: 1, method: 1, url: '' }, own] } }));
      expect(bid.eventtrackers).to.deep.equal([own, { event: 1, method: 1, url: 'https://ssp.test/bill' }]);
      const [none] = interpret(respond({ ext: { eventtrackers: [null] } }));
      expect(none).to.not.have.property('eventtrackers');
    });

    it('fires a banner nurl as a pixel in front of the markup', () => {
      const [bid] = interpret(respond({ nurl: 'https://ssp.test/win?p=${AUCTION_PRICE}' }));
      expect(bid.ad).to.match(/^<div[^>]*><img src="https:\/\/ssp.test\/win\?p=\$\{AUCTION_PRICE\}"><\/div><p>ad<\/p>$/);
      expect(bid.eventtrackers ?? []).to.deep.equal([]);
    });

    if (FEATURES.VIDEO) {
      it('takes the media type of a bid without mtype from a single-format imp', () => {
        const [bid] = interpret(respond({ mtype: undefined, adm: '<VAST/>' }), [{ mediaTypes: VIDEO }]);
        expect(bid.mediaType).to.equal('video');
      });

      it('drops a bid without mtype for a multi-format imp rather than guess, with a warning', () => {
        expect(interpret(respond({ mtype: undefined }), [{ mediaTypes: { ...BANNER, ...VIDEO } }])).to.deep.equal([]);
        expect(logs.warnings()).to.deep.equal(['openrtbSsp: bid b0 dropped: mtype undefined']);
      });
    }

    it('drops a bid in a media type its ad unit did not ask for, with a warning', () => {
      expect(interpret(respond({ mtype: 2, adm: '<VAST/>' }))).to.deep.equal([]);
      expect(logs.warnings()).to.deep.equal(['openrtbSsp: bid b0 dropped: mtype 2']);
    });

    it('drops a bid of an mtype it does not support (audio)', () => {
      expect(interpret(respond({ mtype: 3 }))).to.deep.equal([]);
      expect(logs.warnings()[0]).to.match(/bid b0 dropped: mtype 3/);
    });

    it('answers a multi-format imp in the format mtype names', () => {
      const bids = interpret(respond({ mtype: 1 }, { id: 'v', mtype: 2, adm: '<VAST/>' }), [{ mediaTypes: { ...BANNER, ...VIDEO } }]);
      expect(bids.map((b: any) => b.mediaType)).to.deep.equal(['banner', 'video']);
    });

    it('reads bids of several seats and several imps', () => {
      const bids = interpret((ortb: any) => ({
        seatbid: [
          { seat: 's1', bid: [{ id: '1', impid: ortb.imp[0].id, price: 1, crid: 'a', w: 1, h: 1, adm: 'x', mtype: 1 }] },
          { seat: 's2', bid: [{ id: '2', impid: ortb.imp[1].id, price: 2, crid: 'b', w: 1, h: 1, adm: 'y', mtype: 1 }] },
        ],
      }), [{}, {}]);
      expect(bids.map((b: any) => [b.requestId, b.meta.networkName])).to.deep.equal([['bid-1', 's1'], ['bid-2', 's2']]);
    });

    describe('ttl and netRevenue', () => {
      const VIDEO_BID = [{ mediaTypes: VIDEO }];
      const video = (extra: Record<string, unknown> = {}) => respond({ mtype: 2, adm: '<VAST/>', ...extra });
      const withExt = (ext: Record<string, unknown>, bid = respond({})) => (ortb: any) => ({ ...bid(ortb), ext });

      it('default per format: video lives longer than banner and native', () => {
        expect(interpret(respond({}))[0].ttl).to.equal(300);
        expect(interpret(video(), VIDEO_BID)[0].ttl).to.equal(1800);
        expect(interpret(respond({ mtype: 4, adm: JSON.stringify({ ver: '1.2', assets: [{ id: 1, title: { text: 'T' } }] }) }), [nativeBid])[0].ttl).to.equal(300);
        expect(DEFAULT_TTL).to.deep.equal({ banner: 300, native: 300, video: 1800 });
      });

      it('come from the answer\'s ext, for every format or per format', () => {
        expect(interpret(withExt({ ttl: 90, netRevenue: false }))[0]).to.include({ ttl: 90, netRevenue: false });
        const perFormat = { ttl: { video: 3600 }, netRevenue: { video: false } };
        expect(interpret(withExt(perFormat, video()), VIDEO_BID)[0]).to.include({ ttl: 3600, netRevenue: false });
        expect(interpret(withExt(perFormat))[0]).to.include({ ttl: 300, netRevenue: true });
      });

      it('bid.exp and bid.ext.netRevenue win over the answer', () => {
        const [bid] = interpret(withExt({ ttl: 90, netRevenue: true }, respond({ exp: 45, ext: { netRevenue: false } })));
        expect(bid).to.include({ ttl: 45, netRevenue: false });
      });

      it('the SSP\'s settings apply when the answer says nothing', () => {
        settings({ ttl: { banner: 120 }, netRevenue: false });
        expect(interpret(respond({}))[0]).to.include({ ttl: 120, netRevenue: false });
        expect(interpret(video(), VIDEO_BID)[0].ttl).to.equal(1800);
      });

      it('ignore values that are not positive seconds or booleans (core would take any exp as the ttl)', () => {
        const [bid] = interpret(withExt({ ttl: -5, netRevenue: 'no' }, respond({ exp: 'soon' })));
        expect(bid).to.include({ ttl: 300, netRevenue: true });
      });
    });

    describe('alternate bidder codes (seatbid.seat)', () => {
      afterEach(() => {
        delete (pbjs as any).bidderSettings;
      });
      const allow = (extra: Record<string, unknown> = {}) => {
        (pbjs as any).bidderSettings = { openrtbSsp: { allowAlternateBidderCodes: true, ...extra } };
      };

      it('keeps the bid under the adapter\'s code, the seat as meta.networkName, unless the publisher allows them', () => {
        const [bid] = interpret(respond({}));
        expect(bid.bidderCode).to.equal(undefined); // core sets its own code
        expect(bid.meta.networkName).to.equal('dsp-1');
        expect(build().ortb.ext.openrtbSsp.allowedAlternateBidderCodes).to.equal(undefined);
      });

      it('bids under the seat when bidderSettings.allowAlternateBidderCodes allows any code, and tells the SSP', () => {
        allow();
        expect(interpret(respond({}))[0]).to.include({ bidderCode: 'dsp-1' });
        expect(build().ortb.ext.openrtbSsp.allowedAlternateBidderCodes).to.deep.equal(['*']);
      });

      it('bids under the seat only when it is in allowedAlternateBidderCodes, else under its own code', () => {
        allow({ allowedAlternateBidderCodes: [' DSP-1 ', 'dsp-2'] });
        expect(build().ortb.ext.openrtbSsp.allowedAlternateBidderCodes).to.deep.equal(['dsp-1', 'dsp-2']);
        expect(interpret(respond({}))[0].bidderCode).to.equal('dsp-1');
        allow({ allowedAlternateBidderCodes: ['dsp-2'] });
        expect(interpret(respond({}))[0].bidderCode).to.equal(undefined);
      });

      it('ignores bidderSettings of other bidders and the default scope\'s lists when not allowed', () => {
        (pbjs as any).bidderSettings = { other: { allowAlternateBidderCodes: true }, standard: { allowedAlternateBidderCodes: ['*'] } };
        expect(interpret(respond({}))[0].bidderCode).to.equal(undefined);
      });
    });

    describe('outstream video renderer', () => {
      const OUTSTREAM = { video: { context: 'outstream', playerSize: [[640, 360]], mimes: ['video/mp4'] } };
      const outstream = (extra: Record<string, unknown> = {}) => [{ mediaTypes: OUTSTREAM, ...extra }];
      const vast = (ext?: Record<string, unknown>) => respond({ mtype: 2, adm: '<VAST/>', ...(ext ? { ext } : {}) });
      const PLAYER = 'https://cdn.ssp.test/outstream/player.js';

      it('attaches the player the answer names (ext.prebid.meta.rendererUrl), with its rendererData as options', () => {
        const [bid] = interpret(vast({ prebid: { meta: { rendererUrl: PLAYER, rendererData: { autoplay: true } } } }), outstream());
        expect(bid.renderer.url).to.equal(PLAYER);
        expect(bid.renderer.getConfig()).to.deep.equal({ autoplay: true });
        expect(bid.renderer.adUnitCode).to.equal('slot-1');
      });

      it('attaches the SSP\'s default player when the answer names none', () => {
        settings({ outstreamRendererUrl: 'https://cdn.ssp.test/default.js', outstreamRendererOptions: { logo: { imageUrl: 'https://cdn.ssp.test/l.png' } } });
        const [bid] = interpret(vast(), outstream());
        expect(bid.renderer.url).to.equal('https://cdn.ssp.test/default.js');
        expect(bid.renderer.getConfig()).to.deep.equal({ logo: { imageUrl: 'https://cdn.ssp.test/l.png' } });
      });

      it('loads no player over http for an https SSP: falls back to the default, with a warning', () => {
        settings({ outstreamRendererUrl: 'https://cdn.ssp.test/default.js' });
        const [bid] = interpret(vast({ prebid: { meta: { rendererUrl: 'http://cdn.ssp.test/p.js' } } }), outstream());
        expect(bid.renderer.url).to.equal('https://cdn.ssp.test/default.js');
        expect(logs.warnings()[0]).to.match(/renderer http:\/\/cdn.ssp.test\/p.js ignored/);
      });

      it('attaches no renderer when it has no player it may load (core then rejects the bid: see the auction spec)', () => {
        const [bid] = interpret(vast({ prebid: { meta: { rendererUrl: 'javascript:alert(1)' } } }), outstream());
        expect(bid.renderer).to.equal(undefined);
        expect(logs.warnings()).to.deep.equal(['openrtbSsp: renderer javascript:alert(1) ignored']);
      });

      it('attaches its own even where the publisher has one: core installs the publisher\'s over it (see the auction spec)', () => {
        const renderer = { url: 'https://pub.test/r.js', render: () => {} };
        expect(interpret(vast({ prebid: { meta: { rendererUrl: PLAYER } } }), outstream({ renderer }))[0].renderer.url).to.equal(PLAYER);
        expect(interpret(vast({ prebid: { meta: { rendererUrl: PLAYER } } }), outstream({ renderer: { ...renderer, backupOnly: true } }))[0].renderer.url).to.equal(PLAYER);
      });

      it('attaches none to instream video or banner', () => {
        expect(interpret(vast({ prebid: { meta: { rendererUrl: PLAYER } } }), [{ mediaTypes: VIDEO }])[0].renderer).to.equal(undefined);
        expect(interpret(respond({ ext: { prebid: { meta: { rendererUrl: PLAYER } } } }))[0].renderer).to.equal(undefined);
      });
    });

    describe('malformed responses: what core cannot judge (the shape, the media type) is dropped here, nothing thrown', () => {
      it('treats an empty body (HTTP 204) as no bid, silently', () => {
        expect(interpret(undefined)).to.deep.equal([]);
        expect(interpret('')).to.deep.equal([]);
        expect(logs.warnings()).to.deep.equal([]);
      });
      it('warns about a body that is not an OpenRTB answer: not JSON, no seatbid, a seatbid that is not an array', () => {
        for (const body of ['<html>502 Bad Gateway</html>', { id: 'x' }, { seatbid: {} }]) expect(interpret(body)).to.deep.equal([]);
        expect(logs.warnings()).to.deep.equal(Array(3).fill('openrtbSsp: no seatbid'));
      });
      it('only informs about a no-bid reason (nbr)', () => {
        const info = sinon.spy(log, 'logInfo');
        expect(interpret({ id: 'x', nbr: 2 })).to.deep.equal([]);
        expect(logs.warnings()).to.deep.equal([]);
        expect(info.calledWith('nbr 2')).to.equal(true);
      });
      it('skips seatbid entries and bids that are not objects and keeps the rest', () => {
        const bids = interpret((ortb: any) => ({ seatbid: [null, { seat: 'x' }, { bid: [null, 'x'] }, ...respond({})(ortb).seatbid] }));
        expect(bids).to.have.length(1);
      });
      it('drops bids with a bad price and keeps the others', () => {
        const bids = interpret(respond({ price: 'free' }, { price: -1 }, { price: Number.NaN }, { price: 0 }, { price: Infinity }, { id: 'good', price: 3 }));
        expect(bids.map((b: any) => b.cpm)).to.deep.equal([3]);
        expect(logs.warnings()).to.have.length(5);
        expect(logs.warnings()[3]).to.equal('openrtbSsp: bid b3 dropped: price 0');
      });
      it('keeps a zero-price bid inside a deal', () => {
        expect(interpret(respond({ price: 0, dealid: 'd' }))[0].cpm).to.equal(0);
      });
      it('leaves bids for an unknown imp to the converter, which drops them', () => {
        const bids = interpret((ortb: any) => respond({ impid: 'nope' }, { id: 'good' })(ortb));
        expect(bids.map((b: any) => b.seatBidId)).to.deep.equal(['good']);
      });
      it('drops the bids of an answer whose currency is not a currency code (its prices would be read in another); takes a lowercase code', () => {
        for (const cur of [42, ['EUR'], 'EURO']) {
          expect(interpret((ortb: any) => ({ ...respond({})(ortb), cur })), JSON.stringify(cur)).to.deep.equal([]);
        }
        expect(logs.warnings()).to.deep.equal(['openrtbSsp: cur 42: bids dropped', 'openrtbSsp: cur ["EUR"]: bids dropped', 'openrtbSsp: cur "EURO": bids dropped']);
        expect(interpret((ortb: any) => ({ ...respond({})(ortb), cur: 'eur' }))[0].currency).to.equal('EUR');
      });
      if (FEATURES.NATIVE) {
        it('drops a native bid whose markup is not native JSON, without throwing', () => {
          expect(interpret(respond({ mtype: 4, adm: 'not json' }), [nativeBid])).to.deep.equal([]);
        });
      }
      it('never throws on answers of the wrong shape', () => {
        for (const body of [42, [], true, { seatbid: [1, 'x'] }, { seatbid: [{ bid: [null, 1, 'x'] }] }]) {
          expect(() => interpret(body), JSON.stringify(body)).not.to.throw();
          expect(interpret(body)).to.deep.equal([]);
        }
      });
    });
  });

  describe('getUserSyncs', () => {
    const gdpr = { gdprApplies: true, consentString: TCF_STRING } as any;
    const gpp = { gppString: GPP_STRING, applicableSections: [7, 8] } as any;
    const syncs = (opts: { iframeEnabled: boolean; pixelEnabled: boolean }, g: any = null, usp: any = null, p: any = null, coppa = false) =>
      spec.getUserSyncs!(opts, [], g, usp, p, coppa);
    const both = { iframeEnabled: true, pixelEnabled: true };

    it('prefers an iframe sync when both kinds are allowed', () => {
      expect(syncs(both)).to.deep.equal([{ type: 'iframe', url: 'https://ssp.test/usersync?type=iframe' }]);
    });
    it('has no sync of its own without an endpoint or a sync URL', () => {
      config.resetConfig();
      expect(syncs(both)).to.deep.equal([]);
    });
    it('falls back to an image sync when only pixels are allowed', () => {
      expect(syncs({ iframeEnabled: false, pixelEnabled: true })[0]).to.include({ type: 'image' });
    });
    it('returns no sync when syncs are disabled', () => {
      expect(syncs({ iframeEnabled: false, pixelEnabled: false })).to.deep.equal([]);
    });
    it('syncs on the configured endpoint\'s origin, or on a configured sync URL', () => {
      config.setConfig({ openrtbSsp: { endpoint: ENDPOINT } });
      expect(syncs(both)[0].url).to.equal('https://ssp.test/usersync?type=iframe');
      config.setConfig({ openrtbSsp: { endpoint: ENDPOINT, syncUrl: 'https://sync.ssp.test/s?x=1' } });
      expect(syncs(both)[0].url).to.equal('https://sync.ssp.test/s?x=1&type=iframe');
    });
    it('appends gdpr and gdpr_consent', () => {
      const url = new URL(syncs(both, gdpr)[0].url);
      expect([url.searchParams.get('gdpr'), url.searchParams.get('gdpr_consent')]).to.deep.equal(['1', TCF_STRING]);
    });
    it('sends gdpr=0 when GDPR does not apply, and no GDPR params without GDPR data', () => {
      expect(new URL(syncs(both, { gdprApplies: false })[0].url).searchParams.get('gdpr')).to.equal('0');
      expect(syncs(both)[0].url).not.to.include('gdpr');
    });
    it('appends us_privacy', () => {
      expect(new URL(syncs(both, null, '1YNN')[0].url).searchParams.get('us_privacy')).to.equal('1YNN');
    });
    it('appends gpp and gpp_sid', () => {
      const url = new URL(syncs(both, null, null, gpp)[0].url);
      expect([url.searchParams.get('gpp'), url.searchParams.get('gpp_sid')]).to.deep.equal([GPP_STRING, '7,8']);
    });
    it('sends no GPP params without a GPP string', () => {
      expect(syncs(both, null, null, { applicableSections: [7] })[0].url).not.to.include('gpp');
    });
    it('encodes each consent value exactly once', () => {
      const url = syncs(both, { gdprApplies: true, consentString: 'a+b/c=' })[0].url;
      expect(url).to.include('gdpr_consent=a%2Bb%2Fc%3D');
    });
    it('does not sync on a child-directed (COPPA) page', () => {
      expect(syncs(both, gdpr, '1YNN', gpp, true)).to.deep.equal([]);
    });

    describe('the SSP\'s partners\' syncs from its answers (ext.usersync)', () => {
      const answer = (partners: Record<string, unknown>) => ({ body: { id: 'r', seatbid: [], ext: { usersync: partners } } });
      const dspA = { status: 'none', syncs: [{ type: 'iframe', url: 'https://dsp-a.test/sync?id=1' }, { type: 'image', url: 'https://dsp-a.test/px' }] };
      const dspB = { syncs: [{ type: 'redirect', url: 'https://dsp-b.test/px?gdpr=0' }] };
      const fromAnswers = (opts: any, responses: unknown[], ...consent: any[]) =>
        spec.getUserSyncs!(opts, responses as any, consent[0] ?? null, consent[1] ?? null, consent[2] ?? null, consent[3] ?? false);

      it('registers them after the SSP\'s own, iframe and image (or redirect) alike', () => {
        expect(fromAnswers(both, [answer({ 'dsp-a': dspA, 'dsp-b': dspB })])).to.deep.equal([
          { type: 'iframe', url: 'https://ssp.test/usersync?type=iframe' },
          { type: 'iframe', url: 'https://dsp-a.test/sync?id=1' },
          { type: 'image', url: 'https://dsp-a.test/px' },
          { type: 'image', url: 'https://dsp-b.test/px?gdpr=0' },
        ]);
      });

      it('keeps only the types Prebid lets this bidder use', () => {
        const imageOnly = fromAnswers({ iframeEnabled: false, pixelEnabled: true }, [answer({ 'dsp-a': dspA })]);
        expect(imageOnly.map((s: any) => s.type)).to.deep.equal(['image', 'image']);
        const iframeOnly = fromAnswers({ iframeEnabled: true, pixelEnabled: false }, [answer({ 'dsp-a': dspA })]);
        expect(iframeOnly.map((s: any) => s.url)).to.deep.equal(['https://ssp.test/usersync?type=iframe', 'https://dsp-a.test/sync?id=1']);
      });

      it('puts the page\'s consent on the SSP\'s own sync, and leaves its partners\' URLs as the SSP wrote them (it filled in their consent)', () => {
        // Prebid Server's shape of a Xandr sync: the whole query is an encoded redirect, with a $UID macro in it
        const xandr = 'https://ib.adnxs.com/getuid?https%3A%2F%2Fpbs.test%2Fsetuid%3Fbidder%3Dadnxs%26gdpr%3D1%26uid%3D%24UID';
        const plain = 'https://ib.adnxs.com/getuid?https://dsp.test/pixel?adnxs_uid=$UID';
        const [own, ...partners] = fromAnswers(both, [answer({ 'dsp-b': dspB, adnxs: { syncs: [{ type: 'redirect', url: xandr }, { type: 'redirect', url: plain }] } })], gdpr, '1YNN', gpp);
        expect(Object.fromEntries(new URL(own.url).searchParams)).to.deep.equal({ type: 'iframe', gdpr: '1', gdpr_consent: TCF_STRING, us_privacy: '1YNN', gpp: GPP_STRING, gpp_sid: '7,8' });
        expect(partners.map((sync: any) => sync.url)).to.deep.equal(['https://dsp-b.test/px?gdpr=0', xandr, plain]);
      });

      it('registers each URL once, however many answers repeat it', () => {
        const result = fromAnswers(both, [answer({ 'dsp-a': dspA }), answer({ 'dsp-a': dspA, again: dspA })]);
        expect(result).to.have.length(3);
      });

      it('reads at most MAX_ANSWER_SYNCS entries, however many the answers carry', () => {
        const many = { syncs: Array.from({ length: 500 }, (_, i) => ({ type: 'image', url: `https://dsp.test/px?n=${i}` })) };
        const result = fromAnswers(both, [answer({ many })]);
        expect(result).to.have.length(1 + MAX_ANSWER_SYNCS);
        expect(result[MAX_ANSWER_SYNCS].url).to.equal(`https://dsp.test/px?n=${MAX_ANSWER_SYNCS - 1}`);
      });

      it('registers none of them on a COPPA page', () => {
        expect(fromAnswers(both, [answer({ 'dsp-a': dspA })], null, null, null, true)).to.deep.equal([]);
      });

      it('skips entries that are not http(s) URLs of a known type, and answers of any other shape', () => {
        const bad = { syncs: [{ type: 'iframe', url: 'javascript:alert(1)' }, { type: 'image', url: 'data:image/gif;base64,R0' }, { type: 'script', url: 'https://x.test/s.js' }, { type: 'image', url: '/relative' }, null, 'x'] };
        const garbage = [undefined, { body: '' }, { body: { ext: { usersync: [] } } }, { body: { ext: { usersync: { a: null, b: { syncs: {} } } } } }];
        expect(fromAnswers(both, [answer({ bad }), ...garbage])).to.deep.equal([{ type: 'iframe', url: 'https://ssp.test/usersync?type=iframe' }]);
      });
    });
  });

  describe('lifecycle notifications', () => {
    let pixels: ReturnType<typeof capturePixels>;
    beforeEach(() => {
      pixels = capturePixels();
      config.setConfig({ openrtbSsp: { endpoint: ENDPOINT } });
    });
    afterEach(() => pixels.restore());

    it('reports timeouts to /event without cookies', async () => {
      spec.onTimeout!([{ bidId: 'b', timeout: 800 }, { bidId: 'c', timeout: 800 }] as any);
      const url = await pixels.waitFor(/\/event\?type=timeout/);
      expect(url).to.equal('https://ssp.test/event?type=timeout&bids=2&timeout=800');
      expect((window.fetch as sinon.SinonStub).firstCall.args[0].credentials).to.equal('omit');
    });

    it('sends no timeout notification when the SSP turned notifications off', async () => {
      config.setConfig({ openrtbSsp: { endpoint: ENDPOINT, notifications: false } });
      spec.onTimeout!([{ bidId: 'b', timeout: 800 }] as any);
      spec.onTimeout!([] as any);
      // a later pixel on the same background queue: once it fired, ours would have too
      (await import('prebid.js/src/utils.js')).politeTriggerPixel('https://sentinel.test/');
      await pixels.waitFor(/sentinel/);
      expect(pixels.urls).to.deep.equal(['https://sentinel.test/']);
    });

    it('logs the SSP\'s explanation of a rejected request', () => {
      spec.onBidderError!({ error: { status: 400, responseText: '{"errors":["request.imp must contain at least one element"]}' }, bidderRequest: {} } as any);
      expect(logs.warnings()[0]).to.equal('openrtbSsp: SSP answered HTTP 400 {"errors":["request.imp must contain at least one element"]}');
    });
  });
});
