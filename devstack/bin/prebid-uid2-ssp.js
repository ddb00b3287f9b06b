#!/usr/bin/env node
// `npx prebid-uid2-ssp`: the mock SSP as the repository root's `npm run build:node` compiles it (build/node mirrors
// the source tree), with the same flags as `npm run ssp`.
import '../../build/node/devstack/ssp/main.js';
