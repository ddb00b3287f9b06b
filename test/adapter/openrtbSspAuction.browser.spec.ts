// The openrtbSsp adapter inside the real bundle, driven through pbjs.requestBids on a fake network: what core
// hands it (consent, activity controls, FPD, floors) and what becomes of the SSP's answer (bids, trackers, syncs).
import { expect } from 'chai';
import sinon from 'sinon';
// the bundle first (through the helpers): Prebid's internals must load in core's order
import {
  answerEachImp, bannerUnit, capturePixels, captureAdapterLogs, ENDPOINT, GPP_STRING, multiUnit, nativeUnit, OTHER_EID, pbjs,
  runAuction, SCHAIN, setUpAuction, TCF_STRING, tearDownAuction, UID2_EID, videoUnit,
} from '../helpers/openrtbSsp.browser.js';
import 'prebid.js/modules/allowActivities'; // the publisher-facing switch for activity controls, as a page would add it
import { userSync } from 'prebid.js/src/userSync.js';
import { politeTriggerPixel } from 'prebid.js/src/utils.js';
import { GVLID, ALIASES, DEFAULT_GZIP_MIN_BYTES } from '../../modules/openrtbSspBidAdapter.js';
import { jsonBody, jsonResponse, type FakeFetch } from '../helpers/fakeFetch.browser.js';

const ALIAS = ALIASES[0];
const allPurposes = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [i + 1, true]));

/** TCF consent from a static CMP: every purpose, and vendor consent for `vendors` only. */
function tcf(vendors: number[], extra: Record<string, unknown> = {}) {
  return {
    gdpr: {
      cmpApi: 'static',
      consentData: {
        tcString: TCF_STRING,
        gdprApplies: true,
        addtlConsent: '1~7.12.35',
        purpose: { consents: allPurposes, legitimateInterests: {} },
        vendor: { consents: Object.fromEntries(vendors.map((v) => [v, true])), legitimateInterests: {} },
      },
      ...extra,
    },
  };
}

/** lets bidders without vendor consent still bid (purpose 2 without vendor check), so only the eid rule decides */
const BASIC_ADS_WITHOUT_VENDOR_CHECK = { rules: [{ purpose: 'basicAds', enforcePurpose: true, enforceVendor: false }] };

const eidsOf = (ortb: any) => ({ ext: ortb.user?.ext?.eids, v26: ortb.user?.eids });

describe('openrtbSsp adapter in a Prebid auction', () => {
  let network: FakeFetch;
  beforeEach(() => {
    network = setUpAuction();
  });
  afterEach(() => {
    sinon.restore();
    tearDownAuction(network);
  });

  describe('the request', () => {
    it('is one CORS-simple text/plain POST to the configured endpoint for all ad units', async () => {
      const { sent, ortb } = await runAuction(network, [bannerUnit(), videoUnit(), nativeUnit()]);
      expect(sent).to.have.length(1);
      expect(sent[0]!.method).to.equal('POST');
      expect(sent[0]!.url.replace('?gzip=1', '')).to.equal(ENDPOINT); // gzipped or not, by its size
      expect(sent[0]!.headers.get('content-type')).to.equal('text/plain');
      expect(ortb.imp.map((imp: any) => imp.tagid)).to.deep.equal(['p-banner', 'p-video', 'p-native']);
    });

    it('is not sent at all, with an error, when the SSP configured no endpoint', async () => {
      const logs = captureAdapterLogs();
      try {
        pbjs.setConfig({ openrtbSsp: {} } as any);
        const before = network.requests.length;
        const { bids } = await runAuction(network, [bannerUnit()]);
        expect(network.requests.length).to.equal(before);
        expect(bids['slot-banner']?.bids ?? []).to.deep.equal([]);
        expect(logs.errors()).to.deep.equal(['openrtbSsp: no endpoint']);
      } finally {
        logs.stop();
      }
    });

    const manyUnits = (n: number) => Array.from({ length: n }, (_, i) => bannerUnit(`slot-${i}`, { placementId: `p-${i}` }));

    it('is gzipped by default, with ?gzip=1, once the body reaches DEFAULT_GZIP_MIN_BYTES; the SSP reads the same OpenRTB', async () => {
      const { sent, ortb } = await runAuction(network, manyUnits(12));
      expect(sent[0]!.url).to.equal(`${ENDPOINT}?gzip=1`);
      expect([sent[0]!.bytes[0], sent[0]!.bytes[1]]).to.deep.equal([0x1f, 0x8b]); // gzip magic, not JSON
      expect(JSON.stringify(ortb).length).to.be.at.least(DEFAULT_GZIP_MIN_BYTES);
      expect(ortb.imp).to.have.length(12);
      expect(sent[0]!.bytes.length).to.be.below(JSON.stringify(ortb).length / 2);
    });

    it('is plain JSON below that size, with gzip: false, and in debug mode', async () => {
      expect((await runAuction(network, [bannerUnit()])).sent[0]!.url).to.equal(ENDPOINT);
      pbjs.setConfig({ openrtbSsp: { endpoint: ENDPOINT, gzip: false } } as any);
      expect((await runAuction(network, manyUnits(12))).sent[0]!.url).to.equal(ENDPOINT);
      pbjs.setConfig({ openrtbSsp: { endpoint: ENDPOINT, gzipMinBytes: 0 }, debug: true } as any);
      const { sent } = await runAuction(network, manyUnits(12));
      expect(sent[0]!.url).to.equal(ENDPOINT);
      expect(JSON.parse(sent[0]!.body).imp).to.have.length(12);
    });

    it('is split into requests of at most maxImpsPerRequest imps, and every bid comes back to its own ad unit', async () => {
      pbjs.setConfig({ openrtbSsp: { endpoint: ENDPOINT, maxImpsPerRequest: 2 } } as any);
      const { sent, bids } = await runAuction(network, manyUnits(5), {
        respond: (ortb) => answerEachImp(ortb, (imp) => ({ adm: `<div>ad for ${imp.tagid}</div>`, price: 1 + Number(imp.tagid.slice(2)) })),
      });
      const bodies = await Promise.all(sent.map(jsonBody));
      // in any order: a gzipped request leaves later than a plain one
      const groups = bodies.map((o) => o.imp.map((imp: any) => imp.tagid)).sort((a, b) => a[0].localeCompare(b[0]));
      expect(groups).to.deep.equal([['p-0', 'p-1'], ['p-2', 'p-3'], ['p-4']]);
      for (let i = 0; i < 5; i++) {
        const [bid] = bids[`slot-${i}`]!.bids;
        expect(bid.ad, `slot-${i}`).to.equal(`<div>ad for p-${i}</div>`);
        expect(bid.cpm).to.equal(1 + i);
      }
    });

    it('carries the auction timeout as tmax', async () => {
      const { ortb } = await runAuction(network, [bannerUnit()], { timeout: 1234 });
      expect(ortb.tmax).to.equal(1234);
    });

    it('carries site, device and publisher FPD, and imp.ext.gpid from the ad unit', async () => {
      pbjs.setConfig({ ortb2: { site: { keywords: 'sports', content: { language: 'en' } }, user: { data: [{ name: 'seg.test', segment: [{ id: '7' }] }] } } } as any);
      const unit = bannerUnit('slot-gpid', { placementId: 'p', publisherId: 'pub-1' }, { ortb2Imp: { ext: { gpid: '/1234/home#slot' } } });
      const { ortb } = await runAuction(network, [unit]);
      expect(ortb.site).to.deep.include({ keywords: 'sports', content: { language: 'en' } });
      expect(ortb.site.page).to.equal(window.top!.location.href);
      expect(ortb.site.publisher.id).to.equal('pub-1');
      expect(ortb.device.ua).to.equal(navigator.userAgent);
      expect(ortb.user.data).to.deep.equal([{ name: 'seg.test', segment: [{ id: '7' }] }]);
      expect(ortb.imp[0].ext.gpid).to.equal('/1234/home#slot');
    });

    it('carries the schain in source.ext.schain, however the publisher set it', async () => {
      pbjs.setConfig({ ortb2: { source: { schain: SCHAIN } } } as any);
      const { ortb } = await runAuction(network, [bannerUnit()]);
      expect(ortb.source.ext.schain).to.deep.equal(SCHAIN);
      expect(ortb.source.schain).to.equal(undefined);
    });
  });

  describe('consent', () => {
    it('TCF: regs.ext.gdpr = 1, the consent string and the Google additional consent', async () => {
      pbjs.setConfig({ consentManagement: tcf([GVLID]) } as any);
      const { ortb } = await runAuction(network, [bannerUnit()]);
      expect(ortb.regs.ext.gdpr).to.equal(1);
      expect(ortb.user.ext.consent).to.equal(TCF_STRING);
      expect(ortb.user.ext.ConsentedProvidersSettings.consented_providers).to.equal('1~7.12.35');
    });

    it('TCF: regs.ext.gdpr = 0 when GDPR does not apply', async () => {
      pbjs.setConfig({ consentManagement: { gdpr: { cmpApi: 'static', consentData: { tcString: TCF_STRING, gdprApplies: false } } } } as any);
      const { ortb } = await runAuction(network, [bannerUnit()]);
      expect(ortb.regs.ext.gdpr).to.equal(0);
    });

    it('US privacy: regs.ext.us_privacy', async () => {
      pbjs.setConfig({ consentManagement: { usp: { cmpApi: 'static', consentData: { getUSPData: { uspString: '1YNN' } } } } } as any);
      const { ortb } = await runAuction(network, [bannerUnit()]);
      expect(ortb.regs.ext.us_privacy).to.equal('1YNN');
    });

    it('GPP: regs.gpp and regs.gpp_sid', async () => {
      pbjs.setConfig({ consentManagement: { gpp: { cmpApi: 'static', consentData: { gppString: GPP_STRING, applicableSections: [7] } } } } as any);
      const { ortb } = await runAuction(network, [bannerUnit()]);
      expect(ortb.regs).to.deep.include({ gpp: GPP_STRING, gpp_sid: [7] });
    });

    it('COPPA: regs.coppa = 1 from setConfig({coppa: true})', async () => {
      pbjs.setConfig({ coppa: true } as any);
      const { ortb } = await runAuction(network, [bannerUnit()]);
      expect(ortb.regs.coppa).to.equal(1);
    });

    it('GPC: regs.ext.gpc = "1" when the browser sends Global Privacy Control', async () => {
      // core reads the top window's navigator (karma runs specs in an iframe)
      const navigators = [navigator, window.top!.navigator];
      navigators.forEach((n) => Object.defineProperty(n, 'globalPrivacyControl', { value: true, configurable: true }));
      try {
        const { ortb } = await runAuction(network, [bannerUnit()]);
        expect(ortb.regs.ext.gpc).to.equal('1');
      } finally {
        navigators.forEach((n) => delete (n as any).globalPrivacyControl);
      }
    });

    it('no consent module configured: no GDPR, USP or GPP signal', async () => {
      const { ortb } = await runAuction(network, [bannerUnit()]);
      expect(ortb.regs?.ext?.gdpr).to.equal(undefined);
      expect(ortb.regs?.ext?.us_privacy).to.equal(undefined);
      expect(ortb.regs?.gpp).to.equal(undefined);
    });
  });

  describe('eids', () => {
    const withEids = { user: { eids: [UID2_EID, OTHER_EID] } };

    it('reach the SSP untouched in user.ext.eids, and only there', async () => {
      const { ortb } = await runAuction(network, [bannerUnit()], { ortb2: withEids });
      expect(ortb.user.ext.eids).to.deep.include.members([UID2_EID, OTHER_EID]);
      expect(ortb.user.eids).to.equal(undefined);
    });

    it('reach the SSP in user.eids, and only there, with setConfig({openrtbSsp: {ortbVersion: "2.6"}})', async () => {
      pbjs.setConfig({ openrtbSsp: { endpoint: ENDPOINT, ortbVersion: '2.6' } } as any);
      const { ortb } = await runAuction(network, [bannerUnit()], { ortb2: withEids });
      expect(ortb.user.eids).to.deep.include.members([UID2_EID, OTHER_EID]);
      expect(ortb.user.ext?.eids).to.equal(undefined);
    });

    it('switch to 2.6 for this bidder only through bidder config', async () => {
      pbjs.setBidderConfig({ bidders: ['openrtbSsp'], config: { openrtbSsp: { endpoint: ENDPOINT, ortbVersion: '2.6' } } } as any);
      const { ortb } = await runAuction(network, [bannerUnit()], { ortb2: withEids });
      expect(eidsOf(ortb).v26).to.deep.include(UID2_EID);
      expect(eidsOf(ortb).ext).to.equal(undefined);
    });

    it('are absent, in both locations, when the transmitEids activity is denied', async () => {
      pbjs.setConfig({ allowActivities: { transmitEids: { rules: [{ allow: false }] } } } as any);
      const { sent, ortb } = await runAuction(network, [bannerUnit()], { ortb2: withEids });
      expect(sent).to.have.length(1);
      expect(eidsOf(ortb)).to.deep.equal({ ext: undefined, v26: undefined });
    });

    it('are absent in 2.6 mode too when transmitEids is denied for this bidder only', async () => {
      pbjs.setConfig({
        openrtbSsp: { endpoint: ENDPOINT, ortbVersion: '2.6' },
        allowActivities: { transmitEids: { rules: [{ condition: ({ componentName }: any) => componentName === 'openrtbSsp', allow: false }] } },
      } as any);
      const { ortb } = await runAuction(network, [bannerUnit()], { ortb2: withEids });
      expect(eidsOf(ortb)).to.deep.equal({ ext: undefined, v26: undefined });
    });

    it('are absent under GDPR when the user gave our GVL vendor no consent', async () => {
      pbjs.setConfig({ consentManagement: tcf([1, 2, 3], BASIC_ADS_WITHOUT_VENDOR_CHECK) } as any);
      const { sent, ortb } = await runAuction(network, [bannerUnit()], { ortb2: withEids });
      expect(sent).to.have.length(1); // the bidder still bids: only its eids are withheld
      expect(ortb.regs.ext.gdpr).to.equal(1);
      expect(eidsOf(ortb)).to.deep.equal({ ext: undefined, v26: undefined });
    });

    it('are present under GDPR when our GVL vendor has consent', async () => {
      pbjs.setConfig({ consentManagement: tcf([GVLID], BASIC_ADS_WITHOUT_VENDOR_CHECK) } as any);
      const { ortb } = await runAuction(network, [bannerUnit()], { ortb2: withEids });
      expect(ortb.user.ext.eids).to.deep.include(UID2_EID);
    });

    it('follow the alias\'s own GVL id: its vendor consent alone lets its eids through', async () => {
      pbjs.setConfig({ consentManagement: tcf([ALIAS.gvlid], BASIC_ADS_WITHOUT_VENDOR_CHECK) } as any);
      const unit = { ...bannerUnit(), bids: [{ bidder: 'openrtbSsp', params: { placementId: 'main' } }, { bidder: ALIAS.code, params: { placementId: 'alias' } }] };
      const { sent } = await runAuction(network, [unit], { ortb2: withEids });
      const byPlacement = Object.fromEntries((await Promise.all(sent.map(jsonBody))).map((o) => [o.imp[0].tagid, o]));
      expect(Object.keys(byPlacement).sort()).to.deep.equal(['alias', 'main']);
      expect(byPlacement.alias.user.ext.eids).to.deep.include(UID2_EID);
      expect(byPlacement.main.user?.ext?.eids).to.equal(undefined);
    });
  });

  describe('floors (priceFloors module)', () => {
    const floors = (currency: string, values: Record<string, number>) => ({
      floors: { enforcement: { enforceJS: false }, data: { currency, schema: { fields: ['mediaType', 'size'] }, values } },
    });

    it('sends the floor in USD, with per-size floors where they differ', async () => {
      pbjs.setConfig(floors('USD', { 'banner|300x250': 1.1, 'banner|300x600': 2.2, '*|*': 0.5 }) as any);
      const [imp] = (await runAuction(network, [bannerUnit()])).ortb.imp;
      expect([imp.bidfloor, imp.bidfloorcur]).to.deep.equal([0.5, 'USD']);
      expect(imp.banner.format.map((f: any) => f.ext)).to.deep.equal([{ bidfloor: 1.1, bidfloorcur: 'USD' }, { bidfloor: 2.2, bidfloorcur: 'USD' }]);
    });

    it('converts a floor in another currency to USD with the currency module', async () => {
      pbjs.setConfig({ ...floors('EUR', { '*|*': 1 }), currency: { adServerCurrency: 'USD', rates: { USD: { EUR: 0.5 } } } } as any);
      const [imp] = (await runAuction(network, [bannerUnit()])).ortb.imp;
      expect([imp.bidfloor, imp.bidfloorcur]).to.deep.equal([2, 'USD']);
    });

    it('sends no floor it cannot convert to USD, and says so', async () => {
      const logs = captureAdapterLogs();
      try {
        pbjs.setConfig(floors('EUR', { '*|*': 1 }) as any);
        const [imp] = (await runAuction(network, [bannerUnit()])).ortb.imp;
        expect(imp.bidfloor).to.equal(undefined);
        expect(logs.warnings().join('\n')).to.match(/floor in EUR not sent/);
      } finally {
        logs.stop();
      }
    });
  });

  describe('the answer', () => {
    it('becomes bids of each media type with their required fields', async () => {
      pbjs.setConfig({ cache: { allowVastXmlOnly: true } } as any);
      const native = JSON.stringify({ ver: '1.2', assets: [{ id: 1, title: { text: 'Hello' } }, { id: 2, img: { url: 'https://cdn.test/i.png', w: 300, h: 250 } }], link: { url: 'https://advertiser.test' } });
      const { bids } = await runAuction(network, [bannerUnit(), videoUnit(), nativeUnit()], {
        respond: (ortb) => answerEachImp(ortb, (imp) => (imp.video ? { adm: '<VAST version="4.0"></VAST>', w: 640, h: 480 } : imp.native ? { adm: native } : {})),
      });
      const [banner] = bids['slot-banner']!.bids;
      expect(banner).to.include({ bidderCode: 'openrtbSsp', mediaType: 'banner', cpm: 1.5, currency: 'USD', netRevenue: true, ttl: 300, width: 300, height: 250, creativeId: 'creative-0' });
      expect(banner.meta).to.deep.include({ advertiserDomains: ['advertiser.test'], networkName: 'dsp-1' });
      expect(bids['slot-video']!.bids[0]).to.include({ mediaType: 'video', vastXml: '<VAST version="4.0"></VAST>' });
      expect(bids['slot-native']!.bids[0].mediaType).to.equal('native');
      expect(bids['slot-native']!.bids[0].native.ortb.assets[0].title.text).to.equal('Hello');
    });

    it('answers a multi-format ad unit in the format the SSP chose (mtype)', async () => {
      pbjs.setConfig({ cache: { allowVastXmlOnly: true } } as any);
      const { ortb, bids } = await runAuction(network, [multiUnit()], { respond: (o) => answerEachImp(o, () => ({ mtype: 2, adm: '<VAST/>' })) });
      expect(Object.keys(ortb.imp[0])).to.include.members(['banner', 'video', 'native']);
      expect(bids['slot-multi']!.bids[0].mediaType).to.equal('video');
    });

    it('brings no bid in a media type the ad unit did not ask for', async () => {
      const { bids } = await runAuction(network, [bannerUnit()], { respond: (o) => answerEachImp(o, () => ({ mtype: 2, adm: '<VAST/>' })) });
      expect(bids['slot-banner']?.bids ?? []).to.deep.equal([]);
    });

    it('keeps the good bids of a partly malformed answer', async () => {
      const { bids } = await runAuction(network, [bannerUnit('a'), bannerUnit('b')], {
        respond: (o) => answerEachImp(o, (imp) => (imp.id === o.imp[0].id ? { price: 'NaN' } : {})),
      });
      expect(bids.a?.bids ?? []).to.deep.equal([]);
      expect(bids.b!.bids).to.have.length(1);
    });

    it('brings none of the bids it or core cannot use: no crid and an unknown imp (core), a bad price and price 0 outside a deal (the adapter)', async () => {
      const units = ['no-crid', 'unknown-imp', 'negative', 'zero', 'deal', 'good'].map((code) => bannerUnit(code));
      const { bids } = await runAuction(network, units, {
        respond: (o) => answerEachImp(o, (imp) => [{ crid: undefined }, { impid: 'nope' }, { price: -1 }, { price: 0 }, { price: 0, dealid: 'd' }, {}][o.imp.indexOf(imp)]!),
      });
      const received = Object.fromEntries(Object.entries(bids).map(([code, { bids: unitBids }]) => [code, unitBids.map((bid) => bid.cpm)]));
      expect(received).to.deep.equal({ deal: [0], good: [1.5] });
    });

    it('lives longer as video than as banner, unless the bid or the answer say otherwise', async () => {
      pbjs.setConfig({ cache: { allowVastXmlOnly: true } } as any);
      const video = { adm: '<VAST/>', w: 640, h: 480 };
      let { bids } = await runAuction(network, [bannerUnit(), videoUnit()], { respond: (o) => answerEachImp(o, (imp) => (imp.video ? video : {})) });
      expect([bids['slot-banner']!.bids[0].ttl, bids['slot-video']!.bids[0].ttl]).to.deep.equal([300, 1800]);
      ({ bids } = await runAuction(network, [bannerUnit(), videoUnit()], {
        respond: async (o) => jsonResponse({ ...(await answerEachImp(o, (imp) => (imp.video ? { ...video, exp: 60 } : {})).json()), ext: { ttl: { banner: 30 }, netRevenue: false } }),
      }));
      expect(bids['slot-banner']!.bids[0]).to.include({ ttl: 30, netRevenue: false });
      expect(bids['slot-video']!.bids[0]).to.include({ ttl: 60, netRevenue: false });
    });

    describe('seats as alternate bidder codes', () => {
      afterEach(() => {
        delete (pbjs as any).bidderSettings;
      });

      it('bid under the adapter\'s code by default', async () => {
        const { bids } = await runAuction(network, [bannerUnit()], { respond: (o) => answerEachImp(o) });
        expect(bids['slot-banner']!.bids[0]).to.include({ bidderCode: 'openrtbSsp', adapterCode: 'openrtbSsp' });
      });

      it('bid under the seat when the publisher allows alternate codes, and core accepts them', async () => {
        (pbjs as any).bidderSettings = { openrtbSsp: { allowAlternateBidderCodes: true, allowedAlternateBidderCodes: ['dsp-1'] } };
        const { ortb, bids } = await runAuction(network, [bannerUnit()], { respond: (o) => answerEachImp(o) });
        expect(ortb.ext.openrtbSsp.allowedAlternateBidderCodes).to.deep.equal(['dsp-1']);
        expect(bids['slot-banner']!.bids[0]).to.include({ bidderCode: 'dsp-1', adapterCode: 'openrtbSsp' });
        expect(pbjs.getAdserverTargetingForAdUnitCode('slot-banner')).to.include({ hb_bidder: 'dsp-1' });
      });

      it('bid under the adapter\'s code, rather than be rejected, when the seat is not in the allowed list', async () => {
        (pbjs as any).bidderSettings = { openrtbSsp: { allowAlternateBidderCodes: true, allowedAlternateBidderCodes: ['other-dsp'] } };
        const { bids } = await runAuction(network, [bannerUnit()], { respond: (o) => answerEachImp(o) });
        expect(bids['slot-banner']!.bids[0]).to.include({ bidderCode: 'openrtbSsp' });
      });
    });

    describe('outstream video', () => {
      const outstreamUnit = (extra: Record<string, unknown> = {}) => ({
        code: 'slot-outstream',
        mediaTypes: { video: { context: 'outstream', playerSize: [[640, 360]], mimes: ['video/mp4'] } },
        bids: [{ bidder: 'openrtbSsp', params: { placementId: 'p-out' } }],
        ...extra,
      });
      const vast = (ext?: Record<string, unknown>) => (o: any) => answerEachImp(o, () => ({ adm: '<VAST/>', w: 640, h: 360, ...(ext ? { ext } : {}) }));

      it('gets the player the SSP named, and core accepts the bid', async () => {
        const { bids } = await runAuction(network, [outstreamUnit()], { respond: vast({ prebid: { meta: { rendererUrl: 'https://cdn.ssp.test/p.js' } } }) });
        const [bid] = bids['slot-outstream']!.bids;
        expect(bid.renderer.url).to.equal('https://cdn.ssp.test/p.js');
        expect(bid.vastXml).to.equal('<VAST/>');
      });

      it('gets the SSP\'s default player when the answer names none', async () => {
        pbjs.setConfig({ openrtbSsp: { endpoint: ENDPOINT, outstreamRendererUrl: 'https://cdn.ssp.test/default.js' } } as any);
        const { bids } = await runAuction(network, [outstreamUnit()], { respond: vast() });
        expect(bids['slot-outstream']!.bids[0].renderer.url).to.equal('https://cdn.ssp.test/default.js');
      });

      it('is shown with the publisher\'s own renderer when the ad unit has one', async () => {
        const render = sinon.spy();
        const { bids } = await runAuction(network, [outstreamUnit({ renderer: { url: 'https://pub.test/r.js', render } })], { respond: vast({ prebid: { meta: { rendererUrl: 'https://cdn.ssp.test/p.js' } } }) });
        expect(bids['slot-outstream']!.bids[0].renderer.url).to.equal('https://pub.test/r.js');
      });

      it('is shown with the publisher\'s mediaTypes.video renderer, and with the SSP\'s player when the publisher\'s is backupOnly', async () => {
        const renderer = { url: 'https://pub.test/r.js', render: sinon.spy() };
        const videoLevel = { mediaTypes: { video: { context: 'outstream', playerSize: [[640, 360]], mimes: ['video/mp4'], renderer } } };
        let { bids } = await runAuction(network, [outstreamUnit(videoLevel)], { respond: vast({ prebid: { meta: { rendererUrl: 'https://cdn.ssp.test/p.js' } } }) });
        expect(bids['slot-outstream']!.bids[0].renderer.url).to.equal('https://pub.test/r.js');
        ({ bids } = await runAuction(network, [outstreamUnit({ renderer: { ...renderer, backupOnly: true } })], { respond: vast({ prebid: { meta: { rendererUrl: 'https://cdn.ssp.test/p.js' } } }) }));
        expect(bids['slot-outstream']!.bids[0].renderer.url).to.equal('https://cdn.ssp.test/p.js');
      });

      it('brings no bid it has no player for', async () => {
        const { bids } = await runAuction(network, [outstreamUnit()], { respond: vast() });
        expect(bids['slot-outstream']?.bids ?? []).to.deep.equal([]);
      });
    });

    it('logs why the SSP rejected the request (HTTP 400) and brings no bid', async () => {
      const logs = captureAdapterLogs();
      try {
        const { bids } = await runAuction(network, [bannerUnit()], { respond: () => jsonResponse({ errors: ['request.site should include at least one of request.site.id or request.site.page'] }, 400) });
        expect(bids['slot-banner']?.bids ?? []).to.deep.equal([]);
        expect(logs.warnings()).to.deep.include('openrtbSsp: SSP answered HTTP 400 {"errors":["request.site should include at least one of request.site.id or request.site.page"]}');
      } finally {
        logs.stop();
      }
    });
  });

  describe('trackers, timeouts and syncs', () => {
    let pixels: ReturnType<typeof capturePixels>;
    beforeEach(() => {
      pixels = capturePixels();
      pbjs.setConfig({ cache: { allowVastXmlOnly: true } } as any);
    });
    afterEach(() => {
      pixels.restore();
      // userSync keeps its settings outside config (and remembers iframes were once allowed): leave syncs off, iframes excluded
      pbjs.setConfig({ userSync: { syncEnabled: false, filterSettings: { iframe: { bidders: '*', filter: 'exclude' }, image: { bidders: '*', filter: 'include' } } } } as any);
    });

    const videoWithTrackers = (o: any) =>
      answerEachImp(o, () => ({ mtype: 2, price: 2.5, adm: '<VAST/>', nurl: 'https://ssp.test/win?p=${AUCTION_PRICE}', burl: 'https://ssp.test/bill?p=${AUCTION_PRICE}' }));

    it('fires the win notice when the bid wins and burl when it is billed, with the price filled in', async () => {
      const { bids } = await runAuction(network, [videoUnit()], { respond: videoWithTrackers });
      const [bid] = bids['slot-video']!.bids;
      pbjs.markWinningBidAsUsed({ adId: bid.adId, events: true } as any);
      expect(await pixels.waitFor(/\/win/)).to.equal('https://ssp.test/win?p=2.5');
      expect(await pixels.waitFor(/\/bill/)).to.equal('https://ssp.test/bill?p=2.5');
    });

    it('holds burl back until pbjs.triggerBilling for an ad unit with deferBilling', async () => {
      const { bids } = await runAuction(network, [videoUnit('slot-video', { placementId: 'p' }, { deferBilling: true })], { respond: videoWithTrackers });
      const [bid] = bids['slot-video']!.bids;
      pbjs.markWinningBidAsUsed({ adId: bid.adId, events: true } as any);
      politeTriggerPixel('https://sentinel.test/'); // queued after anything the win fired
      await pixels.waitFor(/sentinel/);
      expect(pixels.urls.filter((u) => u.includes('/bill'))).to.deep.equal([]);
      pbjs.triggerBilling({ adId: bid.adId });
      expect(await pixels.waitFor(/\/bill/)).to.equal('https://ssp.test/bill?p=2.5');
    });

    it('notifies the SSP of a timeout', async () => {
      network.respondWith(ENDPOINT, () => new Promise<Response>(() => {}));
      await new Promise((resolve) => pbjs.requestBids({ adUnits: [bannerUnit()] as any, timeout: 50, bidsBackHandler: resolve as any }));
      expect(await pixels.waitFor(/\/event\?type=timeout/)).to.match(/^https:\/\/ssp.test\/event\?type=timeout&bids=1&timeout=\d+$/);
    });

    it('registers an iframe sync on the SSP\'s origin with every consent signal after the auction', async () => {
      const register = sinon.stub(userSync, 'registerSync');
      pbjs.setConfig({
        userSync: { syncEnabled: true, filterSettings: { iframe: { bidders: '*', filter: 'include' } } },
        consentManagement: {
          ...tcf([GVLID]),
          usp: { cmpApi: 'static', consentData: { getUSPData: { uspString: '1YNN' } } },
          gpp: { cmpApi: 'static', consentData: { gppString: GPP_STRING, applicableSections: [7] } },
        },
      } as any);
      await runAuction(network, [bannerUnit()]);
      const call = register.getCalls().find((c) => c.args[1] === 'openrtbSsp');
      expect(call?.args[0]).to.equal('iframe');
      const url = new URL(call!.args[2]);
      expect(`${url.origin}${url.pathname}`).to.equal('https://ssp.test/usersync');
      expect(Object.fromEntries(url.searchParams)).to.deep.equal({ type: 'iframe', gdpr: '1', gdpr_consent: TCF_STRING, us_privacy: '1YNN', gpp: GPP_STRING, gpp_sid: '7' });
    });

    it('registers the syncs of the SSP\'s partners from its answer as the SSP wrote them, each once, after its own with consent', async () => {
      const register = sinon.stub(userSync, 'registerSync');
      pbjs.setConfig({
        userSync: { syncEnabled: true, syncsPerBidder: 0, filterSettings: { all: { bidders: '*', filter: 'include' } } },
        consentManagement: { usp: { cmpApi: 'static', consentData: { getUSPData: { uspString: '1YNN' } } } },
        openrtbSsp: { endpoint: ENDPOINT, maxImpsPerRequest: 1 },
      } as any);
      const usersync = { 'dsp-a': { syncs: [{ type: 'iframe', url: 'https://dsp-a.test/sync' }, { type: 'redirect', url: 'https://dsp-a.test/px' }] } };
      await runAuction(network, [bannerUnit('a'), bannerUnit('b')], {
        respond: async (o) => jsonResponse({ ...(await answerEachImp(o).json()), ext: { usersync } }),
      });
      const ours = register.getCalls().filter((c) => c.args[1] === 'openrtbSsp').map((c) => [c.args[0], c.args[2]]);
      expect(ours).to.deep.equal([
        ['iframe', 'https://ssp.test/usersync?type=iframe&us_privacy=1YNN'],
        ['iframe', 'https://dsp-a.test/sync'],
        ['image', 'https://dsp-a.test/px'],
      ]);
    });

    it('registers an image sync when iframes are not allowed, and none when the bidder may sync neither', async () => {
      const register = sinon.stub(userSync, 'registerSync');
      pbjs.setConfig({ userSync: { syncEnabled: true, filterSettings: { iframe: { bidders: '*', filter: 'exclude' }, image: { bidders: '*', filter: 'include' } } } } as any);
      await runAuction(network, [bannerUnit()]);
      expect(register.getCalls().filter((c) => c.args[1] === 'openrtbSsp').map((c) => c.args[0])).to.deep.equal(['image']);
      register.resetHistory();
      pbjs.setConfig({ userSync: { syncEnabled: true, filterSettings: { all: { bidders: '*', filter: 'exclude' } } } } as any);
      await runAuction(network, [bannerUnit()]);
      expect(register.getCalls().filter((c) => c.args[1] === 'openrtbSsp')).to.deep.equal([]);
    });
  });
});
