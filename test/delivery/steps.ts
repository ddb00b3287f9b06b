/**
 * What the delivery checks share: a tally of named steps printed as they pass or fail, child processes run or
 * started in a directory, and running a check alone as `node build/node/test/delivery/<check>.js`, which prints
 * "N passed, N failed" and exits non-zero on a failure.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** the repository root: these files run as build/node/test/delivery/*.js */
export const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

export interface Totals {
  passed: number;
  failed: number;
  /** each failed test's or step's name and the first line of its error: `npm test` repeats them at its end */
  failures: string[];
}

export interface Tally extends Totals {
  /** runs one step; a throw fails it (and is printed), a return passes it. Resolves to the step's value, or undefined */
  step<T>(name: string, body: () => Promise<T> | T): Promise<T | undefined>;
}

export function createTally(label: string): Tally {
  const tally: Tally = {
    passed: 0,
    failed: 0,
    failures: [],
    async step(name, body) {
      const started = Date.now();
      try {
        const value = await body();
        tally.passed++;
        console.log(`  ✓ ${label}: ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
        return value;
      } catch (error) {
        tally.failed++;
        const message = error instanceof Error ? error.message : String(error);
        tally.failures.push(failureLine(`${label}: ${name}`, message));
        console.log(`  ✗ ${label}: ${name}\n${indent(message)}`);
        return undefined;
      }
    },
  };
  return tally;
}

/** `name: the error's first line`, for the list of failures at the end of a run */
export function failureLine(name: string, message: string): string {
  return `${name}: ${message.split('\n').find((line) => line.trim() !== '')?.trim() ?? '(no message)'}`;
}

function indent(text: string): string {
  return text.split('\n').map((line) => `      ${line}`).join('\n');
}

const execFileAsync = promisify(execFile);

/** Runs a command to its end: whether it exited with 0, and its stdout and stderr. */
export async function execCommand(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<{ ok: boolean; stdout: string; output: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(command, args, {
      cwd, env: { ...process.env, ...env }, maxBuffer: 64 << 20, timeout: 15 * 60_000,
    });
    return { ok: true, stdout, output: `${stdout}\n${stderr}` };
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    return { ok: false, stdout, output: `${stdout}\n${stderr}` };
  }
}

/** Runs a command to its end; on failure the error says which command and carries the tail of its output. */
export async function runCommand(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<string> {
  const { ok, stdout, output } = await execCommand(command, args, cwd, env);
  if (ok) return stdout;
  const tail = output.trim().split('\n').slice(-40).join('\n');
  throw new Error(`${command} ${args.join(' ')} (in ${cwd}) failed:\n${tail}`);
}

/** Starts a long-running command and resolves once a line of its output matches `ready` (with that match). */
export function startCommand(command: string, args: string[], cwd: string, ready: RegExp): Promise<{ child: ChildProcess; match: RegExpMatchArray }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const timer = setTimeout(() => fail(new Error('did not start within 20 s')), 20_000);
    function fail(error: Error) {
      clearTimeout(timer);
      child.kill();
      reject(new Error(`${command} ${args.join(' ')}: ${error.message}\n${output.trim()}`));
    }
    const onData = (chunk: Buffer) => {
      output += chunk;
      const match = output.match(ready);
      if (match) {
        clearTimeout(timer);
        resolve({ child, match });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', fail);
    child.once('exit', (code) => fail(new Error(`exited with ${code}`)));
  });
}

/** `node build/node/test/delivery/<check>.js`: runs the check, prints the closing line, exits non-zero on a failure. */
export async function runAlone(moduleUrl: string, check: () => Promise<Totals>): Promise<void> {
  if (process.argv[1] !== fileURLToPath(moduleUrl)) return;
  const { passed, failed } = await check();
  console.log(`\n${passed} passed, ${failed} failed`);
  process.exit(failed > 0 || passed === 0 ? 1 : 0);
}

/** The oldest Prebid release of the peer range (its lower bound) */
export async function oldestPrebid(): Promise<string> {
  const manifest = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8'));
  const lowest = /^>=\s*(\d+\.\d+\.\d+)/.exec(manifest.peerDependencies['prebid.js'])?.[1];
  if (!lowest) throw new Error(`peerDependencies["prebid.js"] has no ">=x.y.z" lower bound: ${manifest.peerDependencies['prebid.js']}`);
  return lowest;
}
