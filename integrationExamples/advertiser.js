// The advertiser page: a conversion pixel carrying the customer's UID2 token to a receiver that decrypts it.
import {
  STATE_LABELS, currentToken, demoConfig, diiParam, escapeHtml, identityState, logIn, readStoredIdentity, setBadge,
  shortToken, showEnvironment, uid2UserSync, whenPrebidReady,
} from './demo-common.js';

const config = demoConfig();
const $ = (id) => document.getElementById(id);
const receiverBase = new URL(`${config.receiverUrl}/`, location.href);
$('receiver-link').href = receiverBase.href;

/**
 * The pixel URL: the receiver's endpoint with the current UID2 token and the event name. The uid2 module is to
 * offer this as pbjs.getUid2PixelUrl(baseUrl, params) (see README.md); until it does, the page builds it from
 * the token Prebid holds.
 */
function uid2PixelUrl(event) {
  const base = new URL('pixel', receiverBase).href;
  if (typeof pbjs.getUid2PixelUrl === 'function') return pbjs.getUid2PixelUrl(base, { event });
  const token = currentToken(pbjs);
  if (!token) return undefined;
  const url = new URL(base);
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

function firePixel(event) {
  const url = uid2PixelUrl(event);
  if (!url) return;
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
  $('hits').innerHTML = hits.map((hit) => `<tr>
    <td>${new Date(hit.time).toLocaleTimeString([], { hour12: false })}</td>
    <td>${escapeHtml(hit.event)}</td>
    <td class="mono">${escapeHtml(hit.tokenPrefix)}…</td>
    <td><span class="badge ${hit.decrypted ? 'yes' : 'no'}" data-state="${hit.decrypted ? 'yes' : 'no'}">${hit.decrypted ? 'yes' : 'no'}</span></td>
    <td>${escapeHtml(hit.status ?? 'no token')}</td>
    <td>${hit.siteId ?? '—'}</td>
    <td class="mono">${escapeHtml(hit.fingerprint ?? '—')}</td>
  </tr>`).join('');
}

$('login-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  setBadge($('identity-state'), 'generating', STATE_LABELS.generating);
  await logIn(pbjs, config, diiParam($('login-input').value)).catch(() => undefined);
  showCustomer();
  firePixel('login');
});
$('buy-button').addEventListener('click', () => firePixel('purchase'));

await pbjs.getUserIdsAsync();
showCustomer();
setInterval(showCustomer, 1000);
firePixel('pageview');
showHits();
