/**
 * Builds bundle variants that differ only in which UID2 module (ours or Prebid's official one) or which bid
 * adapter (ours or five of Prebid's own ortbConverter adapters) they carry, with the same webpack config as the
 * published bundle, so size and speed figures compare like with like.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createRequire } from 'node:module';
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

/** Writes an entry file per variant; returns webpack's `entry` */
async function writeEntries(variants: Variant[]): Promise<Record<string, string>> {
  const entriesDir = path.join(BUILD_DIR, 'entries');
  await mkdir(entriesDir, { recursive: true });
  const entry: Record<string, string> = {};
  for (const variant of variants) {
    entry[variant] = path.join(entriesDir, `${variant}.js`);
    await writeFile(entry[variant], entrySource(variant));
  }
  return entry;
}

/** webpack.conf.js's base config, with `overrides` on top, run once */
async function runWebpack(overrides: (base: Record<string, any>) => Record<string, unknown>): Promise<void> {
  const { baseConfig } = await import(pathToFileURL(path.resolve('webpack.conf.js')).href);
  const base = baseConfig();
  const config = { ...base, devtool: false, ...overrides(base) };
  await new Promise<void>((resolve, reject) => webpack(config, (error, stats) => {
    if (error || stats?.hasErrors()) reject(error ?? new Error(stats?.toString('errors-only')));
    else resolve();
  }));
}

/** Builds the variants (default: every one) in one webpack run; returns the path of each bundle. */
export async function buildVariants<V extends Variant = Variant>(variants = Object.keys(VARIANTS) as V[]): Promise<Record<V, string>> {
  const entry = await writeEntries(variants);
  await runWebpack(() => ({ entry, output: { path: BUILD_DIR, filename: '[name].js', chunkFilename: 'chunks/[name].[contenthash].js' } }));
  return Object.fromEntries(variants.map((variant) => [variant, path.join(BUILD_DIR, `${variant}.js`)])) as Record<V, string>;
}

/** Where buildApart puts its files, under BUILD_DIR */
export const APART_DIR = 'apart';

export type ApartModule = 'ours' | 'official';

/** Prebid's published sources (dist/src), found as a publisher's build finds them: bundlers/prebidInternals.cjs */
const { prebidInternals } = createRequire(import.meta.url)(path.resolve('bundlers/prebidInternals.cjs')) as {
  prebidInternals(context: string): Record<'prebid.js/src' | 'prebid.js/libraries', string>;
};
const prebidSource = path.dirname(prebidInternals(process.cwd())['prebid.js/src']);
/** absolute paths of `files` under `root`; a folder's (a name ending in /) ends in a separator, so that it matches only what is inside it */
const under = (root: string, files: string[]) => files.map((file) => path.resolve(root, file) + (file.endsWith('/') ? path.sep : ''));
/** each uid2 module's own files: the module and the libraries it runs on (Prebid's shared uid2Eids counts as Prebid's) */
const APART: Record<ApartModule, { variant: Variant; files: string[] }> = {
  ours: { variant: 'oursWithAdapter', files: under('.', ['modules/uid2IdSystem.ts', 'libraries/uid2Module/', 'libraries/uid2/']) },
  official: { variant: 'officialWithAdapter', files: under(prebidSource, ['modules/uid2IdSystem.js', 'libraries/uid2IdSystemShared/']) },
};

/** the script of buildApart's `module` build that holds that uid2 module's code, and only it */
export const apartScript = (module: ApartModule) => `${APART_DIR}/uid2-${module}.js`;

/**
 * The `oursWithAdapter` and `officialWithAdapter` bundles, each with its uid2 module's code split out into a script of
 * its own (apartScript), loaded before the bundle: a CPU profile then tells the module's time from Prebid's by script
 * URL. Same webpack config and minifier otherwise; returns each bundle's name for a PageSpec.
 */
export async function buildApart(): Promise<Record<ApartModule, string>> {
  const modules = Object.keys(APART) as ApartModule[];
  const entry = await writeEntries(modules.map((module) => APART[module].variant));
  await runWebpack((base) => ({
    entry,
    output: { path: path.join(BUILD_DIR, APART_DIR), filename: '[name].js' },
    optimization: {
      ...base.optimization,
      splitChunks: {
        cacheGroups: Object.fromEntries(modules.map((module) => [module, {
          test: ({ resource }: { resource?: string }) => APART[module].files.some((file) => resource?.startsWith(file)),
          chunks: 'all',
          name: `uid2-${module}`,
          enforce: true,
        }])),
      },
    },
  }));
  return Object.fromEntries(modules.map((module) => [module, `${APART_DIR}/${APART[module].variant}`])) as Record<ApartModule, string>;
}

export async function measureSize(file: string): Promise<BundleSize> {
  const code = await readFile(file);
  return { minified: code.length, gzip: gzipSync(code, { level: 9 }).length };
}
