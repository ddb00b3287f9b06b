// The sharing command as its users run it (its specs and devstack/bench/share.ts): the built bin in a child process, credentials in its environment,
// against the local operator on loopback (on the wall clock, like the command) and, for s3:// runs, a local
// S3-compatible server (s3rver) the specs start.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import S3rver from 's3rver';
import { startLocalStack } from '../localStack.js';
import type { ClientConfig, OperatorConfig } from '../operator/config.js';

export const SHARE_MAIN = fileURLToPath(new URL('../../share/main.js', import.meta.url));

export interface LiveOperator {
  url: string;
  config: OperatorConfig;
  client(name: string): ClientConfig;
  close(): Promise<void>;
}

/** The local operator on an ephemeral loopback port, on the wall clock the command uses. */
export async function startLiveOperator(): Promise<LiveOperator> {
  const { config, operatorUrl: url, close } = await startLocalStack({ operator: { log: () => {} }, ssp: false });
  const client = (name: string): ClientConfig => {
    const found = config.clients.find((candidate) => candidate.name === name);
    if (!found) throw new Error(`the local operator config has no client ${name}`);
    return found;
  };
  return { url, config, client, close };
}

/** UID2_* variables for one of the operator's clients. */
export function credentialsOf(operator: LiveOperator, name: string): Record<string, string> {
  const client = operator.client(name);
  return { UID2_BASE_URL: operator.url, UID2_API_KEY: client.key, UID2_SECRET_KEY: client.secret };
}

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A prebid-uid2-share process under way: its input still open, to be written, ended, or interrupted by a signal. */
export interface ShareCommandRun {
  process: ChildProcessByStdio<Writable, Readable, Readable>;
  /** settles when the process has exited and its output is read */
  result: Promise<CommandResult>;
}

/** Starts prebid-uid2-share with `args` and only `env` (plus PATH) as its environment. */
export function startShareCommand(args: string[], env: Record<string, string>): ShareCommandRun {
  const child = spawn(process.execPath, [SHARE_MAIN, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
  // a run that stops early (a malformed line) closes its stdin before reading all of it
  child.stdin.on('error', () => {});
  const result = new Promise<CommandResult>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
  return { process: child, result };
}

/** Runs prebid-uid2-share with `args`, `stdin` as its standard input and only `env` (plus PATH) as its environment. */
export function runShareCommand(args: string[], env: Record<string, string>, stdin = ''): Promise<CommandResult> {
  const run = startShareCommand(args, env);
  run.process.stdin.end(stdin);
  return run.result;
}

export interface LocalS3 {
  /** what the AWS SDK needs in the environment to reach it (and no other AWS account) */
  env: Record<string, string>;
  bucket: string;
  close(): Promise<void>;
}

/** s3rver on an ephemeral loopback port, storing in a temporary folder, with one bucket. */
export async function startLocalS3(): Promise<LocalS3> {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'share-s3-'));
  const bucket = 'sharing';
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] });
  const { port } = await server.run();
  return {
    bucket,
    // s3rver's fixed test credentials (its README); no shared config file or instance metadata is consulted
    env: {
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${port}`,
      AWS_EC2_METADATA_DISABLED: 'true',
      // the SDK's notice that its releases from 2027 need Node 22 (this machine runs Node 20) is not the command's output
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    },
    close: async () => {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
