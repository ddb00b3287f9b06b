// The panels both publisher pages share (client-side publisher.html, server-side publisher-server.html): the
// UID2 identity and its countdowns, what the module stored, the eids, the OpenRTB request, the SSP's report,
// the ad and the event log (insertSharedPanels), with the auction and the background refresh checks that feed
// them (startPublisherPanels).
import {
  STATE_LABELS, UID2_SOURCE, countdown, eventLogger, identityState, makeRefreshDue, readStoredIdentity,
  renderInSandboxedFrame, setBadge, shortToken,
} from './demo-common.js';

const $ = (id) => document.getElementById(id);
const AD_UNIT_CODE = 'demo-300x250';
const AD_UNIT = {
  code: AD_UNIT_CODE,
  mediaTypes: { banner: { sizes: [[300, 250]] } },
  // test: the mock SSP always bids on test traffic
  bids: [{ bidder: 'openrtbSsp', params: { placementId: 'demo-300x250', test: true } }],
};

function uid2Eid(ortb) {
  const user = (ortb && ortb.user) || {};
  const eids = [...(user.eids || []), ...((user.ext && user.ext.eids) || [])];
  return eids.find((eid) => eid.source === UID2_SOURCE);
}

/** The request as JSON text nodes, with the UID2 eid in a <mark>. */
function highlightEid(ortb) {
  const PLACEHOLDER = '"@@uid2-eid@@"';
  const eid = uid2Eid(ortb);
  const text = JSON.stringify(ortb, (key, value) => (value === eid && eid ? PLACEHOLDER.slice(1, -1) : value), 2);
  const at = text.indexOf(PLACEHOLDER);
  if (!eid || at < 0) return [text];
  const indent = text.slice(text.lastIndexOf('\n', at) + 1, at);
  const mark = document.createElement('mark');
  mark.id = 'uid2-eid';
  mark.textContent = JSON.stringify(eid, null, 2).split('\n').join(`\n${indent}`);
  return [text.slice(0, at), mark, text.slice(at + PLACEHOLDER.length)];
}

/**
 * Appends the login form, the test identities and the buttons both pages have to the page's login panel.
 * `loginAction`: where the form posts (the server-side route), or none (client-side: the email stays in the page).
 */
export function insertLoginControls(panel, { loginAction } = {}) {
  panel.insertAdjacentHTML('beforeend', `
      <form class="login" id="login-form">
        <input id="login-input" name="dii" autocomplete="off" placeholder="reader@example.com" required>
        <button type="submit" id="login-button">Log in</button>
      </form>
      <p class="hint">UID2 test identities:</p>
      <div class="buttons">
        <button type="button" class="secondary" data-test-identity="optout@example.com">Opted-out user</button>
        <button type="button" class="secondary" data-test-identity="refresh-optout@example.com">Opts out at refresh</button>
      </div>
      <p class="hint">Then:</p>
      <div class="buttons">
        <button type="button" id="auction-button">Run an auction</button>
        <button type="button" class="secondary" id="refresh-button">Refresh token now</button>
        <button type="button" class="secondary" id="logout-button">Log out</button>
      </div>`);
  if (loginAction) {
    // set as properties, not spliced into the HTML above: the value never becomes markup
    const form = panel.querySelector('#login-form');
    form.method = 'post';
    form.action = loginAction;
  }
}

/**
 * Appends the shared panels to the page's grid, numbered from `first`; the hints (HTML, the page's own text)
 * say what is particular to the page's route.
 */
export function insertSharedPanels(grid, { first, identityHint, storageHint }) {
  const n = (offset) => first + offset;
  grid.insertAdjacentHTML('beforeend', `
    <section class="panel" id="identity-panel">
      <h2>${n(0)}. UID2 identity</h2>
      <dl class="facts">
        <dt>State</dt><dd><span class="badge" id="identity-state" data-state="none">No identity</span></dd>
        <dt>Advertising token</dt><dd class="mono" id="identity-token">—</dd>
        <dt>Refresh from</dt><dd id="identity-refresh-from">—</dd>
        <dt>Token expires</dt><dd id="identity-expires">—</dd>
        <dt>Refreshable until</dt><dd id="identity-refresh-expires">—</dd>
        <dt>Refreshes seen</dt><dd id="identity-refreshes">0</dd>
      </dl>
      <p class="hint">${identityHint} This page lets Prebid check every second, as each page view of a real site would.</p>
    </section>
    <section class="panel" id="storage-panel">
      <h2>${n(1)}. Stored in the browser</h2>
      <p class="hint">localStorage <code>__uid2_advertising_token</code> (tokens shortened)${storageHint}</p>
      <pre id="storage-value">nothing stored</pre>
    </section>
    <section class="panel" id="eids-panel">
      <h2>${n(2)}. IDs Prebid sends to bidders</h2>
      <p class="hint"><code>pbjs.getUserIdsAsEids()</code>: the UID2 token goes out as source <code>uidapi.com</code>.</p>
      <pre class="tall" id="eids">[]</pre>
    </section>
    <section class="panel span2" id="request-panel">
      <h2>${n(3)}. Last bid request to the SSP (OpenRTB)</h2>
      <p class="hint">What the <code>openrtbSsp</code> adapter sent; the UID2 eid is <mark>highlighted</mark>.</p>
      <pre class="tall" id="ortb-request">no auction yet</pre>
    </section>
    <section class="panel" id="report-panel">
      <h2>${n(4)}. What the SSP found</h2>
      <dl class="facts">
        <dt>UID2 decrypted</dt><dd><span class="badge" id="ssp-decrypted" data-state="none">—</span></dd>
        <dt>Status</dt><dd id="ssp-status">—</dd>
        <dt>Site id</dt><dd id="ssp-site">—</dd>
        <dt>Details</dt><dd id="ssp-details">—</dd>
      </dl>
      <p class="hint">The mock SSP's validation report (<code>ext.debug</code> of its response).</p>
    </section>
    <section class="panel" id="ad-panel">
      <h2>${n(5)}. The ad</h2>
      <div class="ad-slot" id="ad-slot">no ad yet</div>
      <p class="hint" id="ad-info"></p>
    </section>
    <section class="panel" id="events-panel">
      <h2>What happened</h2>
      <ol class="events" id="events"></ol>
    </section>`);
}

/** JSON.stringify replacer: tokens shortened for display */
export function shortenTokens(key, value) {
  return (key === 'advertising_token' || key === 'refresh_token') ? shortToken(value) : value;
}

/**
 * Wires the shared panels to Prebid and starts their timers. Returns what the page's own login and logout need:
 * the event log, the auction, `track` (shows a state while a promise runs; 'generating' marks a new identity, not a
 * refresh) and `showIdentity`.
 */
export function startPublisherPanels(pbjs, config) {
  const logEvent = eventLogger($('events'));
  /** 'generating' | 'refreshing' | undefined: what the page is waiting for */
  let busy;
  let refreshes = 0;
  /** last advertising token seen in storage, to notice refreshes */
  let lastToken;
  let lastState;
  /** the auction under way, if any */
  let auction;
  let auctionAgain = false;

  // ---- what Prebid sends and what comes back ----

  pbjs.onEvent('beforeBidderHttp', (bidderRequest, request) => {
    if (bidderRequest.bidderCode !== 'openrtbSsp') return;
    const ortb = typeof request.data === 'string' ? JSON.parse(request.data) : request.data;
    const eid = uid2Eid(ortb);
    const pre = $('ortb-request');
    pre.replaceChildren(...highlightEid(ortb));
    const mark = $('uid2-eid');
    pre.scrollTop = mark ? mark.offsetTop - pre.offsetTop - 40 : 0;
    pre.dataset.uid2Token = eid ? eid.uids[0].id : '';
    logEvent(eid ? 'Bid request sent to the SSP with the UID2 token' : 'Bid request sent to the SSP without a UID2 token');
  });

  window.addEventListener('demo:response', ({ detail }) => {
    if (!detail.url.startsWith(config.sspEndpoint)) return;
    let body;
    try { body = JSON.parse(detail.text); } catch (e) { body = undefined; }
    showSspReport(detail.status, body && body.ext && body.ext.debug);
  });

  pbjs.onEvent('bidResponse', (bid) => logEvent(`Bid from ${bid.bidderCode}: ${bid.cpm.toFixed(2)} ${bid.currency}`));
  pbjs.onEvent('noBid', (bid) => logEvent(`No bid from ${bid.bidder}`));

  function showSspReport(status, report) {
    const uid2 = report && report.uid2;
    if (!uid2) {
      setBadge($('ssp-decrypted'), 'none', status === 204 ? 'no bid, no report' : 'no report');
      $('ssp-status').textContent = `HTTP ${status}`;
      $('ssp-site').textContent = '—';
      $('ssp-details').textContent = '—';
      return;
    }
    if (!uid2.present) {
      setBadge($('ssp-decrypted'), 'none', 'no UID2 token sent');
      $('ssp-status').textContent = '—';
      $('ssp-site').textContent = '—';
      $('ssp-details').textContent = (report.warnings || []).join(' · ') || '—';
      return;
    }
    const decrypted = uid2.decrypted === true;
    setBadge($('ssp-decrypted'), decrypted ? 'yes' : 'no', decrypted ? 'yes' : 'no');
    $('ssp-status').textContent = uid2.status || '—';
    $('ssp-site').textContent = uid2.siteId != null ? String(uid2.siteId) : '—';
    const details = [];
    if (uid2.identityType) details.push(`${uid2.identityType} identity`);
    if (uid2.clientSideGenerated === true) details.push('generated in the browser (CSTG)');
    if (uid2.clientSideGenerated === false) details.push('generated by a server (/v2/token/generate)');
    if (uid2.fingerprint) details.push(`user fingerprint ${uid2.fingerprint}`);
    if (!decrypted && uid2.expires) details.push(`token expires ${uid2.expires}`);
    (report.warnings || []).forEach((w) => details.push(`warning: ${w}`));
    $('ssp-details').textContent = details.join(' · ') || '—';
    logEvent(decrypted ? 'SSP decrypted the UID2 token' : `SSP report: UID2 ${uid2.status || 'not decrypted'}`);
  }

  // ---- auction and ad ----

  /** One auction at a time; asked for during one, another follows it (so a refreshed token is always shown). */
  function runAuction() {
    if (auction) {
      auctionAgain = true;
      return auction;
    }
    auction = new Promise((resolve) => {
      pbjs.requestBids({
        adUnits: [AD_UNIT],
        timeout: 3000,
        bidsBackHandler: () => {
          renderAd();
          resolve();
        },
      });
    }).finally(() => {
      auction = undefined;
      if (auctionAgain) {
        auctionAgain = false;
        runAuction();
      }
    });
    return auction;
  }

  function renderAd() {
    const slot = $('ad-slot');
    const winner = pbjs.getHighestCpmBids(AD_UNIT_CODE)[0];
    slot.replaceChildren();
    if (!winner) {
      slot.textContent = 'no bid';
      $('ad-info').textContent = '';
      return;
    }
    renderInSandboxedFrame(slot, winner);
    $('ad-info').textContent = `${winner.bidderCode} won at ${winner.cpm.toFixed(2)} ${winner.currency} (creative ${winner.creativeId})`;
    logEvent('Ad rendered');
  }

  // ---- identity panels, refreshed twice a second ----

  function showIdentity() {
    const now = Date.now();
    const stored = readStoredIdentity();
    const state = identityState(stored, now, busy);
    setBadge($('identity-state'), state, STATE_LABELS[state]);
    const latest = stored && typeof stored.latestToken === 'object' ? stored.latestToken : undefined;
    $('identity-token').textContent = latest ? shortToken(latest.advertising_token) : '—';
    $('identity-refresh-from').textContent = latest ? countdown(latest.refresh_from, now) : '—';
    $('identity-expires').textContent = latest ? countdown(latest.identity_expires, now) : '—';
    $('identity-refresh-expires').textContent = latest ? countdown(latest.refresh_expires, now) : '—';
    $('storage-value').textContent = stored ? JSON.stringify(stored, shortenTokens, 2) : 'nothing stored';
    $('eids').textContent = JSON.stringify(pbjs.getUserIdsAsEids(), null, 2);

    const token = latest && latest.advertising_token;
    if (token && lastToken && token !== lastToken && busy !== 'generating') {
      refreshes += 1;
      logEvent('Token refreshed: Prebid now sends the new one');
      runAuction();
    }
    $('identity-refreshes').textContent = String(refreshes);
    if (state !== lastState && (state === 'optout' || state === 'expired')) logEvent(`UID2 identity ${STATE_LABELS[state].toLowerCase()}`);
    lastToken = token;
    lastState = state;
  }

  /** Shows `state` while `promise` runs; the token a 'generating' promise leaves is a new identity, not a refresh. */
  function track(state, promise) {
    busy = state;
    showIdentity();
    return promise.catch((e) => logEvent(`Prebid: ${e && e.message ? e.message : e}`)).finally(() => {
      busy = undefined;
      if (state === 'generating') lastToken = undefined;
      showIdentity();
    });
  }

  $('auction-button').addEventListener('click', () => runAuction());
  $('refresh-button').addEventListener('click', () => {
    logEvent('Refresh requested');
    track('refreshing', makeRefreshDue(pbjs).then((had) => had || logEvent('Nothing to refresh: log in first')));
  });

  showIdentity();
  setInterval(showIdentity, 500);
  logEvent('Page loaded');
  return { logEvent, runAuction, track, showIdentity };
}
