/**
 * The modules as a Prebid.js contribution, checked with Prebid's own tooling. On a copy of the Prebid source tree
 * the `prebid.js` npm package carries (node_modules/prebid.js), with Prebid's devDependencies installed:
 *
 *   1. `npm run prebid-tree -- <tree>` writes our modules, libraries and specs into it;
 *   2. Prebid's eslint config passes on every file it wrote;
 *   3. `gulp test`'s two karma passes (all features off, then on) pass for our adapter spec and our UID2 library
 *      specs; Prebid's own uid2IdSystem_spec.js and euidIdSystem_spec.js, run the same way against our modules and
 *      against Prebid's, fail no test with ours that passes with Prebid's (in this tree, at 11.36.0, the uid2 spec
 *      does not pass whole even with Prebid's own module: see the README);
 *   4. `gulp build --modules=userId,uid2IdSystem,openrtbSspBidAdapter` gives a bundle whose auction in Chromium
 *      carries the UID2 eid to the mock SSP, which decrypts it.
 *
 * The tree lives in .cache/prebid-tree/prebid.js-<version>; its node_modules is kept between runs (the install
 * takes a few minutes: the npm package has no lock file), everything else is copied afresh each run.
 */
import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { findBrowser } from '../helpers/node/browsers.js';
import { launchChromium } from '../helpers/node/chromium.js';
import { startLocalServers } from '../helpers/node/localServers.js';
import { checkAuction } from './auction.js';
import { createTally, execCommand, ROOT, runAlone, runCommand, type Totals } from './steps.js';

const PACKAGE_TREE = path.join(ROOT, 'node_modules/prebid.js');
/** kept between runs: the installed devDependencies and Prebid's own build caches */
const KEPT = new Set(['node_modules', '.cache']);
const INSTALLED_STAMP = path.join('node_modules', '.prebid-uid2-installed');
const ADAPTER_SPEC = 'test/spec/modules/openrtbSspBidAdapter_spec.js';
/** our modules that replace Prebid's: Prebid's own specs of them run against ours */
const REPLACED_MODULES = ['uid2IdSystem', 'euidIdSystem'];
const prebidSpecOf = (module: string) => `test/spec/modules/${module}_spec.js`;
/** TEST_PAT of Prebid's karmaRunner, under test/**: our protocol library's specs */
const LIBRARY_SPECS = 'libraries/uid2/*_spec.js';
const BUILD_MODULES = 'userId,uid2IdSystem,openrtbSspBidAdapter';

/** Prebid's tests and builds start Debian's Chromium, never a browser a tool downloads */
const TREE_ENV = { CHROME_BIN: findBrowser('chromium') ?? '', PUPPETEER_SKIP_DOWNLOAD: '1' };

/**
 * The npm package has no lock file, so a fresh install resolves each devDependency range to its newest release.
 * TypeScript must stay at the release Prebid's range starts from: under a newer one Prebid's own sources stop
 * compiling (with 11.36.0 and TypeScript 5.9, modules/encypherRtdProvider.ts), and `gulp test` compiles them all.
 */
function typescriptPin(range: string): string {
  const lowest = range.match(/\d+\.\d+\.\d+/)?.[0];
  if (!lowest) throw new Error(`Prebid's typescript range "${range}" names no version`);
  return `typescript@~${lowest}`;
}

async function prepareTree(): Promise<string> {
  const manifest = JSON.parse(await readFile(path.join(PACKAGE_TREE, 'package.json'), 'utf8'));
  const tree = path.join(ROOT, '.cache/prebid-tree', `prebid.js-${manifest.version}`);
  await mkdir(tree, { recursive: true });
  for (const entry of await readdir(tree)) if (!KEPT.has(entry)) await rm(path.join(tree, entry), { recursive: true, force: true });
  await cp(PACKAGE_TREE, tree, { recursive: true, filter: (source) => path.relative(PACKAGE_TREE, source).split(path.sep)[0] !== 'node_modules' });
  // npm leaves .gitignore out of packages; Prebid's eslint config reads it for its ignores
  await writeFile(path.join(tree, '.gitignore'), 'node_modules/\nbuild/\ndist/\n.cache/\n');
  if (!existsSync(path.join(tree, INSTALLED_STAMP))) {
    await runCommand('npm', ['install', '--ignore-scripts', '--no-save', '--no-audit', '--no-fund', typescriptPin(manifest.devDependencies.typescript)], tree, TREE_ENV);
    await writeFile(path.join(tree, INSTALLED_STAMP), `${new Date().toISOString()}\n`);
  }
  return tree;
}

const gulp = (tree: string, ...args: string[]) => runCommand('npx', ['gulp', ...args], tree, TREE_ENV);

type Specs = { file: string } | { pattern: string };

/**
 * `gulp test` for some specs: its two karma passes, all features off (`test-all-features-disabled`) and all on
 * (`precompile`, then `test-only-nobuild`), without its lint (the eslint step lints our files, unfixed, where
 * `gulp test` would --fix the whole tree) and without Prebid's build-logic self-tests (they check Prebid's build
 * plugins on fixtures, not our files, and time out at 2 s on a loaded 2-core machine).
 */
async function gulpTestPasses(tree: string, specs: Specs): Promise<Array<{ ok: boolean; output: string }>> {
  const target = 'file' in specs ? ['--file', specs.file] : [];
  const env = 'pattern' in specs ? { ...TREE_ENV, TEST_PAT: specs.pattern } : TREE_ENV;
  const featuresOff = await execCommand('npx', ['gulp', 'test-all-features-disabled', '--nolint', ...target], tree, env);
  await gulp(tree, 'precompile');
  const featuresOn = await execCommand('npx', ['gulp', 'test-only-nobuild', '--no-coverage', ...target], tree, env);
  return [featuresOff, featuresOn];
}

async function expectGulpTestPasses(tree: string, specs: Specs): Promise<void> {
  const passes = await gulpTestPasses(tree, specs);
  const failed = passes.findIndex((pass) => !pass.ok);
  if (failed < 0) return;
  const tail = passes[failed].output.replace(/\x1b\[[0-9;]*m/g, '').trim().split('\n').slice(-60).join('\n');
  throw new Error(`the all-features-${failed === 0 ? 'off' : 'on'} pass failed:\n${tail}`);
}

interface SpecRun { completed: number; failed: Map<string, number> }

/** The last summary of karma's mocha reporter in `output`: tests completed, and each failed test's title. */
function karmaSummary(output: string): SpecRun {
  const plain = output.replace(/\x1b\[[0-9;]*m/g, '');
  const summaries = [...plain.matchAll(/SUMMARY:\n✔ (\d+) tests? completed/g)];
  if (!summaries.length) throw new Error(`no karma summary in the output:\n${plain.trim().split('\n').slice(-30).join('\n')}`);
  const last = summaries[summaries.length - 1];
  const failed = new Map<string, number>();
  const failures = plain.slice(last.index).split('FAILED TESTS:')[1] ?? '';
  for (const [, title] of failures.matchAll(/^\s*✖ (.+)$/gm)) failed.set(title, (failed.get(title) ?? 0) + 1);
  return { completed: Number(last[1]), failed };
}

const failureCount = (run: SpecRun) => [...run.failed.values()].reduce((sum, n) => sum + n, 0);

/** Prebid's spec of `module` through both passes, once with our module, once with Prebid's own in its place */
async function prebidSpecBothWays(tree: string, module: string): Promise<{ ours: SpecRun; prebids: SpecRun }> {
  const run = async (): Promise<SpecRun> => {
    const passes = (await gulpTestPasses(tree, { file: prebidSpecOf(module) })).map((pass, i) => ({ ...karmaSummary(pass.output), pass: i }));
    const failed = new Map<string, number>();
    for (const pass of passes) for (const [title, count] of pass.failed) failed.set(`${title} (features ${pass.pass ? 'on' : 'off'})`, count);
    return { completed: passes.reduce((sum, pass) => sum + pass.completed, 0), failed };
  };
  const ours = await run();
  const oursInTree = path.join(tree, 'modules', `${module}.ts`);
  const oursAside = path.join(tree, '..', `${module}.ts.ours`);
  const prebidsFiles = [`${module}.js`, `${module}.d.ts`];
  await cp(oursInTree, oursAside);
  await rm(oursInTree);
  try {
    for (const file of prebidsFiles) await cp(path.join(PACKAGE_TREE, 'modules', file), path.join(tree, 'modules', file));
    return { ours, prebids: await run() };
  } finally {
    for (const file of prebidsFiles) await rm(path.join(tree, 'modules', file), { force: true });
    await cp(oursAside, oursInTree);
    await rm(oursAside);
  }
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
    await tally.step("Prebid's eslint on every file we add", async () => {
      const code = written.filter((file) => /\.(js|ts)$/.test(file));
      await runCommand('npx', ['eslint', '--no-warn-ignored', ...code], tree);
      console.log(`    ${code.length} files, no eslint errors or warnings`);
    });
    await tally.step(`gulp test's passes for ${ADAPTER_SPEC}`, () => expectGulpTestPasses(tree, { file: ADAPTER_SPEC }));
    await tally.step(`gulp test's passes for our library specs (TEST_PAT=${LIBRARY_SPECS})`, () => expectGulpTestPasses(tree, { pattern: LIBRARY_SPECS }));
    for (const module of REPLACED_MODULES) {
      await tally.step(`gulp test's passes for ${prebidSpecOf(module)}: with our module, no test fails that passes with Prebid's`, async () => {
        const { ours, prebids } = await prebidSpecBothWays(tree, module);
        console.log(`    Prebid's module: ${prebids.completed} passed, ${failureCount(prebids)} failed; ours: ${ours.completed} passed, ${failureCount(ours)} failed`);
        const worse = [...ours.failed].filter(([title, count]) => count > (prebids.failed.get(title) ?? 0)).map(([title]) => title);
        const total = (run: SpecRun) => run.completed + failureCount(run);
        if (worse.length || total(ours) !== total(prebids)) {
          throw new Error(`failing with ours only:\n${worse.join('\n')}\n(tests run: ours ${total(ours)}, Prebid's ${total(prebids)})`);
        }
      });
    }
    const bundle = await tally.step(`gulp build --modules=${BUILD_MODULES}`, async () => {
      await gulp(tree, 'build', `--modules=${BUILD_MODULES}`);
      return readFile(path.join(tree, 'build/dist/prebid.js'));
    });
    if (bundle) {
      await tally.step("that bundle's auction sends the UID2 eid to openrtbSsp, and the SSP decrypts it", async () => {
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
