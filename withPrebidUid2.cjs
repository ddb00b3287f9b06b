// `prebid-uid2/webpack`: extends a publisher's webpack config with what prebid-uid2's modules need. CommonJS, so that
// a webpack config loads it with `require` or `import` alike, on every Node version the package supports.
const fs = require('node:fs');
const path = require('node:path');

/**
 * The prebid.js package the project at `context` uses: the publisher's own copy (npm hoists it next to ours, as a
 * peer dependency), so that their bundle holds one Prebid instance.
 */
function prebidPackageRoot(context) {
  let entry;
  try {
    entry = require.resolve('prebid.js', { paths: [context] });
  } catch {
    throw new Error(`prebid-uid2: cannot find prebid.js from ${context}; install it beside prebid-uid2 (npm install prebid.js)`);
  }
  // prebid.js exports no ./package.json, so walk up from its main entry (dist/src/src/prebid.public.js)
  for (let dir = path.dirname(entry); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest) && JSON.parse(fs.readFileSync(manifest, 'utf8')).name === 'prebid.js') return dir;
  }
  throw new Error(`prebid-uid2: no package.json of prebid.js above ${entry}`);
}

/**
 * Prebid's exports map exposes only public entry points; the hooks, registries and helpers a module shares with
 * core (submodule, registerBidder, ortbConverter, the storage manager, ajax) live under dist/src. These aliases point
 * at the very files `prebid.js/modules/*` import, so hooks and registries are shared singletons.
 */
function prebidInternals(context) {
  const compiled = path.join(prebidPackageRoot(context), 'dist/src');
  return {
    'prebid.js/src': path.join(compiled, 'src'),
    'prebid.js/libraries': path.join(compiled, 'libraries'),
  };
}

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
