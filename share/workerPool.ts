// Worker threads for the sharing command: the AES work of a batch runs on another core while the main thread
// parses and writes. Each worker gets the current sharing keys, and every refreshed container after them.
import { Worker } from 'node:worker_threads';
import type { KeyContainer } from '../libraries/uid2/receiver/keys.js';
import { packValues, unpackColumns, type PackedColumns, type PackedValues } from './batchWire.js';
import type { SharingKeys } from './sharingKeys.js';
import type { AddedColumns, ShareMode } from './shareValues.js';

export type PoolMessage =
  | { type: 'keys'; keys: KeyContainer }
  | { type: 'batch'; id: number; mode: ShareMode; values: PackedValues; now: number };

export type PoolAnswer = { id: number; added: PackedColumns } | { id: number; error: string };

interface PendingBatch {
  resolve(added: AddedColumns): void;
  reject(error: Error): void;
}

class PoolWorker {
  readonly pending = new Map<number, PendingBatch>();
  private readonly worker = new Worker(new URL('./shareWorker.js', import.meta.url));

  constructor(keys: KeyContainer) {
    this.worker.on('message', (answer: PoolAnswer) => {
      const batch = this.pending.get(answer.id)!;
      this.pending.delete(answer.id);
      if ('error' in answer) batch.reject(new Error(`a sharing worker failed: ${answer.error}`));
      else batch.resolve(unpackColumns(answer.added));
    });
    this.worker.on('error', (error) => this.failAll(error));
    this.worker.on('exit', (code) => this.failAll(new Error(`a sharing worker exited with code ${code}`)));
    this.send({ type: 'keys', keys });
  }

  send(message: PoolMessage): void {
    this.worker.postMessage(message);
  }

  run(id: number, mode: ShareMode, values: unknown[], now: number): Promise<AddedColumns> {
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.send({ type: 'batch', id, mode, values: packValues(values), now });
    });
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }

  private failAll(error: Error): void {
    for (const batch of this.pending.values()) batch.reject(error);
    this.pending.clear();
  }
}

/**
 * Worker threads with the sharing keys. A transform makes its own for its run; a long-lived caller (a service that
 * shares batch after batch) makes one and hands it to each transform, so no batch pays for starting threads.
 */
export class WorkerPool {
  private readonly workers: PoolWorker[];
  private readonly unsubscribe: () => void;
  private nextId = 0;

  constructor(readonly size: number, keys: SharingKeys) {
    this.workers = Array.from({ length: size }, () => new PoolWorker(keys.current()));
    this.unsubscribe = keys.onChange((fresh) => this.workers.forEach((worker) => worker.send({ type: 'keys', keys: fresh })));
  }

  /** On the least busy worker. */
  run(mode: ShareMode, values: unknown[], now: number): Promise<AddedColumns> {
    const worker = this.workers.reduce((best, candidate) => (candidate.pending.size < best.pending.size ? candidate : best));
    return worker.run(this.nextId++, mode, values, now);
  }

  async close(): Promise<void> {
    this.unsubscribe();
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}
