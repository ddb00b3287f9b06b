/**
 * A returning reader under Prebid's storageControl (enforcement 'strict', Prebid 11's default), ours against Prebid's
 * official uid2IdSystem in the same run: bundles with storageControl and each module's own metadata (ours:
 * prebid-uid2/metadata/uid2IdSystem; the official: prebid.js/metadata/uid2IdSystem, whose disclosureURL is null), a
 * CSTG page, and one reader (one browser profile) viewing it `views` times. Measures operator calls per page view and
 * the time the module adds before the bid request, over a baseline bundle with storageControl and no UID2 module.
 * Alone: `npm run build:node && node build/node/devstack/bench/storageControl.js`.
 */
import { fileURLToPath } from 'node:url';
import type { AuctionTiming, BrowserBench, PageSpec } from './browser.js';
import type { Variant } from './bundles.js';
import { median } from './median.js';
import type { BenchOperator } from './operator.js';

export interface StorageControlOptions {
  /** readers per bundle, taking turns */
  runs: number;
  /** page views per reader: the first visit, then views - 1 returning pages */
  views: number;
}

const BUNDLES = { baseline: 'storageControlAdapter', official: 'officialStorageControl', ours: 'oursStorageControl' } as const satisfies Record<string, Variant>;
type Bundle = keyof typeof BUNDLES;
const BROWSER_CALLS = ['/v2/token/refresh', '/v2/token/client-generate'];

export interface ReaderSummary {
  /** median operator calls at each page view, first visit first */
  operatorCallsPerView: number[];
  /** median ms from the first Prebid call to the bid request: the first visit, and the returning pages */
  firstViewMs: number;
  returningViewMs: number;
  /** returning page views whose bid request carried the UID2 eid, of all returning views */
  returningCarriedUid2: string;
}

export interface StorageControlReport {
  runs: number;
  views: number;
  baselineMs: number;
  official: ReaderSummary;
  ours: ReaderSummary;
  /** ms the module adds before the bid request on a returning page, over the baseline */
  officialReturningAddedMs: number;
  oursReturningAddedMs: number;
}

interface View extends AuctionTiming { operatorCalls: number }

async function readerViews(browser: BrowserBench, op: BenchOperator, page: PageSpec, views: number): Promise<View[]> {
  const reader = await browser.reader(page);
  try {
    const seen: View[] = [];
    for (let i = 0; i < views; i++) {
      const before = op.calls(...BROWSER_CALLS);
      const timing = await reader.view();
      seen.push({ ...timing, operatorCalls: op.calls(...BROWSER_CALLS) - before });
    }
    return seen;
  } finally {
    await reader.close();
  }
}

function summarize(readers: View[][]): ReaderSummary {
  const views = readers[0]!.length;
  const returning = readers.flatMap((reader) => reader.slice(1));
  return {
    operatorCallsPerView: Array.from({ length: views }, (_, i) => median(readers.map((reader) => reader[i]!.operatorCalls))),
    firstViewMs: median(readers.map((reader) => reader[0]!.toBidRequestMs)),
    returningViewMs: median(returning.map((view) => view.toBidRequestMs)),
    returningCarriedUid2: `${returning.filter((view) => view.carriedUid2).length}/${returning.length}`,
  };
}

export async function benchStorageControl(browser: BrowserBench, op: BenchOperator, opts: StorageControlOptions): Promise<StorageControlReport> {
  const params = { uid2ApiBase: op.url, ...op.cstg, email: 'bench-returning@example.com' };
  const readers: Record<Bundle, View[][]> = { baseline: [], official: [], ours: [] };
  // one warm-up reader per bundle, then the bundles take turns, so that drift in machine load hits them alike
  for (let run = -1; run < opts.runs; run++) {
    for (const bundle of Object.keys(BUNDLES) as Bundle[]) {
      const page = { bundle: BUNDLES[bundle], uid2Params: bundle === 'baseline' ? null : params };
      const views = await readerViews(browser, op, page, opts.views);
      if (run >= 0) readers[bundle].push(views);
    }
  }
  const baselineMs = median(readers.baseline.flat().map((view) => view.toBidRequestMs));
  const official = summarize(readers.official);
  const ours = summarize(readers.ours);
  return {
    runs: opts.runs,
    views: opts.views,
    baselineMs,
    official,
    ours,
    officialReturningAddedMs: official.returningViewMs - baselineMs,
    oursReturningAddedMs: ours.returningViewMs - baselineMs,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { startBrowserBench } = await import('./browser.js');
  const { buildVariants } = await import('./bundles.js');
  const { startBenchOperator } = await import('./operator.js');
  await buildVariants(Object.values(BUNDLES));
  const op = await startBenchOperator();
  const browser = await startBrowserBench();
  try {
    console.log(JSON.stringify(await benchStorageControl(browser, op, { runs: 5, views: 4 }), null, 2));
  } finally {
    await browser.close();
    await op.close();
  }
}
