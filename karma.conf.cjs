// Browser specs: mocha + chai + sinon in one headless browser engine (KARMA_ENGINE: chromium, the default, firefox or
// webkit; test/run.js runs all three), bundled by the same webpack setup as the published bundle (webpack.conf.js),
// so specs exercise exactly what publishers ship.

module.exports = async (karmaConfig) => {
  const { baseConfig } = await import('./webpack.conf.js');
  // compiled by `npm run build:node`, which test/run.js and `npm run test:browser` run first
  const { startLocalServers } = await import('./build/node/test/helpers/localServers.js');
  const { engineLaunchers } = await import('./build/node/test/helpers/karmaLaunchers.js');
  const { allPrebidFeaturesOn } = await import('./build/node/test/helpers/prebidFeatures.js');
  const { DefinePlugin } = require('webpack');
  const launchers = engineLaunchers(process.env.KARMA_ENGINE);
  const localServers = await startLocalServers();
  // the browser specs (*.browser.spec.ts) and the specs both runners run (*.spec.ts), never the Node-only ones
  // (*.node.spec.ts); KARMA_SPECS narrows a run to some spec files, e.g. KARMA_SPECS='test/lifecycle/uid2*.spec.ts'
  const specs = process.env.KARMA_SPECS ? process.env.KARMA_SPECS.split(',') : ['test/**/*.spec.ts'];
  karmaConfig.set({
    frameworks: ['mocha', 'webpack'],
    plugins: ['karma-mocha', 'karma-webpack', 'karma-mocha-reporter', ...launchers.plugins],
    files: specs.map((pattern) => ({ pattern, watched: false })),
    exclude: ['test/**/*.node.spec.ts'],
    preprocessors: Object.fromEntries(specs.map((pattern) => [pattern, ['webpack']])),
    // Prebid loads some modules on demand (devtoolsMcp once `debug` is on) from its CDN by default: point that at
    // karma, where it 404s, so a test run never reaches the network
    // FEATURES.* all on, as in Prebid's dist (specs guard feature-bound tests the way Prebid's own specs do)
    webpack: {
      ...baseConfig({ mode: 'development', distUrlBase: '/prebid-standalone/' }),
      plugins: [new DefinePlugin(allPrebidFeaturesOn())],
      stats: 'errors-only',
    },
    reporters: ['mocha'],
    // Prebid logs every auction step; a failing spec's own assertions say what went wrong
    browserConsoleLogOptions: { level: 'warn', terminal: true },
    mochaReporter: { output: 'minimal' },
    browsers: launchers.browsers,
    customLaunchers: launchers.customLaunchers,
    client: { mocha: { timeout: 10000 }, localServers: localServers.urls },
    browserNoActivityTimeout: 120000,
    singleRun: true,
  });
};
