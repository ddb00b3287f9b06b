/**
 * Browser speed benchmarks, ours against Prebid's official uid2IdSystem on the same pages in the same run:
 * time to eids (fresh stored token, token due for refresh, expired token, first-time CSTG) with the requests each
 * call costs at the operator (preflights included), refresh calls across tabs (also with every core busy), and the
 * openrtbSsp adapter's buildRequests cost. Variants take turns within each repetition, so drift in
 * machine load hits them alike; the first `warmup` repetitions are thrown away.
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Uid2Identity } from '../../libraries/uid2/client/uid2Identity.js';
import { type AuctionTiming, type BrowserBench, type PageSpec } from './browser.js';
import { median } from './median.js';
import type { Variant } from './bundles.js';
import type { BenchOperator } from './operator.js';

export interface SpeedOptions {
  /** timed repetitions of each page */
  runs: number;
  warmup: number;
  /** repetitions of each cross-tab case */
  tabRuns: number;
  tabCounts: number[];
  adUnitCounts: number[];
}

/** Each module's bundle carries our adapter, the bidder whose request the pages watch. */
const MODULES = { official: 'officialWithAdapter', ours: 'oursWithAdapter' } as const satisfies Record<string, Variant>;
type Module = keyof typeof MODULES;
const BASELINE: Variant = 'adapter';
/** after the last tab's bid request, for refreshes still in flight to land */
const TABS_SETTLE_MS = 300;
const BROWSER_CALLS = ['/v2/token/refresh', '/v2/token/client-generate'];
/** auctions after the first on each buildRequests page */
const WARM_AUCTIONS = 4;
/** the cross-tab measure under load: rounds of that many tabs opened at once while every core runs a busy loop */
const LOADED_ROUNDS = 20;
const LOADED_TABS = 8;

interface Sample extends AuctionTiming {
  /** refresh and CSTG calls at the operator while the page ran */
  operatorCalls: number;
  /** the CORS preflights in front of them */
  preflights: number;
}

export interface Summary {
  /** median ms from the first Prebid call to the bid request */
  ms: number;
  /** median ms of the uid2 submodule's own init, and of the userId hook holding the auction (Prebid's metrics) */
  uid2InitMs: number;
  idWaitMs: number;
  /** every run's ms to the bid request, in run order: the spread behind the median */
  runsMs: number[];
  /** runs whose bid request carried the UID2 eid, of all runs */
  carriedUid2: string;
  /** median operator calls per page load */
  operatorCalls: number;
  /** HTTP requests at the operator per call (the call and its preflight, if any), over all runs; null without calls */
  requestsPerCall: number | null;
  /**
   * where the time goes when the page calls the operator (null without calls), median ms: from the first Prebid call to
   * the call leaving, the call itself, and from its answer to the bid request
   */
  operatorCall: { beforeMs: number; callMs: number; afterMs: number } | null;
}

export interface Comparison {
  official: Summary;
  ours: Summary;
  /** median ms over the baseline bundle (no UID2 module) */
  officialAddedMs: number;
  oursAddedMs: number;
  /** ours / official, ms added; null when either added nothing measurable */
  addedRatio: number | null;
}

/** µs of spec.buildRequests per ad unit (bid), medians: a page's first auction, and its later ones */
export interface BuildRequestsCost { adUnits: number; coldUs: number; warmUs: number }

export interface TabsResult { tabs: number; official: number[]; ours: number[] }

export interface SpeedReport {
  baseline: Summary;
  freshToken: Comparison;
  refreshDue: Comparison;
  /** a stored token past identity_expires: refreshed before the ID is there */
  expiredToken: Comparison;
  cstg: Comparison;
  /** the same two with the operator DISTANT_ROUND_TRIP_MS away (operator.ts), where a CORS preflight costs a round trip */
  expiredTokenDistant: Comparison;
  cstgDistant: Comparison;
  /** refresh calls at the operator per tab count, one entry per repetition */
  refreshCallsAcrossTabs: TabsResult[];
  /** ours: refresh calls per round of LOADED_TABS tabs opened at once with every core busy, LOADED_ROUNDS rounds */
  refreshCallsUnderLoad: { tabs: number; busyCores: number; ours: number[] };
  buildRequestsPerBid: BuildRequestsCost[];
}

/** How each case stores and configures UID2; every identity is the local operator's own. */
function cases(op: BenchOperator, identity: Uid2Identity) {
  const params = { uid2ApiBase: op.url };
  // modules decide on refresh_from alone, and the operator refreshes at any time before refresh_expires
  const due = () => ({ originalToken: identity, latestToken: { ...identity, refresh_from: Date.now() - 1000 } });
  const expired = () => ({ originalToken: identity, latestToken: { ...identity, refresh_from: Date.now() - 2000, identity_expires: Date.now() - 1000 } });
  const cstg = { ...op.cstg, email: 'bench-cstg@example.com' };
  const distant = { uid2ApiBase: op.distantUrl };
  return {
    freshToken: { params, stored: () => ({ originalToken: identity, latestToken: identity }) },
    refreshDue: { params, stored: due },
    expiredToken: { params, stored: expired },
    cstg: { params: { ...params, ...cstg }, stored: () => undefined },
    expiredTokenDistant: { params: distant, stored: expired },
    cstgDistant: { params: { ...distant, ...cstg }, stored: () => undefined },
  };
}
type Cases = ReturnType<typeof cases>;
type CaseName = keyof Cases;

async function sample(browser: BrowserBench, op: BenchOperator, page: PageSpec, stored: unknown): Promise<Sample> {
  const before = op.calls(...BROWSER_CALLS);
  const preflightsBefore = op.preflights(...BROWSER_CALLS);
  const timing = await browser.auction(page, stored);
  return { ...timing, operatorCalls: op.calls(...BROWSER_CALLS) - before, preflights: op.preflights(...BROWSER_CALLS) - preflightsBefore };
}

function operatorCallSummary(samples: Sample[]): Summary['operatorCall'] {
  const called = samples.filter((s) => s.operatorCall);
  if (!called.length) return null;
  const each = (pick: (s: Sample, call: { startMs: number; endMs: number }) => number) => median(called.map((s) => pick(s, s.operatorCall!)));
  return {
    beforeMs: each((_, call) => call.startMs),
    callMs: each((_, call) => call.endMs - call.startMs),
    afterMs: each((s, call) => s.toBidRequestMs - call.endMs),
  };
}

function summarize(samples: Sample[]): Summary {
  const runsMs = samples.map((s) => s.toBidRequestMs);
  const sum = (pick: (s: Sample) => number) => samples.reduce((total, s) => total + pick(s), 0);
  const calls = sum((s) => s.operatorCalls);
  return {
    ms: median(runsMs),
    uid2InitMs: median(samples.map((s) => s.uid2InitMs)),
    idWaitMs: median(samples.map((s) => s.idWaitMs)),
    runsMs,
    carriedUid2: `${samples.filter((s) => s.carriedUid2).length}/${samples.length}`,
    operatorCalls: median(samples.map((s) => s.operatorCalls)),
    requestsPerCall: calls ? (calls + sum((s) => s.preflights)) / calls : null,
    operatorCall: operatorCallSummary(samples),
  };
}

function compare(baselineMs: number, official: Summary, ours: Summary): Comparison {
  const officialAddedMs = official.ms - baselineMs;
  const oursAddedMs = ours.ms - baselineMs;
  // a ratio of a negative or zero difference (noise around nothing added) means nothing
  const addedRatio = officialAddedMs > 0 && oursAddedMs >= 0 ? oursAddedMs / officialAddedMs : null;
  return { official, ours, officialAddedMs, oursAddedMs, addedRatio };
}

/** One repetition: the baseline page, then every case for every module, taking turns. */
async function timeToEidsRound(browser: BrowserBench, op: BenchOperator, all: Cases, into: Map<string, Sample[]>) {
  const record = async (key: string, page: PageSpec, stored: unknown) => {
    const s = await sample(browser, op, page, stored);
    into.set(key, [...(into.get(key) ?? []), s]);
  };
  await record('baseline', { bundle: BASELINE, uid2Params: null }, undefined);
  for (const name of Object.keys(all) as CaseName[]) {
    for (const module of Object.keys(MODULES) as Module[]) {
      await record(`${name}/${module}`, { bundle: MODULES[module], uid2Params: all[name].params }, all[name].stored());
    }
  }
}

async function timeToEids(browser: BrowserBench, op: BenchOperator, all: Cases, opts: SpeedOptions) {
  for (let i = 0; i < opts.warmup; i++) await timeToEidsRound(browser, op, all, new Map());
  const samples = new Map<string, Sample[]>();
  for (let i = 0; i < opts.runs; i++) await timeToEidsRound(browser, op, all, samples);
  const baseline = summarize(samples.get('baseline')!);
  const comparison = (name: CaseName) =>
    compare(baseline.ms, summarize(samples.get(`${name}/official`)!), summarize(samples.get(`${name}/ours`)!));
  return {
    baseline,
    freshToken: comparison('freshToken'),
    refreshDue: comparison('refreshDue'),
    expiredToken: comparison('expiredToken'),
    cstg: comparison('cstg'),
    expiredTokenDistant: comparison('expiredTokenDistant'),
    cstgDistant: comparison('cstgDistant'),
  };
}

/**
 * Returns once the operator has had no refresh call for TABS_SETTLE_MS: a request the previous case's pages sent just
 * before they closed lands before this case starts counting, not during it.
 */
async function operatorQuiet(op: BenchOperator) {
  for (let seen = -1; seen !== op.calls('/v2/token/refresh');) {
    seen = op.calls('/v2/token/refresh');
    await new Promise((resolve) => setTimeout(resolve, TABS_SETTLE_MS));
  }
}

/** Refresh calls at the operator when `tabs` tabs of one site open at once with a token due for refresh. */
async function refreshCalls(browser: BrowserBench, op: BenchOperator, module: Module, tabs: number, due: Cases['refreshDue']) {
  await operatorQuiet(op);
  const before = op.calls('/v2/token/refresh');
  await browser.openTabs({ bundle: MODULES[module], uid2Params: due.params }, due.stored(), tabs);
  await new Promise((resolve) => setTimeout(resolve, TABS_SETTLE_MS));
  return op.calls('/v2/token/refresh') - before;
}

async function acrossTabs(browser: BrowserBench, op: BenchOperator, due: Cases['refreshDue'], opts: Pick<SpeedOptions, 'tabCounts' | 'tabRuns'>) {
  const results: TabsResult[] = [];
  for (const tabs of opts.tabCounts) {
    const result: TabsResult = { tabs, official: [], ours: [] };
    for (let i = 0; i < opts.tabRuns; i++) {
      for (const module of Object.keys(MODULES) as Module[]) result[module].push(await refreshCalls(browser, op, module, tabs, due));
    }
    results.push(result);
  }
  return results;
}

/**
 * Our module's refresh calls per round when LOADED_TABS tabs open at once with a token due for refresh while a busy
 * loop runs on every core (worker threads of this process), for LOADED_ROUNDS rounds: the claims must hold when
 * tabs are slow to see each other's cookies and storage.
 */
async function acrossTabsUnderLoad(browser: BrowserBench, op: BenchOperator, due: Cases['refreshDue']) {
  const busyCores = os.cpus().length;
  const workers = Array.from({ length: busyCores }, () => new Worker('for (;;) {}', { eval: true }));
  try {
    const ours: number[] = [];
    for (let round = 0; round < LOADED_ROUNDS; round++) ours.push(await refreshCalls(browser, op, 'ours', LOADED_TABS, due));
    return { tabs: LOADED_TABS, busyCores, ours };
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}

/** Refresh calls across tabs alone, for the engines in which the bench measures only that guarantee (Firefox). */
export async function benchAcrossTabs(browser: BrowserBench, op: BenchOperator, opts: SpeedOptions): Promise<TabsResult[]> {
  return acrossTabs(browser, op, cases(op, await op.generate('bench-tabs@example.com')).refreshDue, opts);
}

/**
 * spec.buildRequests time per bid, from Prebid's own performanceMetrics (adapter.client.buildRequests) in
 * our bundle with a fresh stored token, so every request carries the UID2 eid as in production: the first
 * auction of a page (cold code, what a page view pays once) and the ones after it on the same page (warm).
 */
async function buildRequestsCost(browser: BrowserBench, fresh: Cases['freshToken'], opts: SpeedOptions) {
  const perBid: BuildRequestsCost[] = [];
  for (const adUnitCount of opts.adUnitCounts) {
    const page = { bundle: MODULES.ours, uid2Params: fresh.params, adUnitCount, auctions: WARM_AUCTIONS + 1 };
    const cold: number[] = [];
    const warm: number[] = [];
    for (let i = 0; i < opts.warmup + opts.runs; i++) {
      const [first, ...later] = (await browser.auction(page, fresh.stored())).buildRequestsMs.map((ms) => (ms * 1000) / adUnitCount);
      if (i < opts.warmup) continue;
      cold.push(first!);
      warm.push(...later);
    }
    perBid.push({ adUnits: adUnitCount, coldUs: median(cold), warmUs: median(warm) });
  }
  return perBid;
}

/**
 * The cross-tab part alone (devstack/bench/tabs.ts): refresh calls at the operator for each tab count, official and ours, then
 * ours per round with every core busy.
 */
export async function benchRefreshCallsAcrossTabs(browser: BrowserBench, op: BenchOperator, opts: Pick<SpeedOptions, 'tabCounts' | 'tabRuns'>) {
  const due = cases(op, await op.generate('bench@example.com')).refreshDue;
  return { acrossTabs: await acrossTabs(browser, op, due, opts), underLoad: await acrossTabsUnderLoad(browser, op, due) };
}

export async function benchSpeed(browser: BrowserBench, op: BenchOperator, opts: SpeedOptions): Promise<SpeedReport> {
  const all = cases(op, await op.generate('bench@example.com'));
  return {
    ...(await timeToEids(browser, op, all, opts)),
    refreshCallsAcrossTabs: await acrossTabs(browser, op, all.refreshDue, opts),
    refreshCallsUnderLoad: await acrossTabsUnderLoad(browser, op, all.refreshDue),
    buildRequestsPerBid: await buildRequestsCost(browser, all.freshToken, opts),
  };
}
