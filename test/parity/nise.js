// Stand-in for the `nise` package, which Prebid's test setup imports (test/test_deps.js, test/mocks/xhr.js) but which
// is a devDependency of Prebid's repository, not a dependency of its npm package. Prebid's ajax goes through `fetch`
// (`dep.fetch` in src/ajax.js), which test/mocks/xhr.js answers with its own fake server; nise's fake XHR only keeps
// XMLHttpRequest off the network, so here XMLHttpRequest is replaced by one that throws on send.
/* global __HTTP_STATUS_CODES__ */

class BlockedXMLHttpRequest {
  static statusCodes = __HTTP_STATUS_CODES__; // defined by karma.conf.cjs from node:http STATUS_CODES
  static UNSENT = 0; static OPENED = 1; static HEADERS_RECEIVED = 2; static LOADING = 3; static DONE = 4;
  open(method, url) { this.url = url; }
  setRequestHeader() {}
  send() { throw new Error(`prebid-parity: XMLHttpRequest to ${this.url} blocked (no network in tests)`); }
  abort() {}
}

export const fakeXhr = {
  FakeXMLHttpRequest: BlockedXMLHttpRequest,
  useFakeXMLHttpRequest() {
    const original = globalThis.XMLHttpRequest;
    globalThis.XMLHttpRequest = BlockedXMLHttpRequest;
    return { restore() { globalThis.XMLHttpRequest = original; } };
  },
};

const unavailable = { create() { throw new Error('prebid-parity: nise fakeServer is not available'); } };
export const fakeServer = unavailable;
export const fakeServerWithClock = unavailable;
