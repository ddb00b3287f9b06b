// The cross-tab part of `npm run bench` alone: refresh calls at the operator when 1, 4 and 8 tabs of one site open
// at once with a token due for refresh, official module and ours, in the same run, then ours in 20 rounds of 8 tabs
// with every core busy. Prints the counts per repetition and round; writes nothing. `npm run build:node && node build/node/devstack/bench/tabs.js`
import { startBrowserBench } from './browser.js';
import { buildVariants } from './bundles.js';
import { startBenchOperator } from './operator.js';
import { benchRefreshCallsAcrossTabs } from './speed.js';

await buildVariants();
const op = await startBenchOperator();
const browser = await startBrowserBench();
try {
  const { acrossTabs, underLoad } = await benchRefreshCallsAcrossTabs(browser, op, { tabRuns: 5, tabCounts: [1, 4, 8] });
  for (const { tabs, official, ours } of acrossTabs) console.log(`${tabs} tab(s): official ${official.join(' ')} | ours ${ours.join(' ')}`);
  console.log(`${underLoad.tabs} tabs, all ${underLoad.busyCores} cores busy, per round: ours ${underLoad.ours.join(' ')}`);
} finally {
  await browser.close();
  await op.close();
}
