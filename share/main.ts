#!/usr/bin/env node
// npx prebid-uid2-share encrypt|decrypt [--in FILE|s3://bucket/key] [--out FILE|s3://bucket/key] [--format csv|jsonl]
//   [--drop-raw-uid] [--workers N]
// Credentials: UID2_BASE_URL, UID2_API_KEY, UID2_SECRET_KEY in the environment (the names of UID2's SDK samples).
import os from 'node:os';
import { parseArgs } from 'node:util';
import { runShare } from './run.js';

const USAGE = 'usage: prebid-uid2-share encrypt|decrypt [--in FILE|s3://bucket/key] [--out FILE|s3://bucket/key] [--format csv|jsonl] [--drop-raw-uid] [--workers N]';

function usage(problem: string): never {
  process.stderr.write(`prebid-uid2-share: ${problem}\n${USAGE}\n`);
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: { in: { type: 'string' }, out: { type: 'string' }, format: { type: 'string' }, 'drop-raw-uid': { type: 'boolean' }, workers: { type: 'string' } },
  });
} catch (error) {
  usage((error as Error).message);
}
const { values, positionals } = parsed;
const mode = positionals[0];
if (positionals.length !== 1 || (mode !== 'encrypt' && mode !== 'decrypt')) usage('say encrypt or decrypt');
if (values['drop-raw-uid'] && mode !== 'encrypt') usage('--drop-raw-uid is for encrypt (decrypt adds the raw_uid column)');
// worker threads only do CPU work: more than a few per core only take memory (a thread's own heap each)
const maxWorkers = 4 * os.availableParallelism();
const workers = values.workers === undefined ? undefined : /^\d+$/.test(values.workers) ? Number(values.workers) : NaN;
if (workers !== undefined && !(workers <= maxWorkers)) {
  usage(`--workers must be a whole number from 0 (no worker threads) to ${maxWorkers} (four per core)`);
}

// the first Ctrl-C (or a TERM or HUP) stops the run as a failed one, which drops its output: no partial file is
// left beside --out, no multipart upload open in S3 (its parts would be kept, and billed). A second one kills. Node
// resets every signal to its default at start-up, so a hangup ends the run even under nohup: this way it ends cleanly.
const interrupt = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => interrupt.abort(signal));

const status = await runShare({
  mode,
  input: values.in,
  output: values.out,
  format: values.format,
  dropRawUid: values['drop-raw-uid'],
  workers,
  env: process.env,
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  interrupt: interrupt.signal,
});
// interrupted: a key fetch it stopped waiting for would keep the process until its timeout
if (interrupt.signal.aborted) process.exit(status);
process.exitCode = status;
