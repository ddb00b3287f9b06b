// Where Prebid's internals are, for every bundler helper of prebid-uid2 (webpack: withPrebidUid2.cjs; Rollup, Vite,
// Rolldown: bundlers/rollup.cjs). CommonJS, so that a bundler config loads it with `require` or `import` alike.
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
 * at the very files `prebid.js/modules/*` import, so hooks and registries are shared singletons. They reach files
 * Prebid does not export, which may change in any release: the consumer check builds against the oldest and the
 * newest release of the peer range.
 */
function prebidInternals(context) {
  const compiled = path.join(prebidPackageRoot(context), 'dist/src');
  return {
    'prebid.js/src': path.join(compiled, 'src'),
    'prebid.js/libraries': path.join(compiled, 'libraries'),
  };
}

exports.prebidInternals = prebidInternals;
