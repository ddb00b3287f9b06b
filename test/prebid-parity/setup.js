// Loaded after Prebid's test_deps.js and before its spec.
import { settings } from '../../libraries/uid2Module/index.js';

// Prebid's spec answers the operator call 1 ms after the auction starts (`respondAfterDelay(auctionDelayMs / 10)`), so
// the request must be out by then. Ours first takes a Web Lock (one refresh at a time across tabs), and
// navigator.locks.request takes ~0.3-0.7 ms here (over 10 ms the first time on a page): enough to make those tests
// flaky. So this run uses the module's path for browsers without Web Locks; the lock has its own specs in
// test/spec/uid2IdSystem.spec.ts.

// No network: Prebid's ajax goes through `dep.fetch`, which test/mocks/xhr.js replaces with its fake server, and the
// nise stand-in (nise.js) blocks XHR; anything calling fetch directly fails loudly instead of leaving the machine.
globalThis.fetch = (resource) => Promise.reject(new TypeError(`prebid-parity: fetch(${resource}) blocked (no network in tests)`));
