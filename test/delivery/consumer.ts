/**
 * The npm package as a publisher gets it: `npm pack`, then fresh projects outside the repository that run the
 * README's "Adding the modules to your own Prebid build" blocks verbatim: webpack in a "type": "module" and a
 * "type": "commonjs" project, Vite, and Rollup, each on the newest Prebid release of the peer range, and webpack again
 * on the oldest. Each bundle (with storageControl) loads in Chromium with a uid2 config and an openrtbSsp ad unit
 * pointed at the dev stack's bin commands (local operator, mock SSP; devstack/, not in the package). Passes when the outgoing OpenRTB request
 * carries the UID2 eid, the SSP decrypts it, the record is stored and disclosed, and a returning page reuses it
 * without calling the operator (auction.ts).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser } from 'playwright-core';
import { PLAYER_PATH } from '../../devstack/ssp/outstream.js';
import { launchChromium } from '../../devstack/browsers/chromium.js';
import { checkAuction, type AuctionServers } from './auction.js';
import { createTally, execCommand, oldestPrebid, ROOT, runAlone, runCommand, startCommand, type Tally, type Totals } from './steps.js';

/** a set of README blocks: webpack in an ESM and a CommonJS project, Vite, Rollup */
type Flavor = 'esm' | 'cjs' | 'vite' | 'rollup';
interface FlavorSetup { type: string; config: string; bundle: string }
const FLAVORS: Record<Flavor, FlavorSetup> = {
  esm: { type: 'module', config: 'webpack.config.js', bundle: 'dist/main.js' },
  cjs: { type: 'commonjs', config: 'webpack.config.js', bundle: 'dist/main.js' },
  vite: { type: 'module', config: 'vite.config.js', bundle: 'dist/prebid.js' },
  rollup: { type: 'module', config: 'rollup.config.js', bundle: 'dist/prebid.js' },
};
const ALL_FLAVORS = Object.keys(FLAVORS) as Flavor[];
const PACKAGE = 'prebid-uid2';

/** A fenced block of the README marked `<!-- consumer-test[ flavors]: name -->`. */
interface ReadmeBlock { name: string; flavors: Flavor[]; text: string }

async function readmeBlocks(): Promise<ReadmeBlock[]> {
  const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8');
  const marked = /<!-- consumer-test((?: (?:esm|cjs|vite|rollup))*): (\S+) -->\n```\w*\n([\s\S]*?)```/g;
  return [...readme.matchAll(marked)].map(([, flavors, name, text]) => ({
    name,
    flavors: flavors.trim() ? (flavors.trim().split(' ') as Flavor[]) : ALL_FLAVORS,
    text,
  }));
}

function blockFor(blocks: ReadmeBlock[], name: string, flavor: Flavor): ReadmeBlock {
  const block = blocks.find((b) => b.name === name && b.flavors.includes(flavor));
  if (!block) throw new Error(`README.md has no <!-- consumer-test: ${name} --> block for the ${flavor} consumer`);
  return block;
}

/** the commands of a shell block, one per line, without comments */
function commandsOf(block: ReadmeBlock): string[][] {
  return block.text.split('\n').map((line) => line.replace(/#.*/, '').trim()).filter(Boolean).map((line) => line.split(/\s+/));
}

/** The version of a package this repository is tested with (in the npm cache, as `npm ci` installed it). */
async function testedVersion(name: string): Promise<string> {
  return JSON.parse(await readFile(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
}

/**
 * `install a b` (npm's arguments): `prebid-uid2` becomes the tarball, `prebid.js` the release under test, any other
 * package the version tested here
 */
async function installArgs(args: string[], tarball: string, prebid: string): Promise<string[]> {
  const pinned = await Promise.all(args.map(async (arg, i) => {
    if (i === 0 || arg.startsWith('-')) return arg;
    if (arg === 'prebid.js') return `${arg}@${prebid}`;
    return arg === PACKAGE ? tarball : `${arg}@${await testedVersion(arg)}`;
  }));
  return [...pinned, '--prefer-offline', '--no-audit', '--no-fund'];
}

interface Packed { tarball: string; files: string[]; entryCount: number; size: number }

async function pack(destination: string): Promise<Packed> {
  const stdout = await runCommand('npm', ['pack', '--json', '--pack-destination', destination], ROOT);
  // the prepack script's output comes first
  const [report] = JSON.parse(stdout.slice(stdout.search(/^\[/m)));
  return {
    tarball: path.join(destination, report.filename),
    files: report.files.map((file: { path: string }) => file.path),
    entryCount: report.entryCount,
    size: report.size,
  };
}

/** what `exports` and `bin` promise is in the tarball, and nothing a publisher does not run */
async function checkTarballContents(packed: Packed): Promise<void> {
  const manifest = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8'));
  const promised = [
    ...Object.values(manifest.bin as Record<string, string>),
    ...Object.entries(manifest.exports as Record<string, string | Record<string, string>>)
      .filter(([subpath]) => !subpath.includes('*'))
      .flatMap(([, target]) => (typeof target === 'string' ? [target] : Object.values(target))),
  ].map((target) => path.posix.normalize(target));
  const missing = promised.filter((file) => !packed.files.includes(file));
  if (missing.length) throw new Error(`missing from the tarball: ${missing.join(', ')}`);
  const unwanted = packed.files.filter((file) =>
    /^(test|tools|devstack|\.ci|integrationExamples)\//.test(file) || /(^|\/)devstack\//.test(file) || /\.(png|spec\.\w+)$/.test(file) || /(?<!\.d)\.ts$/.test(file));
  if (unwanted.length) throw new Error(`not for publishers, yet in the tarball: ${unwanted.join(', ')}`);
}

async function writeProject(dir: string, flavor: Flavor, blocks: ReadmeBlock[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: `consumer-${flavor}`, private: true, type: FLAVORS[flavor].type }, null, 2));
  for (const name of ['src/prebid.js', FLAVORS[flavor].config]) {
    const file = path.join(dir, name);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, blockFor(blocks, name, flavor).text);
  }
}

interface LocalServers extends AuctionServers { children: ChildProcess[] }

/** the dev stack's bin commands (the workspace devstack/, linked into the repository's node_modules/.bin), run in the project */
async function startDevstackServers(project: string): Promise<LocalServers> {
  const bin = (name: string) => path.join(ROOT, 'node_modules/.bin', name);
  const operator = await startCommand(bin('prebid-uid2-operator'), ['--port', '0'], project, /UID2 operator on (http:\/\/\S+)/);
  try {
    const ssp = await startCommand(bin('prebid-uid2-ssp'), ['--port', '0', '--operator', operator.match[1]], project,
      /Mock SSP on (http:\/\/\S+)\/openrtb2\/auction \(UID2 keys from \S+: \d+ loaded\)/);
    return { operatorUrl: operator.match[1], sspUrl: ssp.match[1], children: [operator.child, ssp.child] };
  } catch (error) {
    operator.child.kill();
    throw error;
  }
}

/** one consumer project: the blocks of `flavor`, built against Prebid `prebid` */
interface Consumer { flavor: Flavor; prebid: string; label: string }

async function checkConsumer(tally: Tally, { flavor, prebid, label }: Consumer, setup: {
  workDir: string; packed: Packed; blocks: ReadmeBlock[]; browser: () => Promise<Browser>;
  servers: (project: string) => Promise<LocalServers>;
}): Promise<void> {
  const project = path.join(setup.workDir, label);
  const installed = await tally.step(`${label} project: the README's install commands (prebid.js ${prebid})`, async () => {
    await writeProject(project, flavor, setup.blocks);
    for (const command of commandsOf(blockFor(setup.blocks, 'install', flavor))) {
      const [tool, ...args] = command;
      await runCommand(tool, tool === 'npm' && args[0] === 'install' ? await installArgs(command.slice(1), setup.packed.tarball, prebid) : args, project);
    }
    return true;
  });
  if (!installed) return;
  const { config, bundle: output } = FLAVORS[flavor];
  const bundle = await tally.step(`${label} project: the README's ${config} builds ${output}`, async () => {
    for (const [tool, ...args] of commandsOf(blockFor(setup.blocks, 'build', flavor))) await runCommand(tool, args, project);
    const code = await readFile(path.join(project, output));
    console.log(`    ${label} bundle: ${code.length} B minified, ${gzipSync(code, { level: 9 }).length} B gzip -9`);
    return code;
  });
  if (!bundle) return;
  await tally.step(`${label} project: the bundle sends the UID2 eid to openrtbSsp, the SSP decrypts it, a returning page reuses the stored record`, async () => {
    const { disclosed, operatorCalls } = await checkAuction(await setup.browser(), bundle, await setup.servers(project));
    console.log(`    ${label}: operator calls per page view ${operatorCalls.join(', ')}; uid2IdSystem discloses ${disclosed.join('; ')}`);
  });
}

/** a sharer and a receiver in Node: the protocol library from the installed package, a raw UID2 there and back */
async function checkNodeReceiver(project: string): Promise<void> {
  const script = `
    import { randomBytes } from 'node:crypto';
    import { decryptAdvertisingToken } from '${PACKAGE}/libraries/uid2/receiver/advertisingToken';
    import { parseKeyContainer } from '${PACKAGE}/libraries/uid2/receiver/keys';
    import { encryptRawUidIntoToken } from '${PACKAGE}/libraries/uid2/receiver/sharing';
    const now = Date.now(), seconds = Math.floor(now / 1000);
    const key = (id, keyset_id) => ({ id, keyset_id, created: seconds - 60, activates: seconds - 60, expires: seconds + 3600,
      secret: randomBytes(32).toString('base64') });
    const keys = parseKeyContainer({ caller_site_id: 124, master_keyset_id: 1, default_keyset_id: 2, token_expiry_seconds: 3600,
      keys: [key(11, 1), key(12, 2)] });
    const rawUid = randomBytes(32).toString('base64');
    const shared = await encryptRawUidIntoToken(rawUid, keys, { now });
    const decrypted = await decryptAdvertisingToken(shared.token, keys, { now, clientType: 'sharing' });
    console.log(JSON.stringify({ same: decrypted.rawUid === rawUid, status: decrypted.status, siteId: decrypted.siteId }));`;
  const out = await runCommand(process.execPath, ['--input-type=module', '-e', script], project);
  const result = JSON.parse(out.trim().split('\n').pop() ?? '{}');
  if (!result.same || result.status !== 'success' || result.siteId !== 124) throw new Error(`sharing round trip: ${out}`);
}

/**
 * prebid-uid2-share as a sender and a receiver run it from the installed package, against the dev stack's operator:
 * the advertiser encrypts a CSV file, the Local DSP it shares with decrypts it, and an s3:// location without the
 * optional AWS SDK says what to install.
 */
async function checkShareCommand(project: string, operatorUrl: string): Promise<void> {
  const bin = path.join(project, 'node_modules/.bin/prebid-uid2-share');
  const rawUid = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64');
  await writeFile(path.join(project, 'customers.csv'), `customer,raw_uid\n"Doe, J.",${rawUid}\n`);
  const credentials = (key: string, secret: string) => ({ UID2_BASE_URL: operatorUrl, UID2_API_KEY: key, UID2_SECRET_KEY: secret });
  await runCommand(bin, ['encrypt', '--in', 'customers.csv', '--out', 'tokens.csv'], project,
    credentials('UID2-C-L-124-LocalA.PxWKlC09RJaenXmArz2ZChKv', 'tfHkDuOdWYpV4PvEDjVALWyGor+KCR9ut4p7EOl1OiU='));
  await runCommand(bin, ['decrypt', '--in', 'tokens.csv', '--out', 'segment.jsonl'], project,
    credentials('UID2-C-L-125-LocalD.fak3PFp3yupxpxZRowFWlw5M', 'KXXHh4+3u85DHLfjqGN1E21X8oIWiBRy8aoqSDtbwmU='));
  const segment = await readFile(path.join(project, 'segment.jsonl'), 'utf8');
  const row = JSON.parse(segment.trim());
  if (row.customer !== 'Doe, J.' || row.raw_uid !== rawUid || row.status !== 'success' || row.site_id !== '124') {
    throw new Error(`sharing by file: ${segment}`);
  }
  const { ok, output } = await execCommand(bin, ['encrypt', '--in', 's3://bucket/customers.csv'], project,
    credentials('UID2-C-L-124-LocalA.PxWKlC09RJaenXmArz2ZChKv', 'tfHkDuOdWYpV4PvEDjVALWyGor+KCR9ut4p7EOl1OiU='));
  if (ok || !output.includes('npm i @aws-sdk/client-s3 @aws-sdk/lib-storage')) throw new Error(`s3:// without the AWS SDK: ${output}`);
}

export async function runConsumerChecks(): Promise<Totals> {
  const tally = createTally('consumer');
  const started = Date.now();
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'prebid-uid2-consumer-'));
  let browser: Promise<Browser> | undefined;
  let servers: Promise<LocalServers> | undefined;
  try {
    const packed = await tally.step('npm pack: compiled modules, types and the share command, nothing else', async () => {
      const result = await pack(workDir);
      await checkTarballContents(result);
      console.log(`    ${path.basename(result.tarball)}: ${result.entryCount} files, ${result.size} B`);
      return result;
    });
    const blocks = await tally.step("README: the publisher section's blocks, for every project", async () => {
      const found = await readmeBlocks();
      for (const flavor of ALL_FLAVORS) {
        for (const name of ['install', 'src/prebid.js', FLAVORS[flavor].config, 'build']) blockFor(found, name, flavor);
      }
      return found;
    });
    if (!packed || !blocks) return tally;
    const newest = await testedVersion('prebid.js');
    const consumers: Consumer[] = [
      ...ALL_FLAVORS.map((flavor) => ({ flavor, prebid: newest, label: flavor })),
      // the oldest release of the peer range: our prebid.js/src aliases reach files Prebid does not export
      { flavor: 'esm', prebid: await oldestPrebid(), label: 'esm-oldest' },
    ];
    for (const consumer of consumers) {
      await checkConsumer(tally, consumer, {
        workDir, packed, blocks,
        browser: () => (browser ??= launchChromium()),
        servers: (project) => (servers ??= startDevstackServers(project)),
      });
    }
    await tally.step('esm project: a Node sharer and receiver use the UID2 protocol library', () => checkNodeReceiver(path.join(workDir, 'esm')));
    await tally.step("esm project: the README's strict TypeScript config, no paths, types a uid2 config and refuses a misspelt param", async () => {
      const project = path.join(workDir, 'esm');
      for (const name of ['tsconfig.json', 'src/uid2Config.ts']) await writeFile(path.join(project, name), blockFor(blocks, name, 'esm').text);
      // the file's expect-error directive fails the run if the misspelt param were accepted
      await runCommand(path.join(ROOT, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json'], project);
    });
    await tally.step("esm project: the package's prebid-uid2-share encrypts a file for the Local DSP, which decrypts it", async () => {
      if (!servers) throw new Error('the dev stack servers never started');
      await checkShareCommand(path.join(workDir, 'esm'), (await servers).operatorUrl);
    });
    await tally.step("the dev stack's mock SSP serves the outstream player its video answers name", async () => {
      if (!servers) throw new Error('the dev stack servers never started');
      const answer = await fetch(`${(await servers).sspUrl}${PLAYER_PATH}`);
      if (answer.status !== 200 || !answer.headers.get('content-type')?.includes('javascript')) {
        throw new Error(`GET ${PLAYER_PATH}: HTTP ${answer.status}, ${answer.headers.get('content-type')}`);
      }
    });
    return tally;
  } finally {
    await (await browser?.catch(() => undefined))?.close();
    (await servers?.catch(() => undefined))?.children.forEach((child) => child.kill());
    await rm(workDir, { recursive: true, force: true });
    console.log(`  consumer checks took ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
}

await runAlone(import.meta.url, runConsumerChecks);
