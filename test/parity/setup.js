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
// stayed deleted for cookieSettleMs: every assertion of every test stays as Prebid wrote it. A test that set none of
// them (the localStorage half of Prebid's specs, mostly) has nothing to wait for: the setter below only notes names.
const DELETED_BY_PREBIDS_SPECS = ['__uid2_advertising_token', '__UID2_SERVER_COOKIE', '__euid_advertising_token', '__EUID_SERVER_COOKIE'];
const settleMs = window.__karma__?.config?.cookieSettleMs ?? 0;
const nameOf = (cookie) => cookie.split('=')[0].trim();
const anyShown = () => document.cookie.split('; ').some((cookie) => DELETED_BY_PREBIDS_SPECS.includes(nameOf(cookie)));
let setThisTest = false;
if (settleMs) {
  const native = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie');
  Object.defineProperty(document, 'cookie', {
    configurable: true,
    get: () => native.get.call(document),
    set: (text) => {
      // a value set, not a deletion (an empty value): only a set cookie can show again once deleted
      setThisTest ||= DELETED_BY_PREBIDS_SPECS.includes(nameOf(text)) && /^[^=]*=[^;\s]/.test(text);
      native.set.call(document, text);
    },
  });
}
afterEach(async function () {
  const wasSet = setThisTest;
  setThisTest = false;
  if (!settleMs || !wasSet) return;
  const giveUp = performance.now() + 10 * settleMs;
  let quietSince = performance.now();
  while (performance.now() - quietSince < settleMs && performance.now() < giveUp) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    if (anyShown()) quietSince = performance.now();
  }
});
