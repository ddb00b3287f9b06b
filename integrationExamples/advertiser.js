// The advertiser page: a conversion pixel carrying the customer's UID2 token to a receiver that decrypts it, and
// the advertiser's own token, which only the receivers the advertiser allowed can decrypt (the toggle).
import {
  STATE_LABELS, currentToken, demoConfig, diiParam, identityState, logIn, readStoredIdentity, setBadge,
  shortToken, showEnvironment, uid2UserSync, whenPrebidReady,
} from './demo-common.js';

const config = demoConfig();
const $ = (id) => document.getElementById(id);
const receiverBase = new URL(`${config.receiverUrl}/`, location.href);
$('receiver-link').href = receiverBase.href;
const ADVERTISER_SITE = 124;
const RECEIVER_SITE = 125;
const RECEIVER_TYPE = 'DSP';

/** What the receiver's statuses mean, in words. */
const STATUS_TEXT = {
  success: 'decrypted',
  not_authorized_for_key: 'not authorized for key: the sender has not shared with this receiver',
  not_authorized_for_master_key: "not authorized for master key: the receiver's keys are out of date",
  invalid_payload: 'invalid payload: not a token, or tampered with',
  expired_token: 'expired token',
};

const pixelBase = new URL('pixel', receiverBase).href;

/** The pixel with the UID2 token Prebid holds, built by the uid2 module's public API (undefined without a token). */
const uid2PixelUrl = (event) => pbjs.getUid2PixelUrl(pixelBase, { event });

/** The pixel with the advertiser's own token (from its server, not from Prebid). */
function pixelUrlWith(token, event) {
  if (!token) return undefined;
  const url = new URL(pixelBase);
  url.searchParams.set('event', event);
  url.searchParams.set('uid2_token', token);
  return url.href;
}

showEnvironment($('environment'), config);
const pbjs = await whenPrebidReady();
pbjs.setConfig({ userSync: uid2UserSync(config, {}) });

function showCustomer() {
  const state = identityState(readStoredIdentity(), Date.now());
  setBadge($('identity-state'), state, STATE_LABELS[state]);
  const token = currentToken(pbjs);
  $('identity-token').textContent = shortToken(token);
  $('buy-button').disabled = !token;
}

function firePixel(event, pixelUrl = uid2PixelUrl(event)) {
  if (!pixelUrl) return;
  // a cache buster, as real pixels carry: a page reuses an image it loaded before from the same URL
  const busted = new URL(pixelUrl);
  busted.searchParams.set('cb', `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`);
  const url = busted.href;
  const token = new URL(url).searchParams.get('uid2_token');
  $('pixel-url').textContent = token ? url.replace(encodeURIComponent(token), shortToken(token)) : url;
  const img = new Image(1, 1);
  img.alt = '';
  img.onload = img.onerror = () => showHits();
  img.src = url;
  $('pixels').append(img);
}

async function showHits() {
  const response = await fetch(new URL('hits', receiverBase), { cache: 'no-store' }).catch(() => undefined);
  if (!response || !response.ok) return;
  const { hits } = await response.json();
  if (!hits.length) return;
  $('hits').replaceChildren(...hits.map(hitRow));
}

/** One receiver log entry as a table row: every value set as text (the receiver's answer is not trusted). */
function hitRow(hit) {
  const cell = (text, className) => {
    const td = document.createElement('td');
    td.textContent = text;
    if (className) td.className = className;
    return td;
  };
  const decrypted = hit.decrypted === true ? 'yes' : 'no';
  const badge = document.createElement('span');
  badge.className = `badge ${decrypted}`;
  badge.dataset.state = decrypted;
  badge.textContent = decrypted;
  const badgeCell = cell('');
  badgeCell.append(badge);
  const statusCell = cell(String(STATUS_TEXT[hit.status] ?? hit.status ?? 'no token'));
  statusCell.dataset.status = String(hit.status ?? 'none');
  const row = document.createElement('tr');
  row.append(
    cell(new Date(hit.time).toLocaleTimeString([], { hour12: false })),
    cell(String(hit.event)),
    cell(`${hit.tokenPrefix ?? ''}…`, 'mono'),
    badgeCell,
    statusCell,
    cell(String(hit.siteId ?? '—')),
    cell(String(hit.fingerprint ?? '—'), 'mono'),
  );
  return row;
}

// ---- the advertiser's own token, and who may decrypt it ----

let advertiserToken;

/** Asks the advertiser's server for its own token of the customer (it maps the email/phone, then encrypts). */
async function fetchAdvertiserToken(dii) {
  advertiserToken = undefined;
  const response = await fetch(config.advertiserTokenUrl, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(dii) })
    .catch(() => undefined);
  const answer = response ? await response.json().catch(() => ({})) : {};
  if (answer.status === 'success') advertiserToken = answer.advertising_token;
  $('advertiser-token-state').textContent = advertiserToken
    ? `The advertiser's own token of this customer (site ${answer.site_id}): ${shortToken(advertiserToken)}`
    : answer.status === 'optout' ? 'The customer opted out: the advertiser has no UID2 to send.'
    : 'The advertiser\'s server could not make a token.';
  $('advertiser-pixel-button').disabled = !advertiserToken;
}

/** Whether the advertiser's permissions let the Local DSP decrypt: directly, or as one of all DSPs. */
function sharesWithReceiver(entry) {
  return (entry.allowed_sites || []).includes(RECEIVER_SITE) || entry.allowed_types.includes(RECEIVER_TYPE);
}

function showSharing(entry) {
  const shared = sharesWithReceiver(entry);
  $('share-toggle').checked = shared;
  $('share-toggle').disabled = false;
  $('share-state').textContent = shared
    ? 'The advertiser shares with the Local DSP: it receives the advertiser\'s keys and can decrypt its tokens.'
    : 'The advertiser does not share with the Local DSP: it is not given the advertiser\'s keys, and its tokens read "not authorized for key".';
}

async function loadSharing() {
  const response = await fetch(config.sharingAdminUrl, { cache: 'no-store' }).catch(() => undefined);
  if (!response || !response.ok) return void ($('share-state').textContent = 'The sharing permissions are not available here.');
  const { body } = await response.json();
  showSharing(body.senders.find((entry) => entry.sender_site_id === ADVERTISER_SITE));
}

/** Grants or revokes the Local DSP (the demo server also makes the receiver fetch its keys again at once). */
async function setSharing(allow) {
  $('share-toggle').disabled = true;
  const response = await fetch(config.sharingAdminUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ sender_site_id: ADVERTISER_SITE, receiver_site_id: RECEIVER_SITE, allow }),
  }).catch(() => undefined);
  if (response && response.ok) showSharing((await response.json()).body);
  else await loadSharing();
}

$('share-toggle').addEventListener('change', (event) => setSharing(event.target.checked));
$('advertiser-pixel-button').addEventListener('click', () => firePixel('purchase-advertiser', pixelUrlWith(advertiserToken, 'purchase-advertiser')));

$('login-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  setBadge($('identity-state'), 'generating', STATE_LABELS.generating);
  const dii = diiParam($('login-input').value);
  await Promise.all([logIn(pbjs, config, dii).catch(() => undefined), fetchAdvertiserToken(dii)]);
  showCustomer();
  firePixel('login');
});
$('buy-button').addEventListener('click', () => firePixel('purchase'));
loadSharing();

await pbjs.getUserIdsAsync();
showCustomer();
setInterval(showCustomer, 1000);
firePixel('pageview');
showHits();
