// Tokenized sharing in bulk (prebid-uid2-share and its stream transform), each figure against a reference measured
// in the same run:
// - rows/s for encrypt and for decrypt on one core: the transform doing the work on the calling thread, against a raw
//   node:crypto baseline doing the same AES-256-GCM work by hand (two layers per token, random IVs, Buffer base64,
//   keys prepared once): the most any sharer in Node can do. Process CPU time, turns of 2,000 rows alternating,
//   median ratio over rounds.
// - rows/s on every core: the transform with one worker thread per core (started once, as a long-lived sharer keeps
//   them), against the one-core transform, wall time, each one pipeline over all the rows of a round, in pairs back
//   to back, median ratio over the pairs (three a round).
// - peak RSS of the command (a child process, sampled from /proc) encrypting 300,000 and 3,000,000 rows streamed
//   through its stdin, to /dev/null.
// - the S3 round trip (encrypt s3→s3, then decrypt s3→s3, through s3rver on loopback) against the same round trip
//   between local files.
// Run alone: npm run build:node && node build/node/devstack/bench/share.js (BENCH_SHARE_RSS_ROWS=300000 for a quicker look).
import { spawn } from 'node:child_process';
import { createCipheriv, randomBytes as nodeRandomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GCM_IV_LENGTH } from '../../libraries/uid2/crypto/aesGcm.js';
import type { KeyContainer, Uid2Key } from '../../libraries/uid2/receiver/keys.js';
import { encryptRawUidIntoToken } from '../../libraries/uid2/receiver/sharing.js';
import type { Row } from '../../share/formats.js';
import { createShareTransform } from '../../share/shareTransform.js';
import type { ShareMode } from '../../share/shareValues.js';
import { fixedSharingKeys } from '../../share/sharingKeys.js';
import { WorkerPool } from '../../share/workerPool.js';
import { SHARE_MAIN, credentialsOf, startLiveOperator, startLocalS3, type LiveOperator } from '../sharing/liveSharing.js';
import { decryptRaw } from './decrypt.js';
import { median } from './median.js';

export interface ShareBenchOptions {
  /** rows per throughput round */
  rows?: number;
  rounds?: number;
  warmupRounds?: number;
  /** row counts of the RSS runs */
  rssRows?: number[];
  /** rows of the S3 round trip */
  s3Rows?: number;
}

export interface ShareThroughput {
  /** raw node:crypto, same GCM work, one core, per CPU second */
  baselineRowsPerSecond: number;
  /** the transform on the calling thread, per CPU second */
  oneCoreRowsPerSecond: number;
  /** median over rounds of one core ÷ baseline (goal ≥ 0.8) */
  ratioToBaseline: number;
  /** the transform on the calling thread, wall time (the reference of the next two) */
  oneCoreWallRowsPerSecond: number;
  /** the transform with one worker per core, wall time */
  allCoresRowsPerSecond: number;
  /** median over the pairs of all cores ÷ one core, wall time (goal ≥ 1.7 on 2 cores) */
  allCoresSpeedup: number;
  /**
   * median over the pairs of all cores (wall) ÷ the one-core pipeline's rows per CPU second: a single thread keeps
   * more than one core busy (V8 collects its garbage on helper threads, on the idle core), so its wall rate is more
   * than one core's; this ratio counts how many cores' worth of a single thread's work every core gives
   */
  allCoresToOneCoreCpu: number;
}

export interface ShareBenchResult {
  cores: number;
  rowsPerRound: number;
  rounds: number;
  encrypt: ShareThroughput;
  decrypt: ShareThroughput;
  /** the command's peak RSS (goal ≤ 300 MiB whatever the row count) */
  rss: Array<{ rows: number; peakRssMiB: number; seconds: number; rowsPerSecond: number }>;
  s3: { rows: number; megabytes: number; encryptSeconds: number; decryptSeconds: number; roundTripSeconds: number; localFilesRoundTripSeconds: number; ratioToLocalFiles: number };
}

/** rows per turn of the one-core comparison (tens of ms each) */
const TURN_ROWS = 2000;
/** one-core and all-core pipelines timed against each other per round */
const WALL_PAIRS_PER_ROUND = 3;
const SITE_ID = 124;
const MASTER_KEYSET = 1;
const SITE_KEYSET = 502;

function benchKey(id: number, keysetId: number, now: number): Uid2Key {
  return { id, keysetId, created: now / 1000 - 60, activates: now / 1000 - 60, expires: now / 1000 + 86400, secret: new Uint8Array(nodeRandomBytes(32)) };
}

function benchKeys(now: number): KeyContainer {
  const keys = [benchKey(11, MASTER_KEYSET, now), benchKey(12, SITE_KEYSET, now)];
  return {
    callerSiteId: SITE_ID,
    masterKeysetId: MASTER_KEYSET,
    defaultKeysetId: SITE_KEYSET,
    tokenExpirySeconds: 2592000,
    maxSharingLifetimeSeconds: 2592000 + 3600,
    allowClockSkewSeconds: 1800,
    identityScope: 'UID2',
    keys: new Map(keys.map((key) => [key.id, key])),
    siteData: new Map(),
  };
}

// ---- the raw node:crypto baseline: the v4 token layout of libraries/uid2/receiver/advertisingToken.ts, by hand (decryption:
// devstack/bench/decrypt.ts's baseline) ----

function sealRaw(secret: Buffer, plaintext: Buffer): Buffer {
  const iv = nodeRandomBytes(GCM_IV_LENGTH);
  const cipher = createCipheriv('aes-256-gcm', secret, iv, { authTagLength: 16 });
  return Buffer.concat([iv, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

interface RawKeys {
  masterId: number;
  siteId: number;
  secrets: Map<number, Buffer>;
}

function rawKeysOf(keys: KeyContainer): RawKeys {
  return {
    masterId: 11,
    siteId: 12,
    secrets: new Map([...keys.keys.values()].map((key) => [key.id, Buffer.from(key.secret)])),
  };
}

/** A v4 sharing token: site layer (site id … raw UID) under the site key inside the master layer, base64url. */
function encryptRaw(rawUid: string, keys: RawKeys, now: number): string {
  const uid = Buffer.from(rawUid, 'base64');
  const site = Buffer.alloc(36 + uid.length);
  site.writeInt32BE(SITE_ID, 0); // then publisher id, client key id, privacy bits: zero
  site.writeBigInt64BE(BigInt(now), 20); // established
  site.writeBigInt64BE(BigInt(now), 28); // refreshed
  uid.copy(site, 36);
  const siteBlob = sealRaw(keys.secrets.get(keys.siteId)!, site);
  const master = Buffer.alloc(33 + siteBlob.length);
  master.writeBigInt64BE(BigInt(now + 2592000_000), 0); // expires
  master.writeBigInt64BE(BigInt(now), 8); // created
  master.writeUInt8(1, 16); // operator type; operator site, version and key id: zero
  master.writeInt32BE(keys.siteId, 29);
  siteBlob.copy(master, 33);
  const masterBlob = sealRaw(keys.secrets.get(keys.masterId)!, master);
  const header = Buffer.alloc(6);
  header.writeUInt8(0x03, 0); // UID2, email
  header.writeUInt8(128, 1); // v4
  header.writeInt32BE(keys.masterId, 2);
  return Buffer.concat([header, masterBlob]).toString('base64url');
}

// ---- timing ----

function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

function timeBaseline(mode: ShareMode, values: string[], keys: RawKeys, now: number): number {
  const started = cpuMs();
  for (const value of values) {
    const out = mode === 'encrypt' ? encryptRaw(value, keys, now) : decryptRaw(value, keys.secrets);
    if (out.length < 44) throw new Error('the baseline failed');
  }
  return cpuMs() - started;
}

/**
 * The rows as a reader yields them: as many per read as the stream takes (Readable.from would add a promise per row,
 * which is the bench's cost, not the transform's).
 */
function rowSource(rows: Row[]): Readable {
  let next = 0;
  return new Readable({
    objectMode: true,
    read() {
      while (next < rows.length) if (!this.push(rows[next++])) return;
      this.push(null);
    },
  });
}

/** CPU ms and wall ms of the transform over fresh rows. */
async function timeTransform(mode: ShareMode, values: string[], keys: KeyContainer, now: number, pool?: WorkerPool): Promise<{ cpu: number; wall: number }> {
  const column = mode === 'encrypt' ? 'raw_uid' : 'token';
  const rows = values.map((value) => ({ [column]: value }) as Row);
  let failed = 0;
  const sink = new Writable({
    objectMode: true,
    write(row: Row, _encoding, done) {
      if (row.status !== 'success') failed += 1;
      done();
    },
  });
  const transform = createShareTransform({ mode, keys, workers: 0, pool, now: () => now });
  const startedCpu = cpuMs();
  const startedWall = performance.now();
  await pipeline(rowSource(rows), transform, sink);
  const result = { cpu: cpuMs() - startedCpu, wall: performance.now() - startedWall };
  if (failed > 0) throw new Error(`${failed} rows failed in the ${mode} bench`);
  return result;
}

/** `pool`: one worker per core, started (and warmed up) once, as a long-lived sharer keeps them */
async function benchMode(mode: ShareMode, values: string[], keys: KeyContainer, now: number, pool: WorkerPool, opts: Required<Pick<ShareBenchOptions, 'rounds' | 'warmupRounds'>>): Promise<ShareThroughput> {
  const raw = rawKeysOf(keys);
  for (let i = 0; i < opts.warmupRounds; i++) {
    timeBaseline(mode, values, raw, now);
    await timeTransform(mode, values, keys, now);
    await timeTransform(mode, values, keys, now, pool);
  }
  const baseline: number[] = [];
  const oneCore: number[] = [];
  const oneCoreWall: number[] = [];
  const allCores: number[] = [];
  const ratios: number[] = [];
  const speedups: number[] = [];
  const speedupsToCpu: number[] = [];
  for (let i = 0; i < opts.rounds; i++) {
    // baseline and transform take turns every TURN_ROWS rows, who goes first alternating: a burst of load from
    // other processes falls on both, and neither always inherits the other's garbage
    let base = 0;
    let oneCpu = 0;
    for (let start = 0, turn = i; start < values.length; start += TURN_ROWS, turn++) {
      const slice = values.slice(start, start + TURN_ROWS);
      const baselineFirst = turn % 2 === 0;
      if (baselineFirst) base += timeBaseline(mode, slice, raw, now);
      oneCpu += (await timeTransform(mode, slice, keys, now)).cpu;
      if (!baselineFirst) base += timeBaseline(mode, slice, raw, now);
    }
    // every core against one, wall time: pairs of single pipelines over all the rows, back to back, who goes first
    // alternating; several pairs a round, as a pipeline of all cores lasts about a tenth of a second and one pair's
    // ratio moves with whatever else the machine's cores were doing at that moment
    for (let pair = 0; pair < WALL_PAIRS_PER_ROUND; pair++) {
      const oneFirst = (i * WALL_PAIRS_PER_ROUND + pair) % 2 === 0;
      const one = oneFirst ? await timeTransform(mode, values, keys, now) : undefined;
      const all = await timeTransform(mode, values, keys, now, pool);
      const { wall: oneWall, cpu: oneCpuOfPair } = one ?? (await timeTransform(mode, values, keys, now));
      oneCoreWall.push(oneWall);
      allCores.push(all.wall);
      speedups.push(oneWall / all.wall);
      speedupsToCpu.push(oneCpuOfPair / all.wall);
    }
    baseline.push(base);
    oneCore.push(oneCpu);
    ratios.push(base / oneCpu);
  }
  const perSecond = (ms: number[]): number => Math.round((values.length / median(ms)) * 1000);
  return {
    baselineRowsPerSecond: perSecond(baseline),
    oneCoreRowsPerSecond: perSecond(oneCore),
    ratioToBaseline: median(ratios),
    oneCoreWallRowsPerSecond: perSecond(oneCoreWall),
    allCoresRowsPerSecond: perSecond(allCores),
    allCoresSpeedup: median(speedups),
    allCoresToOneCoreCpu: median(speedupsToCpu),
  };
}

// ---- the command as a child process ----

const RAW_UIDS_PER_CHUNK = 1000;

/** A CSV of `rows` random raw UIDs (and an id column), produced as it is read. */
function rawUidCsv(rows: number): Readable {
  let produced = 0;
  return new Readable({
    read() {
      if (produced === 0) this.push('id,raw_uid\n');
      if (produced >= rows) return void this.push(null);
      const count = Math.min(RAW_UIDS_PER_CHUNK, rows - produced);
      const bytes = nodeRandomBytes(32 * count);
      let text = '';
      for (let i = 0; i < count; i++) text += `${produced + i},${bytes.toString('base64', i * 32, i * 32 + 32)}\n`;
      produced += count;
      this.push(text);
    },
  });
}

/** Peak RSS so far of a process (VmHWM, Linux), in MiB; undefined where /proc does not say. */
async function peakRssMiB(pid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kib = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
    return kib === undefined ? undefined : Number(kib) / 1024;
  } catch {
    return undefined;
  }
}

interface CommandRun {
  code: number | null;
  seconds: number;
  peakRssMiB: number;
  stderr: string;
}

/** Runs the command; `input` (if any) is piped into its stdin; its peak RSS is sampled until it exits. */
async function runCommand(args: string[], env: Record<string, string>, input?: Readable): Promise<CommandRun> {
  const started = performance.now();
  const child = spawn(process.execPath, [SHARE_MAIN, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: [input ? 'pipe' : 'ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk));
  let peak = 0;
  const sampler = setInterval(() => {
    void peakRssMiB(child.pid!).then((mib) => (peak = Math.max(peak, mib ?? 0)));
  }, 100);
  const piped = input ? pipeline(input, child.stdin!) : Promise.resolve();
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  clearInterval(sampler);
  await piped;
  return { code, seconds: (performance.now() - started) / 1000, peakRssMiB: peak, stderr };
}

function expectSuccess(run: CommandRun, what: string): CommandRun {
  if (run.code !== 0) throw new Error(`${what}: exit ${run.code}: ${run.stderr}`);
  return run;
}

async function benchRss(operator: LiveOperator, rowCounts: number[]): Promise<ShareBenchResult['rss']> {
  const sender = credentialsOf(operator, 'local-advertiser');
  const results: ShareBenchResult['rss'] = [];
  for (const rows of rowCounts) {
    const run = expectSuccess(await runCommand(['encrypt', '--out', '/dev/null'], sender, rawUidCsv(rows)), `encrypt ${rows} rows`);
    results.push({ rows, peakRssMiB: Math.round(run.peakRssMiB), seconds: Number(run.seconds.toFixed(1)), rowsPerSecond: Math.round(rows / run.seconds) });
  }
  return results;
}

async function benchS3(operator: LiveOperator, rows: number): Promise<ShareBenchResult['s3']> {
  const s3 = await startLocalS3();
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = s3.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
  const folder = await mkdtemp(path.join(os.tmpdir(), 'share-bench-'));
  const client = new S3Client({
    endpoint: s3.env.AWS_ENDPOINT_URL_S3,
    forcePathStyle: true,
    region: s3.env.AWS_REGION,
    credentials: { accessKeyId: s3.env.AWS_ACCESS_KEY_ID!, secretAccessKey: s3.env.AWS_SECRET_ACCESS_KEY! },
  });
  try {
    const chunks: string[] = [];
    for await (const chunk of rawUidCsv(rows)) chunks.push(chunk as string);
    const csv = chunks.join('');
    await writeFile(path.join(folder, 'in.csv'), csv);
    await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'in.csv', Body: csv }));
    const sender = { ...s3.env, ...credentialsOf(operator, 'local-advertiser') };
    const receiver = { ...s3.env, ...credentialsOf(operator, 'local-dsp') };
    const object = (key: string) => `s3://${s3.bucket}/${key}`;
    const file = (name: string) => path.join(folder, name);
    const encrypt = expectSuccess(await runCommand(['encrypt', '--in', object('in.csv'), '--out', object('tokens.csv')], sender), 'S3 encrypt');
    const decrypt = expectSuccess(await runCommand(['decrypt', '--in', object('tokens.csv'), '--out', object('out.csv')], receiver), 'S3 decrypt');
    const localEncrypt = expectSuccess(await runCommand(['encrypt', '--in', file('in.csv'), '--out', file('tokens.csv')], sender), 'file encrypt');
    const localDecrypt = expectSuccess(await runCommand(['decrypt', '--in', file('tokens.csv'), '--out', file('out.csv')], receiver), 'file decrypt');
    const roundTrip = encrypt.seconds + decrypt.seconds;
    const local = localEncrypt.seconds + localDecrypt.seconds;
    return {
      rows,
      megabytes: Number((Buffer.byteLength(csv) / 2 ** 20).toFixed(1)),
      encryptSeconds: Number(encrypt.seconds.toFixed(2)),
      decryptSeconds: Number(decrypt.seconds.toFixed(2)),
      roundTripSeconds: Number(roundTrip.toFixed(2)),
      localFilesRoundTripSeconds: Number(local.toFixed(2)),
      ratioToLocalFiles: roundTrip / local,
    };
  } finally {
    client.destroy();
    await s3.close();
    await rm(folder, { recursive: true, force: true });
  }
}

export async function benchShare(opts: ShareBenchOptions = {}): Promise<ShareBenchResult> {
  const { rows = 20_000, rounds = 5, warmupRounds = 1, rssRows = [300_000, 3_000_000], s3Rows = 100_000 } = opts;
  const now = Date.now();
  const keys = benchKeys(now);
  const rawUids = Array.from({ length: rows }, () => nodeRandomBytes(32).toString('base64'));
  const tokens = await Promise.all(
    rawUids.map(async (rawUid) => {
      const result = await encryptRawUidIntoToken(rawUid, keys, { now });
      if (result.status !== 'success') throw new Error(`could not make the bench tokens: ${result.status}`);
      return result.token;
    }),
  );
  // the baseline's tokens and ours are one format: each decrypts the other's
  const raw = rawKeysOf(keys);
  if (decryptRaw(tokens[0]!, raw.secrets) !== rawUids[0]) throw new Error('the baseline does not decrypt the library\'s tokens');
  const pool = new WorkerPool(os.availableParallelism(), fixedSharingKeys(keys));
  let encrypt: ShareThroughput;
  let decrypt: ShareThroughput;
  try {
    encrypt = await benchMode('encrypt', rawUids, keys, now, pool, { rounds, warmupRounds });
    decrypt = await benchMode('decrypt', tokens, keys, now, pool, { rounds, warmupRounds });
  } finally {
    await pool.close();
  }

  const operator = await startLiveOperator();
  try {
    const rss = await benchRss(operator, rssRows);
    const s3 = await benchS3(operator, s3Rows);
    return { cores: os.availableParallelism(), rowsPerRound: rows, rounds, encrypt, decrypt, rss, s3 };
  } finally {
    await operator.close();
  }
}

function ratio(value: number): string {
  return `${value.toFixed(2)}×`;
}

/** The bench's lines for a terminal. */
export function shareTable(result: ShareBenchResult): string {
  const line = (mode: ShareMode, t: ShareThroughput) =>
    `${mode}: one core ${t.oneCoreRowsPerSecond} rows/s vs raw node:crypto ${t.baselineRowsPerSecond} (${ratio(t.ratioToBaseline)}, goal ≥ 0.80×); ` +
    `${result.cores} cores ${t.allCoresRowsPerSecond} rows/s vs one core ${t.oneCoreWallRowsPerSecond} wall (${ratio(t.allCoresSpeedup)}, goal ≥ 1.70×; ` +
    `${ratio(t.allCoresToOneCoreCpu)} of the one-core pipeline's rows per CPU second)`;
  return [
    line('encrypt', result.encrypt),
    line('decrypt', result.decrypt),
    ...result.rss.map((r) => `command RSS: ${r.rows} rows → peak ${r.peakRssMiB} MiB (goal ≤ 300) in ${r.seconds} s, ${r.rowsPerSecond} rows/s`),
    `S3 round trip (s3rver on loopback): ${result.s3.rows} rows (${result.s3.megabytes} MiB) encrypt ${result.s3.encryptSeconds} s + decrypt ${result.s3.decryptSeconds} s = ` +
      `${result.s3.roundTripSeconds} s vs local files ${result.s3.localFilesRoundTripSeconds} s (${ratio(result.s3.ratioToLocalFiles)})`,
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const rssRows = process.env.BENCH_SHARE_RSS_ROWS?.split(',').map(Number);
  const result = await benchShare(rssRows ? { rssRows } : {});
  console.log(shareTable(result));
  console.log(JSON.stringify(result, null, 2));
}
