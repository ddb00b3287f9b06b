// A worker thread of the sharing pool: holds the latest sharing keys the main thread sent, and answers each batch
// of values with the columns its rows gain (see shareValues.ts). Batches are answered in the order they came.
import { parentPort } from 'node:worker_threads';
import type { KeyContainer } from '../libraries/uid2/receiver/keys.js';
import { packColumns } from './batchWire.js';
import { shareValues } from './shareValues.js';
import type { PoolAnswer, PoolMessage } from './workerPool.js';

const port = parentPort!;
let keys: KeyContainer | undefined;
let queue: Promise<void> = Promise.resolve();

port.on('message', (message: PoolMessage) => {
  if (message.type === 'keys') {
    keys = message.keys;
    return;
  }
  const batchKeys = keys!; // the pool sends keys before any batch
  queue = queue.then(async () => {
    try {
      const added = await shareValues(message.mode, message.values, batchKeys, message.now);
      port.postMessage({ id: message.id, added: packColumns(added) } satisfies PoolAnswer);
    } catch (error) {
      port.postMessage({ id: message.id, error: String(error) } satisfies PoolAnswer);
    }
  });
});
