/**
 * The modules as a Prebid.js contribution, checked with Prebid's own tooling. On a copy of the Prebid source tree
 * the `prebid.js` npm package carries (node_modules/prebid.js), with Prebid's devDependencies installed:
 *
 *   1. `npm run prebid-tree -- <tree>` writes our modules, libraries and specs into it;
 *   2. Prebid's metadata tooling reads the modules' disclosure files as the writer compiled them, and Prebid's eslint
 *      config passes, without a warning, on every file it wrote;
 *   3. `gulp test --file <spec>` passes for our adapter spec and for Prebid's own uid2IdSystem_spec.js and
 *      euidIdSystem_spec.js (against our modules, which replace Prebid's), and with TEST_PAT for our UID2 library
 *      specs: each of its tasks, its build-logic tests once for all (they test Prebid's build plugins, not a spec),
 *      its two karma passes (all features off, all on) per spec, and instead of its lint, which would lint and
 *      --fix the whole tree, step 2;
 *   4. `gulp build --modules=storageControl,userId,uid2IdSystem,openrtbSspBidAdapter` gives a bundle (with the
 *      metadata the writer compiled) whose auction in Chromium carries the UID2 eid to the mock SSP, which decrypts
 *      it, whose record is stored and disclosed under storageControl, and whose returning page calls no operator.
 *
 * The tree lives in .cache/prebid-tree/prebid.js-<version>; its node_modules is kept between runs (the install
 * takes a few minutes: the npm package has no lock file), everything else is copied afresh each run.
 */
import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { findBrowser } from '../../devstack/browsers/browsers.js';
import { launchChromium } from '../../devstack/browsers/chromium.js';
import { startLocalServers } from '../helpers/localServers.js';
import { checkAuction } from './auction.js';
import { createTally, execCommand, ROOT, runAlone, runCommand, type Totals } from './steps.js';

const PACKAGE_TREE = path.join(ROOT, 'node_modules/prebid.js');
/** kept between runs: the installed devDependencies and Prebid's own build caches */
const KEPT = new Set(['node_modules', '.cache']);
const INSTALLED_STAMP = path.join('node_modules', '.prebid-uid2-installed');
const ADAPTER_SPEC = 'test/spec/modules/openrtbSspBidAdapter_spec.js';
/** Prebid's own specs of the modules ours replace: they run against ours */
const PREBID_SPECS = ['test/spec/modules/uid2IdSystem_spec.js', 'test/spec/modules/euidIdSystem_spec.js'];
/** TEST_PAT of Prebid's karmaRunner, under test/**: our protocol library's specs */
const LIBRARY_SPECS = 'libraries/uid2/*_spec.js';
/** storageControl: the build bundles the modules' metadata, and the auction check asserts the stored record */
const BUILD_MODULES = 'storageControl,userId,uid2IdSystem,openrtbSspBidAdapter';

/** Prebid's tests and builds start Debian's Chromium, never a browser a tool downloads */
const TREE_ENV = { CHROME_BIN: findBrowser('chromium') ?? '', PUPPETEER_SKIP_DOWNLOAD: '1' };

/**
 * The npm package has no lock file, so a fresh install resolves each devDependency range to its newest release.
 * Two must stay at the release Prebid's range starts from (the one its own lock file pins), or Prebid's own
 * `gulp test` fails in its own tree, whatever modules it holds:
 *   - typescript: under a newer one Prebid's sources stop compiling (11.36.0 with TypeScript 5.9:
 *     modules/encypherRtdProvider.ts), and `gulp test` compiles them all;
 *   - webpack: 5.113 drops a bare `require('x')` whose module package.json's `sideEffects` calls pure, and Prebid's
 *     lists dist/src/{prebid,public,modules,metadata} only. A `--file` run then loses test/test_deps.js's requires
 *     of test/helpers and test/mocks, and with them the `beforeEach` resets they register: consent set by one test
 *     stays for the next (Prebid's own uid2IdSystem_spec.js with Prebid's own module: 43 of 83 tests fail with all
 *     features off, 59 of 136 with all on; with webpack 5.108, none).
 */
const PINNED = ['typescript', 'webpack'];

function lowestReleasePin(name: string, range: string): string {
  const lowest = range.match(/\d+\.\d+\.\d+/)?.[0];
  if (!lowest) throw new Error(`Prebid's ${name} range "${range}" names no version`);
  return `${name}@~${lowest}`;
}

async function prepareTree(): Promise<string> {
  const manifest = JSON.parse(await readFile(path.join(PACKAGE_TREE, 'package.json'), 'utf8'));
  const tree = path.join(ROOT, '.cache/prebid-tree', `prebid.js-${manifest.version}`);
  await mkdir(tree, { recursive: true });
  for (const entry of await readdir(tree)) if (!KEPT.has(entry)) await rm(path.join(tree, entry), { recursive: true, force: true });
  await cp(PACKAGE_TREE, tree, { recursive: true, filter: (source) => path.relative(PACKAGE_TREE, source).split(path.sep)[0] !== 'node_modules' });
  // npm leaves .gitignore out of packages; Prebid's eslint config reads it for its ignores
  await writeFile(path.join(tree, '.gitignore'), 'node_modules/\nbuild/\ndist/\n.cache/\n');
  // the stamp names the pins it was installed with: a tree installed with others gets these (a few seconds)
  const pins = PINNED.map((name) => lowestReleasePin(name, manifest.devDependencies[name]));
  const stamp = path.join(tree, INSTALLED_STAMP);
  if (!existsSync(stamp) || (await readFile(stamp, 'utf8')).trim() !== pins.join(' ')) {
    await runCommand('npm', ['install', '--ignore-scripts', '--no-save', '--no-audit', '--no-fund', ...pins], tree, TREE_ENV);
    await writeFile(stamp, `${pins.join(' ')}\n`);
  }
  return tree;
}

const gulp = (tree: string, ...args: string[]) => runCommand('npx', ['gulp', ...args], tree, TREE_ENV);

type Specs = { file: string } | { pattern: string };

/** karma's "✔ N tests completed" (and "✖ N tests failed"), summed over the chunks gulp splits a TEST_PAT run into */
function karmaCounts(output: string): string {
  const plain = output.replace(/\x1b\[[0-9;]*m/g, '');
  const summaries = [...plain.matchAll(/SUMMARY:\n✔ (\d+) tests? completed(?:\n✖ (\d+) tests? failed)?/g)];
  if (!summaries.length) return 'no karma summary';
  const sum = (group: 1 | 2) => summaries.reduce((total, summary) => total + Number(summary[group] ?? 0), 0);
  const chunks = summaries.length > 1 ? ` in ${summaries.length} chunks` : '';
  return `${sum(1)} passed${sum(2) ? `, ${sum(2)} failed` : ''}${chunks}`;
}

/**
 * `gulp test --file <spec>` (or, for a pattern under test/, TEST_PAT with no --file) without its lint and its
 * build-logic tests, which step 2 and the build-logic step stand for: its all-features-off pass
 * (`test-all-features-disabled`), then `precompile` and its main pass (`test-only-nobuild`, no coverage as in
 * `gulp test`). Returns both passes' counts.
 */
async function expectGulpTestPasses(tree: string, specs: Specs): Promise<string> {
  const target = 'file' in specs ? ['--file', specs.file] : [];
  const env = 'pattern' in specs ? { ...TREE_ENV, TEST_PAT: specs.pattern } : TREE_ENV;
  const passes = [
    { name: 'features off', args: ['test-all-features-disabled', '--nolint', ...target] },
    { name: 'features on', args: ['test-only-nobuild', '--no-coverage', ...target] },
  ];
  const counts: string[] = [];
  for (const [index, pass] of passes.entries()) {
    if (index === 1) await gulp(tree, 'precompile');
    const { ok, output } = await execCommand('npx', ['gulp', ...pass.args], tree, env);
    counts.push(`${pass.name}: ${karmaCounts(output)}`);
    if (!ok) {
      const tail = output.replace(/\x1b\[[0-9;]*m/g, '').trim().split('\n').slice(-60).join('\n');
      throw new Error(`${counts.join('; ')}\n${tail}`);
    }
  }
  return counts.join('; ');
}

/**
 * Prebid's own metadata tooling (metadata/storageDisclosure.mjs, what `gulp update-metadata` fetches with) reads each
 * module's disclosure file through the `local://` disclosureURL of metadata/modules.json, and gets exactly the
 * disclosures the writer compiled into metadata/modules/<module>.json.
 */
async function checkDisclosuresReadByPrebid(tree: string): Promise<string> {
  const script = `
    import fs from 'node:fs';
    import { fetchDisclosure } from './metadata/storageDisclosure.mjs';
    const catalog = JSON.parse(fs.readFileSync('metadata/modules.json', 'utf8'));
    const report = {};
    for (const [name, file] of ${JSON.stringify(Object.entries({ uid2: 'uid2IdSystem', euid: 'euidIdSystem' }))}) {
      const listed = catalog.components.find((c) => c.componentType === 'userId' && c.componentName === name);
      const compiled = JSON.parse(fs.readFileSync('metadata/modules/' + file + '.json', 'utf8'));
      const read = await fetchDisclosure({ ...listed });
      const bundled = compiled.disclosures[compiled.components.find((c) => c.componentName === name).disclosureURL];
      report[file] = { url: listed.disclosureURL, keys: read.length, same: JSON.stringify(read) === JSON.stringify(bundled?.disclosures) };
    }
    console.log(JSON.stringify(report));`;
  const out = await runCommand(process.execPath, ['--input-type=module', '-e', script], tree);
  const report: Record<string, { url: string; keys: number; same: boolean }> = JSON.parse(out.trim().split('\n').pop() ?? '{}');
  const wrong = Object.entries(report).filter(([, { url, keys, same }]) => !url?.startsWith('local://') || keys < 3 || !same);
  if (Object.keys(report).length !== 2 || wrong.length) throw new Error(`Prebid's metadata tooling disagrees: ${out}`);
  return Object.entries(report).map(([file, { url, keys }]) => `${file}: ${keys} keys from ${url}`).join('; ');
}

export async function runPrebidTreeChecks(): Promise<Totals> {
  const tally = createTally('prebid-tree');
  const started = Date.now();
  let browser: Promise<Browser> | undefined;
  try {
    const tree = await tally.step("a copy of node_modules/prebid.js with Prebid's devDependencies", prepareTree);
    if (!tree) return tally;
    const written = await tally.step('npm run prebid-tree -- <tree>: our modules, libraries and specs in Prebid\'s layout', async () => {
      const out = await runCommand('npm', ['run', 'prebid-tree', '--', tree], ROOT);
      const files = [...out.matchAll(/^wrote\s+(\S+)$/gm)].map((match) => match[1]);
      if (!files.includes(ADAPTER_SPEC) || !files.includes('modules/uid2IdSystem.ts')) throw new Error(`unexpected files:\n${out}`);
      return files;
    });
    if (!written) return tally;
    await tally.step("Prebid's metadata tooling reads our disclosure files as the writer compiled them", async () => {
      console.log(`    ${await checkDisclosuresReadByPrebid(tree)}`);
    });
    await tally.step("Prebid's eslint on every file we add", async () => {
      const code = written.filter((file) => /\.(js|ts)$/.test(file));
      await runCommand('npx', ['eslint', '--no-warn-ignored', '--max-warnings', '0', ...code], tree);
      console.log(`    ${code.length} files, no eslint errors or warnings`);
    });
    await tally.step("gulp test's build-logic tests (gulp test-build-logic: Prebid's build plugins on fixtures)", async () => {
      const out = await gulp(tree, 'test-build-logic');
      console.log(`    ${out.match(/\d+ passing/)?.[0] ?? 'passed'}`);
    });
    const gulpTest = (name: string, specs: Specs) => tally.step(name, async () => {
      console.log(`    ${await expectGulpTestPasses(tree, specs)}`);
    });
    await gulpTest(`gulp test --file ${ADAPTER_SPEC}`, { file: ADAPTER_SPEC });
    for (const spec of PREBID_SPECS) await gulpTest(`gulp test --file ${spec} (Prebid's own spec, our module)`, { file: spec });
    await gulpTest(`TEST_PAT='${LIBRARY_SPECS}' gulp test (our library specs)`, { pattern: LIBRARY_SPECS });
    const bundle = await tally.step(`gulp build --modules=${BUILD_MODULES}`, async () => {
      await gulp(tree, 'build', `--modules=${BUILD_MODULES}`);
      return readFile(path.join(tree, 'build/dist/prebid.js'));
    });
    if (bundle) {
      await tally.step("that bundle's auction sends the UID2 eid to openrtbSsp, the SSP decrypts it, a returning page reuses the stored record", async () => {
        const servers = await startLocalServers();
        try {
          const { operatorUrl, sspUrl } = servers.urls;
          if (!operatorUrl || !sspUrl) throw new Error('the local operator or mock SSP did not start');
          await checkAuction(await (browser ??= launchChromium()), bundle, { operatorUrl, sspUrl });
        } finally {
          await servers.close();
        }
      });
    }
    return tally;
  } finally {
    await (await browser?.catch(() => undefined))?.close();
    console.log(`  prebid-tree checks took ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
}

await runAlone(import.meta.url, runPrebidTreeChecks);
