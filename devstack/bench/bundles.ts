/**
 * Builds bundle variants that differ only in which UID2 module (ours or Prebid's official one) or which bid
 * adapter (ours or five of Prebid's own ortbConverter adapters) they carry, with the same webpack config as the
 * published bundle, so size and speed figures compare like with like.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import webpack from 'webpack';

export const BUILD_DIR = path.resolve('build/bench');

/** Prebid's own adapters built on ortbConverter that the openrtbSsp adapter's size is held against. */
export const PEER_ADAPTERS = ['openx', 'conversant', 'nexx360', 'criteo', 'pubmatic'] as const;
export type PeerAdapter = (typeof PEER_ADAPTERS)[number];

const MODULES = {
  core: ['prebid.js/modules/userId'],
  ...Object.fromEntries(PEER_ADAPTERS.map((peer) => [peer, [`prebid.js/modules/${peer}BidAdapter`]])) as Record<PeerAdapter, string[]>,
  officialUid2: ['prebid.js/modules/uid2IdSystem'],
  ourUid2: [path.resolve('modules/uid2IdSystem.ts')],
  ourAdapter: [path.resolve('modules/openrtbSspBidAdapter.ts')],
  // Prebid's storageControl with the metadata its docs ask for (prebid-core's, userId's), and each module's own
  storageControl: ['prebid.js/metadata/prebid-core', 'prebid.js/modules/storageControl', 'prebid.js/metadata/userId'],
  officialUid2Metadata: ['prebid.js/metadata/uid2IdSystem'],
  ourUid2Metadata: [path.resolve('metadata/uid2IdSystem.ts')],
} as const;

/** Each variant is core + userId plus the listed extras. */
export const VARIANTS = {
  baseline: [],
  official: ['officialUid2'],
  ours: ['ourUid2'],
  adapter: ['ourAdapter'],
  officialWithAdapter: ['officialUid2', 'ourAdapter'],
  oursWithAdapter: ['ourUid2', 'ourAdapter'],
  storageControlAdapter: ['storageControl', 'ourAdapter'],
  officialStorageControl: ['storageControl', 'officialUid2', 'officialUid2Metadata', 'ourAdapter'],
  oursStorageControl: ['storageControl', 'ourUid2', 'ourUid2Metadata', 'ourAdapter'],
  ...Object.fromEntries(PEER_ADAPTERS.map((peer) => [peer, [peer]])) as Record<PeerAdapter, [PeerAdapter]>,
} satisfies Record<string, Array<keyof typeof MODULES>>;

export type Variant = keyof typeof VARIANTS;

function entrySource(variant: Variant): string {
  const imports = [...MODULES.core, ...VARIANTS[variant].flatMap((name) => MODULES[name])];
  return [
    "import pbjs from 'prebid.js';",
    ...imports.map((specifier) => `import ${JSON.stringify(specifier)};`),
    'pbjs.processQueue();',
  ].join('\n');
}

export interface BundleSize { minified: number; gzip: number }

/** Builds the variants (default: every one) in one webpack run; returns the path of each bundle. */
export async function buildVariants<V extends Variant = Variant>(variants = Object.keys(VARIANTS) as V[]): Promise<Record<V, string>> {
  const entriesDir = path.join(BUILD_DIR, 'entries');
  await mkdir(entriesDir, { recursive: true });
  const entry: Record<string, string> = {};
  for (const variant of variants) {
    entry[variant] = path.join(entriesDir, `${variant}.js`);
    await writeFile(entry[variant], entrySource(variant));
  }
  const { baseConfig } = await import(pathToFileURL(path.resolve('webpack.conf.js')).href);
  const config = {
    ...baseConfig(),
    devtool: false,
    entry,
    output: { path: BUILD_DIR, filename: '[name].js', chunkFilename: 'chunks/[name].[contenthash].js' },
  };
  await new Promise<void>((resolve, reject) => webpack(config, (error, stats) => {
    if (error || stats?.hasErrors()) reject(error ?? new Error(stats?.toString('errors-only')));
    else resolve();
  }));
  return Object.fromEntries(Object.keys(entry).map((variant) => [variant, path.join(BUILD_DIR, `${variant}.js`)])) as Record<V, string>;
}

/** Where buildOursApart puts its files, under BUILD_DIR */
export const APART_DIR = 'apart';
/** the script of that build that holds our uid2 module's code, and only it */
export const OURS_APART_SCRIPT = `${APART_DIR}/uid2-ours.js`;
/** our uid2 module's files: modules/uid2IdSystem.ts and the libraries it runs on */
const OUR_UID2_FILES = ['modules/uid2IdSystem.ts', 'libraries/uid2Module/', 'libraries/uid2/'].map((file) => path.resolve(file) + (file.endsWith('/') ? '/' : ''));
const isOurUid2File = (module: { resource?: string }) => OUR_UID2_FILES.some((file) => module.resource?.startsWith(file));

/**
 * The `oursWithAdapter` bundle with our uid2 module's code split out into a script of its own (OURS_APART_SCRIPT),
 * loaded before the bundle: a CPU profile then tells our code's time from Prebid's by script URL. Same webpack config
 * and minifier otherwise; returns the bundle's name for a PageSpec.
 */
export async function buildOursApart(): Promise<string> {
  const variant = 'oursWithAdapter';
  const { baseConfig } = await import(pathToFileURL(path.resolve('webpack.conf.js')).href);
  const base = baseConfig();
  const config = {
    ...base,
    devtool: false,
    entry: { [variant]: path.join(BUILD_DIR, 'entries', `${variant}.js`) },
    output: { path: path.join(BUILD_DIR, APART_DIR), filename: '[name].js' },
    optimization: {
      ...base.optimization,
      splitChunks: {
        cacheGroups: {
          ours: { test: isOurUid2File, chunks: 'all', name: 'uid2-ours', enforce: true },
        },
      },
    },
  };
  await mkdir(path.dirname(config.entry[variant]), { recursive: true });
  await writeFile(config.entry[variant], entrySource(variant));
  await new Promise<void>((resolve, reject) => webpack(config, (error, stats) => {
    if (error || stats?.hasErrors()) reject(error ?? new Error(stats?.toString('errors-only')));
    else resolve();
  }));
  return `${APART_DIR}/${variant}`;
}

export async function measureSize(file: string): Promise<BundleSize> {
  const code = await readFile(file);
  return { minified: code.length, gzip: gzipSync(code, { level: 9 }).length };
}
