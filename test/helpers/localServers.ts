/**
 * Starts the local UID2 operator (demo lifetimes) and mock SSP on ephemeral loopback ports for specs: Node specs
 * call it directly, and karma.conf.cjs starts one set for the browser specs, which read the URLs from
 * `window.__karma__.config.localServers`.
 */
import { startLocalStack } from '../../devstack/localStack.js';

export interface LocalServerUrls {
  /** Base URL of the local UID2 operator (no trailing slash), e.g. for params.uid2ApiBase. */
  operatorUrl?: string;
  /** Base URL of the mock SSP (no trailing slash). */
  sspUrl?: string;
}

export interface LocalServers {
  urls: LocalServerUrls;
  close(): Promise<void>;
}

export async function startLocalServers(): Promise<LocalServers> {
  // never keep a test process alive
  const stack = await startLocalStack({ lifetimes: 'demo', keepAlive: false });
  return { urls: { operatorUrl: stack.operatorUrl, sspUrl: stack.ssp?.url }, close: stack.close };
}
