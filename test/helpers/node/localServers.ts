/**
 * Starts the local UID2 operator and mock SSP on ephemeral loopback ports for specs: Node specs call it
 * directly, and karma.conf.cjs starts one set for the browser specs, which read the URLs from
 * `window.__karma__.config.localServers`.
 */
import http, { type Server } from 'node:http';
import { createSsp } from '../../../server/ssp/ssp.js';
import { localReceiverCredentials } from '../../../server/ssp/uid2.js';

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
  // local UID2 operator: the shipped local-config.json with
  // the demo lifetimes. A broken operator is reported here and leaves operatorUrl unset: specs that need it fail.
  try {
    const { createOperator } = await import('../../../server/operator/operator.js');
    const { LOCAL_OPERATOR_CONFIG, loadOperatorConfig, withDemoLifetimes } = await import('../../../server/operator/config.js');
    const operator = createOperator(withDemoLifetimes(await loadOperatorConfig(LOCAL_OPERATOR_CONFIG)));
    await operator.ready;
    const operatorServer = http.createServer(operator.handler);
    urls.operatorUrl = await listenOnLoopback(operatorServer);
    servers.push(operatorServer);
  } catch (e) {
    console.error('local UID2 operator did not start:', e);
  }
  // mock SSP: decrypts UID2 tokens with the local operator's bidstream keys when the operator runs
  const ssp = createSsp(urls.operatorUrl ? { operatorUrl: urls.operatorUrl, ...(await localReceiverCredentials()) } : {});
  await ssp.ready;
  const sspServer = http.createServer(ssp.handler);
  urls.sspUrl = await listenOnLoopback(sspServer);
  servers.push(sspServer);
  return {
    urls,
    close: () => Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())))).then(() => undefined),
  };
}
