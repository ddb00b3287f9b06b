// The Local DSP's segment API probed as an attacker would: other methods and paths, missing or forged keys,
// wrong content types and codings, bodies too large or too many tokens, deep nesting, tokens that are no tokens.
// Every answer is a 4xx naming what is wrong (or a 200 with row statuses), never a 5xx, and the log stays clean.
import { expect } from 'chai';
import { gzipSync } from 'node:zlib';
import { LOCAL_ADVERTISER_PARTNER } from '../../devstack/receivers/dsp/partners.js';
import { MAX_TOKENS_PER_BATCH } from '../../devstack/receivers/dsp/segmentRequest.js';
import { DEEP, rawRequest } from '../helpers/hostileProbes.js';
import { DSP_MOUNT, randomRawUid, startDsp, upload, type RunningDsp } from '../helpers/dspHarness.js';

describe('DSP segment API: hostile input', function () {
  this.timeout(20_000);
  let running: RunningDsp;
  let base: string;
  const auth = { Authorization: `Bearer ${LOCAL_ADVERTISER_PARTNER.key}` };
  before(async () => {
    running = await startDsp();
    base = new URL(running.segmentsUrl).origin;
  });
  after(() => running.close());

  it('answers other methods 405 and other paths 404', async () => {
    for (const method of ['GET', 'PUT', 'DELETE', 'TRACE', 'OPTIONS']) {
      const answer = await rawRequest(base, { method, target: `${DSP_MOUNT}v1/segments`, headers: auth });
      expect(answer.status, method).to.equal(405);
      expect(answer.headers.allow).to.equal('POST');
    }
    for (const target of [`${DSP_MOUNT}v1/segments/`, `${DSP_MOUNT}v1/../v1/segments`, `${DSP_MOUNT}v1/segments%2f`, `${DSP_MOUNT}V1/segments`]) {
      const answer = await rawRequest(base, { method: 'POST', target, headers: { ...auth, 'Content-Type': 'application/json' }, body: '{}' });
      expect(answer.status, target).to.be.oneOf([400, 404]);
    }
  });

  it('answers 415 to anything but plain JSON: other content types, gzip', async () => {
    const body = JSON.stringify({ segment: 'x', tokens: ['t'] });
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx', '']) {
      expect((await upload(running, body, { 'Content-Type': type })).status, type).to.equal(415);
    }
    const gzipped = await fetch(running.segmentsUrl, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' }, body: new Uint8Array(gzipSync(body)) });
    expect(gzipped.status).to.equal(415);
    expect((await upload(running, body, { 'Content-Type': 'Application/JSON; charset=utf-8' })).status).to.equal(200);
  });

  it('answers 413 to a body over 1 MiB and to more tokens than a batch holds; 400 to what is not the upload', async () => {
    expect((await upload(running, `{"segment":"x","tokens":["${'a'.repeat(1 << 20)}"]}`)).status).to.equal(413);
    const many = await upload(running, { segment: 'x', tokens: Array(MAX_TOKENS_PER_BATCH + 1).fill('A4') });
    expect(many.status).to.equal(413);
    expect(many.json.message).to.contain(`at most ${MAX_TOKENS_PER_BATCH}`);
    const refusals: Array<[string, RegExp]> = [
      ['', /not JSON/],
      ['{"segment":', /not JSON/],
      ['\u0000', /not JSON/],
      ['[]', /JSON object/],
      ['"segment"', /JSON object/],
      [`{"segment":"x","tokens":${DEEP}}`, /tokens\[0\]/],
      [`{"segment":${DEEP},"tokens":["t"]}`, /segment/],
      [`{"segment":"x","tokens":["t",{"toString":"boom"}]}`, /tokens\[1\]/],
      ['{"segment":"x","tokens":{"length":5}}', /tokens/],
      ['{"segment":"x","__proto__":{"tokens":["t"]}}', /tokens/],
    ];
    for (const [body, message] of refusals) {
      const answer = await upload(running, body);
      expect(answer.status, body.slice(0, 60)).to.equal(400);
      expect(answer.json.message, body.slice(0, 60)).to.match(message);
    }
  });

  it('gives tokens that are no tokens their row status and goes on: a full batch of junk is a 200', async () => {
    const [valid] = await running.advertiserTokens([randomRawUid()]);
    const junk = ['', ' ', 'A4', 'A'.repeat(1024), 'A'.repeat(1025), '\u0000\ud800', '%', valid!.slice(0, -4), `${valid}A`];
    const answer = await upload(running, { segment: 'junk', tokens: [...junk, valid, ...Array(MAX_TOKENS_PER_BATCH - junk.length - 1).fill('B4' + 'A'.repeat(200))] });
    expect(answer.status).to.equal(200);
    expect(answer.json.rows).to.have.length(MAX_TOKENS_PER_BATCH);
    expect(answer.json.rows[junk.length]).to.include({ status: 'success', site_id: 124 });
    expect(answer.json.counts.success).to.equal(1);
    expect(answer.json.rows.slice(0, junk.length).every((row: { status: string }) => row.status !== 'success')).to.equal(true);
  });

  it('logs one line per upload and never a token; answers nothing out of proportion', async () => {
    const [token] = await running.advertiserTokens([randomRawUid()]);
    const answer = await upload(running, { segment: 'x.y-z_1', tokens: [token] });
    expect(answer.status).to.equal(200);
    expect(running.logs.join('\n')).not.to.contain(token!.slice(0, 40));
    expect(running.logs.every((line) => !/[\r\n]/.test(line))).to.equal(true);
    // one row per token, each a few dozen bytes: the answer is smaller than the upload
    expect(JSON.stringify(answer.json).length).to.be.below(JSON.stringify({ segment: 'x.y-z_1', tokens: [token] }).length);
  });
});
