// The Node API: createShareTransform in a caller's own pipeline, with keys from the local operator (on a hand-driven
// clock) or a container the caller holds.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { decryptAdvertisingToken, encryptAdvertisingToken, type DecryptedToken } from '../../libraries/uid2/receiver/advertisingToken.js';
import { withDemoLifetimes } from '../../devstack/operator/config.js';
import { createShareTransform, defaultWorkers } from '../../share/shareTransform.js';
import { fixedSharingKeys, startSharingKeys } from '../../share/sharingKeys.js';
import { WorkerPool } from '../../share/workerPool.js';
import type { Row } from '../../share/formats.js';
import { testContainer, testKey } from '../helpers/protocolExpectations.js';
import { CROSS_SDK_V4 } from '../helpers/protocolVectors.js';
import { clientNamed, fetchKeys, localConfig, startOperator, type RunningOperator } from '../helpers/operatorHarness.js';

async function collect(rows: Iterable<Row> | AsyncIterable<Row>, transform: NodeJS.ReadWriteStream): Promise<Row[]> {
  const out: Row[] = [];
  await pipeline(Readable.from(rows), transform, new Writable({ objectMode: true, write: (row: Row, _encoding, done) => (out.push(row), done()) }));
  return out;
}

describe('prebid-uid2-share: the Node stream transform', function () {
  this.timeout(20000);

  it('decrypts the cross-SDK v4 sharing token of UID2\'s SDK test suites', async () => {
    const keys = testContainer([testKey(164, CROSS_SDK_V4.masterKey.secret), testKey(165, CROSS_SDK_V4.siteKey.secret)]);
    const [row] = await collect([{ token: CROSS_SDK_V4.token }], createShareTransform({ mode: 'decrypt', keys, workers: 0, now: () => CROSS_SDK_V4.created }));
    expect(row).to.deep.equal({
      token: CROSS_SDK_V4.token,
      raw_uid: CROSS_SDK_V4.rawUid,
      status: 'success',
      site_id: String(CROSS_SDK_V4.siteId),
      established: new Date(CROSS_SDK_V4.established).toISOString(),
    });
  });

  it('gives the same rows on worker threads as on the calling thread, whatever the token column holds', async () => {
    const keys = testContainer([testKey(164, CROSS_SDK_V4.masterKey.secret), testKey(165, CROSS_SDK_V4.siteKey.secret)]);
    // JSON Lines values of any type, empty values and line breaks, in batches mixing them with good tokens (so the
    // added columns cross back from the workers both joined and as runs)
    // (a symbol and a function: values no worker can be sent)
    const odd: unknown[] = [CROSS_SDK_V4.token, '', 42, null, { token: CROSS_SDK_V4.token }, `${CROSS_SDK_V4.token}\n`, 'not a token', Symbol('token'), () => CROSS_SDK_V4.token, CROSS_SDK_V4.token];
    const rows = () => odd.concat(Array(12).fill(CROSS_SDK_V4.token)).map((token, index) => ({ index, token }) as Row);
    const run = (workers: number) => collect(rows(), createShareTransform({ mode: 'decrypt', keys, workers, batchSize: 5, now: () => CROSS_SDK_V4.created }));
    const [onWorkers, onCaller] = [await run(2), await run(0)];
    expect(onWorkers).to.deep.equal(onCaller);
    expect(onCaller.map((row) => row.status)).to.deep.equal([
      'success', 'invalid_payload', 'invalid_payload', 'invalid_payload', 'invalid_payload', 'invalid_payload', 'invalid_payload', 'invalid_payload', 'invalid_payload', 'success',
      ...Array(12).fill('success'),
    ]);
    expect(onCaller[9]).to.deep.include({ raw_uid: CROSS_SDK_V4.rawUid, site_id: String(CROSS_SDK_V4.siteId), established: new Date(CROSS_SDK_V4.established).toISOString() });
  });

  it('gives a token whose established time no date holds its row\'s status (invalid_payload), and goes on, on worker threads as on the calling thread', async () => {
    const master = testKey(164, CROSS_SDK_V4.masterKey.secret, { keysetId: 1 });
    const site = testKey(165, CROSS_SDK_V4.siteKey.secret, { keysetId: 2 });
    const keys = testContainer([master, site], { callerSiteId: 124, masterKeysetId: 1, defaultKeysetId: 2, maxSharingLifetimeSeconds: 2592000 + 3600 });
    const now = Date.now();
    const fields = {
      rawUid: randomBytes(32), identityScope: 'UID2', identityType: 'email', siteId: 124, expires: now + 3600_000, created: now,
      established: now, refreshed: now, privacyBits: 1,
    } as const;
    const good = await encryptAdvertisingToken(fields, master, site);
    // a sender's key sealed its established time in nanoseconds
    const odd = await encryptAdvertisingToken({ ...fields, established: now * 1e6 }, master, site);
    const run = (workers: number) => collect([good, odd, good].map((token) => ({ token })), createShareTransform({ mode: 'decrypt', keys, workers, now: () => now }));
    for (const workers of [0, 1]) {
      const rows = await run(workers);
      expect(rows.map((row) => [row.status, row.raw_uid === '', row.established === '']), `${workers} workers`).to.deep.equal([
        ['success', false, false], ['invalid_payload', true, true], ['success', false, false],
      ]);
    }
  });

  it('encrypts v3 and v4 raw UIDs of its own scope with the type they carry, and gives one of another scope its row\'s status, on worker threads as on the calling thread', async () => {
    const master = testKey(164, CROSS_SDK_V4.masterKey.secret, { keysetId: 1 });
    const site = testKey(165, CROSS_SDK_V4.siteKey.secret, { keysetId: 2 });
    const keys = testContainer([master, site], { callerSiteId: 124, masterKeysetId: 1, defaultKeysetId: 2, maxSharingLifetimeSeconds: 2592000 + 3600 });
    // a v3 or v4 raw UID's first byte holds its scope (bit 4) and type (bit 2): 0x03 a UID2 email's, 0x13 an EUID
    // email's (a UID2 token cannot carry it), 0xA4 a v4 UID2 phone's (environment bits first: base64 "p", not "B")
    const rawUidOf = (firstByte: number) => Buffer.from([firstByte, ...randomBytes(32)]).toString('base64');
    // a v2 raw UID (32 bytes) carries no type: the SDKs take base64 "B…" or "F…" for a phone's, so this one starts "A"
    const v2RawUid = Buffer.from([0, ...randomBytes(31)]).toString('base64');
    const rawUids = [v2RawUid, rawUidOf(0x03), rawUidOf(0x13), rawUidOf(0x03), rawUidOf(0xa4)];
    const types = ['email', 'email', undefined, 'email', 'phone'];
    const now = Date.now();
    const run = (workers: number) => collect(rawUids.map((rawUid) => ({ raw_uid: rawUid })), createShareTransform({ mode: 'encrypt', keys, workers, batchSize: 2, now: () => now }));
    for (const rows of [await run(2), await run(0)]) {
      expect(rows.map((row) => row.status)).to.deep.equal(['success', 'success', 'invalid_raw_uid', 'success', 'success']);
      for (const [index, row] of rows.entries()) {
        if (row.status !== 'success') continue;
        const decrypted = await decryptAdvertisingToken(row.token as string, keys, { now, clientType: 'sharing' });
        expect(decrypted, `row ${index}`).to.deep.include({ status: 'success', rawUid: rawUids[index], siteId: 124, identityType: types[index] });
      }
      expect((rows[4]!.token as string).slice(0, 2), 'the v4 phone raw UID\'s header').to.equal('B4');
    }
  });

  it('works on one worker thread per core by default, and on the calling thread alone on a single core', () => {
    const table: Array<[cores: number, workers: number]> = [[1, 0], [2, 2], [4, 4], [64, 64]];
    for (const [cores, workers] of table) expect(defaultWorkers(cores), `${cores} cores`).to.equal(workers);
  });

  it('reads no further ahead of a slow reader than the batches in flight and a batch pushed, on the calling thread and on workers', async () => {
    const keys = testContainer([testKey(164, CROSS_SDK_V4.masterKey.secret), testKey(165, CROSS_SDK_V4.siteKey.secret)]);
    const batchSize = 100;
    for (const workers of [0, 2]) {
      let read = 0;
      let written = 0;
      let mostAhead = 0;
      async function* rows() {
        for (let index = 0; index < 3000; index++) {
          read += 1;
          yield { index, token: CROSS_SDK_V4.token } as Row;
        }
      }
      // one row per turn of the event loop: far slower than decryption
      const slowReader = new Writable({
        objectMode: true,
        highWaterMark: 1,
        write(_row: Row, _encoding, done) {
          written += 1;
          mostAhead = Math.max(mostAhead, read - written);
          setImmediate(done);
        },
      });
      const transform = createShareTransform({ mode: 'decrypt', keys, workers, batchSize, now: () => CROSS_SDK_V4.created });
      await pipeline(Readable.from(rows()), transform, slowReader);
      expect(written, `${workers} workers`).to.equal(3000);
      // at most 4 batches per worker in flight (one without workers), one batch pushed and not yet read, the streams'
      // own buffers (16 rows each): it read all 3,000 rows ahead before the reader held it back
      const inFlight = Math.max(1, workers) * 4 * batchSize;
      expect(mostAhead, `${workers} workers`).to.be.below(inFlight + batchSize + 3 * 16 + 2);
    }
  });

  it('rejects a batch given to a closed worker pool, instead of waiting for workers that are gone', async () => {
    const keys = testContainer([testKey(164, CROSS_SDK_V4.masterKey.secret), testKey(165, CROSS_SDK_V4.siteKey.secret)]);
    const pool = new WorkerPool(2, fixedSharingKeys(keys));
    await pool.close();
    const transform = createShareTransform({ mode: 'decrypt', keys, pool, batchSize: 1, now: () => CROSS_SDK_V4.created });
    const error = await collect([{ token: CROSS_SDK_V4.token }], transform).then(() => undefined, (thrown: Error) => thrown);
    expect(error?.message).to.match(/sharing worker exited/);
  });

  it('rejects every batch of a worker pool closed while they run or wait, none left unsettled', async () => {
    const keys = testContainer([testKey(164, CROSS_SDK_V4.masterKey.secret), testKey(165, CROSS_SDK_V4.siteKey.secret)]);
    const pool = new WorkerPool(2, fixedSharingKeys(keys));
    // batches long enough to be still running at close: two at each worker, one more waiting on this thread
    const batches = Array.from({ length: 5 }, () => pool.run('decrypt', Array(20000).fill(CROSS_SDK_V4.token), CROSS_SDK_V4.created));
    const settled = Promise.allSettled(batches);
    await pool.close();
    expect((await settled).map((result) => result.status)).to.deep.equal(Array(5).fill('rejected'));
  });

  describe('against the local operator', () => {
    let op: RunningOperator;
    beforeEach(async () => {
      op = await startOperator({ config: withDemoLifetimes(await localConfig()) });
    });
    afterEach(() => op.close());

    const clientOf = (name: string) => {
      const client = clientNamed(op.config, name);
      return { operatorUrl: op.url, apiKey: client.key, secret: client.secret, now: op.clock.now };
    };

    it('keeps input order across worker threads and many batches, and counts by status', async () => {
      const keys = await startSharingKeys(clientOf('local-advertiser'));
      const uids = Array.from({ length: 3000 }, (_, index) => (index % 500 === 7 ? 'bad' : randomBytes(32).toString('base64')));
      const transform = createShareTransform({ mode: 'encrypt', keys, workers: 2, batchSize: 64, now: op.clock.now });
      const rows = await collect(uids.map((raw_uid, index) => ({ index, raw_uid })), transform);
      keys.close();
      expect(rows.map((row) => row.index)).to.deep.equal(uids.map((_, index) => index));
      expect(transform.counts).to.deep.equal({ rows: 3000, failed: 6, byStatus: { success: 2994, invalid_raw_uid: 6 } });
      const dspKeys = await fetchKeys(op, '/v2/key/sharing', clientNamed(op.config, 'local-dsp'));
      for (const index of [0, 1499, 2999]) {
        const decrypted = await decryptAdvertisingToken(rows[index]!.token as string, dspKeys, { now: op.clock.now(), clientType: 'sharing' });
        expect(decrypted).to.deep.include({ status: 'success', rawUid: uids[index] });
      }
    });

    it('goes on across key rotation in a long run: the refresh timer hands fresh keys to the workers', async () => {
      const keys = await startSharingKeys(clientOf('local-advertiser'), { refreshMs: 20 });
      const transform = createShareTransform({ mode: 'encrypt', keys, workers: 1, batchSize: 1, now: op.clock.now });
      const out: Row[] = [];
      transform.on('data', (row: Row) => out.push(row));
      const finished = new Promise((resolve) => transform.on('end', resolve));
      const written = (row: Row) => new Promise((resolve) => transform.write(row, resolve));
      await written({ raw_uid: randomBytes(32).toString('base64') });
      const startedAt = op.clock.now();
      const dspKeysThen = await fetchKeys(op, '/v2/key/sharing', clientNamed(op.config, 'local-dsp'));
      // 40 key periods later: every key rotated in since the first row has expired (demo keys live 900 s)
      op.clock.advance(2400_000);
      // two timer refreshes later (the first may have been under way before the clock moved)
      await new Promise<void>((resolve) => {
        let refreshes = 0;
        keys.onChange(() => void (++refreshes === 2 && resolve()));
      });
      await written({ raw_uid: randomBytes(32).toString('base64') });
      transform.end();
      await finished;
      keys.close();

      const dspKeysNow = await fetchKeys(op, '/v2/key/sharing', clientNamed(op.config, 'local-dsp'));
      const first = await decryptAdvertisingToken(out[0]!.token as string, dspKeysThen, { now: startedAt, clientType: 'sharing' });
      const second = await decryptAdvertisingToken(out[1]!.token as string, dspKeysNow, { now: op.clock.now(), clientType: 'sharing' });
      expect([first.status, second.status]).to.deep.equal(['success', 'success']);
      // the second row was encrypted with a key the operator published after the clock moved
      const secondSiteKey = dspKeysNow.keys.get((second as DecryptedToken).siteKeyId)!;
      expect(secondSiteKey.activates * 1000).to.be.above(op.clock.now() - 120_000);
      expect(secondSiteKey.id).to.not.equal((first as DecryptedToken).siteKeyId);
    });
  });
});
