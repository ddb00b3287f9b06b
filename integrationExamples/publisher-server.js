// The publisher page, server-side route: the reader logs in to the publisher's server, which gets the UID2
// token (/v2/token/generate) and hands it over in a first-party cookie or in the Prebid config it writes into
// this page; Prebid's UID2 module stores it, refreshes it and sends it to the SSP. The panels Prebid feeds are
// the client-side page's (publisher-panels.js); this file adds the login, the server's call to the operator
// and what the page received.
import { demoConfig, diiParam, readStoredIdentity, setBadge, showEnvironment, whenPrebidReady, wireTestIdentities } from './demo-common.js';
import { insertLoginControls, insertSharedPanels, shortenTokens, startPublisherPanels } from './publisher-panels.js';

const config = demoConfig();
/** the publisher's server's routes (devstack/publisher/publisher.ts) */
const LOGIN_URL = '/publisher/login';
const LOGOUT_URL = '/publisher/logout';
const $ = (id) => document.getElementById(id);
insertLoginControls($('login-panel'), { loginAction: LOGIN_URL });
insertSharedPanels(document.querySelector('main.grid'), {
  first: 4,
  identityHint: 'The server generated the token; Prebid refreshes it in the browser once "refresh from" has passed.',
  storageHint: ': <code>originalToken</code> is what the server supplied, <code>latestToken</code> what Prebid refreshed it to.',
});
$('storage-value').insertAdjacentHTML('beforebegin',
  '<p>Refreshed by Prebid: <span class="badge" id="storage-refreshed" data-state="none">not yet</span></p>');
/** the last login's answer (status, timing, cookie attributes: never the DII or the token), kept across reloads */
const LOGIN_ANSWER_KEY = 'publisher-server-login';

showEnvironment($('environment'), config);
const pbjs = await whenPrebidReady();
pbjs.setConfig({ openrtbSsp: { endpoint: config.sspEndpoint } });

/** The UID2 params the publisher's server wrote into this page (undefined when it was served as a plain file). */
function serverParams() {
  const uid2 = (pbjs.getConfig('userSync').userIds || []).find((id) => id.name === 'uid2');
  return $('uid2-server-config') && uid2 ? uid2.params : undefined;
}
const params = serverParams();
const delivery = params && params.uid2Cookie ? 'cookie' : 'config';
const { logEvent, runAuction, track, showIdentity } = startPublisherPanels(pbjs, config);
// without the server's config there is no login route behind the page either
if (!params) $('login-button').disabled = true;

// ---- the switch between cookie and config token ----

document.querySelectorAll('[data-delivery]').forEach((button) => {
  button.setAttribute('aria-pressed', String(button.dataset.delivery === delivery));
  button.addEventListener('click', async () => {
    if (button.dataset.delivery === delivery) return;
    await logOutOnServer();
    const query = new URLSearchParams(location.search);
    query.set('delivery', button.dataset.delivery);
    location.search = query.toString();
  });
});

// ---- panel 2: the server's call to the operator ----

function showLoginAnswer(answer) {
  const call = answer && answer.operatorCall;
  if (!call) return;
  const state = { success: 'yes', optout: 'optout' }[answer.status] || 'error';
  setBadge($('call-status'), state, answer.status === 'success' ? 'token issued' : answer.status === 'optout' ? 'opted out' : 'failed');
  $('call-request').textContent = `POST ${call.endpoint}`;
  $('call-sent').textContent = `${call.sent} (normalized and hashed on the server; not shown)`;
  $('call-http').textContent = call.httpStatus ? String(call.httpStatus) : 'no answer';
  $('call-time').textContent = `${call.ms} ms`;
  $('call-message').textContent = `operator status "${call.status}". ${answer.message || ''}`;
}

// ---- panel 3: what the page received ----

function cookieValue(name) {
  const pair = document.cookie.split('; ').find((c) => c.startsWith(`${name}=`));
  return pair === undefined ? undefined : pair.slice(name.length + 1);
}

/** The cookie's identity for display, or what is wrong with it (anyone can set a cookie on the site). */
function describeIdentityCookie(value) {
  try {
    return JSON.stringify(JSON.parse(decodeURIComponent(value)), shortenTokens, 2);
  } catch (e) {
    return `not an identity (Prebid ignores it): ${value.slice(0, 60)}`;
  }
}

/** The last login's answer this tab kept, if any. */
function readLoginAnswer() {
  try {
    return JSON.parse(sessionStorage.getItem(LOGIN_ANSWER_KEY) || 'null');
  } catch (e) {
    return null;
  }
}

function showReceived() {
  if (!params) {
    $('received-kind').textContent = 'nothing: this page was not served by the publisher\'s server (npm start)';
    return;
  }
  const answer = readLoginAnswer();
  if (delivery === 'cookie') {
    const value = cookieValue(params.uid2Cookie);
    $('received-kind').textContent = `first-party cookie ${params.uid2Cookie} (Prebid: params.uid2Cookie)`;
    $('received-attributes').textContent = value && answer && answer.cookie ? answer.cookie.attributes : '—';
    $('received-value').textContent = value ? describeIdentityCookie(value) : 'no cookie';
    $('received-hint').textContent = 'Set by the server\'s login answer. Prebid reads it on each page view; its token stays '
      + 'the one the server generated, while Prebid refreshes its own copy.';
  } else {
    $('received-kind').textContent = 'config token, written into this page by the server (Prebid: params.uid2Token)';
    $('received-attributes').textContent = '<script id="uid2-server-config"> … pbjs.setConfig({userSync}) …';
    $('received-value').textContent = JSON.stringify(params, shortenTokens, 2);
    $('received-hint').textContent = 'The server keeps the token in the reader\'s session (an HttpOnly cookie holds only '
      + 'the session id) and writes the token it generated into every page it serves.';
  }
}

function showRefreshed() {
  const stored = readStoredIdentity();
  const original = stored && stored.originalToken;
  const latest = stored && typeof stored.latestToken === 'object' ? stored.latestToken : undefined;
  const refreshed = Boolean(original && latest && latest.advertising_token !== original.advertising_token);
  setBadge($('storage-refreshed'), refreshed ? 'yes' : 'none', refreshed ? 'yes: Prebid sends the refreshed token' : 'not yet');
}

function showServerPanels() {
  showReceived();
  showRefreshed();
}

// ---- login and logout ----

async function postJson(url, body) {
  const response = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  return response.json().catch(() => ({ status: 'error', message: `HTTP ${response.status}` }));
}

/**
 * The server clears its cookies (the identity cookie the module reads, and the session); the module's disconnect call
 * clears what Prebid stored and holds; the config stops supplying a token the server wrote into the page.
 */
async function logOutOnServer() {
  await postJson(LOGOUT_URL, {});
  sessionStorage.removeItem(LOGIN_ANSWER_KEY);
  pbjs.disconnectUid2();
  if (params) {
    const { uid2Token: _token, ...rest } = params;
    pbjs.setConfig({ userSync: { ...pbjs.getConfig('userSync'), userIds: [{ name: 'uid2', params: rest }] } });
  }
}

const form = $('login-form');
form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const input = $('login-input');
  const dii = diiParam(input.value);
  // the address goes to the server and nowhere else: not kept in the page either
  input.value = '';
  logEvent(`Sent ${dii.email ? 'an email address' : 'a phone number'} to the publisher's server: it asks the UID2 operator for a token`);
  const answer = await postJson(LOGIN_URL, { ...dii, delivery });
  sessionStorage.setItem(LOGIN_ANSWER_KEY, JSON.stringify(answer));
  showLoginAnswer(answer);
  logEvent(answer.message || `Login: ${answer.status}`);
  if (answer.status !== 'success' || delivery === 'config') {
    // no token for this reader: nothing of a previous reader may stay either
    if (answer.status !== 'success') pbjs.disconnectUid2();
    // the server writes the reader's token (or none) into the page it serves: load it again, as after any
    // server-side login. (Prebid's userId core keeps the ID it has when the module finds none: only a new page
    // or a new userSync config drops it.)
    location.reload();
    return;
  }
  // the new cookie is under the module now: its token replaces the stored record of the previous one
  await track('generating', pbjs.refreshUserIds({ submoduleNames: ['uid2'] }));
  showServerPanels();
  await runAuction();
});
wireTestIdentities(form, $('login-input'));

$('logout-button').addEventListener('click', async () => {
  await logOutOnServer();
  logEvent('Logged out on the server and in Prebid, no reload: the next auction has no UID2');
  showIdentity();
  await runAuction();
});

showLoginAnswer(readLoginAnswer());
showServerPanels();
setInterval(showServerPanels, 500);
await pbjs.getUserIdsAsync();
showIdentity();
await runAuction();
