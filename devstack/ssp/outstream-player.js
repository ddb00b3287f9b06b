// The mock SSP's outstream player (served at /outstream/player.js), for the demo and tests. It keeps the
// contract of InRenderer.js, the open-source outstream renderer of Prebid's in-renderer example:
// `new window.InRenderer().render(elementId, bid, options)` plays the bid's VAST (vastXml, else vastUrl) in a
// muted inline <video> appended to that element, and fires the VAST <Impression> URLs once it plays.
// Plain browser JavaScript, no build step.
(function () {
  'use strict';

  function text(node) {
    return (node.textContent || '').trim();
  }

  async function vastOf(bid) {
    if (bid.vastXml) return bid.vastXml;
    if (bid.vastUrl) return (await fetch(bid.vastUrl, { credentials: 'include' })).text();
    throw new Error('bid has neither vastXml nor vastUrl');
  }

  class InRenderer {
    async render(elementId, bid, options) {
      const target = document.getElementById(elementId);
      if (!target) throw new Error('no element with id ' + elementId);
      const vast = new DOMParser().parseFromString(await vastOf(bid), 'text/xml');
      const video = document.createElement('video');
      const files = Array.from(vast.querySelectorAll('MediaFile'));
      const file = files.find((f) => video.canPlayType(f.getAttribute('type') || '') !== '') || files[0];
      if (!file) throw new Error('VAST has no MediaFile');
      const impressions = Array.from(vast.querySelectorAll('Impression')).map(text).filter(Boolean);
      video.src = text(file);
      video.width = bid.playerWidth || bid.width || 640;
      video.height = bid.playerHeight || bid.height || 360;
      video.muted = true;
      video.playsInline = true;
      video.autoplay = true;
      video.controls = true;
      video.dataset.adId = bid.adId;
      if (options && options.label) video.title = String(options.label);
      video.addEventListener('playing', () => impressions.forEach((url) => { new Image().src = url; }), { once: true });
      target.appendChild(video);
      return video;
    }
  }

  window.InRenderer = InRenderer;
})();
