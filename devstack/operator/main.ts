#!/usr/bin/env node
// CLI: npx prebid-uid2-operator (or node build/node/devstack/operator/main.js) [--port 8877] [--host 127.0.0.1] [--config path] [--lifetimes demo]
import { parseOptions, portOption, refuse } from '../commandLine.js';
import { LOCAL_OPERATOR_CONFIG, loadOperatorConfig } from './config.js';
import { createOperator } from './operator.js';

const DEFAULT_PORT = 8877;

const values = parseOptions({
  port: { type: 'string', default: String(DEFAULT_PORT) },
  host: { type: 'string', default: '127.0.0.1' },
  config: { type: 'string', default: LOCAL_OPERATOR_CONFIG },
  lifetimes: { type: 'string', default: 'local' },
});
const port = portOption('port', values.port);
if (values.lifetimes !== 'local' && values.lifetimes !== 'demo') refuse(`--lifetimes must be "local" or "demo", not "${values.lifetimes}"`);

const config = await loadOperatorConfig(values.config, values.lifetimes);
const operator = createOperator(config, { log: (line) => console.log(`${new Date().toISOString()} ${line}`) });
await operator.ready;
const { url } = await operator.listen(port, values.host);
const { lifetimes: l } = config;
console.log(
  `${config.identity_scope} operator on ${url} (${values.config}; identity ${l.identity_token_expires_after_seconds}s, refresh from ${l.refresh_identity_token_after_seconds}s, refresh token ${l.refresh_token_expires_after_seconds}s, keys rotate every ${config.key_rotation.rotation_seconds}s, a salt rotation every ${config.salt_rotation.rotation_seconds}s)`,
);
