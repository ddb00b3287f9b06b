// `prebid-uid2/webpack`: extends a publisher's webpack config with what prebid-uid2's modules need. CommonJS, so that
// a webpack config loads it with `require` or `import` alike, on every Node version the package supports.
const { prebidInternals } = require('./bundlers/prebidInternals.cjs');

/**
 * In a project whose package.json says "type": "commonjs" (what `npm init` writes), webpack reads `.js` files as
 * CommonJS only and rejects the `import`s of a Prebid entry file; this lets the project's own files use either.
 */
const PROJECT_JS_EITHER_SYNTAX = {
  test: /\.js$/,
  exclude: /[\\/]node_modules[\\/]/,
  descriptionData: { type: 'commonjs' },
  type: 'javascript/auto',
};

function withAliases(alias, internals) {
  if (Array.isArray(alias)) return [...alias, ...Object.entries(internals).map(([name, target]) => ({ name, alias: target }))];
  return { ...alias, ...internals };
}

function extend(config) {
  const context = config.context ?? process.cwd();
  return {
    ...config,
    resolve: { ...config.resolve, alias: withAliases(config.resolve?.alias, prebidInternals(context)) },
    module: { ...config.module, rules: [...(config.module?.rules ?? []), PROJECT_JS_EITHER_SYNTAX] },
  };
}

/**
 * Returns `config` extended for prebid-uid2's modules. `config` is a webpack configuration object, or a function
 * returning one (or a promise of one), as webpack-cli accepts; prebid.js is resolved from `config.context`
 * (default: the working directory).
 */
function withPrebidUid2(config = {}) {
  if (typeof config === 'function') {
    return (...args) => {
      const made = config(...args);
      return made instanceof Promise ? made.then(extend) : extend(made);
    };
  }
  return extend(config);
}

exports.withPrebidUid2 = withPrebidUid2;
