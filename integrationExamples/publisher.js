// The publisher page: log in → UID2 token from the operator → stored → sent to the SSP → decrypted → ad.
// Everything shown comes from Prebid's public API and events, the module's storage, and the SSP's answer.
import {
  STATE_LABELS, UID2_SOURCE, countdown, demoConfig, diiParam, eventLogger, identityState, logIn, logOut, makeRefreshDue,
  readStoredIdentity, renderInSandboxedFrame, setBadge, shortToken, showEnvironment, uid2UserSync, whenPrebidReady,
  wireTestIdentities,
} from './demo-common.js';

const config = demoConfig();
const $ = (id) => document.getElementById(id);
const logEvent = eventLogger($('events'));
const AD_UNIT_CODE = 'demo-300x250';
const AD_UNIT = {
  code: AD_UNIT_CODE,
  mediaTypes: { banner: { sizes: [[300, 250]] } },
  // test: the mock SSP always bids on test traffic
  bids: [{ bidder: 'openrtbSsp', params: { placementId: 'demo-300x250', test: true } }],
};
/** how often the page lets Prebid re-check the token (a real site does it on every page view) */
const RECHECK_MS = 1000;

/** 'generating' | 'refreshing' | undefined: what the page is waiting for */
let busy;
let refreshes = 0;
/** last advertising token seen in storage, to notice refreshes */
let lastToken;
let lastState;
/** the auction under way, if any */
let auction;
let auctionAgain = false;

showEnvironment($('environment'), config);
const pbjs = await whenPrebidReady();
pbjs.setConfig({
  userSync: uid2UserSync(config, {}),
  openrtbSsp: { endpoint: config.sspEndpoint },
});

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
  if (uid2.clientSideGenerated) details.push('generated in the browser (CSTG)');
  if (uid2.fingerprint) details.push(`user fingerprint ${uid2.fingerprint}`);
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
  $('identity-refreshes').textContent = String(refreshes);
  $('storage-value').textContent = stored ? JSON.stringify(stored, shortenTokens, 2) : 'nothing stored';
  $('eids').textContent = JSON.stringify(pbjs.getUserIdsAsEids(), null, 2);

  const token = latest && latest.advertising_token;
  if (token && lastToken && token !== lastToken && busy !== 'generating') {
    refreshes += 1;
    logEvent('Token refreshed: Prebid now sends the new one');
    runAuction();
  }
  if (state !== lastState && (state === 'optout' || state === 'expired')) logEvent(`UID2 identity ${STATE_LABELS[state].toLowerCase()}`);
  lastToken = token;
  lastState = state;
}

function shortenTokens(key, value) {
  return (key === 'advertising_token' || key === 'refresh_token') ? shortToken(value) : value;
}

/** Once refresh_from has passed, let Prebid re-check: the module refreshes the token in the background. */
function recheck() {
  const stored = readStoredIdentity();
  const latest = stored && stored.latestToken;
  if (busy || !latest || typeof latest !== 'object') return;
  const now = Date.now();
  if (now >= latest.refresh_from && now < latest.refresh_expires) {
    track('refreshing', pbjs.refreshUserIds({ submoduleNames: ['uid2'] }));
  }
}

/** Shows `state` while `promise` runs. */
function track(state, promise) {
  busy = state;
  showIdentity();
  return promise.catch((e) => logEvent(`Prebid: ${e && e.message ? e.message : e}`)).finally(() => {
    busy = undefined;
    showIdentity();
  });
}

// ---- buttons ----

const form = $('login-form');
form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const dii = diiParam($('login-input').value);
  logEvent(`Logged in with ${dii.email ? 'an email address' : 'a phone number'}: Prebid asks the UID2 operator for a token`);
  await track('generating', logIn(pbjs, config, dii));
  const state = identityState(readStoredIdentity(), Date.now());
  logEvent({
    optout: 'The UID2 operator says this user opted out: no token',
    none: 'No token: is that a valid email address, or a phone number like +12025550123? (details in the console)',
  }[state] || `UID2 identity: ${STATE_LABELS[state].toLowerCase()}`);
  lastToken = undefined; // a new login is not a refresh
  showIdentity();
  await runAuction();
});
wireTestIdentities(form, $('login-input'));

$('auction-button').addEventListener('click', () => runAuction());
$('refresh-button').addEventListener('click', () => {
  logEvent('Refresh requested');
  track('refreshing', makeRefreshDue(pbjs).then((had) => had || logEvent('Nothing to refresh: log in first')));
});
$('logout-button').addEventListener('click', async () => {
  await logOut(pbjs, config);
  lastToken = undefined;
  logEvent('Logged out: identity cleared');
  showIdentity();
});

showIdentity();
setInterval(showIdentity, 500);
setInterval(recheck, RECHECK_MS);
logEvent('Page loaded');
await pbjs.getUserIdsAsync();
showIdentity();
await runAuction();
