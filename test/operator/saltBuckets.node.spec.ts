// Salt bucket rotation end to end: POST /v2/identity/buckets, identity map v2/v3 and issued tokens before and after
// a bucket rotates, on the rotation schedule and through the loopback-only admin route. Spoken by hand (sdkWire.ts).
import { expect } from 'chai';
import { request } from 'node:http';
import type { OperatorConfig } from '../../devstack/operator/config.js';
import { withDemoLifetimes } from '../../devstack/operator/config.js';
import { T0, clientNamed, localConfig, startOperator, type RunningOperator } from '../helpers/operatorHarness.js';
import { callAsSdk, diiHash, openAdvertisingToken, rawUidOf } from '../helpers/sdkWire.js';

const DAY = 24 * 3600_000;
/** In the shipped salts, user@example.com falls in the first bucket and validate@example.com in the second. */
const IN_FIRST_BUCKET = 'user@example.com';
const IN_SECOND_BUCKET = 'validate@example.com';
const FIRST_BUCKET = 'bA9xZPq2Lk';

/** A plain HTTP request with any headers (Host included), as a page or a rebinding attacker would send it. */
function rawRequest(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, json: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

function rotateNow(op: RunningOperator, body: unknown, headers: Record<string, string> = {}) {
  return rawRequest(`${op.url}/admin/salts/rotate`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

describe('local operator: salt buckets', () => {
  let op: RunningOperator;
  afterEach(() => op.close());

  const mapper = () => clientNamed(op.config, 'local-advertiser');
  const buckets = (since: unknown) => callAsSdk(op, '/v2/identity/buckets', mapper(), { since_timestamp: since });
  const mapV3 = async (email: string) => (await callAsSdk(op, '/v3/identity/map', mapper(), { email: [email] })).json.body.email[0];

  describe('POST /v2/identity/buckets', () => {
    beforeEach(async () => {
      op = await startOperator();
    });

    it('lists the buckets rotated since a time, last_updated as the operator formats it', async () => {
      const all = await buckets('2029-01-01T00:00:00');
      expect(all.status).to.equal(200);
      expect(all.json.status).to.equal('success');
      expect(all.json.body.map((b: { bucket_id: string }) => b.bucket_id)).to.deep.equal(op.config.salts.rotating.map((s) => s.bucket_id));
      for (const bucket of all.json.body) {
        expect(Object.keys(bucket)).to.deep.equal(['bucket_id', 'last_updated']);
        expect(bucket.last_updated).to.match(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}$/);
      }
      expect((await buckets('2030-01-02T00:00:00')).json).to.deep.equal({ body: [], status: 'success' });
    });

    it('reads since_timestamp as the operator does: ISO local date-time, seconds and up to nine fraction digits optional', async () => {
      for (const since of ['2029-06-01T13:00', '2029-06-01T13:00:00', '2029-06-01T13:00:00.123456']) {
        expect((await buckets(since)).status, since).to.equal(200);
      }
    });

    it('refuses a missing or malformed since_timestamp with 400 client_error', async () => {
      const cases: Array<[unknown, string]> = [
        [undefined, 'missing parameter since_timestamp'],
        [null, 'missing parameter since_timestamp'],
        ['2029-02-30T00:00:00', 'invalid date, must conform to ISO 8601'],
        ['2029-06-01', 'invalid date, must conform to ISO 8601'],
        ['2029-06-01T24:00:00', 'invalid date, must conform to ISO 8601'],
        ['2029-06-01T13:00:00Z', 'invalid date, must conform to ISO 8601'],
        [1893456000, 'invalid date, must conform to ISO 8601'],
        [[[['2029-06-01T13:00:00']]], 'invalid date, must conform to ISO 8601'],
      ];
      for (const [since, message] of cases) {
        const answer = await callAsSdk(op, '/v2/identity/buckets', mapper(), since === undefined ? {} : { since_timestamp: since });
        expect(answer, String(since)).to.deep.include({ status: 400, json: { status: 'client_error', message } });
      }
    });

    it('needs MAPPER', async () => {
      expect((await callAsSdk(op, '/v2/identity/buckets', clientNamed(op.config, 'local-dsp'), { since_timestamp: '2029-01-01T00:00:00' })).status).to.equal(401);
      expect((await callAsSdk(op, '/v2/identity/buckets', clientNamed(op.config, 'local-all-roles'), { since_timestamp: '2029-01-01T00:00:00' })).status).to.equal(200);
    });
  });

  describe('rotation on schedule (demo: a tick every 120 s, one of the two buckets per tick)', () => {
    beforeEach(async () => {
      op = await startOperator({ config: withDemoLifetimes(await localConfig()) });
    });

    it('changes a mapped email\'s raw UID2 when its bucket rotates, and reports the rotation', async () => {
      const before = await mapV3(IN_FIRST_BUCKET);
      expect(before).to.deep.equal({ u: rawUidOf(op.config, diiHash(IN_FIRST_BUCKET)).rawUid, p: null, r: T0 / 1000 + 120 });
      const untouched = await mapV3(IN_SECOND_BUCKET);

      op.clock.advance(120_000);
      const after = await mapV3(IN_FIRST_BUCKET);
      expect(after.u).to.not.equal(before.u);
      expect(after).to.deep.equal({ u: after.u, p: before.u, r: T0 / 1000 + 240 });
      expect((await mapV3(IN_SECOND_BUCKET)).u).to.equal(untouched.u);
      expect((await buckets('2030-01-01T00:00:00.001')).json.body).to.deep.equal([{ bucket_id: FIRST_BUCKET, last_updated: '2030-01-01T00:02:00.000' }]);

      // identity map v2 and newly issued tokens carry the new raw UID2
      const v2 = await callAsSdk(op, '/v2/identity/map', mapper(), { email: [IN_FIRST_BUCKET] });
      expect(v2.json.body.mapped[0]).to.include({ advertising_id: after.u, bucket_id: FIRST_BUCKET });
      const generated = await callAsSdk(op, '/v2/token/generate', clientNamed(op.config, 'local-publisher'), { email: IN_FIRST_BUCKET });
      const keys = await callAsSdk(op, '/v2/key/bidstream', clientNamed(op.config, 'local-dsp'));
      expect(openAdvertisingToken(generated.json.body.advertising_token, keys.json.body.keys)).to.include({ siteId: 123, rawUid: after.u });

      // the next tick rotates the other bucket, the least recently rotated
      op.clock.advance(120_000);
      expect((await mapV3(IN_SECOND_BUCKET)).p).to.equal(untouched.u);
      expect((await mapV3(IN_FIRST_BUCKET)).u).to.equal(after.u);
    });

    it('catches up after a long pause in bounded time and keeps answering', async () => {
      op.clock.advance(365 * DAY);
      const started = Date.now();
      const mapped = await mapV3(IN_FIRST_BUCKET);
      expect(Date.now() - started).to.be.below(5000);
      expect(mapped.r).to.be.greaterThan(op.clock.now() / 1000);
    });
  });

  describe('rotation on demand (loopback-only admin route)', () => {
    let config: OperatorConfig;
    beforeEach(async () => {
      // a schedule that rotates nothing for a year and more: only the admin route does
      config = { ...(await localConfig()), salt_rotation: { rotation_seconds: 86400, refresh_seconds: 400 * 86400, fraction: 1 / 365 } };
      op = await startOperator({ config });
    });

    it('rotates the named buckets now; the previous raw UID2 is answered for 90 days', async () => {
      const before = await mapV3(IN_FIRST_BUCKET);
      const rotated = await rotateNow(op, { bucket_ids: [FIRST_BUCKET] });
      expect(rotated.status).to.equal(200);
      expect(rotated.json.body.rotated).to.deep.equal([
        { bucket_id: FIRST_BUCKET, last_updated: '2030-01-01T00:00:00.000', refresh_from: '2031-02-05T00:00:00.000', has_previous_salt: true },
      ]);
      const after = await mapV3(IN_FIRST_BUCKET);
      expect(after.u).to.not.equal(before.u);
      expect(after.p).to.equal(before.u);

      op.clock.advance(90 * DAY - 1);
      expect((await mapV3(IN_FIRST_BUCKET)).p).to.equal(before.u);
      op.clock.advance(1);
      expect(await mapV3(IN_FIRST_BUCKET)).to.include({ u: after.u, p: null });
    });

    it('rotates every bucket when none is named, and lists buckets without their salts', async () => {
      expect((await rotateNow(op, {})).json.body.rotated).to.have.length(config.salts.rotating.length);
      const list = await rawRequest(`${op.url}/admin/salts`);
      expect(list.status).to.equal(200);
      expect(list.json.body.buckets.every((bucket: { has_previous_salt: boolean }) => bucket.has_previous_salt)).to.equal(true);
      expect(JSON.stringify(list.json)).to.not.include(config.salts.rotating[0]!.salt);
    });

    it('refuses other hosts and origins (DNS rebinding), non-JSON posts and unknown buckets, and rotates nothing', async () => {
      const before = await mapV3(IN_FIRST_BUCKET);
      const refused: Array<[Promise<{ status: number; json: any }>, number, string]> = [
        [rotateNow(op, {}, { Host: 'evil.example:8877' }), 403, 'admin routes answer requests addressed to localhost, 127.0.0.1 or [::1] and this port only'],
        [rotateNow(op, {}, { Origin: 'http://evil.example' }), 403, 'admin routes answer pages of their own origin only'],
        [rotateNow(op, {}, { Origin: 'null' }), 403, 'admin routes answer pages of their own origin only'],
        [rawRequest(`${op.url}/admin/salts`, { headers: { Host: 'rebound.example' } }), 403, 'admin routes answer requests addressed to localhost, 127.0.0.1 or [::1] and this port only'],
        [rawRequest(`${op.url}/admin/salts/rotate`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: '{}' }), 400, 'Content-Type must be application/json'],
        [rotateNow(op, { bucket_ids: ['nope'] }), 400, 'bucket_ids: unknown bucket_id nope'],
        [rotateNow(op, { bucket_ids: [FIRST_BUCKET, 7] }), 400, 'bucket_ids: expected a non-empty array of bucket ids'],
        [rotateNow(op, { bucket: FIRST_BUCKET }), 400, 'unknown field bucket'],
      ];
      for (const [answer, status, message] of refused) {
        const { status: got, json } = await answer;
        expect(got, message).to.equal(status);
        expect(json.message, message).to.equal(message);
      }
      expect((await mapV3(IN_FIRST_BUCKET)).u).to.equal(before.u);
      // this server under a loopback name, from a page of its own origin, is fine
      const ownOrigin = `http://localhost:${new URL(op.url).port}`;
      expect((await rawRequest(`${op.url}/admin/salts`, { headers: { Host: new URL(ownOrigin).host, Origin: ownOrigin } })).status).to.equal(200);
    });
  });
});
