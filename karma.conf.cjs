// Browser specs: mocha + chai + sinon in Debian's headless Chromium, bundled by the same webpack setup
// as the published bundle (webpack.conf.js), so specs exercise exactly what publishers ship.

module.exports = async (karmaConfig) => {
  const { baseConfig } = await import('./webpack.conf.js');
  // compiled by `npm run build:node`, which test/run.js and `npm run test:browser` run first
  const { startLocalServers } = await import('./build/node/test/helpers/node/localServers.js');
  const { CHROMIUM_PATH, CHROMIUM_FLAGS } = await import('./build/node/test/helpers/node/chromium.js');
  const localServers = await startLocalServers();
  process.env.CHROME_BIN = CHROMIUM_PATH;
  // KARMA_SPECS narrows a run to some spec files, e.g. KARMA_SPECS='test/spec/uid2*.spec.ts'
  const specs = process.env.KARMA_SPECS ? process.env.KARMA_SPECS.split(',') : ['test/shared/**/*.spec.ts', 'test/spec/**/*.spec.ts'];
  karmaConfig.set({
    frameworks: ['mocha', 'webpack'],
    plugins: ['karma-mocha', 'karma-webpack', 'karma-chrome-launcher', 'karma-mocha-reporter'],
    files: specs.map((pattern) => ({ pattern, watched: false })),
    preprocessors: Object.fromEntries(specs.map((pattern) => [pattern, ['webpack']])),
    // Prebid loads some modules on demand (devtoolsMcp once `debug` is on) from its CDN by default: point that at
    // karma, where it 404s, so a test run never reaches the network
    webpack: { ...baseConfig({ mode: 'development', distUrlBase: '/prebid-standalone/' }), stats: 'errors-only' },
    reporters: ['mocha'],
    // Prebid logs every auction step; a failing spec's own assertions say what went wrong
    browserConsoleLogOptions: { level: 'warn', terminal: true },
    mochaReporter: { output: 'minimal' },
    browsers: ['ChromiumHeadlessCI'],
    customLaunchers: { ChromiumHeadlessCI: { base: 'ChromeHeadless', flags: CHROMIUM_FLAGS } },
    client: { mocha: { timeout: 10000 }, localServers: localServers.urls },
    browserNoActivityTimeout: 120000,
    singleRun: true,
  });
};
