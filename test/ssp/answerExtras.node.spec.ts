// What the mock SSP's answer carries beyond bids, for the openrtbSsp adapter to act on: seats per demand
// partner, the outstream player it names and serves, and its partners' user syncs.
import { expect } from 'chai';
import vm from 'node:vm';
import { SEAT } from '../../devstack/ssp/bids.js';
import { PLAYER_PATH } from '../../devstack/ssp/outstream.js';
import { VIDEO_SEAT } from '../../devstack/ssp/seats.js';
import { auction, bidRequest, get, sharedSsp } from '../helpers/sspHarness.js';

const VIDEO = { mimes: ['video/mp4'], w: 640, h: 360 };
const banner = { id: 'b', banner: { format: [{ w: 300, h: 250 }] } };

describe('mock SSP: answer extras', () => {
  const ssp = sharedSsp();

  it('answers each demand partner in its own seat: video from its video partner', async () => {
    const answer = await auction(ssp(), bidRequest({ imp: [banner, { id: 'v', video: VIDEO }] }));
    expect(answer.json.seatbid.map((s: any) => [s.seat, s.bid.map((b: any) => b.impid)])).to.deep.equal([[SEAT, ['b']], [VIDEO_SEAT, ['v']]]);
  });

  it('names its outstream player in ext.prebid.meta.rendererUrl for an outstream imp only', async () => {
    const answer = await auction(ssp(), bidRequest({ imp: [{ id: 'out', video: { ...VIDEO, plcmt: 4 } }, { id: 'in', video: { ...VIDEO, plcmt: 1 } }, { id: 'old', video: { ...VIDEO, placement: 3 } }] }));
    const byImp = Object.fromEntries(answer.json.seatbid[0].bid.map((b: any) => [b.impid, b.ext?.prebid?.meta?.rendererUrl]));
    expect(byImp).to.deep.equal({ out: `${ssp().url}${PLAYER_PATH}`, in: undefined, old: `${ssp().url}${PLAYER_PATH}` });
  });

  it('serves the player: a script defining window.InRenderer with render(elementId, bid, options)', async () => {
    const script = await get(ssp(), PLAYER_PATH);
    expect(script.status).to.equal(200);
    expect(script.headers.get('content-type')).to.equal('text/javascript; charset=utf-8');
    const window: Record<string, any> = {};
    vm.runInNewContext(script.text, { window });
    expect(window.InRenderer).to.be.a('function');
    expect(new window.InRenderer().render).to.be.a('function');
  });

  it('carries its partners\' iframe and image syncs in ext.usersync, pointing at its own /usersync', async () => {
    const answer = await auction(ssp(), bidRequest());
    const { usersync } = answer.json.ext;
    expect(Object.keys(usersync)).to.deep.equal([SEAT, VIDEO_SEAT]);
    const entries = Object.values(usersync).flatMap((partner: any) => partner.syncs);
    expect(entries.map((s: any) => s.type)).to.deep.equal(['iframe', 'image', 'redirect']);
    for (const { url } of entries) expect((await fetch(url)).status, url).to.equal(200);
  });

  it('fills its partners\' sync URLs with the consent the request carried, in its 2.6 fields or the 2.5 ext ones, as Prebid Server does', async () => {
    const syncParams = async (regs: object, user: object) => {
      const answer = await auction(ssp(), bidRequest({ regs, user }));
      const [first] = Object.values(answer.json.ext.usersync).flatMap((partner: any) => partner.syncs);
      return Object.fromEntries(new URL((first as any).url).searchParams);
    };
    const expected = { type: 'iframe', partner: SEAT, gdpr: '1', gdpr_consent: 'CPtcf', us_privacy: '1YNN', gpp: 'DBAgpp', gpp_sid: '7,8' };
    expect(await syncParams({ gdpr: 1, us_privacy: '1YNN', gpp: 'DBAgpp', gpp_sid: [7, 8] }, { consent: 'CPtcf' })).to.deep.equal(expected);
    expect(await syncParams({ ext: { gdpr: 1, us_privacy: '1YNN', gpp: 'DBAgpp', gpp_sid: [7, 8] } }, { ext: { consent: 'CPtcf' } })).to.deep.equal(expected);
    expect(await syncParams({}, {})).to.deep.equal({ type: 'iframe', partner: SEAT });
  });

  it('carries no syncs on a child-directed (COPPA) request', async () => {
    const answer = await auction(ssp(), bidRequest({ regs: { coppa: 1 } }));
    expect(answer.json.ext.usersync).to.equal(undefined);
  });
});
