// Loaded after Prebid's test_deps.js and before its specs. Our modules run as shipped: nothing here changes them.

// No network: Prebid's ajax goes through `dep.fetch`, which test/mocks/xhr.js replaces with its fake server, and the
// nise stand-in (nise.js) blocks XHR; anything calling fetch directly fails loudly instead of leaving the machine.
globalThis.fetch = (resource) => Promise.reject(new TypeError(`prebid-parity: fetch(${resource}) blocked (no network in tests)`));
