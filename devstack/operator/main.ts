#!/usr/bin/env node
// CLI: npx prebid-uid2-operator (or node build/node/devstack/operator/main.js) [--port 8877] [--host 127.0.0.1] [--config path] [--lifetimes demo]
import { parseArgs } from 'node:util';
import { LOCAL_OPERATOR_CONFIG, loadOperatorConfig } from './config.js';
import { createOperator } from './operator.js';

const DEFAULT_PORT = 8877;

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: String(DEFAULT_PORT) },
    host: { type: 'string', default: '127.0.0.1' },
    config: { type: 'string', default: LOCAL_OPERATOR_CONFIG },
    lifetimes: { type: 'string', default: 'local' },
  },
});

if (values.lifetimes !== 'local' && values.lifetimes !== 'demo') {
  console.error(`--lifetimes must be "local" or "demo", not "${values.lifetimes}"`);
  process.exit(2);
}

const config = await loadOperatorConfig(values.config, values.lifetimes);
const operator = createOperator(config, { log: (line) => console.log(`${new Date().toISOString()} ${line}`) });
await operator.ready;
const { url } = await operator.listen(Number(values.port), values.host);
const { lifetimes: l } = config;
console.log(
  `${config.identity_scope} operator on ${url} (${values.config}; identity ${l.identity_token_expires_after_seconds}s, refresh from ${l.refresh_identity_token_after_seconds}s, refresh token ${l.refresh_token_expires_after_seconds}s, keys rotate every ${config.key_rotation.rotation_seconds}s, a salt rotation every ${config.salt_rotation.rotation_seconds}s)`,
);
