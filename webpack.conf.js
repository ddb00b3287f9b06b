// Builds the custom Prebid.js bundle: Prebid core and modules from the npm package plus our TypeScript modules.
// What our modules need from any webpack build is in withPrebidUid2.cjs (`prebid-uid2/webpack`, the helper
// publishers use); this file adds only what building from our TypeScript sources takes.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { withPrebidUid2 } from './withPrebidUid2.cjs';

const root = path.dirname(fileURLToPath(import.meta.url));

/** Shared by the bundle build, karma and the benchmarks, so tests run exactly what publishers ship. */
export function baseConfig({ mode = 'production', globalVarName = 'pbjs', distUrlBase } = {}) {
  return withPrebidUid2({
    context: root,
    mode,
    devtool: mode === 'production' ? 'source-map' : 'inline-source-map',
    resolve: {
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
  });
}

export default (env = {}) => ({
  ...baseConfig({ globalVarName: env.globalVarName ?? 'pbjs' }),
  entry: { prebid: path.join(root, env.entry ?? 'prebid.bundle.ts') },
  output: { path: path.join(root, 'build/dist'), filename: '[name].js', chunkFilename: 'chunks/[name].js' },
});
