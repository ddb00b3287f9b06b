/**
 * `npm run prebid-tree -- <dir>`: writes our modules into a Prebid.js source tree (a clone of prebid/Prebid.js, or
 * the tree the `prebid.js` npm package carries) in Prebid's own layout, the way an SSP or UID2 contributes them:
 *
 *   modules/openrtbSspBidAdapter.ts, .md               the adapter
 *   modules/uid2IdSystem.ts, .md; euidIdSystem.ts, .md  in place of Prebid's uid2IdSystem and euidIdSystem (.js, .d.ts)
 *   libraries/uid2/, uid2Module/, openrtbSspUtils/      the shared code (what the modules import)
 *   test/spec/modules/openrtbSspBidAdapter_spec.js      our specs (test/adapter/, test/protocol/),
 *   test/spec/libraries/uid2/*_spec.js, test/helpers/   with the helpers they import
 *   metadata/disclosures/modules/uid2IdSystem.json,   the modules' storage disclosures (libraries/uid2Module/disclosures.ts),
 *     euidIdSystem.json                               named by the specs' disclosureURL `local://modules/<module>.json`,
 *   metadata/modules.json, metadata/modules/<module>.json  and compiled as `gulp update-metadata` would (it needs the
 *                                                     network), so that a build with storageControl allows their keys
 *
 * Imports (and module augmentations) are rewritten to the tree's relative paths: `prebid.js/src/x.js` becomes
 * `../src/x.js` and so on. Specs and their helpers become JavaScript, their types stripped by Babel: Prebid's test
 * runner picks up `*_spec.js` only, and its TypeScript build checks every `.ts` file in the tree without
 * test-framework types.
 * Prints the files it wrote and removed.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DISCLOSURE_BASE, MODULE_FILES, storageDisclosure } from '../libraries/uid2Module/disclosures.js';

/** the repository root: this file runs as build/node/tools/writePrebidTree.js */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

// @babel/core ships no types; this is the one function used
const { transformAsync } = createRequire(import.meta.url)('@babel/core') as {
  transformAsync(code: string, options: object): Promise<{ code?: string | null } | null>;
};

/** Our modules: each replaces a Prebid file of the same name, if the tree has one. */
const MODULES = ['uid2IdSystem', 'euidIdSystem', 'openrtbSspBidAdapter'];
/** The specs that run inside Prebid's test setup (the others need this repository's local servers or bundle). */
const SPEC_ROOTS = ['test/adapter/openrtbSspBidAdapter.browser.spec.ts'];
/** The protocol specs (both Node and browsers run them here): Prebid's runner takes them as browser specs. */
const SHARED_SPEC_DIR = 'test/protocol';

/** Where a file of this repository goes in Prebid's tree; undefined for a file with no place there. */
function treePathOf(repoPath: string): string | undefined {
  const adapterSpec = repoPath.match(/^test\/adapter\/(\w+)\.browser\.spec\.ts$/);
  if (adapterSpec) return `test/spec/modules/${adapterSpec[1]}_spec.js`;
  const protocolSpec = repoPath.match(/^test\/protocol\/(\w+)\.spec\.ts$/);
  if (protocolSpec) return `test/spec/libraries/uid2/${protocolSpec[1]}_spec.js`;
  const helper = repoPath.match(/^test\/helpers\/(\w+)(\.browser)?\.ts$/);
  if (helper) return `test/helpers/${helper[1]}.js`;
  // the operator side the protocol specs round-trip against (server-side CSTG, refresh tokens, raw UIDs): in the
  // tree, test helpers, since only the local operator runs them
  const operatorSide = repoPath.match(/^devstack\/operator\/(\w+)\.ts$/);
  if (operatorSide) return `test/helpers/${operatorSide[1]}.js`;
  // the bundle our browser specs share: in the tree, a test helper holding the same imports
  if (repoPath === 'prebid.bundle.ts') return 'test/helpers/prebidUid2Bundle.js';
  if (/^(modules\/\w+\.(ts|md)|libraries\/[\w/]+\.ts)$/.test(repoPath) && !repoPath.endsWith('.d.ts')) return repoPath;
  return undefined;
}

/** The tree file a `prebid.js…` import of the npm package stands for (the package maps them to dist/src). */
function prebidTarget(specifier: string, tree: string): string {
  if (specifier === 'prebid.js') return path.join(tree, 'src/prebid.js');
  const rest = specifier.slice('prebid.js/'.length);
  if (/^(src|libraries|modules)\//.test(rest)) return path.join(tree, path.normalize(rest));
  throw new Error(`no place in the tree for "${specifier}"`);
}

/** A public module entry point, prebid.js/modules/<name>: modules/<name>.js, or modules/<name>/index.js */
function publicModuleTarget(specifier: string, tree: string): string | undefined {
  const name = specifier.match(/^prebid\.js\/modules\/(\w+)$/)?.[1];
  if (!name) return undefined;
  return existsSync(path.join(tree, 'modules', name)) && statSync(path.join(tree, 'modules', name)).isDirectory()
    ? path.join(tree, 'modules', name, 'index.js')
    : path.join(tree, 'modules', `${name}.js`);
}

/** './x.js' from `fromFile` to `target` (both absolute), as Prebid writes relative imports */
function relativeImport(fromFile: string, target: string): string {
  const relative = path.relative(path.dirname(fromFile), target).split(path.sep).join('/');
  return relative.startsWith('.') ? relative : `./${relative}`;
}

const IMPORT = /(\bfrom\s+|\bimport\s+|\bimport\(\s*|\bdeclare module\s+)'([^']+)'/g;
const TRIPLE_SLASH = /^\/\/\/ <reference [^>]*>\n/m;

/** The repository file a relative import of `repoFile` resolves to (sources import siblings as './x.js'). */
function resolveRelative(repoFile: string, specifier: string): string {
  const target = path.posix.normalize(path.posix.join(path.posix.dirname(repoFile), specifier));
  for (const candidate of [target.replace(/\.js$/, '.ts'), target]) if (existsSync(path.join(ROOT, candidate))) return candidate;
  throw new Error(`${repoFile}: cannot resolve "${specifier}"`);
}

interface BabelTypes { blockStatement(body: unknown[]): unknown; isBlockStatement(node: unknown): boolean }
interface BodyPath { node: { body: unknown }; get(key: 'body'): { replaceWith(node: unknown): void } }

/**
 * Babel prints a one-line `for (…) statement;` over two lines, which Prebid's eslint (`curly`) rejects unless
 * braced: so loop bodies get braces.
 */
const braceLoopBodies = ({ types }: { types: BabelTypes }) => ({
  visitor: {
    Loop(loop: BodyPath) {
      if (!types.isBlockStatement(loop.node.body)) loop.get('body').replaceWith(types.blockStatement([loop.node.body]));
    },
  },
});

/** `source` without its TypeScript, printed by Babel (in a style Prebid's eslint accepts) */
async function stripTypes(repoFile: string, source: string): Promise<string> {
  const result = await transformAsync(source, {
    filename: repoFile, babelrc: false, configFile: false, presets: ['@babel/preset-typescript'], plugins: [braceLoopBodies],
  });
  if (!result?.code) throw new Error(`${repoFile}: no JavaScript from Babel`);
  return `${result.code}\n`;
}

interface Transplant { treePath: string; text: string }

/** `repoFile` with its imports rewritten for the tree; the repository files it imports are pushed to `pending`. */
async function transplant(repoFile: string, tree: string, pending: string[]): Promise<Transplant> {
  const treePath = treePathOf(repoFile);
  if (!treePath) throw new Error(`${repoFile} has no place in a Prebid tree (imported by a file we transplant)`);
  const destination = path.join(tree, treePath);
  let source = await readFile(path.join(ROOT, repoFile), 'utf8');
  if (TRIPLE_SLASH.test(source)) throw new Error(`${repoFile}: a triple-slash reference (Prebid's eslint rejects it)`);
  if (treePath.endsWith('.js') && repoFile.endsWith('.ts')) source = await stripTypes(repoFile, source);
  const text = source.replace(IMPORT, (whole, keyword: string, specifier: string) => {
    let target: string | undefined;
    if (specifier.startsWith('.')) {
      const imported = resolveRelative(repoFile, specifier);
      pending.push(imported);
      const importedTreePath = treePathOf(imported);
      if (!importedTreePath) throw new Error(`${repoFile} imports ${imported}, which has no place in a Prebid tree`);
      // keep the extension the source wrote ('.js' for a .ts file, as Prebid's sources do)
      target = path.join(tree, path.extname(specifier) === '.js' ? importedTreePath.replace(/\.ts$/, '.js') : importedTreePath);
    } else if (specifier === 'prebid.js' || specifier.startsWith('prebid.js/')) {
      target = publicModuleTarget(specifier, tree) ?? prebidTarget(specifier, tree);
    } else {
      return whole; // a package (chai, sinon)
    }
    return `${keyword}'${relativeImport(destination, target)}'`;
  });
  return { treePath, text };
}

function isPrebidTree(dir: string): boolean {
  try {
    const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
    return manifest.name === 'prebid.js' && existsSync(path.join(dir, 'src/prebid.ts')) && existsSync(path.join(dir, 'modules'));
  } catch {
    return false;
  }
}

/**
 * Prebid's build registers each module file in installedModules itself (plugins/pbjsGlobals.js), which our package
 * build does not: there our modules call registerModule, and in the tree that call (and its import) goes.
 */
function withoutModuleRegistration(text: string): string {
  return text
    .replace(/^(?:\/\/[^\n]*\n)*registerModule\('\w+'\);\n/m, '')
    .replace(/^import \{ registerModule \} from '[^']+';\n/m, '')
    .replace(/\bregisterModule, |, registerModule\b/, '');
}

/** where Prebid's metadata tooling finds a `local://` disclosure (metadata/storageDisclosure.mjs) */
const LOCAL_DISCLOSURES = 'local://';
const PUBLIC_DISCLOSURES = 'https://cdn.jsdelivr.net/gh/prebid/Prebid.js/metadata/disclosures/';

/** In the tree, the modules' disclosureURL names the tree's own disclosure files */
function withTreeDisclosureUrls(text: string): string {
  const line = `export const DISCLOSURE_BASE = '${DISCLOSURE_BASE}';`;
  if (!text.includes(line)) throw new Error(`libraries/uid2Module/disclosures.ts: no line ${line}`);
  return text.replace(line, `export const DISCLOSURE_BASE = '${LOCAL_DISCLOSURES}modules/';`);
}

/**
 * The disclosure files, and the metadata `gulp update-metadata` compiles from them: metadata/modules.json (what its
 * extract step reads from the specs) and metadata/modules/<module>.json (what a build with storageControl bundles;
 * the GVL purposes the tree holds for the module stay).
 */
async function writeMetadata(tree: string): Promise<string[]> {
  const written: string[] = [];
  const catalogPath = path.join(tree, 'metadata/modules.json');
  const catalog = JSON.parse(await readFile(catalogPath, 'utf8'));
  for (const [name, file] of Object.entries(MODULE_FILES) as [keyof typeof MODULE_FILES, string][]) {
    const disclosure = storageDisclosure(name);
    const sourcePath = `metadata/disclosures/modules/${file}.json`;
    await writeFile(path.join(tree, sourcePath), `${JSON.stringify(disclosure, null, 2)}\n`);
    const localUrl = `${LOCAL_DISCLOSURES}modules/${file}.json`;
    const publicUrl = `${PUBLIC_DISCLOSURES}modules/${file}.json`;
    for (const component of catalog.components) {
      if (component.componentType === 'userId' && component.componentName === name) component.disclosureURL = localUrl;
    }
    const compiledPath = `metadata/modules/${file}.json`;
    const compiled = JSON.parse(await readFile(path.join(tree, compiledPath), 'utf8'));
    compiled.disclosures = {
      [publicUrl]: { timestamp: new Date().toISOString(), disclosures: disclosure.disclosures.map(({ domains, ...entry }) => entry) },
    };
    compiled.components = compiled.components.map((component: { componentName: string }) =>
      (component.componentName === name ? { ...component, disclosureURL: publicUrl } : component));
    await writeFile(path.join(tree, compiledPath), `${JSON.stringify(compiled, null, 2)}\n`);
    written.push(sourcePath, compiledPath);
  }
  await writeFile(catalogPath, `${JSON.stringify(catalog, null, 2)}\n`);
  return [...written, 'metadata/modules.json'];
}

interface TreeChanges { written: string[]; removed: string[] }

async function writePrebidTree(tree: string): Promise<TreeChanges> {
  if (!isPrebidTree(tree)) throw new Error(`${tree} is not a Prebid.js source tree (package.json "prebid.js", src/prebid.ts, modules/)`);
  const sharedSpecs = (await readdir(path.join(ROOT, SHARED_SPEC_DIR))).filter((file) => file.endsWith('.spec.ts') && !file.endsWith('.node.spec.ts'));
  const pending = [
    ...MODULES.flatMap((name) => [`modules/${name}.ts`, `modules/${name}.md`]),
    ...SPEC_ROOTS,
    ...sharedSpecs.map((file) => `${SHARED_SPEC_DIR}/${file}`),
  ];
  const transplants = new Map<string, Transplant>();
  while (pending.length) {
    const repoFile = pending.shift()!;
    if (transplants.has(repoFile)) continue;
    transplants.set(repoFile, repoFile.endsWith('.md')
      ? { treePath: treePathOf(repoFile)!, text: await readFile(path.join(ROOT, repoFile), 'utf8') }
      : await transplant(repoFile, tree, pending));
  }
  const removed: string[] = [];
  for (const name of MODULES) {
    for (const replaced of [`modules/${name}.js`, `modules/${name}.d.ts`]) {
      if (existsSync(path.join(tree, replaced))) {
        await rm(path.join(tree, replaced));
        removed.push(replaced);
      }
    }
  }
  const written: string[] = [];
  for (const { treePath, text } of transplants.values()) {
    await mkdir(path.dirname(path.join(tree, treePath)), { recursive: true });
    const inTree = treePath === 'libraries/uid2Module/disclosures.ts' ? withTreeDisclosureUrls(text)
      : treePath.startsWith('modules/') ? withoutModuleRegistration(text) : text;
    await writeFile(path.join(tree, treePath), inTree);
    written.push(treePath);
  }
  written.push(...await writeMetadata(tree));
  return { written: written.sort(), removed };
}

async function main(): Promise<void> {
  const [dir] = process.argv.slice(2);
  if (!dir) {
    console.error('usage: npm run prebid-tree -- <Prebid.js source tree>');
    process.exit(2);
  }
  try {
    const { written, removed } = await writePrebidTree(path.resolve(dir));
    for (const file of removed) console.log(`removed ${file}`);
    for (const file of written) console.log(`wrote   ${file}`);
  } catch (error) {
    console.error(`prebid-tree: ${error instanceof Error ? error.message : error}`);
    process.exit(1);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
