// Run by `npm run build:package` after tsc: writes build/package/metadata/<module>.json, the IAB disclosure files the
// modules' disclosureURL names (the package on jsDelivr), from the one list in libraries/uid2Module/disclosures.ts.
import { writeFileSync } from 'node:fs';
import { MODULE_FILES, storageDisclosure } from '../build/package/libraries/uid2Module/disclosures.js';

for (const [name, file] of Object.entries(MODULE_FILES)) {
  writeFileSync(new URL(`../build/package/metadata/${file}.json`, import.meta.url), `${JSON.stringify(storageDisclosure(name), null, 2)}\n`);
}
