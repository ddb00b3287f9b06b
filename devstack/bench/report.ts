// The one table `npm run bench` prints: each comparative row is ours against the official module, same run.
import { AUCTION_DELAY_MS } from './browser.js';
import type { BundleSize } from './bundles.js';
import type { DecryptBenchResult } from './decrypt.js';
import type { ShareBenchResult, ShareThroughput } from './share.js';
import { loadTable, type LoadResult } from './load.js';
import { DISTANT_ROUND_TRIP_MS } from './operator.js';
import type { SizeReport } from './size.js';
import type { Comparison, SpeedReport, Summary, TabsResult } from './speed.js';
import type { SelfTimeReport } from './selfTime.js';
import type { StorageControlReport } from './storageControl.js';

export interface Machine {
  cpuModel: string;
  cpus: number;
  node: string;
  chromium: string;
  /** when Firefox is installed: the cross-tab rows are measured in it too */
  firefox?: string;
  os: string;
  memoryGiB: number;
  /** 1-minute load average at start and end: anything else running (tests) shows here as noise */
  loadAverage: { start: number; end: number };
}

export interface Results {
  date: string;
  machine: Machine;
  runs: { timeToEids: number; tabs: number; decryptRounds: number };
  size: SizeReport;
  speed: SpeedReport;
  /** our module's own CPU time from the first Prebid call to the bid request, from Chromium CPU profiles */
  selfTime: SelfTimeReport;
  /** a returning reader's pages under storageControl */
  storageControl: StorageControlReport;
  /** the cross-tab rows again, in Firefox */
  firefoxRefreshCallsAcrossTabs?: TabsResult[];
  decrypt: DecryptBenchResult;
  /** the servers under load, as ratios against a trivial Node HTTP handler */
  load: LoadResult;
  /** prebid-uid2-share and its transform against raw node:crypto, RSS, the S3 round trip */
  share: ShareBenchResult;
}

type Row = [measure: string, official: string, ours: string, ratio: string, goal: string];

const ms = (x: number) => `${x.toFixed(2)} ms`;
const ratio = (x: number | null) => (x !== null && Number.isFinite(x) ? `${x.toFixed(2)}×` : '—');
const bytes = (s: BundleSize) => `${s.gzip} / ${s.minified}`;

function sizeRows(size: SizeReport): Row[] {
  return [
    ['UID2 module added to core+userId, bytes gzip / minified', bytes(size.officialUid2Added), bytes(size.ourUid2Added),
      `${ratio(size.gzipRatio)} / ${ratio(size.minifiedRatio)}`, 'gzip ≤ 0.60×'],
    [`openrtbSsp adapter added, bytes gzip / minified; reference: the median of ${Object.entries(size.adapter.peers).map(([peer, s]) => `${peer} ${s.gzip}`).join(', ')}`,
      `${size.adapter.peerMedianGzip} (median)`, bytes(size.ourAdapterAdded), ratio(size.adapter.gzipRatio), 'gzip ≤ 1.00× the median'],
  ];
}

function timeRows(scenario: string, c: Comparison, goal: string): Row[] {
  const init = (s: Summary) => `${ms(s.uid2InitMs)} / ${ms(s.idWaitMs)}`;
  const outcome = (s: Summary) => `${s.carriedUid2}; ${s.operatorCalls}; ${s.requestsPerCall?.toFixed(2) ?? '—'}`;
  return [
    [`${scenario}: time to eids (added over baseline)`, `${ms(c.official.ms)} (${ms(c.officialAddedMs)})`,
      `${ms(c.ours.ms)} (${ms(c.oursAddedMs)})`, `${ratio(c.addedRatio)} of added`, goal],
    [`${scenario}: module init / auction held for IDs`, init(c.official), init(c.ours),
      `${ratio(c.ours.uid2InitMs / c.official.uid2InitMs)} of init`, ''],
    [`${scenario}: bid requests with UID2; operator calls per page; HTTP requests per call (preflights included)`,
      outcome(c.official), outcome(c.ours), '', c.ours.requestsPerCall === null ? '' : '1 request per call'],
  ];
}

/** the first-time CSTG case's time around its operator call: the module's own part is before and after it */
function operatorCallRow(scenario: string, c: Comparison): Row {
  const parts = (s: Summary) => (s.operatorCall ? `${ms(s.operatorCall.beforeMs)} / ${ms(s.operatorCall.callMs)} / ${ms(s.operatorCall.afterMs)}` : '—');
  return [`${scenario}: first Prebid call to operator call / the call / its answer to the bid request`, parts(c.official), parts(c.ours), '', ''];
}

function selfTimeRows(r: SelfTimeReport): Row[] {
  return (['freshToken', 'refreshDue'] as const).map((name): Row => [
    `the module's own CPU time (self time) from the first Prebid call to the bid request, ${name === 'freshToken' ? 'fresh stored token' : 'token due for refresh'}`,
    ms(r[name].officialSelfMs), ms(r[name].ourSelfMs), ratio(r[name].officialSelfMs > 0 ? r[name].ourSelfMs / r[name].officialSelfMs : null), '≤ 0.30 ms']);
}

function storageControlRows(r: StorageControlReport): Row[] {
  const calls = (s: StorageControlReport['ours']) => s.operatorCallsPerView.join(', ');
  const returning = (s: StorageControlReport['ours'], added: number) => `${ms(s.returningViewMs)} (${ms(added)})`;
  return [
    [`returning reader under storageControl, CSTG: operator calls per page view (${r.views} views)`, calls(r.official), calls(r.ours), '', '0 after the first'],
    ['returning reader under storageControl: time to eids on a returning page (added over baseline)',
      returning(r.official, r.officialReturningAddedMs), returning(r.ours, r.oursReturningAddedMs),
      // as in speed.ts: a ratio of a negative or zero difference (noise around nothing added) means nothing
      `${ratio(r.officialReturningAddedMs > 0 && r.oursReturningAddedMs >= 0 ? r.oursReturningAddedMs / r.officialReturningAddedMs : null)} of added`, ''],
  ];
}

function tabsRow({ tabs, official, ours }: TabsResult, engine = ''): Row {
  const calls = (runs: number[]) => `${runs.join(', ')}`;
  return [`refresh calls at the operator, ${tabs} tab(s) opened at once, refresh due (each run)${engine}`, calls(official), calls(ours), '', '1'];
}

function shareRows(share: ShareBenchResult): Row[] {
  const throughput = (mode: string, t: ShareThroughput): Row[] => [
    [`sharing ${mode}, rows/s on one core (Node transform): raw node:crypto same GCM work / ours`, `${t.baselineRowsPerSecond}`,
      `${t.oneCoreRowsPerSecond}`, `${ratio(t.ratioToBaseline)} of baseline`, '≥ 0.80× of baseline'],
    [`sharing ${mode}, rows/s wall: one core / ${share.cores} cores (worker threads)`, `${t.oneCoreWallRowsPerSecond}`,
      `${t.allCoresRowsPerSecond}`, `${ratio(t.allCoresSpeedup)} of one core (${ratio(t.allCoresToOneCoreCpu)} of its rows per CPU second)`, '≥ 1.70× on 2 cores'],
  ];
  return [
    ...throughput('encrypt', share.encrypt),
    ...throughput('decrypt', share.decrypt),
    ...share.rss.map(({ rows, peakRssMiB, rowsPerSecond }): Row =>
      [`prebid-uid2-share encrypt, peak RSS, ${rows} rows (${rowsPerSecond} rows/s)`, '—', `${peakRssMiB} MiB`, '—', '≤ 300 MiB']),
    [`prebid-uid2-share S3 round trip (s3rver), ${share.s3.rows} rows: local files / S3`, `${share.s3.localFilesRoundTripSeconds} s`,
      `${share.s3.roundTripSeconds} s`, `${ratio(share.s3.ratioToLocalFiles)} of local files`, ''],
  ];
}

export function table(r: Results): string {
  const { speed } = r;
  const rows: Row[] = [
    ...sizeRows(r.size),
    ...timeRows('fresh stored token', speed.freshToken, '≤ 1 ms added, no network'),
    ...timeRows('token due for refresh', speed.refreshDue, 'no added delay; auction held as with a fresh token'),
    ...timeRows('expired token (refreshed before the ID)', speed.expiredToken, 'ours ≤ official'),
    ...timeRows('first-time CSTG', speed.cstg, '≤ 0.70× of added'),
    operatorCallRow('first-time CSTG', speed.cstg),
    ...timeRows(`expired token, operator ${DISTANT_ROUND_TRIP_MS} ms away`, speed.expiredTokenDistant, 'ours ≤ official'),
    ...timeRows(`first-time CSTG, operator ${DISTANT_ROUND_TRIP_MS} ms away`, speed.cstgDistant, '≤ 0.70× of added'),
    ...selfTimeRows(r.selfTime),
    ...storageControlRows(r.storageControl),
    ...speed.refreshCallsAcrossTabs.map((result) => tabsRow(result)),
    ...(r.firefoxRefreshCallsAcrossTabs ?? []).map((result) => tabsRow(result, ', Firefox')),
    [`refresh calls per round, ${speed.refreshCallsUnderLoad.ours.length} rounds of ${speed.refreshCallsUnderLoad.tabs} tabs opened at once, ` +
      `all ${speed.refreshCallsUnderLoad.busyCores} cores busy`, '—', speed.refreshCallsUnderLoad.ours.join(', '), '', '1 in every round'],
    ['receiver decrypt, v4 tokens/s on one core (Node): raw node:crypto two-layer GCM baseline / ours', `${Math.round(r.decrypt.baseline.tokensPerSecond)}`,
      `${Math.round(r.decrypt.library.tokensPerSecond)} sync / ${Math.round(r.decrypt.libraryAsync.tokensPerSecond)} promise (WebCrypto backend: ${Math.round(r.decrypt.webCrypto.tokensPerSecond)})`,
      `${ratio(r.decrypt.ratioToBaseline)} / ${ratio(r.decrypt.ratioAsyncToBaseline)} of baseline`, '≥ 0.80× of baseline'],
    ...shareRows(r.share),
    ...speed.buildRequestsPerBid.map(({ adUnits, coldUs, warmUs }): Row =>
      [`adapter buildRequests, µs per bid, ${adUnits} ad unit(s): page's first auction / later ones`, '—',
        `${coldUs.toFixed(1)} / ${warmUs.toFixed(1)}`, '—', '']),
  ];
  const m = r.machine;
  return [
    '| measure | official | ours | ours/official | goal |',
    '|---|---|---|---|---|',
    ...rows.map((row) => `| ${row.join(' | ')} |`),
    '',
    `Medians of ${r.runs.timeToEids} runs per page (${r.runs.tabs} per tab count, ${r.runs.decryptRounds} decrypt rounds) after warm-up; ` +
      `baseline (core+userId+adapter, no UID2 module): ${ms(speed.baseline.ms)} from the first Prebid call to the bid request (module init —, auction held ${ms(speed.baseline.idWaitMs)}), auctionDelay ${AUCTION_DELAY_MS} ms.`,
    'Time to eids is measured in the page (cross-origin isolated: 5 µs timer) from the first Prebid call (setConfig, which starts ' +
      'the ID modules) to beforeBidderHttp of the openrtbSsp request, each run a fresh profile and a cold page; "added" is over the ' +
      'baseline page and includes the userId core engaging for one submodule. Module init (userId.mods.uid2.init) and auction held ' +
      'for IDs (requestBids.userId) are Prebid\'s own performanceMetrics. Operator calls are POSTs counted at the local operator, ' +
      'and HTTP requests per call add the CORS preflights (OPTIONS) it received in front of them (the page\'s origin is not the operator\'s); the ' +
      'tab rows open that many tabs of one profile at once with a stored token past refresh_from (in Chromium, and in Firefox ' +
      `over WebDriver BiDi where marked). "Operator ${DISTANT_ROUND_TRIP_MS} ms away": the same local operator answering each request ` +
      '(a call or its preflight) that much later, as a round trip across the internet costs each; on loopback a preflight costs nothing.',
    `Returning reader: ${r.storageControl.runs} readers per module (one profile each, after one warm-up reader), ${r.storageControl.views} views of a CSTG page each, ` +
      'bundles with storageControl (strict) and each module\'s own metadata (the official one\'s discloses nothing, so it stores nothing); ' +
      `baseline: storageControl and the adapter, no UID2 module, ${ms(r.storageControl.baselineMs)}; the first visit: official ${ms(r.storageControl.official.firstViewMs)}, ours ${ms(r.storageControl.ours.firstViewMs)}.`,
    `Self time: ${r.selfTime.freshToken.runsMs.ours.length} profiled page loads per case and module, V8's sampling profiler every ${r.selfTime.intervalUs} µs over the span time to eids times, ` +
      'each module built into a script of its own (same config and minifier): the samples in its functions times the median sampling interval. ' +
      'Functions of Prebid\'s that a module calls count as Prebid\'s. Most of it is cold code compiled at its first call, which V8 counts as the caller\'s.',
        'buildRequests is Prebid\'s performanceMetrics figure (adapter.client.buildRequests) in our bundle with a fresh UID2 token, ' +
      `divided by the ad units: the page's first auction (cold code) and the next ones on the same page (warm).`,
    'Other processes (tests, builds) may share the machine: the load average below says how much; time figures are noisy under load.',
    `Machine: ${m.cpus}× ${m.cpuModel}, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}, Chromium ${m.chromium}` +
      `${m.firefox ? `, ${m.firefox}` : ''}; ` +
      `load average ${m.loadAverage.start.toFixed(2)} at start, ${m.loadAverage.end.toFixed(2)} at end.`,
    '',
    loadTable(r.load),
  ].join('\n');
}
