// One run of `prebid-uid2-share encrypt|decrypt`: credentials from the environment, keys from the operator,
// rows from stdin, a file or S3, through the share transform, to stdout, a file or S3. Progress on stderr while
// it is a terminal, a summary line always. Returns the exit status: 0 every row succeeded, 1 some rows failed
// (the summary counts them), 2 the run stopped (usage, credentials, operator, malformed input, I/O), 128 + the
// signal's number when a signal (Ctrl-C) interrupted it.
import { once } from 'node:events';
import { constants } from 'node:os';
import { constants as fsConstants, createReadStream, createWriteStream, openSync } from 'node:fs';
import { chmod, lstat, rename, rm, stat } from 'node:fs/promises';
import { Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { pipeline } from 'node:stream/promises';
import type { Readable, Writable } from 'node:stream';
import { OperatorHttpError, type OperatorClient } from '../libraries/uid2/receiver/operatorClient.js';
import {
  csvRowReader,
  csvRowWriter,
  describeCsvError,
  formatOf,
  jsonlRowReader,
  jsonlRowWriter,
  type ShareFormat,
} from './formats.js';
import { parseS3Url, readS3, writeS3, type S3Location } from './s3.js';
import { createShareTransform, type ShareCounts } from './shareTransform.js';
import { ADDED_COLUMNS, INPUT_COLUMN, type ShareMode } from './shareValues.js';
import { startSharingKeys } from './sharingKeys.js';

export interface ShareRunOptions {
  mode: ShareMode;
  /** a path, s3://bucket/key, or undefined for stdin */
  input?: string;
  /** a path, s3://bucket/key, or undefined for stdout */
  output?: string;
  format?: string;
  /**
   * encrypt only (the command refuses it for decrypt): leave the raw_uid column out of the output, so that the file
   * can leave the sender's systems (a raw UID2 leaves them only as a token). Without it the output keeps every input
   * column, raw_uid included.
   */
  dropRawUid?: boolean;
  workers?: number;
  env: Record<string, string | undefined>;
  stdin: Readable & { isTTY?: boolean };
  stdout: Writable;
  stderr: Writable & { isTTY?: boolean };
  /** how often the progress line is redrawn while stderr is a terminal; default every second */
  progressIntervalMs?: number;
  /** aborted with a signal's name (SIGINT, SIGTERM…) to stop the run as a failed one: its output is dropped */
  interrupt?: AbortSignal;
}

/** A reason to stop, said in one line. */
class StopRun extends Error {}

/** The exit status of a run a signal interrupted, as a shell reports a command the signal ended. */
function interruptedStatus(signalName: unknown): number {
  return 128 + (constants.signals[signalName as NodeJS.Signals] ?? 0);
}

/** Why a run stopped that a signal interrupted: the signal's name is the reason `interrupt` was aborted with. */
const interruption = (interrupt: AbortSignal) => new StopRun(`interrupted (${String(interrupt.reason)})`);

/**
 * `work`, or a StopRun as soon as `interrupt` is aborted: a key fetch from an unreachable operator can take its
 * timeout, and a named pipe --out waits for its reader.
 */
function unlessInterrupted<T>(work: Promise<T>, interrupt: AbortSignal | undefined): Promise<T> {
  if (!interrupt) return work;
  return new Promise<T>((resolve, reject) => {
    const stop = (): void => reject(interruption(interrupt));
    if (interrupt.aborted) return stop();
    interrupt.addEventListener('abort', stop, { once: true });
    work.then(resolve, reject).finally(() => interrupt.removeEventListener('abort', stop));
  });
}

const COMMAND = 'prebid-uid2-share';
const PROGRESS_INTERVAL_MS = 1000;
/** an operator that does not answer in this time is as good as unreachable */
const OPERATOR_TIMEOUT_MS = 30_000;

function credentials(env: ShareRunOptions['env']): OperatorClient {
  const missing = ['UID2_BASE_URL', 'UID2_API_KEY', 'UID2_SECRET_KEY'].filter((name) => !env[name]);
  if (missing.length > 0) throw new StopRun(`set ${missing.join(', ')} in the environment (credentials are never read from the command line)`);
  return { operatorUrl: env.UID2_BASE_URL!, apiKey: env.UID2_API_KEY!, secret: env.UID2_SECRET_KEY!, timeoutMs: OPERATOR_TIMEOUT_MS };
}

/** Why the first key fetch failed, in the words of the setting to fix. Never echoes a credential. */
export function describeKeyFetchError(error: unknown, operatorUrl: string): string {
  if (error instanceof OperatorHttpError) {
    if (error.httpStatus === 401) return `the UID2 operator at ${operatorUrl} refused UID2_API_KEY (401)`;
    if (error.httpStatus === 400 && /encryption key|ClientSecret/i.test(error.message)) {
      return `the UID2 operator at ${operatorUrl} could not open the request: check UID2_SECRET_KEY`;
    }
    return `the UID2 operator at ${operatorUrl} answered ${error.httpStatus} to /v2/key/sharing`;
  }
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (error instanceof TypeError && /fetch failed/.test(error.message)) {
    const reason = cause?.code ?? cause?.message;
    return `cannot reach the UID2 operator at ${operatorUrl}${reason ? ` (${reason})` : ''}`;
  }
  if ((error as { name?: string }).name === 'TimeoutError') return `the UID2 operator at ${operatorUrl} did not answer in ${OPERATOR_TIMEOUT_MS / 1000} s`;
  if (error instanceof TypeError && /URL/i.test(error.message)) return `UID2_BASE_URL is not a URL`;
  if (/base64/i.test(String((error as Error).message))) return 'UID2_SECRET_KEY is not base64';
  // node:crypto's words for an AES key that is not 32 bytes: the secret is the key of the request's envelope
  if (/invalid key length/i.test(String((error as Error).message))) return 'UID2_SECRET_KEY is not a 32-byte key in base64';
  // the envelope did not open (another secret than the API key's) or the keys did not parse
  return `the UID2 operator at ${operatorUrl} gave no usable sharing keys: ${(error as Error).message}`;
}

function summary(mode: ShareMode, counts: ShareCounts, seconds: number): string {
  const failures = Object.entries(counts.byStatus)
    .filter(([status]) => status !== 'success')
    .map(([status, count]) => `${status} ${count}`);
  const rate = seconds > 0 ? Math.round(counts.rows / seconds) : counts.rows;
  return `${COMMAND} ${mode}: ${counts.rows} rows, ${counts.rows - counts.failed} ok, ${counts.failed} failed` +
    `${failures.length ? ` (${failures.join(', ')})` : ''} in ${seconds.toFixed(1)} s, ${rate} rows/s`;
}

/** Where rows come from or go: standard input or output (no location, or `-`), an S3 object, or a local file. */
type Location = { stdio: true } | { s3: S3Location } | { path: string };

/** Throws for a malformed s3:// location: the run then stops before any request. */
function locationOf(text: string | undefined): Location {
  if (text === undefined || text === '-') return { stdio: true };
  const s3 = parseS3Url(text);
  return s3 ? { s3 } : { path: text };
}

/**
 * An --out that is a link to the file --in reads would be written through the link (see openFileOutput), emptying
 * that file before it is read. The file itself named as both is fine: its new copy is written beside it and renamed
 * over it once everything is read.
 */
async function refuseLinkToInput(input: Location, output: Location): Promise<void> {
  if (!('path' in input) || !('path' in output)) return;
  const [read, link, written] = await Promise.all([
    stat(input.path).catch(() => undefined),
    lstat(output.path).catch(() => undefined),
    stat(output.path).catch(() => undefined),
  ]);
  if (read?.isFile() && link?.isSymbolicLink() && written && read.dev === written.dev && read.ino === written.ino) {
    throw new StopRun(`--out is a link to the file --in reads (${input.path}): written through the link, it would be emptied before it is read`);
  }
}

async function openInput(location: Location, stdin: Readable): Promise<Readable> {
  if ('s3' in location) return readS3(location.s3);
  if (!('path' in location)) return stdin;
  // a named pipe, read as a socket: it waits for its writer, and for its data, without holding a thread of Node's
  // pool (see openPipeOutput), so Ctrl-C ends a run whose writer never came or went quiet
  if ((await stat(location.path).catch(() => undefined))?.isFIFO()) {
    return new Socket({ fd: openSync(location.path, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK), readable: true, writable: false });
  }
  return createReadStream(location.path);
}

interface OpenedOutput {
  stream: Writable;
  /** once the stream has ended: settles when everything is stored where it belongs */
  finish(): Promise<unknown>;
  /** drops what a stopped run wrote */
  abort(): Promise<void>;
}

/**
 * A local output. A regular file (or none yet) is written beside it and renamed over it at the end, so that a run
 * that stops leaves it as it was (yesterday's good output is not lost to a run that fails today), as S3 keeps its
 * object. Anything else (a device such as /dev/null, a named pipe, a link) is written as it is.
 */
async function openFileOutput(target: string, interrupt: AbortSignal | undefined): Promise<OpenedOutput> {
  const existing = await lstat(target).catch(() => undefined);
  if (existing !== undefined && !existing.isFile()) {
    const isPipe = (await stat(target).catch(() => existing)).isFIFO();
    const stream = isPipe ? await openPipeOutput(target, interrupt) : createWriteStream(target);
    return { stream, finish: async () => {}, abort: async () => void stream.destroy() };
  }
  const aside = `${target}.partial-${process.pid}`;
  // the mode of the file it replaces: decrypted rows hold raw UID2s, and a file kept private stays private (created
  // with it, so never more open meanwhile; set again at the end, as the umask may have taken bits away)
  const mode = existing ? existing.mode & 0o777 : undefined;
  const stream = createWriteStream(aside, { mode: mode ?? 0o666 });
  return {
    stream,
    finish: async () => {
      if (!stream.closed) await once(stream, 'close');
      if (mode !== undefined) await chmod(aside, mode);
      await rename(aside, target);
    },
    abort: async () => {
      stream.destroy();
      await rm(aside, { force: true });
    },
  };
}

/** how often a named pipe --out is tried while no reader has it open */
const PIPE_READER_POLL_MS = 100;

/**
 * A named pipe, once a reader opened it: the run waits for one, as a shell's `>` does. Its open is tried without
 * blocking, over and over: a blocking open holds a thread of Node's pool, which Node waits for even to exit, so a run
 * that stopped (a malformed line, Ctrl-C) would stay until a reader came. The pipe is then written as a socket is,
 * which waits for room where a file stream would fail on a full pipe.
 */
async function openPipeOutput(target: string, interrupt: AbortSignal | undefined): Promise<Writable> {
  for (;;) {
    try {
      const fd = openSync(target, fsConstants.O_WRONLY | fsConstants.O_NONBLOCK);
      return new Socket({ fd, readable: false, writable: true });
    } catch (error) {
      // ENXIO: no reader yet
      if ((error as NodeJS.ErrnoException).code !== 'ENXIO') throw error;
    }
    await delay(PIPE_READER_POLL_MS, undefined, { signal: interrupt });
  }
}

async function openOutput(location: Location, format: ShareFormat, stdout: Writable, interrupt: AbortSignal | undefined): Promise<OpenedOutput> {
  if ('s3' in location) return writeS3(location.s3, format === 'csv' ? 'text/csv' : 'application/x-ndjson');
  if ('path' in location) return openFileOutput(location.path, interrupt);
  return { stream: stdout, finish: async () => {}, abort: async () => {} };
}

export async function runShare(opts: ShareRunOptions): Promise<number> {
  const { mode, stderr } = opts;
  const started = Date.now();
  let keys: Awaited<ReturnType<typeof startSharingKeys>> | undefined;
  let progress: ReturnType<typeof setInterval> | undefined;
  const transformRef: { counts?: ShareCounts } = {};
  let output: OpenedOutput | undefined;
  try {
    // the column encrypt reads, left out of what it writes
    const dropped = opts.dropRawUid ? INPUT_COLUMN.encrypt : undefined;
    const [inputLocation, outputLocation] = [locationOf(opts.input), locationOf(opts.output)];
    await refuseLinkToInput(inputLocation, outputLocation);
    const inputFormat = formatOf(opts.format, opts.input) ?? 'csv';
    const outputFormat = formatOf(opts.format, opts.output) ?? inputFormat;
    const client = credentials(opts.env);
    try {
      keys = await unlessInterrupted(startSharingKeys(client, {
        onRefreshError: (error) => stderr.write(`${COMMAND}: key refresh failed, going on with the keys held: ${describeKeyFetchError(error, client.operatorUrl)}\n`),
      }), opts.interrupt);
    } catch (error) {
      throw error instanceof StopRun ? error : new StopRun(describeKeyFetchError(error, client.operatorUrl));
    }
    // the input first: a missing file or object stops the run before anything is written
    const input = await openInput(inputLocation, opts.stdin);
    // a command that reads a terminal waits without a word: say so, and how to end the input
    if ('stdio' in inputLocation && opts.stdin.isTTY) {
      stderr.write(`${COMMAND}: reading ${inputFormat === 'csv' ? 'CSV' : 'JSON Lines'} typed here until end of input (Ctrl-D); --in FILE reads a file\n`);
    }
    output = await unlessInterrupted(openOutput(outputLocation, outputFormat, opts.stdout, opts.interrupt), opts.interrupt);
    const reader = inputFormat === 'csv' ? csvRowReader(INPUT_COLUMN[mode], { byteForByte: outputFormat === 'csv' }) : jsonlRowReader();
    // the input's columns in their order (JSON Lines: the first row's keys) but a dropped one, then the added ones it
    // did not have; none from an input without them (no CSV header, no JSON Lines row): an empty input gives an empty
    // output
    const outputColumns = (): string[] | undefined => {
      const input = reader.columns();
      return input && [...input.filter((column) => column !== dropped), ...ADDED_COLUMNS[mode].filter((column) => !input.includes(column))];
    };
    const writer = outputFormat === 'csv' ? csvRowWriter(outputColumns, reader.textEncoding) : jsonlRowWriter(dropped);
    const transform = createShareTransform({ mode, keys, workers: opts.workers });
    transformRef.counts = transform.counts;
    if (stderr.isTTY) {
      progress = setInterval(() => {
        const seconds = (Date.now() - started) / 1000;
        const { rows, failed } = transform.counts;
        stderr.write(`\r${rows} rows, ${Math.round(rows / seconds)} rows/s, ${failed} errors   `);
      }, opts.progressIntervalMs ?? PROGRESS_INTERVAL_MS);
    }
    await pipeline(input, reader.stream, transform, writer, output.stream, { end: output.stream !== opts.stdout, signal: opts.interrupt });
    await output.finish();
    output = undefined;
    if (progress) stderr.write('\n');
    // a column the input had under an added column's name (a CRM export's status) now holds this run's values
    const replaced = ADDED_COLUMNS[mode].filter((column) => reader.columns()?.includes(column));
    if (replaced.length > 0) stderr.write(`${COMMAND}: the input's ${replaced.join(', ')} column${replaced.length > 1 ? 's' : ''} now hold${replaced.length > 1 ? '' : 's'} this run's values\n`);
    stderr.write(summary(mode, transform.counts, (Date.now() - started) / 1000) + '\n');
    return transform.counts.failed > 0 ? 1 : 0;
  } catch (error) {
    if (progress) stderr.write('\n');
    const interrupted = opts.interrupt?.aborted === true;
    const described = interrupted ? interruption(opts.interrupt!) : describeCsvError(error);
    const message = described instanceof Error ? described.message : String(described);
    const counts = transformRef.counts;
    stderr.write(`${COMMAND} ${mode}: stopped${counts ? ` after ${counts.rows} rows` : ''}: ${message}\n`);
    return interrupted ? interruptedStatus(opts.interrupt!.reason) : 2;
  } finally {
    if (progress) clearInterval(progress);
    // a run that stopped leaves no partial output behind: an S3 multipart upload is aborted, a file's new copy dropped
    await output?.abort().catch(() => {}); // the reason the run stopped is already said
    keys?.close();
  }
}
