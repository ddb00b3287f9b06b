import { expect } from 'chai';
import { gzipSync } from 'node:zlib';
import { BASE_PRICE, MAX_PRICE, SEAT } from '../../devstack/ssp/bids.js';
import { auction, bidRequest, get, NATIVE_REQUEST, reportOf, sharedSsp, startSsp, type RunningSsp } from '../helpers/sspHarness.js';

const SCHAIN = { ver: '1.0', complete: 1, nodes: [{ asi: 'ssp.example', sid: 'pub-1', hp: 1 }] };
const FAKE_TOKEN = 'A4AAAAxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx-not-a-real-token';
const uid2Eid = (id = FAKE_TOKEN, atype = 3) => ({ source: 'uidapi.com', uids: [{ id, atype }] });

describe('mock SSP: transport', () => {
  let ssp: RunningSsp;
  beforeEach(async () => {
    ssp = await startSsp();
  });
  afterEach(() => ssp.close());

  it('reflects the Origin with credentials allowed (never *) on auction answers', async () => {
    const answer = await auction(ssp, bidRequest(), { headers: { Origin: 'https://publisher.example' } });
    expect(answer.status).to.equal(200);
    expect(answer.headers.get('access-control-allow-origin')).to.equal('https://publisher.example');
    expect(answer.headers.get('access-control-allow-credentials')).to.equal('true');
    expect(answer.headers.get('vary')).to.equal('Origin');
  });

  it('answers a preflight with 204, the methods and the requested headers', async () => {
    const response = await fetch(`${ssp.url}/openrtb2/auction`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://publisher.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
    });
    expect(response.status).to.equal(204);
    expect(response.headers.get('access-control-allow-methods')).to.include('POST');
    expect(response.headers.get('access-control-allow-headers')).to.equal('content-type');
    expect(response.headers.get('access-control-allow-origin')).to.equal('https://publisher.example');
  });

  it('reads a text/plain JSON body (the CORS-simple request Prebid sends)', async () => {
    const answer = await auction(ssp, bidRequest());
    expect(answer.status).to.equal(200);
    expect(answer.headers.get('content-type')).to.equal('application/json');
    expect(answer.json.id).to.equal('request-1');
  });

  it('gunzips a body flagged with ?gzip=1, as Prebid core sends with endpointCompression', async () => {
    const answer = await auction(ssp, undefined, { query: '?gzip=1', raw: gzipSync(JSON.stringify(bidRequest())) });
    expect(answer.status).to.equal(200);
    expect(answer.json.seatbid[0].bid).to.have.length(1);
  });

  it('recognises gzip by its magic bytes and by Content-Encoding', async () => {
    const raw = gzipSync(JSON.stringify(bidRequest()));
    expect((await auction(ssp, undefined, { raw })).status).to.equal(200);
    expect((await auction(ssp, undefined, { raw, headers: { 'Content-Encoding': 'gzip' } })).status).to.equal(200);
  });

  it('refuses a body that is not JSON, or not valid gzip, with 400', async () => {
    const notJson = await auction(ssp, undefined, { raw: '{"id":' });
    expect(notJson.status).to.equal(400);
    expect(notJson.json.errors[0]).to.match(/not JSON/);
    expect((await auction(ssp, undefined, { query: '?gzip=1', raw: '{"id":"x"}' })).status).to.equal(400);
  });

  it('refuses a body over 1 MiB with 413', async () => {
    const answer = await auction(ssp, undefined, { raw: 'x'.repeat((1 << 20) + 1) });
    expect(answer.status).to.equal(413);
  });

  it('answers 404 for unknown paths and methods', async () => {
    expect((await get(ssp, '/nothing')).status).to.equal(404);
    expect((await get(ssp, '/openrtb2/auction')).status).to.equal(404);
  });

  it('acknowledges notifications on /event with 204', async () => {
    const answer = await get(ssp, '/event?type=billing&bid=b1&price=1.5');
    expect(answer.status).to.equal(204);
    expect(ssp.logs.at(-1)).to.match(/^GET \/event 204 type=billing/);
  });

  it('reports that it has no operator on /status', async () => {
    const answer = await get(ssp, '/status');
    expect(answer.json).to.deep.equal({ keys: null });
  });

  it('logs one line per request, without the token, the consent string or the page', async () => {
    const consent = 'CPsecretConsentString';
    await auction(ssp, bidRequest({ user: { ext: { eids: [uid2Eid()], consent } }, regs: { ext: { gdpr: 0 } } }));
    expect(ssp.logs).to.have.length(1);
    expect(ssp.logs[0]).to.match(/^POST \/openrtb2\/auction 200 imps=1 bids=1 eids=uidapi.com uid2=no_operator warnings=0 \d+\.\dms$/);
    for (const secret of [FAKE_TOKEN, consent, 'page.html']) expect(ssp.logs[0]).not.to.include(secret);
  });
});

describe('mock SSP: request validation (as Prebid Server)', () => {
  const ssp = sharedSsp();

  const invalid: Array<[string, Record<string, unknown>, RegExp]> = [
    ['a request without id', { id: undefined }, /missing required field: "id"/],
    ['a request without imps', { imp: [] }, /request.imp must contain at least one element/],
    ['an imp without id', { imp: [{ banner: { format: [{ w: 1, h: 1 }] } }] }, /imp\[0\] missing required field: "id"/],
    ['duplicate imp ids', { imp: [{ id: 'a', banner: { w: 1, h: 1 } }, { id: 'a', banner: { w: 1, h: 1 } }] }, /imp\[1\].id "a" is not unique/],
    ['an imp without any format', { imp: [{ id: 'a' }] }, /at least one of "banner", "video", "audio", or "native"/],
    ['a banner without sizes', { imp: [{ id: 'a', banner: {} }] }, /banner has no sizes/],
    ['a banner format without positive w/h', { imp: [{ id: 'a', banner: { format: [{ w: 0, h: 250 }] } }] }, /format\[0\] needs positive w and h/],
    ['a video without mimes', { imp: [{ id: 'a', video: { w: 640, h: 480 } }] }, /video.mimes must contain at least one/],
    ['an audio without mimes', { imp: [{ id: 'a', audio: {} }] }, /audio.mimes must contain at least one/],
    ['a native request that is not JSON', { imp: [{ id: 'a', native: { request: '{' } }] }, /native.request is not valid JSON/],
    ['a native request without assets', { imp: [{ id: 'a', native: { request: '{"ver":"1.2"}' } }] }, /assets must be an array containing at least one object/],
    ['both site and app', { app: { bundle: 'com.example' } }, /exactly one of request.site, request.app or request.dooh/],
    ['neither site nor app', { site: undefined }, /exactly one of request.site, request.app or request.dooh/],
    ['a site without id or page', { site: { domain: 'example.com' } }, /site.id or request.site.page/],
    ['regs.ext.gdpr other than 0 or 1', { regs: { ext: { gdpr: 2 } } }, /regs.ext.gdpr must be either 0 or 1/],
    ['regs.gdpr other than 0 or 1', { regs: { gdpr: '1' } }, /regs.gdpr must be either 0 or 1/],
    ['a negative tmax', { tmax: -1 }, /tmax must be a non-negative integer/],
    ['a negative floor', { imp: [{ id: 'a', bidfloor: -1, banner: { w: 1, h: 1 } }] }, /bidfloor must be a non-negative number/],
    ['regs.coppa other than 0 or 1', { regs: { coppa: 2 } }, /regs.coppa must be either 0 or 1/],
    ['an imp that is not an object', { imp: ['imp'] }, /imp\[0\] must be an object/],
    ['a banner that is not an object', { imp: [{ id: 'a', banner: [] }] }, /imp\[0\].banner must be an object/],
  ];
  for (const [what, changes, message] of invalid) {
    it(`rejects ${what} with 400 and the reason`, async () => {
      const answer = await auction(ssp(), bidRequest(changes));
      expect(answer.status).to.equal(400);
      expect(answer.json.errors.join('\n')).to.match(message);
    });
  }

  it('rejects a body that is not an object', async () => {
    const answer = await auction(ssp(), [bidRequest()]);
    expect(answer.status).to.equal(400);
    expect(answer.json.errors).to.deep.equal(['request must be a JSON object']);
  });

  it('accepts app and dooh requests, banner sizes on the banner itself, and format ratios', async () => {
    const app = bidRequest({ site: undefined, app: { bundle: 'com.example.app' }, imp: [{ id: 'a', banner: { w: 320, h: 50 } }] });
    const dooh = bidRequest({ site: undefined, dooh: { id: 'screen-1' }, imp: [{ id: 'a', banner: { format: [{ wratio: 16, hratio: 9 }] } }] });
    expect((await auction(ssp(), app)).status).to.equal(200);
    expect((await auction(ssp(), dooh)).status).to.equal(200);
  });

  it('warns, without rejecting, when eids are in both user.eids and user.ext.eids, and keeps user.eids', async () => {
    const report = reportOf(await auction(ssp(), bidRequest({ user: { eids: [uid2Eid()], ext: { eids: [{ source: 'other.example', uids: [{ id: 'x' }] }] } } })));
    expect(report.eids).to.deep.equal({ location: 'both', sources: ['uidapi.com'] });
    expect(report.warnings.join('\n')).to.match(/both user.eids and user.ext.eids/);
  });

  it('reads eids from either location alone, naming the location', async () => {
    expect(reportOf(await auction(ssp(), bidRequest({ user: { ext: { eids: [uid2Eid()] } } }))).eids.location).to.equal('user.ext.eids');
    const report26 = reportOf(await auction(ssp(), bidRequest({ user: { eids: [uid2Eid()] } })));
    expect(report26.eids.location).to.equal('user.eids');
    expect(report26.ortbVersion).to.equal('2.6');
    expect(report26.warnings).to.deep.equal([]);
  });

  it('drops malformed eids with a warning each (no source, no uids, uid without id), as PBS validateEIDs', async () => {
    const eids = [{ uids: [{ id: 'a' }] }, { source: 'empty.example', uids: [] }, { source: 'partial.example', uids: [{ id: '' }, { id: 'ok' }] }, uid2Eid()];
    const report = reportOf(await auction(ssp(), bidRequest({ user: { ext: { eids } } })));
    expect(report.eids.sources).to.deep.equal(['partial.example', 'uidapi.com']);
    expect(report.warnings).to.have.length(3);
  });

  it('accepts a native 1.0 request wrapped in {native: ...}', async () => {
    const request = JSON.stringify({ native: { ver: '1.0', assets: [{ id: 1, title: { len: 20 } }] } });
    const answer = await auction(ssp(), bidRequest({ imp: [{ id: 'n', native: { request } }] }));
    expect(answer.status).to.equal(200);
    expect(JSON.parse(answer.json.seatbid[0].bid[0].adm).assets).to.deep.equal([{ id: 1, title: { text: 'openrtbSsp mock native ad' } }]);
  });

  it('ignores eids that are not an array, and an schain in both locations, with warnings', async () => {
    const report = reportOf(await auction(ssp(), bidRequest({ user: { ext: { eids: { source: 'x' } } }, source: { schain: SCHAIN, ext: { schain: SCHAIN } } })));
    expect(report.eids).to.deep.equal({ location: 'user.ext.eids', sources: [] });
    expect(report.warnings).to.include.members(['user.ext.eids must be an array; ignored', 'schain is in both source.schain and source.ext.schain']);
  });

  it('warns when a request mixes 2.5 and 2.6 locations', async () => {
    const report = reportOf(await auction(ssp(), bidRequest({ regs: { gdpr: 0 }, user: { ext: { consent: 'CP' } } })));
    expect(report.ortbVersion).to.equal('mixed');
    expect(report.warnings.join('\n')).to.match(/mixes OpenRTB 2.5 ext locations and 2.6/);
  });

  it('checks the schain (ver, complete, nodes with asi/sid/hp) and reports it', async () => {
    const report = reportOf(await auction(ssp(), bidRequest({ source: { ext: { schain: SCHAIN } } })));
    expect(report.schain).to.deep.equal({ present: true, complete: 1, nodes: 1 });
    expect(report.warnings).to.deep.equal([]);
    const bad = reportOf(await auction(ssp(), bidRequest({ source: { schain: { complete: 3, nodes: [{ asi: 'x' }] } } })));
    expect(bad.warnings).to.include.members(['schain.ver is required', 'schain.complete must be 0 or 1', 'schain.nodes[0] needs asi, sid and hp 0 or 1']);
  });

  it('warns on a UID2 eid with an atype other than 3, or a token without a known version prefix', async () => {
    const report = reportOf(await auction(ssp(), bidRequest({ user: { ext: { eids: [uid2Eid('not-a-token', 1)] } } })));
    expect(report.warnings).to.include('UID2 eid has atype 1; UID2 tokens are atype 3');
    expect(report.warnings).to.include('UID2 eid does not look like a UID2 token (unknown version prefix)');
  });

  it('warns on a UID2 eid under GDPR (the module should be off) and under COPPA', async () => {
    const report = reportOf(await auction(ssp(), bidRequest({ user: { ext: { eids: [uid2Eid()] } }, regs: { coppa: 1, ext: { gdpr: 1 } } })));
    expect(report.warnings.join('\n')).to.match(/while GDPR applies/).and.to.match(/COPPA/);
  });

  it('reports every consent signal it saw, in either location, without echoing the TCF string', async () => {
    const request = bidRequest({
      regs: { coppa: 1, gpp: 'DBABMA~CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA', gpp_sid: [7, 8], ext: { gdpr: 1, us_privacy: '1YNN', gpc: '1' } },
      user: { ext: { consent: 'CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA' } },
    });
    const answer = await auction(ssp(), request);
    expect(reportOf(answer).consent).to.deep.equal({ gdpr: 1, gdprConsent: true, usPrivacy: '1YNN', gpp: true, gppSid: [7, 8], coppa: 1, gpc: '1' });
    expect(JSON.stringify(answer.json.ext)).not.to.include('CPXxRfAPXxRfAAfKABENB');
  });
});

describe('mock SSP: bids', () => {
  const ssp = sharedSsp();

  const bidsOf = async (request: Record<string, unknown>) => {
    const answer = await auction(ssp(), request);
    return answer.status === 204 ? [] : answer.json.seatbid.flatMap((seat: { bid: unknown[] }) => seat.bid);
  };

  it('answers a banner imp with a valid OpenRTB 2.6 bid: id, impid, price, crid, mtype 1, size, adomain, exp, burl', async () => {
    const answer = await auction(ssp(), bidRequest());
    expect(answer.json).to.include({ id: 'request-1', cur: 'USD' });
    expect(answer.json.seatbid[0].seat).to.equal(SEAT);
    const [bid] = answer.json.seatbid[0].bid;
    expect(bid).to.include({ impid: 'imp-1', price: BASE_PRICE.banner, mtype: 1, w: 300, h: 250, exp: 300, crid: 'mock-banner' });
    expect(bid.id).to.be.a('string').and.not.equal('');
    expect(bid.adomain).to.deep.equal(['advertiser.example']);
    expect(bid.burl).to.match(/\/event\?.*price=\$\{AUCTION_PRICE\}.*type=billing/);
    expect(bid.adm).to.include('openrtbSsp mock ad').and.include('UID2: none');
  });

  it('answers a video imp with VAST in adm, mtype 2, and a win nurl', async () => {
    const [bid] = await bidsOf(bidRequest({ imp: [{ id: 'v', video: { mimes: ['video/mp4'], w: 640, h: 480 } }] }));
    expect(bid).to.include({ mtype: 2, w: 640, h: 480, price: BASE_PRICE.video });
    expect(bid.adm).to.match(/^<\?xml.*<VAST version="4.0">/);
    expect(bid.nurl).to.match(/type=win/);
  });

  it('answers a native imp with mtype 4 and markup for each requested asset', async () => {
    const [bid] = await bidsOf(bidRequest({ imp: [{ id: 'n', native: { request: NATIVE_REQUEST, ver: '1.2' } }] }));
    expect(bid.mtype).to.equal(4);
    const adm = JSON.parse(bid.adm);
    expect(adm.assets.map((a: { id: number }) => a.id)).to.deep.equal([1, 2, 3]);
    expect(adm.assets[1].img).to.include({ w: 300, h: 250 });
    expect(adm.link.url).to.equal('https://advertiser.example/');
  });

  it('answers a multi-format imp once, in the format that pays most', async () => {
    const bids = await bidsOf(bidRequest({ imp: [{ id: 'm', banner: { format: [{ w: 300, h: 250 }] }, video: { mimes: ['video/mp4'] } }] }));
    expect(bids).to.have.length(1);
    expect(bids[0].mtype).to.equal(2);
  });

  it('bids above a USD floor', async () => {
    const [bid] = await bidsOf(bidRequest({ imp: [{ id: 'f', bidfloor: 3, bidfloorcur: 'USD', banner: { w: 300, h: 250 } }] }));
    expect(bid.price).to.equal(3.6);
  });

  it('answers 204 when no imp can be filled: a floor out of reach, or a "nobid" placement', async () => {
    const highFloor = await auction(ssp(), bidRequest({ imp: [{ id: 'f', bidfloor: MAX_PRICE, banner: { w: 300, h: 250 } }] }));
    expect(highFloor.status).to.equal(204);
    expect(highFloor.text).to.equal('');
    expect((await auction(ssp(), bidRequest({ imp: [{ id: 'n', tagid: 'nobid-1', banner: { w: 1, h: 1 } }] }))).status).to.equal(204);
  });

  it('always bids on test requests (test: 1), whatever the floor or placement', async () => {
    const bids = await bidsOf(bidRequest({ test: 1, imp: [{ id: 'n', tagid: 'nobid-1', bidfloor: 1000, banner: { w: 1, h: 1 } }] }));
    expect(bids).to.have.length(1);
    expect(bids[0].price).to.equal(1200);
  });

  it('answers 204 when request.cur does not allow USD, the only currency it bids in', async () => {
    expect((await auction(ssp(), bidRequest({ cur: ['EUR'], test: 1 }))).status).to.equal(204);
    expect(ssp().logs.at(-1)).to.match(/ bids=0 .* warnings=1 /);
  });

  it('bids for a deal with its dealid, and adds DSA transparency when the request requires it', async () => {
    const request = bidRequest({
      imp: [{ id: 'd', pmp: { deals: [{ id: 'deal-7', bidfloor: 2 }] }, banner: { w: 300, h: 250 } }],
      regs: { ext: { dsa: { dsarequired: 2 } } },
    });
    const [bid] = await bidsOf(request);
    expect(bid.dealid).to.equal('deal-7');
    expect(bid.price).to.equal(2.4);
    expect(bid.ext.dsa).to.deep.equal({ behalf: 'Mock Advertiser', paid: 'Mock Advertiser', adrender: 0 });
  });

  it('ignores a floor in another currency, with a warning', async () => {
    const answer = await auction(ssp(), bidRequest({ imp: [{ id: 'e', bidfloor: 99, bidfloorcur: 'EUR', banner: { w: 300, h: 250 } }] }));
    expect(answer.json.seatbid[0].bid[0].price).to.equal(BASE_PRICE.banner);
    expect(reportOf(answer).warnings.join('\n')).to.match(/bidfloorcur is EUR/);
  });
});

describe('mock SSP: /usersync', () => {
  const ssp = sharedSsp();

  it('answers an iframe sync with HTML and an image sync with a 1x1 GIF', async () => {
    const iframe = await get(ssp(), '/usersync?type=iframe');
    expect(iframe.headers.get('content-type')).to.match(/^text\/html/);
    const image = await fetch(`${ssp().url}/usersync?type=image`);
    expect(image.headers.get('content-type')).to.equal('image/gif');
    expect(Buffer.from(await image.arrayBuffer()).subarray(0, 6).toString()).to.equal('GIF89a');
  });

  it('sets its cookie when no regulation forbids it', async () => {
    const answer = await get(ssp(), '/usersync?type=image&gdpr=1&gdpr_consent=CPconsent&us_privacy=1YNN');
    expect(answer.headers.get('set-cookie')).to.match(/^ssp_uid=[0-9a-f-]{36}; Max-Age=2592000; Path=\/; SameSite=None; Secure$/);
  });

  it('sets no cookie when GDPR applies without a consent string, or the user opted out of sale', async () => {
    expect((await get(ssp(), '/usersync?type=image&gdpr=1')).headers.get('set-cookie')).to.equal(null);
    expect((await get(ssp(), '/usersync?type=image&us_privacy=1YYN')).headers.get('set-cookie')).to.equal(null);
  });

  it('logs the consent params it received, without the consent string', async () => {
    await get(ssp(), '/usersync?type=iframe&gdpr=1&gdpr_consent=CPsecret&us_privacy=1YNN&gpp=DBABMA&gpp_sid=7,8');
    const line = ssp().logs.at(-1)!;
    expect(line).to.match(/^GET \/usersync 200 type=iframe gdpr=1 gdpr_consent=yes us_privacy=1YNN gpp=yes gpp_sid=7,8 cookie=set/);
    expect(line).not.to.include('CPsecret');
  });
});
