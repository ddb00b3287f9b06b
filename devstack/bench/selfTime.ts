/**
 * Each uid2 module's own CPU time on the auction path, ours and Prebid's official one in the same run: Chromium CPU
 * profiles (V8's sampling profiler) of the span from the page's first Prebid call to the bid request leaving Prebid,
 * with the module's code in a script of its own (buildApart), so that the self time of the functions in that script is
 * the module's time and nothing else's (Prebid's functions it calls count as Prebid's). A fresh stored token, and one
 * due for refresh (whose background refresh starts on that path). Most of it is the first run of cold code: V8
 * compiles a function when it is first called, and that time is the caller's.
 */
import type { BrowserBench, CpuProfile } from './browser.js';
import { apartScript, type ApartModule } from './bundles.js';
import { median } from './median.js';
import type { BenchOperator } from './operator.js';

export interface SelfTimeOptions {
  /** profiled page loads per case */
  runs: number;
  warmup: number;
  /** µs between samples; V8's own default is 1000, far too coarse for a fraction of a millisecond */
  intervalUs: number;
}

/** Medians over the runs, ms, and each run's figure */
export interface SelfTimeCase {
  ourSelfMs: number;
  officialSelfMs: number;
  runsMs: Record<ApartModule, number[]>;
}

export interface SelfTimeReport { intervalUs: number; freshToken: SelfTimeCase; refreshDue: SelfTimeCase }

/**
 * ms of self time in the functions of scripts whose URL ends with `script`: their samples times the profile's median
 * interval between samples. Not the sum of the intervals themselves: on a loaded machine the OS sometimes deschedules
 * the page for milliseconds, and the interval that spans it would count as the code's time that happened to run.
 */
export function selfTimeIn(profile: CpuProfile, script: string): number {
  const ours = new Set(profile.nodes.filter((node) => node.callFrame.url.endsWith(`/${script}`)).map((node) => node.id));
  const samples = profile.samples ?? [];
  return (samples.filter((id) => ours.has(id)).length * median(profile.timeDeltas ?? [0])) / 1000;
}

export async function benchSelfTime(browser: BrowserBench, op: BenchOperator, bundles: Record<ApartModule, string>, opts: SelfTimeOptions): Promise<SelfTimeReport> {
  const identity = await op.generate('bench-self-time@example.com');
  const stored = {
    freshToken: () => ({ originalToken: identity, latestToken: identity }),
    refreshDue: () => ({ originalToken: identity, latestToken: { ...identity, refresh_from: Date.now() - 1000 } }),
  };
  const modules = Object.keys(bundles) as ApartModule[];
  const runs: Record<keyof typeof stored, Record<ApartModule, number[]>> = { freshToken: { ours: [], official: [] }, refreshDue: { ours: [], official: [] } };
  for (let i = 0; i < opts.warmup + opts.runs; i++) {
    // cases and modules take turns, so drift in machine load hits them alike
    for (const name of Object.keys(stored) as (keyof typeof stored)[]) {
      for (const module of i % 2 ? [...modules].reverse() : modules) {
        const script = apartScript(module);
        const page = { bundle: bundles[module], scripts: [script.replace(/\.js$/, '')], uid2Params: { uid2ApiBase: op.url } };
        const { timing, profile } = await browser.profiledAuction(page, stored[name](), opts.intervalUs);
        if (!timing.carriedUid2) throw new Error(`self time, ${module} module, ${name}: the bid request carried no UID2`);
        if (i >= opts.warmup) runs[name][module].push(selfTimeIn(profile, script));
      }
    }
  }
  const summary = (ms: Record<ApartModule, number[]>): SelfTimeCase => ({ ourSelfMs: median(ms.ours), officialSelfMs: median(ms.official), runsMs: ms });
  return { intervalUs: opts.intervalUs, freshToken: summary(runs.freshToken), refreshDue: summary(runs.refreshDue) };
}
