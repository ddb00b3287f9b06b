/**
 * Starts the local UID2 operator and mock SSP on ephemeral loopback ports for specs: Node specs call it
 * directly, and karma.conf.cjs starts one set for the browser specs, which read the URLs from
 * `window.__karma__.config.localServers`.
 */
import type { Server } from 'node:http';

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

export function listenOnLoopback(server: Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.unref(); // never keep a test process alive
      const address = server.address();
      if (address === null || typeof address === 'string') return reject(new Error('no TCP address'));
      resolve(`http://127.0.0.1:${address.port}`);
    });
  });
}

export async function startLocalServers(): Promise<LocalServers> {
  const servers: Server[] = [];
  const urls: LocalServerUrls = {};
  return {
    urls,
    close: () => Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())))).then(() => undefined),
  };
}
