// Builds the custom Prebid.js bundle: Prebid core and modules from the npm package plus our TypeScript modules.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(fileURLToPath(import.meta.url));
const prebidDist = path.join(root, 'node_modules/prebid.js/dist/src');

/**
 * Prebid's exports map exposes only public entry points; hooks, registries and helpers a module must share
 * with core (submodule, registerBidder, ortbConverter, storage manager, ajax) live under dist/src, so these
 * aliases point at the very files Prebid's own modules import. Mirrored by "paths" in tsconfig.json.
 */
export const prebidInternals = {
  'prebid.js/src': path.join(prebidDist, 'src'),
  'prebid.js/libraries': path.join(prebidDist, 'libraries'),
};

/** Shared by the bundle build, karma and the benchmarks, so tests run exactly what publishers ship. */
export function baseConfig({ mode = 'production', globalVarName = 'pbjs', distUrlBase } = {}) {
  return {
    mode,
    devtool: mode === 'production' ? 'source-map' : 'inline-source-map',
    resolve: {
      alias: prebidInternals,
      extensions: ['.ts', '.js'],
      // our sources import siblings as './x.js' (what Node ESM and tsc expect); find the .ts behind them
      extensionAlias: { '.js': ['.ts', '.js'] },
    },
    module: {
      rules: [
        {
          test: /\.ts$/,
          exclude: /node_modules/,
          use: { loader: 'babel-loader', options: { presets: ['@babel/preset-typescript'], cacheDirectory: true } },
        },
        {
          // rewrites only Prebid's build-options module (global name, chunk URL); every other file passes through
          loader: 'prebid.js/customize/webpackLoader',
          options: { globalVarName, ...(distUrlBase ? { distUrlBase } : {}) },
        },
      ],
    },
    performance: { hints: false },
  };
}

export default (env = {}) => ({
  ...baseConfig({ globalVarName: env.globalVarName ?? 'pbjs' }),
  entry: { prebid: path.join(root, env.entry ?? 'prebid.bundle.ts') },
  output: { path: path.join(root, 'build/dist'), filename: '[name].js', chunkFilename: 'chunks/[name].js' },
});
