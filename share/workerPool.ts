// Worker threads for the sharing command: the AES work of a batch runs on another core while the main thread
// parses and writes. Each worker gets the current sharing keys, and every refreshed container after them.
import { Worker } from 'node:worker_threads';
import type { KeyContainer } from '../libraries/uid2/receiver/keys.js';
import { unpackColumns, type PackedColumns } from './batchWire.js';
import type { SharingKeys } from './sharingKeys.js';
import type { AddedColumns, ShareMode } from './shareValues.js';

export type PoolMessage =
  | { type: 'keys'; keys: KeyContainer }
  | { type: 'batch'; id: number; mode: ShareMode; values: unknown[]; now: number };

export type PoolAnswer = { id: number; added: PackedColumns } | { id: number; error: string };

/**
 * Batches a worker holds at once: the one it works on and the next, so it starts the next as soon as it answers,
 * without waiting for the main thread (which shares the cores with the workers) to be scheduled. Any more wait on
 * the main thread and go to whichever worker answers first: a worker slowed by other processes gets fewer batches,
 * and at the end of a run no worker is left with a queue while the others idle.
 */
const BATCHES_PER_WORKER = 2;

interface WaitingBatch {
  mode: ShareMode;
  values: unknown[];
  now: number;
  resolve(added: AddedColumns): void;
  reject(error: Error): void;
}

class PoolWorker {
  readonly pending = new Map<number, WaitingBatch>();
  /** why the worker stopped; it then takes no more batches */
  failure: Error | undefined;
  private readonly worker = new Worker(new URL('./shareWorker.js', import.meta.url));

  /**
   * `onFree`: called as a batch is answered, before its columns are unpacked, to hand the worker its next one; and
   * when the worker fails, so that the batches waiting for it go elsewhere
   */
  constructor(keys: KeyContainer, private readonly onFree: () => void) {
    this.worker.on('message', (answer: PoolAnswer) => {
      const batch = this.pending.get(answer.id)!;
      this.pending.delete(answer.id);
      onFree();
      if ('error' in answer) batch.reject(new Error(`a sharing worker failed: ${answer.error}`));
      else batch.resolve(unpackColumns(answer.added));
    });
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) => this.fail(new Error(`a sharing worker exited with code ${code}`)));
    this.send({ type: 'keys', keys });
  }

  send(message: PoolMessage): void {
    this.worker.postMessage(message);
  }

  run(id: number, batch: WaitingBatch): void {
    this.pending.set(id, batch);
    this.send({ type: 'batch', id, mode: batch.mode, values: batch.values, now: batch.now });
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const batch of this.pending.values()) batch.reject(error);
    this.pending.clear();
    this.onFree();
  }
}

/**
 * Worker threads with the sharing keys. A transform makes its own for its run; a long-lived caller (a service that
 * shares batch after batch) makes one and hands it to each transform, so no batch pays for starting threads.
 */
export class WorkerPool {
  private readonly workers: PoolWorker[];
  private readonly waiting: WaitingBatch[] = [];
  private readonly unsubscribe: () => void;
  private nextId = 0;

  constructor(readonly size: number, keys: SharingKeys) {
    this.workers = Array.from({ length: size }, () => new PoolWorker(keys.current(), () => this.sendWaiting()));
    this.unsubscribe = keys.onChange((fresh) => this.workers.forEach((worker) => worker.send({ type: 'keys', keys: fresh })));
  }

  /** The added columns of a batch; batches start in the order they are given. */
  run(mode: ShareMode, values: unknown[], now: number): Promise<AddedColumns> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ mode, values, now, resolve, reject });
      this.sendWaiting();
    });
  }

  async close(): Promise<void> {
    this.unsubscribe();
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }

  /** Hands waiting batches to the least busy working workers, up to BATCHES_PER_WORKER each. */
  private sendWaiting(): void {
    while (this.waiting.length > 0) {
      const worker = leastBusy(this.workers);
      if (worker === undefined) {
        const failure = this.workers[0]?.failure ?? new Error('the worker pool has no workers');
        for (const batch of this.waiting.splice(0)) batch.reject(failure);
        return;
      }
      if (worker.pending.size >= BATCHES_PER_WORKER) return;
      worker.run(this.nextId++, this.waiting.shift()!);
    }
  }
}

/** The working worker with the fewest batches; undefined when every worker has failed. */
function leastBusy(workers: readonly PoolWorker[]): PoolWorker | undefined {
  let best: PoolWorker | undefined;
  for (const worker of workers) if (!worker.failure && (best === undefined || worker.pending.size < best.pending.size)) best = worker;
  return best;
}
