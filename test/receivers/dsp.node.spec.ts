// The Local DSP's segment API: its decisions as tables (the upload's shape, who a key authenticates, the segment
// bounds), then over HTTP with tokens the advertiser encrypted with its sharing keys: rows in order with the SDKs'
// statuses, fingerprints of the right raw UID2s, segments that count each user once, and not_authorized_for_key
// row by row once the advertiser stops sharing with the DSP.
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { fromBase64 } from '../../libraries/uid2/crypto/base64.js';
import { parseSegmentOrder } from '../../devstack/receivers/advertiser.js';
import { createDsp } from '../../devstack/receivers/dsp/dsp.js';
import { LOCAL_ADVERTISER_PARTNER, partnerAuthenticator } from '../../devstack/receivers/dsp/partners.js';
import { closeServer, listen } from '../../devstack/http.js';
import { MAX_TOKENS_PER_BATCH, parseSegmentUpload } from '../../devstack/receivers/dsp/segmentRequest.js';
import { MAX_MEMBERS_PER_SEGMENT, MAX_SEGMENTS_PER_PARTNER, SegmentStore } from '../../devstack/receivers/dsp/segments.js';
import { randomRawUid, startDsp, upload, type RunningDsp } from '../helpers/dspHarness.js';

const fingerprintOf = (rawUid: string) => createHash('sha256').update(rawUid).digest('hex').slice(0, 6);

describe('DSP segment API: decisions', () => {
  it('parseSegmentUpload: takes {segment, tokens}, refuses the rest naming the field', () => {
    const table: Array<[unknown, string | { segment: string; tokens: string[] }]> = [
      [{ segment: 'buyers', tokens: ['t1', 't2'] }, { segment: 'buyers', tokens: ['t1', 't2'] }],
      [{ segment: 'a.b_c-9', tokens: [''], extra: 1 }, { segment: 'a.b_c-9', tokens: [''] }],
      [null, '400 expected a JSON object'],
      [[], '400 expected a JSON object'],
      ['text', '400 expected a JSON object'],
      [{ tokens: ['t'] }, '400 segment:'],
      [{ segment: '', tokens: ['t'] }, '400 segment:'],
      [{ segment: '-lead', tokens: ['t'] }, '400 segment:'],
      [{ segment: 'a'.repeat(65), tokens: ['t'] }, '400 segment:'],
      [{ segment: 'a/b', tokens: ['t'] }, '400 segment:'],
      [{ segment: ['buyers'], tokens: ['t'] }, '400 segment:'],
      [{ segment: 'buyers' }, '400 tokens:'],
      [{ segment: 'buyers', tokens: [] }, '400 tokens:'],
      [{ segment: 'buyers', tokens: 't' }, '400 tokens:'],
      [{ segment: 'buyers', tokens: ['t', 7] }, '400 tokens[1]:'],
      [{ segment: 'buyers', tokens: ['t', ['t']] }, '400 tokens[1]:'],
      [{ segment: 'buyers', tokens: Array(MAX_TOKENS_PER_BATCH + 1).fill('t') }, `413 tokens: at most ${MAX_TOKENS_PER_BATCH}`],
    ];
    for (const [body, expected] of table) {
      const parsed = parseSegmentUpload(body);
      const shown = 'httpStatus' in parsed ? `${parsed.httpStatus} ${parsed.message}` : parsed;
      if (typeof expected === 'string') expect(shown, JSON.stringify(body)?.slice(0, 80)).to.be.a('string').that.satisfies((s: string) => s.startsWith(expected));
      else expect(shown, JSON.stringify(body)).to.deep.equal(expected);
    }
    expect(parseSegmentUpload({ segment: 'max', tokens: Array(MAX_TOKENS_PER_BATCH).fill('t') })).not.to.have.property('httpStatus');
  });

  it('partnerAuthenticator: the issued key as a bearer credential, nothing else', () => {
    const authenticate = partnerAuthenticator([LOCAL_ADVERTISER_PARTNER, { name: 'Other', siteId: 126, key: 'other-key' }]);
    const { key } = LOCAL_ADVERTISER_PARTNER;
    const table: Array<[string | undefined, number | undefined]> = [
      [`Bearer ${key}`, 124],
      ['Bearer other-key', 126],
      [undefined, undefined],
      ['', undefined],
      [key, undefined],
      [`bearer ${key}`, undefined],
      [`Bearer  ${key}`, undefined],
      [`Bearer ${key} `, undefined],
      [`Bearer ${key}x`, undefined],
      [`Bearer ${key.slice(0, -1)}`, undefined],
      [`Basic ${Buffer.from(`user:${key}`).toString('base64')}`, undefined],
      [`Bearer ${'a'.repeat(300)}`, undefined],
      ['Bearer k\u00e9y', undefined],
    ];
    for (const [header, siteId] of table) expect(authenticate(header)?.siteId, String(header).slice(0, 60)).to.equal(siteId);
    expect(authenticate(`Bearer ${key}`)).to.deep.equal({ name: 'Local advertiser', siteId: 124 }); // never the key
  });

  it('SegmentStore: counts each raw UID2 once, per partner and segment, within its bounds', () => {
    const store = new SegmentStore();
    expect(store.add(124, 'buyers', ['u1', 'u2', 'u2'])).to.deep.equal({ added: 2, members: 2 });
    expect(store.add(124, 'buyers', ['u2', 'u3'])).to.deep.equal({ added: 1, members: 3 });
    expect(store.add(126, 'buyers', ['u1'])).to.deep.equal({ added: 1, members: 1 });
    expect(store.add(124, 'empty', [])).to.deep.equal({ added: 0, members: 0 });
    for (let i = 1; i < MAX_SEGMENTS_PER_PARTNER; i++) expect(store.add(124, `s${i}`, ['u1'])).not.to.equal(undefined);
    expect(store.add(124, 'one-too-many', ['u1'])).to.equal(undefined);
    expect(store.add(124, 'buyers', ['u4'])).to.deep.equal({ added: 1, members: 4 }); // an existing segment still grows
    const big = Array.from({ length: MAX_MEMBERS_PER_SEGMENT }, (_, i) => `m${i}`);
    expect(store.add(126, 'big', big)).to.deep.equal({ added: MAX_MEMBERS_PER_SEGMENT, members: MAX_MEMBERS_PER_SEGMENT });
    expect(store.add(126, 'big', ['one-more'])).to.equal(undefined);
    expect(store.add(126, 'big', ['m0'])).to.deep.equal({ added: 0, members: MAX_MEMBERS_PER_SEGMENT });
  });

  it('parseSegmentOrder (the advertiser page to its server): a segment name and 1 to 100 emails or phones', () => {
    expect(parseSegmentOrder({ segment: 'buyers', customers: [' a@example.com ', '+12025550123'] })).to.deep.equal({ segment: 'buyers', customers: ['a@example.com', '+12025550123'] });
    const refused = [null, {}, { segment: 'buyers' }, { segment: 'buyers', customers: [] }, { segment: 'x y', customers: ['a@example.com'] },
      { segment: 'buyers', customers: Array(101).fill('a@example.com') }, { segment: 'buyers', customers: ['a@example.com', 3] },
      { segment: 'buyers', customers: ['  '] }, { segment: 'buyers', customers: ['a'.repeat(257)] }];
    for (const body of refused) expect(parseSegmentOrder(body), JSON.stringify(body)?.slice(0, 80)).to.have.property('message');
  });
});

describe('DSP segment API over HTTP', function () {
  this.timeout(20_000);
  let running: RunningDsp;
  before(async () => {
    running = await startDsp();
  });
  after(() => running.close());

  it('decrypts the advertiser\'s batch with its sharing keys: rows in order, site 124, fingerprints of the raw UID2s', async () => {
    const rawUids = [randomRawUid(), randomRawUid(), randomRawUid()];
    const [first, second, third] = await running.advertiserTokens(rawUids);
    const tampered = `${second!.slice(0, 100)}${second![100] === 'A' ? 'B' : 'A'}${second!.slice(101)}`;
    const answer = await upload(running, { segment: 'recent-buyers', tokens: [first, 'not-a-token', tampered, third, 'x'.repeat(5000)] });
    expect(answer.status).to.equal(200);
    expect(answer.json).to.deep.include({
      status: 'success', segment: 'recent-buyers', partner_site_id: 124, received: 5,
      counts: { success: 2, version_not_supported: 1, invalid_payload: 2 }, added: 2, members: 2,
    });
    expect(answer.json.rows).to.deep.equal([
      { status: 'success', site_id: 124, fingerprint: fingerprintOf(rawUids[0]!) },
      { status: 'version_not_supported' },
      { status: 'invalid_payload' },
      { status: 'success', site_id: 124, fingerprint: fingerprintOf(rawUids[2]!) },
      { status: 'invalid_payload' },
    ]);
    // the answer and the log carry neither a raw UID2 nor a token
    const said = JSON.stringify(answer.json) + running.logs.join('\n');
    for (const secret of [...rawUids, first!, third!]) expect(said).not.to.contain(secret);
    expect(fromBase64(rawUids[0]!)).to.have.length(32);
  });

  it('counts a user once however often uploaded, and keeps segments apart', async () => {
    const rawUid = randomRawUid();
    const [token, again] = await running.advertiserTokens([rawUid, rawUid]);
    expect(token).not.to.equal(again); // a fresh IV each time: the same user, another token
    expect((await upload(running, { segment: 'loyal', tokens: [token] })).json).to.include({ added: 1, members: 1 });
    expect((await upload(running, { segment: 'loyal', tokens: [again, token] })).json).to.include({ added: 0, members: 1 });
    expect((await upload(running, { segment: 'lapsed', tokens: [again] })).json).to.include({ added: 1, members: 1 });
  });

  it('names the sender of a token that arrives expired, and nothing of its user', async () => {
    const own = await startDsp();
    try {
      const [token] = await own.advertiserTokens([randomRawUid()]);
      own.op.clock.advance(31 * 24 * 3600_000); // the local operator's sharing tokens live 30 days
      const answer = await upload(own, { segment: 'late', tokens: [token] });
      expect(answer.json.rows).to.deep.equal([{ status: 'expired_token', site_id: 124 }]);
      expect(answer.json).to.include({ added: 0, members: 0 });
    } finally {
      await own.close();
    }
  });

  it('answers the same batch not_authorized_for_key row by row once the advertiser stops sharing, and decrypts it again when it shares', async () => {
    const tokens = await running.advertiserTokens([randomRawUid(), randomRawUid()]);
    const before = await upload(running, { segment: 'revocable', tokens });
    expect(before.json.counts).to.deep.equal({ success: 2 });

    await running.shareWithDsp(false);
    try {
      const revoked = await upload(running, { segment: 'revocable', tokens });
      expect(revoked.status).to.equal(200);
      expect(revoked.json.rows).to.deep.equal([{ status: 'not_authorized_for_key' }, { status: 'not_authorized_for_key' }]);
      expect(revoked.json).to.include({ added: 0, members: 2 });
    } finally {
      await running.shareWithDsp(true);
    }
    expect((await upload(running, { segment: 'revocable', tokens })).json.counts).to.deep.equal({ success: 2 });
  });

  it('refuses a caller without the key it issued: 401 with a Bearer challenge, before reading the body', async () => {
    const tokens = await running.advertiserTokens([randomRawUid()]);
    for (const authorization of ['', 'Bearer wrong-key', `Basic ${LOCAL_ADVERTISER_PARTNER.key}`]) {
      const answer = await upload(running, { segment: 'x', tokens }, { Authorization: authorization });
      expect(answer.status, authorization).to.equal(401);
      expect(answer.headers.get('www-authenticate')).to.equal('Bearer realm="dsp"');
    }
    // a body over the size limit: refused for the key, not for its size, so it was never read
    const oversize = await upload(running, 'x'.repeat(2 << 20), { Authorization: 'Bearer wrong-key' });
    expect(oversize.status).to.equal(401);
  });

  it('answers 503 with Retry-After, never a 500, while it has no sharing keys (its operator unreachable)', async () => {
    // a port that was just free: the DSP's key fetch is refused
    const { server: placeholder, url: deadOperator } = await listen(() => {});
    await closeServer(placeholder);
    const dsp = createDsp({ operatorUrl: deadOperator, apiKey: 'k', secret: Buffer.alloc(32).toString('base64'), partners: [LOCAL_ADVERTISER_PARTNER] });
    const { server, url } = await listen((req, res) => void dsp.handle(req, res, '/dsp/'));
    try {
      const [token] = await running.advertiserTokens([randomRawUid()]);
      const answer = await upload({ ...running, segmentsUrl: `${url}/dsp/v1/segments` }, { segment: 'x', tokens: [token] });
      expect(answer.status).to.equal(503);
      expect(answer.headers.get('retry-after')).to.equal('5');
      expect(answer.json).to.include({ status: 'keys_unavailable' });
    } finally {
      dsp.close();
      await closeServer(server);
    }
  });
});
