/**
 * Every Prebid.js release of the peer range has what the package imports from it (CI only). The package's modules
 * import files under prebid.js/src and prebid.js/libraries that Prebid does not export (bundlers/prebidInternals.cjs
 * aliases them), and such a file may move or lose a name in any release. The consumer checks build and run the oldest
 * and the newest release; between them, a bundler would only warn of a missing name, and the page would fail when it
 * called it. So for each release from the registry: every such file the built package imports is there, and has every
 * name imported from it (its own exports and those of its `export *`).
 */
import { mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { init, parse as parseModule } from 'es-module-lexer';
import { createTally, oldestPrebid, ROOT, runAlone, runCommand, type Totals } from './steps.js';

/** the published modules (build:package), which are what a publisher's bundler reads */
const PACKAGE_CODE = ['modules', 'libraries', 'metadata'].map((folder) => path.join(ROOT, 'build/package', folder));
/** where the aliases of bundlers/prebidInternals.cjs point, under a release's package root */
const ALIASED = /^prebid\.js\/((?:src|libraries)\/.+)$/;

/** The release versions (x.y.z) of the peer range among `published`: from its lower bound up to the next major. */
export function releasesInRange(published: string[], lowest: string): string[] {
  const parts = (version: string) => version.split('.').map(Number);
  const bound = parts(lowest);
  const [major] = bound;
  const atLeast = (version: string) => {
    const candidate = parts(version);
    const first = candidate.findIndex((part, index) => part !== bound[index]);
    return first === -1 || candidate[first]! > bound[first]!;
  };
  return published.filter((version) => /^\d+\.\d+\.\d+$/.test(version) && parts(version)[0] === major && atLeast(version));
}

type Imports = Map<string, Set<string>>;

async function javascriptFiles(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile() && entry.name.endsWith('.js')).map((entry) => path.join(entry.parentPath, entry.name));
}

/**
 * The names an import statement takes (`default`, or `*` for a namespace): `import x, { a as b, c } from '…'`, as tsc
 * writes them; es-module-lexer gives the statement, not its names.
 */
export function importedNames(statement: string): string[] {
  const clause = /^import\s+([\s\S]*?)\s+from\s/.exec(statement)?.[1] ?? '';
  const named = /\{([^}]*)\}/.exec(clause)?.[1];
  const names = named?.split(',').map((element) => element.trim().split(/\s+as\s+/)[0]!).filter(Boolean) ?? [];
  const outside = clause.replace(/\{[^}]*\}/, '');
  if (/\*\s*as\s/.test(outside)) names.push('*');
  if (/^\s*[\w$]+/.test(outside)) names.push('default');
  return names;
}

/** The aliased Prebid files the package's JavaScript imports, each with the names it imports. */
async function packageImports(): Promise<Imports> {
  const imports: Imports = new Map();
  for (const file of (await Promise.all(PACKAGE_CODE.map(javascriptFiles))).flat()) {
    const code = await readFile(file, 'utf8');
    for (const found of parseModule(code)[0]) {
      const target = ALIASED.exec(found.n ?? '')?.[1];
      const statement = code.slice(found.ss, found.se);
      if (!target || !statement.startsWith('import')) continue;
      const names = imports.get(target) ?? new Set<string>();
      importedNames(statement).forEach((name) => names.add(name));
      imports.set(target, names);
    }
  }
  return imports;
}

/** The names a module exports, following `export * from` (a cycle is read once). */
async function exportedNames(file: string, seen = new Set<string>()): Promise<Set<string>> {
  if (seen.has(file)) return new Set();
  seen.add(file);
  const code = await readFile(file, 'utf8');
  const [imports, exports] = parseModule(code);
  const names = new Set(exports.map((exported) => exported.n));
  for (const found of imports) {
    if (found.n && /^export\s*\*\s*from/.test(code.slice(found.ss, found.se))) {
      for (const name of await exportedNames(path.resolve(path.dirname(file), found.n), seen)) names.add(name);
    }
  }
  return names;
}

/** What a release lacks of `imports`, one line each. */
async function missingIn(packageRoot: string, imports: Imports): Promise<string[]> {
  const missing: string[] = [];
  for (const [target, names] of imports) {
    const file = path.join(packageRoot, 'dist/src', target.endsWith('.js') ? target : `${target}.js`);
    if (!existsSync(file)) {
      missing.push(`prebid.js/${target}: no such file`);
      continue;
    }
    const exported = await exportedNames(file);
    for (const name of names) if (name !== '*' && !exported.has(name)) missing.push(`prebid.js/${target}: no export ${name}`);
  }
  return missing;
}

export async function runPeerRangeChecks(): Promise<Totals> {
  const tally = createTally('peer range');
  await init;
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'prebid-uid2-peer-range-'));
  try {
    const imports = await tally.step('the files and names the package imports from Prebid', async () => {
      const found = await packageImports();
      if (found.size === 0) throw new Error('no prebid.js/src or prebid.js/libraries import found in build/package: npm run build:package makes it');
      console.log(`    ${found.size} files, ${[...found.values()].reduce((sum, names) => sum + names.size, 0)} names`);
      return found;
    });
    const releases = await tally.step('the releases of the peer range, from the registry', async () => {
      const published = JSON.parse(await runCommand('npm', ['view', 'prebid.js', 'versions', '--json'], workDir)) as string[];
      const found = releasesInRange(published, await oldestPrebid());
      if (found.length === 0) throw new Error('the registry lists no release of the peer range');
      console.log(`    ${found.join(', ')}`);
      return found;
    });
    if (!imports || !releases) return tally;
    for (const release of releases) {
      await tally.step(`prebid.js ${release} has every file and name the package imports`, async () => {
        const folder = path.join(workDir, release);
        const tarball = (await runCommand('npm', ['pack', `prebid.js@${release}`, '--pack-destination', workDir, '--silent'], workDir)).trim().split('\n').pop()!;
        await mkdir(folder);
        await runCommand('tar', ['-xzf', path.join(workDir, tarball), '-C', folder, 'package/dist/src'], workDir);
        await rm(path.join(workDir, tarball));
        const missing = await missingIn(path.join(folder, 'package'), imports);
        await rm(folder, { recursive: true, force: true });
        if (missing.length > 0) throw new Error(missing.join('\n'));
      });
    }
    return tally;
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

await runAlone(import.meta.url, runPeerRangeChecks);
