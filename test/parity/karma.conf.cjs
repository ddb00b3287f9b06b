// Runs Prebid's own specs for uid2IdSystem and euidIdSystem (node_modules/prebid.js/test/spec/modules/*_spec.js),
// unmodified, against OUR modules/uid2IdSystem.ts and modules/euidIdSystem.ts. See README.md beside this file.
const path = require('node:path');
const { STATUS_CODES } = require('node:http');

const root = path.resolve(__dirname, '../..');
const pkg = path.join(root, 'node_modules/prebid.js');
const dist = path.join(pkg, 'dist/src');
const prebidTest = (file) => path.join(pkg, 'test', file);
const commonjsPlugin = require.resolve('@babel/plugin-transform-modules-commonjs', { paths: [root] });
/** Prebid's specs run here, each against our module of the same name */
const SPECS = ['uid2IdSystem', 'euidIdSystem'];

module.exports = async (karmaConfig) => {
  const { baseConfig } = await import('../../webpack.conf.js');
  // KARMA_ENGINE as in ../../karma.conf.cjs
  const { engineLaunchers } = await import('../../build/node/test/helpers/karmaLaunchers.js');
  const { allPrebidFeaturesOn } = await import('../../build/node/test/helpers/prebidFeatures.js');
  const launchers = engineLaunchers(process.env.KARMA_ENGINE);
  const webpackModule = require(require.resolve('webpack', { paths: [root] }));
  // Prebid's single-spec order (its karma.conf.maker.js): test_deps.js (pipeline_setup, global hooks, mocks), the
  // spec, hookSetup.js; our setup.js goes before the spec
  const files = [prebidTest('test_deps.js'), path.join(__dirname, 'setup.js'), ...SPECS.map((spec) => prebidTest(`spec/modules/${spec}_spec.js`)),
    prebidTest('helpers/hookSetup.js')];
  const base = baseConfig({ mode: 'development', distUrlBase: '/prebid-standalone/' });
  const webpack = {
    ...base,
    resolve: {
      ...base.resolve,
      alias: {
        // the modules under test: ours in place of Prebid's
        // (PARITY_MODULE=prebid runs the specs against Prebid's own modules instead: a check of this harness)
        ...Object.fromEntries(SPECS.map((module) => [`modules/${module}.js$`, process.env.PARITY_MODULE === 'prebid'
          ? path.join(dist, `modules/${module}.js`) : path.join(root, `modules/${module}.ts`)])),
        ...base.resolve.alias,
        // the bare paths Prebid's tests import (its webpack resolves them from the source root) ...
        src: path.join(dist, 'src'),
        modules: path.join(dist, 'modules'),
        libraries: path.join(dist, 'libraries'),
        test: path.join(pkg, 'test'),
        // ... and their relative imports of Prebid's TypeScript sources: the same compiled files
        // prebid.js/modules/* and our aliases load, so hooks, registries and `dep` objects are shared
        [path.join(pkg, 'src')]: path.join(dist, 'src'),
        [path.join(pkg, 'modules')]: path.join(dist, 'modules'),
        [path.join(pkg, 'libraries')]: path.join(dist, 'libraries'),
        nise: path.join(__dirname, 'nise.js'),
      },
      extensionAlias: { ...base.resolve.extensionAlias, '.ts': ['.ts', '.js'] },
      fullySpecified: false,
    },
    module: {
      rules: [
        {
          // as Prebid's karma.conf.maker.js does for its tests: Prebid's files as CommonJS, so that specs can stub
          // module exports (sinon.stub(utils, 'logWarn')); listed first, so it runs after Prebid's webpackLoader.
          // Our .ts files keep baseConfig's rule: webpack reads each import from the exports object at call time,
          // so they see the stubs too
          test: /\.js$/,
          include: [dist, path.join(pkg, 'test')],
          loader: 'babel-loader',
          options: { babelrc: false, configFile: false, cacheDirectory: true, plugins: [commonjsPlugin] },
        },
        // Prebid's package.json declares only dist/src/{prebid,public,modules,metadata} to have side effects, so
        // webpack would drop test_deps.js's require()s of its helpers, which only register mocha hooks
        // (karma-webpack ignores `optimization`, so this is said per module)
        { include: path.join(pkg, 'test'), sideEffects: true },
        ...base.module.rules,
      ],
    },
    plugins: [
      new webpackModule.DefinePlugin({
        // Prebid's babel plugin (plugins/pbjsGlobals.js) sets these for its tests: all features of features.json on
        ...allPrebidFeaturesOn(),
        __HTTP_STATUS_CODES__: JSON.stringify(STATUS_CODES),
      }),
    ],
    stats: 'errors-only',
  };
  karmaConfig.set({
    basePath: root,
    frameworks: ['mocha', 'webpack'],
    plugins: ['karma-mocha', 'karma-webpack', 'karma-mocha-reporter', ...launchers.plugins],
    files: files.map((pattern) => ({ pattern, watched: false })),
    preprocessors: Object.fromEntries(files.map((pattern) => [pattern, ['webpack']])),
    webpack,
    reporters: ['mocha'],
    browserConsoleLogOptions: { level: process.env.PARITY_LOG ?? 'error', terminal: !!process.env.PARITY_LOG },
    mochaReporter: { output: process.env.PARITY_LOG ? 'full' : 'minimal' },
    browsers: launchers.browsers,
    customLaunchers: launchers.customLaunchers,
    client: {
      mocha: { timeout: 3000, ...(process.env.PARITY_GREP && { grep: process.env.PARITY_GREP }) }, // Prebid's own timeout
      // setup.js: how long the cookies Prebid's afterEach deletes must stay deleted before the next test (WebKit)
      cookieSettleMs: process.env.KARMA_ENGINE === 'webkit' ? 100 : 0,
    },
    browserNoActivityTimeout: 120000,
    singleRun: true,
  });
};
