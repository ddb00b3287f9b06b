// `npm test`: finds the browser engines installed (Chromium, Firefox, WebKit) and says in one line which are missing
// before anything runs, stopping at once when there is none; type-checks; runs the Node specs (mocha, with the e2e
// journeys in each engine found), then for each engine in turn the browser specs (karma) and Prebid's own
// uid2IdSystem and euidIdSystem specs against our modules (test/parity/), then the package as publishers
// install it (test/delivery/consumer.ts) and, when CI=true, every Prebid release of the peer range (peerRange.ts) and the modules in a Prebid.js tree (prebidTree.ts); closes
// with each part's counts, each failed test's name and first error line, and one "N passed, N failed" line for the
// whole suite.
//
// Specs live by subject in test/<subject>/ (adapter, lifecycle, protocol, operator, ...); a file's suffix says its
// runner: *.node.spec.ts mocha in Node, *.browser.spec.ts karma in each browser engine, *.spec.ts both.
// `npm test -- SUBJECT…` (e.g. `npm test -- operator protocol`) runs only those folders' specs; the subjects
// `parity` and `delivery` name Prebid's own specs and the package checks.
import { execFileSync } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import Mocha from 'mocha';
import karma from 'karma';

const NODE_SPEC_ROOT = 'build/node/test';
const subjects = process.argv.slice(2);
const wanted = (subject) => subjects.length === 0 || subjects.includes(subject);
const subjectOf = (file) => file.split(/[\\/]/)[0];

function tsc(project) {
  execFileSync('npx', ['tsc', '-p', project], { stdio: 'inherit' });
}

/** the karma file patterns of the wanted subjects' browser and shared specs; none when no wanted folder has one */
async function browserSpecPatterns() {
  const files = (await readdir('test', { recursive: true })).filter((file) => file.endsWith('.spec.ts') && !file.endsWith('.node.spec.ts'));
  const withSpecs = [...new Set(files.map(subjectOf))].filter(wanted).sort();
  return withSpecs.map((subject) => `test/${subject}/**/*.spec.ts`);
}

/** `suite test: the error's first line`, set once build/node exists (test/delivery/steps.ts) */
let failureLine;

async function runNodeSpecs(files) {
  const mocha = new Mocha({ timeout: 20000, reporter: 'spec' });
  // the journeys last: they take the longest, and a failure in a faster subject shows first
  const journeysLast = (file) => `${subjectOf(file) === 'journeys' ? 1 : 0}${file}`;
  files.sort((a, b) => journeysLast(a).localeCompare(journeysLast(b))).forEach((file) => mocha.addFile(path.join(NODE_SPEC_ROOT, file)));
  await mocha.loadFilesAsync();
  return new Promise((resolve) => {
    const failures = [];
    const runner = mocha.run(() => resolve({ passed: runner.stats.passes, failed: runner.stats.failures, failures }));
    runner.on('fail', (test, error) => failures.push(failureLine(test.fullTitle(), String(error?.message ?? error))));
  });
}

async function runBrowserSpecs(configFile, engine, specPatterns) {
  process.env.KARMA_ENGINE = engine; // read by the karma config files
  if (specPatterns) process.env.KARMA_SPECS = specPatterns.join(',');
  const config = await karma.config.parseConfig(path.resolve(configFile), {}, { promiseConfig: true, throwErrors: true });
  return new Promise((resolve) => {
    let totals = { passed: 0, failed: 0 };
    const failures = [];
    const server = new karma.Server(config, (exitCode) => {
      // a browser that failed to start or a bundle that failed to build reports no test: count it as a failure
      const failedToRun = exitCode !== 0 && totals.failed === 0;
      if (failedToRun) failures.push(`${configFile} in ${engine}: karma exited with ${exitCode} and no failed test (see its output above)`);
      resolve({ ...totals, failed: totals.failed + (failedToRun ? 1 : 0), failures });
    });
    server.on('spec_complete', (_browser, result) => {
      if (!result.success && !result.skipped) failures.push(failureLine(`${engine}: ${[...result.suite, result.description].join(' ')}`, result.log.join('\n')));
    });
    // a browser that registers twice ran the suite twice (a second copy of it, or a restart): its counts mean nothing
    let registrations = 0;
    server.on('browser_register', () => { registrations += 1; });
    server.on('run_complete', (_browsers, results) => {
      totals = { passed: results.success, failed: results.failed };
      if (registrations !== 1) {
        const line = `${configFile} in ${engine}: the browser registered ${registrations} times, expected once`;
        console.error(line);
        failures.push(line);
        totals.failed += 1;
      }
    });
    server.start();
  });
}

const seconds = (since) => `${((Date.now() - since) / 1000).toFixed(0)} s`;
const counts = ({ passed, failed }) => `${passed} passed, ${failed} failed`;

// the Node side first (a second or two): the engine lookup lives there, shared with the karma configs and e2e
// build:node starts from an empty build/node: specs compiled from files since moved or removed would run again
execFileSync('npm', ['run', 'build:node', '--silent'], { stdio: 'inherit' });
const { ENGINE_NAMES, installedEngines, missingEnginesLine } = await import('../build/node/devstack/browsers/browsers.js');
({ failureLine } = await import('../build/node/test/delivery/steps.js'));
const { found, missing } = installedEngines();
const engines = Object.keys(found);
if (missing.length > 0) console.log(missingEnginesLine(missing));
if (engines.length === 0) {
  console.log('npm test: no browser engine found, nothing run');
  process.exit(1);
}

tsc('tsconfig.json');
const started = Date.now();
const suites = [];
const nodeLines = [];
const nodeSpecFiles = (await readdir(NODE_SPEC_ROOT, { recursive: true }))
  .filter((file) => file.endsWith('.spec.js') && wanted(subjectOf(file)));
if (nodeSpecFiles.length > 0) {
  suites.push(await runNodeSpecs(nodeSpecFiles));
  const { e2eBrowsers } = await import('../build/node/test/helpers/journeyDrivers.js');
  const e2eEngines = e2eBrowsers().map(({ engine }) => ENGINE_NAMES[engine]).join(', ') || 'no engine';
  nodeLines.push(`Node specs (mocha; the publisher journey e2e in ${e2eEngines}): ${counts(suites[0])} (${seconds(started)})`);
}
const specPatterns = await browserSpecPatterns();
const engineLines = [];
for (const engine of specPatterns.length > 0 || wanted('parity') ? engines : []) {
  const engineStarted = Date.now();
  const parts = [];
  if (specPatterns.length > 0) {
    const specs = await runBrowserSpecs('karma.conf.cjs', engine, subjects.length > 0 ? specPatterns : undefined);
    suites.push(specs);
    parts.push(`browser specs ${counts(specs)}`);
  }
  if (wanted('parity')) {
    // its own karma run: Prebid's spec re-initialises the userId core that our browser specs' bundle relies on
    const parity = await runBrowserSpecs('test/parity/karma.conf.cjs', engine);
    suites.push(parity);
    parts.push(`Prebid's uid2 and euid specs against our modules ${counts(parity)}`);
  }
  engineLines.push(`${ENGINE_NAMES[engine]}: ${parts.join('; ')} (${seconds(engineStarted)})`);
}
// the package as a publisher installs it (needs Chromium for its auction), and in CI the modules in a Prebid.js tree
const deliveryLines = [];
if (found.chromium && wanted('delivery')) {
  const deliveryStarted = Date.now();
  const { runConsumerChecks } = await import('../build/node/test/delivery/consumer.js');
  const consumer = await runConsumerChecks();
  suites.push(consumer);
  deliveryLines.push(`Package consumers (webpack ESM and CommonJS, Vite, Rollup; two Prebid releases): ${counts(consumer)} (${seconds(deliveryStarted)})`);
  if (process.env.CI === 'true') {
    const rangeStarted = Date.now();
    const { runPeerRangeChecks } = await import('../build/node/test/delivery/peerRange.js');
    const range = await runPeerRangeChecks();
    suites.push(range);
    deliveryLines.push(`Every Prebid release of the peer range has what the package imports (CI only): ${counts(range)} (${seconds(rangeStarted)})`);
    const treeStarted = Date.now();
    const { runPrebidTreeChecks } = await import('../build/node/test/delivery/prebidTree.js');
    const tree = await runPrebidTreeChecks();
    suites.push(tree);
    deliveryLines.push(`Prebid.js tree (eslint, gulp test, gulp build; CI only): ${counts(tree)} (${seconds(treeStarted)})`);
  }
}
const passed = suites.reduce((sum, s) => sum + s.passed, 0);
const failed = suites.reduce((sum, s) => sum + s.failed, 0);
console.log(['', ...nodeLines, ...engineLines, ...deliveryLines, ...(missing.length > 0 ? [missingEnginesLine(missing)] : [])].join('\n'));
// the failures again, by name: a long run's log is often read from its end only
const failures = suites.flatMap((suite) => suite.failures);
if (failures.length > 0) console.log(['', 'Failed:', ...failures.map((line) => `  ${line}`)].join('\n'));
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
