// The Node API of tokenized sharing: an object-mode stream transform, rows in, the same rows out in the same order
// with the columns of its mode added (encrypt: token, status; decrypt: raw_uid, status, site_id, established). The
// prebid-uid2-share command is this transform between a reader and a writer; a sender or receiver with its own
// pipeline (a database cursor, a queue) puts it in theirs:
//
//   const keys = await startSharingKeys({ operatorUrl, apiKey, secret });
//   await pipeline(rows, createShareTransform({ mode: 'encrypt', keys }), sink);
//   keys.close();
//
// Rows go in batches to worker threads (one per core by default, none on a single core) and come back in input
// order; at most a few batches per worker are in flight, and no more input is read while the reader lags behind, so
// memory stays flat however long the input and however slow the reader.
import os from 'node:os';
import { Transform, type TransformCallback } from 'node:stream';
import type { KeyContainer } from '../libraries/uid2/receiver/keys.js';
import { fixedSharingKeys, type SharingKeys } from './sharingKeys.js';
import { INPUT_COLUMN, SUCCESS, shareValues, type AddedColumns, type ShareMode } from './shareValues.js';
import { WorkerPool } from './workerPool.js';
import type { Row } from './formats.js';

export interface ShareTransformOptions {
  mode: ShareMode;
  /** refreshed keys (startSharingKeys), or one container the caller fetched */
  keys: SharingKeys | KeyContainer;
  /** worker threads; 0 does the work on the calling thread. Default: defaultWorkers() */
  workers?: number;
  /** worker threads that outlive this transform (made with the same keys); `workers` is then ignored */
  pool?: WorkerPool;
  /** rows per batch handed to a worker */
  batchSize?: number;
  /** ms epoch clock the tokens are made or checked at; default Date.now */
  now?: () => number;
}

export interface ShareCounts {
  rows: number;
  failed: number;
  /** rows per status, `success` included */
  byStatus: Record<string, number>;
}

const DEFAULT_BATCH_SIZE = 500;
/**
 * Batches in flight per worker, from dispatch until their rows are pushed: two at the worker (see workerPool.ts) and
 * two more read ahead, so that while the main thread is busy (pushing rows, collecting garbage) or its oldest batch
 * is late (its worker descheduled), the workers still find batches waiting. 2,000 rows per worker at most.
 */
const BATCHES_PER_WORKER = 4;

/**
 * Sets a row's added columns from a batch's column arrays, by name: a store per column the engine keeps monomorphic,
 * where a loop over ADDED_COLUMNS would look each name up per row.
 */
const ADD_COLUMNS: Record<ShareMode, (columns: AddedColumns) => (row: Row, index: number) => void> = {
  encrypt: ({ token, status }) => (row, index) => {
    row.token = token![index];
    row.status = status![index];
  },
  decrypt: ({ raw_uid: rawUid, status, site_id: siteId, established }) => (row, index) => {
    row.raw_uid = rawUid![index];
    row.status = status![index];
    row.site_id = siteId![index];
    row.established = established![index];
  },
};

/**
 * One worker thread per core where there are several; none on a single core, where a worker would only add the
 * hand-over of every batch to the same work (a third slower there: 50,000 against 75,000 rows/s, encrypt or decrypt).
 */
export function defaultWorkers(cores = os.availableParallelism()): number {
  return cores > 1 ? cores : 0;
}

function isSharingKeys(keys: SharingKeys | KeyContainer): keys is SharingKeys {
  return typeof (keys as SharingKeys).current === 'function';
}

export class ShareTransform extends Transform {
  readonly counts: ShareCounts = { rows: 0, failed: 0, byStatus: {} };
  private readonly mode: ShareMode;
  private readonly keys: SharingKeys;
  private readonly batchSize: number;
  private readonly now: () => number;
  private readonly pool: WorkerPool | undefined;
  private readonly ownsPool: boolean;
  private readonly maxInFlight: number;
  private batch: Row[] = [];
  /** dispatched batches not yet pushed, oldest first */
  private readonly inFlight: Array<Promise<void>> = [];
  /** the push of the last dispatched batch: each batch pushes after the one before it */
  private lastPush: Promise<void> = Promise.resolve();
  /** resolves the wait for a reader that has fallen behind (whenRoom), once it asks for more */
  private readerAsks: (() => void) | undefined;

  constructor(opts: ShareTransformOptions) {
    super({ objectMode: true });
    this.mode = opts.mode;
    this.keys = isSharingKeys(opts.keys) ? opts.keys : fixedSharingKeys(opts.keys);
    this.batchSize = opts.batchSize ?? DEFAULT_BATCH_SIZE;
    this.now = opts.now ?? Date.now;
    const workers = opts.workers ?? defaultWorkers();
    this.ownsPool = opts.pool === undefined;
    this.pool = opts.pool ?? (workers > 0 ? new WorkerPool(workers, this.keys) : undefined);
    this.maxInFlight = Math.max(1, this.pool?.size ?? 0) * BATCHES_PER_WORKER;
  }

  /**
   * A row that leaves its batch short is written at once. Transform's own _write wraps every row's callback in a
   * closure, to hold the next write back while the readable side is full of what that row pushed; rows are pushed
   * only when their batch is done, so only the row that fills a batch needs it (and goes through it, to _transform).
   * Its closure per row was about half the garbage this stream made per row beyond the decryption's (250 of 450 bytes).
   */
  override _write(row: Row, encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.batch.length + 1 < this.batchSize) {
      this.batch.push(row);
      callback();
    } else {
      super._write(row, encoding, callback);
    }
  }

  /** The row that fills a batch (see _write): the batch goes to work, and the next write waits for room. */
  override _transform(row: Row, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.batch.push(row);
    this.dispatch();
    this.whenRoom().then(() => callback(), callback);
  }

  /** The reader asks for rows: a write held back for it (whenRoom) goes on. */
  override _read(size: number): void {
    const asks = this.readerAsks;
    this.readerAsks = undefined;
    asks?.();
    super._read(size);
  }

  override _flush(callback: TransformCallback): void {
    if (this.batch.length > 0) this.dispatch();
    this.lastPush.then(
      () => this.closePool().then(() => callback(), callback),
      (error: Error) => this.closePool().then(() => callback(error), () => callback(error)),
    );
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.closePool().then(() => callback(error), () => callback(error));
  }

  private closePool(): Promise<void> {
    return (this.ownsPool && this.pool?.close()) || Promise.resolve();
  }

  private work(values: unknown[]): Promise<AddedColumns> {
    const now = this.now();
    return this.pool ? this.pool.run(this.mode, values, now) : shareValues(this.mode, values, this.keys.current(), now);
  }

  private dispatch(): void {
    const rows = this.batch;
    this.batch = [];
    const column = INPUT_COLUMN[this.mode];
    // only text is a raw UID or a token; anything else (a number, an object, a symbol, which a worker could not even
    // be sent) gets its row's status as a missing value does
    const added = this.work(rows.map((row) => {
      const value = row[column];
      return typeof value === 'string' ? value : null;
    }));
    const pushed = Promise.all([added, this.lastPush]).then(([columns]) => this.pushRows(rows, columns));
    this.lastPush = pushed;
    this.inFlight.push(pushed);
    pushed.then(
      () => void this.inFlight.shift(),
      () => {}, // reported once, by _flush or whenRoom
    );
  }

  private pushRows(rows: Row[], columns: AddedColumns): void {
    const { counts } = this;
    const addColumns = ADD_COLUMNS[this.mode](columns);
    const statuses = columns.status!;
    let succeeded = 0;
    for (let index = 0; index < rows.length; index++) {
      const row = rows[index]!;
      addColumns(row, index);
      const status = statuses[index]!;
      if (status === SUCCESS) succeeded += 1;
      else counts.byStatus[status] = (counts.byStatus[status] ?? 0) + 1;
      this.push(row);
    }
    counts.rows += rows.length;
    counts.failed += rows.length - succeeded;
    if (succeeded > 0) counts.byStatus[SUCCESS] = (counts.byStatus[SUCCESS] ?? 0) + succeeded;
  }

  /**
   * Waits until fewer than maxInFlight batches are in flight and the reader has taken what was pushed: batches push
   * their rows when they are done, after the write that dispatched them went on, so Transform's own check (a write
   * waits while the readable side is full) never sees them, and a slow reader (a slow disk, an S3 upload) would
   * otherwise let the whole input be read ahead of it.
   */
  private async whenRoom(): Promise<void> {
    while (this.inFlight.length >= this.maxInFlight) await this.inFlight[0];
    while (this.readableLength > this.readableHighWaterMark) await new Promise<void>((resolve) => { this.readerAsks = resolve; });
  }
}

export function createShareTransform(opts: ShareTransformOptions): ShareTransform {
  return new ShareTransform(opts);
}
