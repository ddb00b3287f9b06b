// The sharing keys a sender encrypts with and a receiver decrypts with, from the operator's /v2/key/sharing, kept
// fresh the way UID2's server SDKs keep them: SharingClient.refresh() fetches the whole key container again and
// a failed refresh keeps the keys already held, and the SDK samples call it on a timer (hourly, as in
// IABTechLab/uid2-client-python examples/sample_auto_refresh.py), so that a key the operator publishes ahead of its
// activation is held before it activates. A long run therefore keeps working across key
// rotation: every refresh replaces the container, and encryption always picks the key active at the row's time.
import { parseKeyContainer, type KeyContainer } from '../libraries/uid2/receiver/keys.js';
import { callOperator, type OperatorClient } from '../libraries/uid2/receiver/operatorClient.js';

/** UID2's recommended cadence: once an hour. */
export const DEFAULT_KEY_REFRESH_MS = 3600_000;

export interface SharingKeys {
  /** the container of the last successful fetch */
  current(): KeyContainer;
  /** fetches the container again; on failure the keys already held stay in use and the error is reported */
  refresh(): Promise<void>;
  /** called with every new container (the worker threads get their copy this way); returns the unsubscribe */
  onChange(listener: (keys: KeyContainer) => void): () => void;
  /** stops the refresh timer */
  close(): void;
}

export interface SharingKeysOptions {
  refreshMs?: number;
  /** a failed refresh after the first fetch (the run goes on with the keys it has) */
  onRefreshError?: (error: unknown) => void;
}

export async function fetchSharingKeys(client: OperatorClient): Promise<KeyContainer> {
  return parseKeyContainer(await callOperator(client, '/v2/key/sharing'));
}

/** Fetches the keys once (failures reject: the caller stops before reading any row), then refreshes on a timer. */
export async function startSharingKeys(client: OperatorClient, opts: SharingKeysOptions = {}): Promise<SharingKeys> {
  let keys = await fetchSharingKeys(client);
  const listeners = new Set<(keys: KeyContainer) => void>();
  const refresh = async (): Promise<void> => {
    try {
      keys = await fetchSharingKeys(client);
    } catch (error) {
      opts.onRefreshError?.(error);
      return;
    }
    for (const listener of listeners) listener(keys);
  };
  // unref: the timer never keeps a finished run alive
  const timer = setInterval(() => void refresh(), opts.refreshMs ?? DEFAULT_KEY_REFRESH_MS).unref();
  return {
    current: () => keys,
    refresh,
    onChange: (listener) => {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    close: () => clearInterval(timer),
  };
}

/** Fixed keys (a caller that fetched them itself, tests): never refreshed. */
export function fixedSharingKeys(keys: KeyContainer): SharingKeys {
  return { current: () => keys, refresh: async () => {}, onChange: () => () => {}, close: () => {} };
}
