#!/usr/bin/env node
// CLI: npx prebid-uid2-ssp (or node build/node/devstack/ssp/main.js) [--port 8878] [--host 127.0.0.1] [--operator http://127.0.0.1:8877]
//        [--operator-config devstack/operator/local-config.json | --api-key KEY --secret SECRET] [--key-endpoint bidstream|sharing]
//        [--public-url http://localhost:8878]   (the base of its tracker and creative URLs; default: the address it listens on)
// Without --operator the SSP still validates and bids, and reports UID2 tokens as not decrypted (no_operator).
import { parseOptions, portOption, refuse } from '../commandLine.js';
import { createSsp } from './ssp.js';
import { LOCAL_OPERATOR_CONFIG } from '../operator/config.js';
import { localReceiverCredentials, type ReceiverCredentials } from './uid2.js';

const DEFAULT_PORT = 8878;

const values = parseOptions({
  port: { type: 'string', default: String(DEFAULT_PORT) },
  host: { type: 'string', default: '127.0.0.1' },
  operator: { type: 'string' },
  'operator-config': { type: 'string', default: LOCAL_OPERATOR_CONFIG },
  'api-key': { type: 'string' },
  secret: { type: 'string' },
  'key-endpoint': { type: 'string', default: 'bidstream' },
  'public-url': { type: 'string' },
});
const port = portOption('port', values.port);
const keyEndpoint = values['key-endpoint'];
if (keyEndpoint !== 'bidstream' && keyEndpoint !== 'sharing') refuse(`--key-endpoint must be "bidstream" or "sharing", not "${keyEndpoint}"`);

let credentials: ReceiverCredentials | undefined;
if (values.operator) {
  credentials =
    values['api-key'] && values.secret
      ? { apiKey: values['api-key'], secret: values.secret }
      : await localReceiverCredentials(values['operator-config']);
}

const ssp = createSsp({
  operatorUrl: values.operator,
  ...credentials,
  keyEndpoint,
  publicUrl: values['public-url'],
  log: (line) => console.log(`${new Date().toISOString()} ${line}`),
});
await ssp.ready;
const { url } = await ssp.listen(port, values.host);
const keys = ssp.keys?.status();
console.log(
  `Mock SSP on ${url}/openrtb2/auction (${
    keys
      ? `UID2 keys from ${keys.operatorUrl}/v2/key/${keys.endpoint}: ${keys.loaded ? `${keys.keys} loaded` : `not loaded yet, ${keys.lastError}`}`
      : 'no operator: UID2 tokens are not decrypted'
  })`,
);
