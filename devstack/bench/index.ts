// `npm run bench`: every comparative figure is measured in this run against Prebid's official uid2IdSystem
// built by the same webpack config. Prints a table and writes devstack/bench/results.json.
// BENCH_RUNS=n overrides the repetitions per page (default 15) for a quicker look.
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { findBrowser } from '../browsers/browsers.js';
import { startBrowserBench } from './browser.js';
import { buildApart, buildVariants } from './bundles.js';
import { benchDecrypt } from './decrypt.js';
import { benchLoad, type LoadOptions } from './load.js';
import { startBenchOperator, type BenchOperator } from './operator.js';
import { table, type Machine, type Results } from './report.js';
import { benchShare } from './share.js';
import { benchSelfTime, type SelfTimeOptions } from './selfTime.js';
import { benchSize } from './size.js';
import { benchAcrossTabs, benchSpeed, type SpeedOptions, type TabsResult } from './speed.js';
import { benchStorageControl, type StorageControlOptions } from './storageControl.js';

// sized for `npm run bench` in under ~5 minutes on 2 cores
const RUNS = Number(process.env.BENCH_RUNS) || 15;
const SPEED: SpeedOptions = { runs: RUNS, warmup: 2, tabRuns: 5, tabCounts: [1, 4, 8], adUnitCounts: [1, 10, 50] };
const DECRYPT = { tokens: 2000, rounds: 21, warmupRounds: 3 };
const LOAD: LoadOptions = { requests: 3000, warmup: 300, concurrency: 16, maxSeconds: 20, rounds: 5 };
const SELF_TIME: SelfTimeOptions = { runs: RUNS, warmup: 2, intervalUs: 50 };
const STORAGE_CONTROL: StorageControlOptions = { runs: Math.ceil(RUNS / 3), views: 4 };

function machine(chromium: string, firefox: string | undefined, loadAtStart: number): Machine {
  return {
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    cpus: os.cpus().length,
    node: process.version,
    chromium,
    ...(firefox && { firefox }),
    os: `${os.type()} ${os.release()}`,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    loadAverage: { start: loadAtStart, end: os.loadavg()[0]! },
  };
}

/** Runs one part, saying on stderr how long it took: the table waits for the end. */
async function phase<T>(name: string, run: () => Promise<T>): Promise<T> {
  const t = Date.now();
  const result = await run();
  console.error(`${name}: ${((Date.now() - t) / 1000).toFixed(0)} s`);
  return result;
}

async function firefoxAcrossTabs(op: BenchOperator): Promise<{ version: string; refreshCallsAcrossTabs: TabsResult[] }> {
  const firefox = await startBrowserBench('firefox');
  try {
    return { version: firefox.version, refreshCallsAcrossTabs: await benchAcrossTabs(firefox, op, SPEED) };
  } finally {
    await firefox.close();
  }
}

const started = Date.now();
const loadAtStart = os.loadavg()[0]!;
const size = await phase('build and size', async () => benchSize(await buildVariants()));
const apart = await phase('build each uid2 module apart (self time)', () => buildApart());
// in the main thread, before the browser starts: one core, nothing else of ours running
const decrypt = await phase('decrypt', () => benchDecrypt(DECRYPT));
// the servers under load, before the browser starts too: against a trivial handler loaded the same way
const load = await phase('load', () => benchLoad(LOAD));
// the sharing command and its worker threads want every core: before the browser starts as well
const share = await phase('share', () => benchShare());
const op = await startBenchOperator();
const browser = await startBrowserBench();
let results: Results;
try {
  const speed = await phase('browser', () => benchSpeed(browser, op, SPEED));
  const selfTime = await phase('self time', () => benchSelfTime(browser, op, apart, SELF_TIME));
  const storageControl = await phase('returning reader under storageControl', () => benchStorageControl(browser, op, STORAGE_CONTROL));
  // the cross-tab guarantee in Firefox too (its Web Locks and storage events are its own), when it is installed
  const firefox = findBrowser('firefox') ? await phase('Firefox cross-tab', () => firefoxAcrossTabs(op)) : undefined;
  results = {
    date: new Date(started).toISOString(),
    machine: machine(browser.version, firefox?.version, loadAtStart),
    runs: { timeToEids: SPEED.runs, tabs: SPEED.tabRuns, decryptRounds: DECRYPT.rounds },
    size,
    speed,
    selfTime,
    storageControl,
    ...(firefox && { firefoxRefreshCallsAcrossTabs: firefox.refreshCallsAcrossTabs }),
    decrypt,
    load,
    share,
  };
} finally {
  await browser.close();
  await op.close();
}
await writeFile('devstack/bench/results.json', JSON.stringify(results, null, 2) + '\n');
console.log(table(results));
console.log(`\nbench/results.json written; ${((Date.now() - started) / 1000).toFixed(0)} s`);
