// The cross-tab part of `npm run bench` alone: refresh calls at the operator when 1, 4 and 8 tabs of one site open
// at once with a token due for refresh, official module and ours, in the same run. Prints the counts per repetition;
// writes nothing. `npm run build:node && node build/node/bench/tabs.js`
import { startBrowserBench } from './browser.js';
import { buildVariants } from './bundles.js';
import { startBenchOperator } from './operator.js';
import { benchRefreshCallsAcrossTabs } from './speed.js';

await buildVariants();
const op = await startBenchOperator();
const browser = await startBrowserBench();
try {
  for (const { tabs, official, ours } of await benchRefreshCallsAcrossTabs(browser, op, { tabRuns: 5, tabCounts: [1, 4, 8] })) {
    console.log(`${tabs} tab(s): official ${official.join(' ')} | ours ${ours.join(' ')}`);
  }
} finally {
  await browser.close();
  await op.close();
}
