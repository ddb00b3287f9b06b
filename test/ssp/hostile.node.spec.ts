// The mock SSP probed as an attacker would: deep nesting and wrong types in the fields it reads or echoes,
// null native assets, floods of imps and errors, gzip bombs, a forged Host header and log injection. Each gets a
// 4xx naming what is wrong, or is made harmless, and no answer grows out of proportion to its request.
import { expect } from 'chai';
import { gzipSync } from 'node:zlib';
import { MAX_IMPS, MAX_LISTED_MESSAGES } from '../../devstack/ssp/limits.js';
import { DEEP, rawRequest } from '../helpers/hostileProbes.js';
import { auction, bidRequest, get, sharedSsp } from '../helpers/sspHarness.js';

/** The request's JSON with the value at `placeholder` replaced by raw JSON text (JSON.stringify cannot write DEEP). */
function withRawValue(request: unknown, rawJson: string): string {
  return JSON.stringify(request).replace('"@@value@@"', rawJson);
}

const VALUE = '@@value@@';

/** Requests with the placeholder in each field a PBS-style validation must type-check before reading. */
const FIELDS: Array<[field: RegExp, request: Record<string, any>]> = [
  [/request\.cur/, bidRequest({ cur: VALUE })],
  [/request\.imp\[0\]\.bidfloorcur/, bidRequest({ imp: [{ id: '1', banner: { w: 300, h: 250 }, bidfloor: 1, bidfloorcur: VALUE }] })],
  [/user\.ext\.eids\[0\]\.uids\[0\]\.atype/, bidRequest({ user: { ext: { eids: [{ source: 'uidapi.com', uids: [{ id: 'A4AAAA', atype: VALUE }] }] } } })],
  [/request\.regs\.ext\.dsa\.dsarequired/, bidRequest({ regs: { ext: { dsa: { dsarequired: VALUE } } } })],
  [/request\.imp\[0\]\.video\.w/, bidRequest({ imp: [{ id: '1', video: { mimes: ['video/mp4'], w: VALUE } }] })],
  [/request\.regs\.ext\.gpc/, bidRequest({ regs: { ext: { gpc: VALUE } } })],
  [/request\.imp\[0\]\.tagid/, bidRequest({ imp: [{ id: '1', banner: { w: 300, h: 250 }, tagid: VALUE }] })],
];

describe('mock SSP: hostile input', () => {
  const ssp = sharedSsp();

  async function stillBids(): Promise<void> {
    expect((await auction(ssp(), bidRequest({ test: 1 }))).status).to.equal(200);
  }

  it('answers 400 naming the field for 20,000-deep nesting in every field it reads', async () => {
    for (const [field, request] of FIELDS) {
      const answer = await auction(ssp(), undefined, { raw: withRawValue(request, DEEP) });
      expect(answer.status, field.source).to.equal(400);
      expect(answer.json.errors.join('\n'), field.source).to.match(field);
    }
    await stillBids();
  });

  it('answers 400 naming the field for a wrong type in every field it reads', async () => {
    for (const [field, request] of FIELDS) {
      const answer = await auction(ssp(), undefined, { raw: withRawValue(request, '{"a":1}') });
      expect(answer.status, field.source).to.equal(400);
      expect(answer.json.errors.join('\n'), field.source).to.match(field);
    }
  });

  it('answers 400 for null or malformed native assets, naming the asset', async () => {
    const native = (assets: unknown) => bidRequest({ imp: [{ id: '1', native: { ver: '1.2', request: JSON.stringify({ ver: '1.2', assets }) } }] });
    const cases: Array<[unknown, RegExp]> = [
      [[null], /assets\[0\] must be an object/],
      [[{ id: 1, title: { len: 80 } }, 7], /assets\[1\] must be an object/],
      [[{ id: [[1]], title: { len: 80 } }], /assets\[0\]\.id must be a non-negative integer/],
      [[{ id: 1, img: { w: [[300]] } }], /assets\[0\]\.img\.w must be a non-negative integer/],
    ];
    for (const [assets, message] of cases) {
      const answer = await auction(ssp(), native(assets));
      expect(answer.status).to.equal(400);
      expect(answer.json.errors.join('\n')).to.match(message);
    }
    const deep = await auction(ssp(), undefined, {
      raw: withRawValue({ ...native([{ id: 1, title: { len: 80 } }]), imp: [{ id: '1', native: { request: VALUE } }] }, JSON.stringify(`{"assets":${DEEP}}`)),
    });
    expect(deep.status).to.equal(400);
    expect(deep.json.errors[0]).to.match(/request\.imp\[0\]\.native\.request\.assets.* nests too deep/);
  });

  it('answers a 1 MB body of empty imps with one short error, not a list per imp', async () => {
    const body = JSON.stringify(bidRequest({ imp: Array.from({ length: 300_000 }, () => ({})) }));
    const answer = await auction(ssp(), undefined, { raw: body });
    expect(answer.status).to.equal(400);
    expect(answer.json.errors).to.deep.equal([`request.imp has 300000 elements; this SSP takes at most ${MAX_IMPS}`]);
    expect(answer.text.length).to.be.below(1024);
  });

  it('lists at most MAX_LISTED_MESSAGES errors and warnings, then "…and N more"', async () => {
    const imps = Array.from({ length: MAX_IMPS }, (_, i) => ({ id: String(i) }));
    const eids = Array.from({ length: 500 }, () => ({}));
    const answer = await auction(ssp(), bidRequest({ imp: imps, user: { ext: { eids } } }));
    expect(answer.status).to.equal(400);
    expect(answer.json.errors).to.have.length(MAX_LISTED_MESSAGES + 1);
    expect(answer.json.errors.at(-1)).to.equal(`…and ${MAX_IMPS - MAX_LISTED_MESSAGES} more`);
    expect(answer.json.warnings).to.have.length(MAX_LISTED_MESSAGES + 1);
    expect(answer.json.warnings.at(-1)).to.equal(`…and ${500 - MAX_LISTED_MESSAGES} more`);
    expect(answer.text.length).to.be.below(8 * 1024);
  });

  it('stops inflating a gzip body at 1 MiB: an 8 KB body inflating to 8 MB gets a short 413, six at once too', async () => {
    const bomb = gzipSync(Buffer.alloc(8 << 20, '['), { level: 9 });
    expect(bomb.length).to.be.below(16 * 1024);
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => auction(ssp(), undefined, { raw: new Uint8Array(bomb), query: '?gzip=1' })),
    );
    for (const answer of answers) {
      expect(answer.status).to.equal(413);
      expect(answer.text.length).to.be.below(256);
    }
    const emptyImps = gzipSync(JSON.stringify(bidRequest({ imp: Array.from({ length: 100_000 }, () => ({})) })));
    const flood = await auction(ssp(), undefined, { raw: new Uint8Array(emptyImps), headers: { 'Content-Encoding': 'gzip' } });
    expect(flood.status).to.equal(400);
    expect(flood.text.length).to.be.below(1024);
    await stillBids();
  });

  it('builds tracker and VAST URLs from its own address, never from the Host header', async () => {
    const request = bidRequest({ test: 1, imp: [{ id: 'v', video: { mimes: ['video/mp4'], w: 640, h: 360 } }] });
    const answer = await rawRequest(ssp().url, {
      method: 'POST',
      target: '/openrtb2/auction',
      headers: { Host: 'evil.example', 'Content-Type': 'text/plain' },
      body: JSON.stringify(request),
    });
    expect(answer.status).to.equal(200);
    expect(answer.body).not.to.include('evil.example');
    const bid = JSON.parse(answer.body).seatbid[0].bid[0];
    expect(bid.burl.startsWith(`${ssp().url}/event?`)).to.equal(true);
    expect(bid.adm).to.include(`${ssp().url}/event?type=vast-impression`);
  });

  it('writes an imp id into its VAST as an attribute value, escaped: a request cannot add trackers to the ad', async () => {
    const id = 'x"><Impression><![CDATA[https://evil.example/track]]></Impression><Extensions a="';
    const answer = await auction(ssp(), bidRequest({ test: 1, imp: [{ id, video: { mimes: ['video/mp4'], w: 640, h: 360, plcmt: 4 } }] }));
    const vast: string = answer.json.seatbid[0].bid[0].adm;
    expect(vast).not.to.include('evil.example/track]]></Impression>');
    expect(vast.match(/<Impression>/g)).to.have.length(1);
  });

  it('logs /event and /usersync values and eid sources escaped: a request cannot forge a log line', async () => {
    const forged = encodeURIComponent('win 0.1ms\nGET /openrtb2/auction 200 forged');
    await get(ssp(), `/event?type=${forged}`);
    await get(ssp(), `/usersync?us_privacy=${forged}&gdpr=${forged}&gpp_sid=${forged}`);
    await auction(ssp(), bidRequest({ user: { ext: { eids: [{ source: 'win\nGET /openrtb2/auction 200 forged', uids: [{ id: 'x' }] }] } } }));
    const lines = ssp().logs.filter((line) => line.includes('forged'));
    expect(lines).to.have.length(3);
    for (const line of lines) {
      expect(line).not.to.include('\n');
      expect(line).to.include('\\n');
    }
  });

  it('answers 400 to a request target that is no URL, 404 to TRACE, and goes on', async () => {
    expect((await rawRequest(ssp().url, { target: 'http://[' })).status).to.equal(400);
    expect((await rawRequest(ssp().url, { method: 'TRACE', target: '/openrtb2/auction' })).status).to.equal(404);
    expect((await rawRequest(ssp().url, { target: '/%ff' })).status).to.equal(404);
    await stillBids();
  });
});
