// `npm run bench`: every comparative figure is measured in this run against Prebid's official uid2IdSystem
// built by the same webpack config. Prints a table and writes bench/results.json.
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { buildVariants } from './bundles.js';
import { benchSize } from './size.js';

const bundles = await buildVariants();
const size = await benchSize(bundles);

const results = {
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version, memoryGiB: Math.round(os.totalmem() / 2 ** 30) },
  size,
};

console.table({
  'official uid2IdSystem added': size.officialUid2Added,
  'our uid2IdSystem added': size.ourUid2Added,
  'our openrtbSsp adapter added': size.ourAdapterAdded,
});
console.log(`size ratio ours/official: gzip ${size.gzipRatio.toFixed(2)}x, minified ${size.minifiedRatio.toFixed(2)}x`);
await writeFile('bench/results.json', JSON.stringify(results, null, 2) + '\n');
