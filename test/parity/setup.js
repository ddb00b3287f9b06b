// Loaded after Prebid's test_deps.js and before its specs. Our modules run as shipped: nothing here changes them.

// No network: Prebid's ajax goes through `dep.fetch`, which test/mocks/xhr.js replaces with its fake server, and the
// nise stand-in (nise.js) blocks XHR; anything calling fetch directly fails loudly instead of leaving the machine.
globalThis.fetch = (resource) => Promise.reject(new TypeError(`prebid-parity: fetch(${resource}) blocked (no network in tests)`));

// WebKitGTK shows a deleted persistent cookie again, now and then, for up to ~50 ms after the deletion (measured: 15
// of 360 set-then-delete rounds of a persistent cookie, 0 of 360 of a session cookie, none left after 300 ms).
// Prebid's afterEach deletes the module's cookies and the next test starts at once, so that test could read the
// previous test's record; Prebid's own module escapes it only because its record cookie is a session cookie (it
// passes a number as the expiry date), ours is persistent, as the record should be. So where the engine needs it
// (karma.conf.cjs sets cookieSettleMs for WebKit), each test ends only once the cookies Prebid's specs delete have
// stayed deleted for cookieSettleMs: every assertion of every test stays as Prebid wrote it.
const DELETED_BY_PREBIDS_SPECS = ['__uid2_advertising_token', '__UID2_SERVER_COOKIE', '__euid_advertising_token', '__EUID_SERVER_COOKIE'];
const settleMs = window.__karma__?.config?.cookieSettleMs ?? 0;
const anyShown = () => document.cookie.split('; ').some((cookie) => DELETED_BY_PREBIDS_SPECS.includes(cookie.split('=')[0]));
afterEach(async function () {
  if (!settleMs) return;
  const giveUp = performance.now() + 10 * settleMs;
  let quietSince = performance.now();
  while (performance.now() - quietSince < settleMs && performance.now() < giveUp) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    if (anyShown()) quietSince = performance.now();
  }
});
