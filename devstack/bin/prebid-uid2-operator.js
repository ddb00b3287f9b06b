#!/usr/bin/env node
// `npx prebid-uid2-operator`: the local UID2 operator as the repository root's `npm run build:node` compiles it
// (build/node mirrors the source tree), with the same flags as `npm run operator`.
import '../../build/node/devstack/operator/main.js';
