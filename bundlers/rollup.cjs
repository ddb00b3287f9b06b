// `prebid-uid2/rollup`: a Rollup-compatible plugin (Rollup, Vite, Rolldown) with what prebid-uid2's modules need,
// used beside Prebid's own `prebid.js/customize/rollupPlugin` (global name, chunk URL). CommonJS, so that a config
// loads it with `import` or `require` alike.
const path = require('node:path');
const { prebidInternals } = require('./prebidInternals.cjs');

const INTERNAL = /^(prebid\.js\/(?:src|libraries))\/(.+)$/;

/**
 * `options.context`: the directory prebid.js is resolved from (default: Vite's project root, else the working
 * directory), as `withPrebidUid2` takes it from webpack's `context`.
 */
function prebidUid2(options = {}) {
  let context = options.context;
  let internals;
  return {
    name: 'prebid-uid2',
    // Vite: before its own resolver, which stops at Prebid's exports map (Rollup and Rolldown run plugins in order)
    enforce: 'pre',
    // Vite only: its project root; and no pre-bundling of Prebid for the dev server, whose one pre-bundled copy
    // would hold hooks and registries apart from the dist/src files our modules import
    config(config) {
      return { optimizeDeps: { exclude: [...(config.optimizeDeps?.exclude ?? []), 'prebid.js', 'prebid-uid2'] } };
    },
    configResolved(config) {
      context ??= config.root;
    },
    resolveId(source) {
      const internal = INTERNAL.exec(source);
      if (!internal) return null;
      internals ??= prebidInternals(context ?? process.cwd());
      return path.join(internals[internal[1]], internal[2]);
    },
  };
}

exports.prebidUid2 = prebidUid2;
exports.default = prebidUid2;
