// Loaded before Prebid: lets the publisher page read the SSP's answers the way the browser's network panel
// does. The SSP's validation report (ext.debug) is part of its HTTP response, not of any bid, so no Prebid
// API carries it. Each POST answer is announced as a window event 'demo:response' {url, status, text};
// nothing is changed.
(function () {
  var originalFetch = window.fetch;
  window.fetch = function (input, init) {
    var method = (init && init.method) || (input && input.method) || 'GET';
    var url = typeof input === 'string' ? input : (input && input.url) || String(input);
    var pending = originalFetch.apply(this, arguments);
    if (String(method).toUpperCase() === 'POST') {
      pending.then(function (response) {
        return response.clone().text().then(function (text) {
          window.dispatchEvent(new CustomEvent('demo:response', { detail: { url: url, status: response.status, text: text } }));
        });
      }).catch(function () { /* the caller sees the failure */ });
    }
    return pending;
  };
})();
