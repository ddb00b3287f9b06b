// `npm test`: type-checks, then runs the Node specs (mocha), the browser specs (karma, headless Chromium) and
// Prebid's own uid2IdSystem spec against our module (test/prebid-parity/), and closes with one
// "N passed, N failed" line for the whole suite.
import { execFileSync } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import Mocha from 'mocha';
import karma from 'karma';

const NODE_SPEC_DIRS = ['node', 'shared', 'e2e'].map((dir) => path.join('build/node/test', dir));

function tsc(project) {
  execFileSync('npx', ['tsc', '-p', project], { stdio: 'inherit' });
}

async function runNodeSpecs() {
  const mocha = new Mocha({ timeout: 20000, reporter: 'spec' });
  for (const dir of NODE_SPEC_DIRS) {
    const files = await readdir(dir, { recursive: true }).catch(() => []);
    files.filter((file) => file.endsWith('.spec.js')).sort().forEach((file) => mocha.addFile(path.join(dir, file)));
  }
  await mocha.loadFilesAsync();
  return new Promise((resolve) => {
    const runner = mocha.run(() => resolve({ passed: runner.stats.passes, failed: runner.stats.failures }));
  });
}

async function runBrowserSpecs(configFile) {
  const config = await karma.config.parseConfig(path.resolve(configFile), {}, { promiseConfig: true, throwErrors: true });
  return new Promise((resolve) => {
    let totals = { passed: 0, failed: 0 };
    const server = new karma.Server(config, (exitCode) => {
      // a browser that failed to start or a bundle that failed to build reports no test: count it as a failure
      resolve(exitCode !== 0 && totals.failed === 0 ? { ...totals, failed: totals.failed + 1 } : totals);
    });
    server.on('run_complete', (_browsers, results) => { totals = { passed: results.success, failed: results.failed }; });
    server.start();
  });
}

tsc('tsconfig.json');
tsc('tsconfig.node.json');
const suites = [await runNodeSpecs(), await runBrowserSpecs('karma.conf.cjs')];
// its own karma run: Prebid's spec re-initialises the userId core that our browser specs' bundle relies on
const parity = await runBrowserSpecs('test/prebid-parity/karma.conf.cjs');
console.log(`\nPrebid's uid2IdSystem_spec.js against our module: ${parity.passed} passed, ${parity.failed} failed (see test/prebid-parity/)`);
suites.push(parity);
const passed = suites.reduce((sum, s) => sum + s.passed, 0);
const failed = suites.reduce((sum, s) => sum + s.failed, 0);
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
