// Shared by the demo pages: where the UID2 operator, the SSP and the pixel receiver are, how the pages
// configure Prebid's UID2 module, and small display helpers. Plain browser JavaScript, no build step.

/** Where Prebid's UID2 module keeps the identity (the same key as Prebid's official module). */
const STORAGE_KEY = '__uid2_advertising_token';
export const UID2_SOURCE = 'uidapi.com';

/**
 * The local demo environment. The demo server (npm start) serves /demo-config.js with the ports it really
 * uses; query parameters override both, e.g.
 * ?uid2ApiBase=https://operator-integ.uidapi.com&serverPublicKey=UID2-X-I-…&subscriptionId=…
 */
const LOCAL_DEFAULTS = {
  uid2ApiBase: 'http://localhost:8877',
  serverPublicKey: 'UID2-X-L-MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEtXJdTSZAYHvoRDWiehMHoWF1BNPuqLs5w2ZHiAZ1IJc7O4/z0ojPTB0V+KYX/wxQK0hxx6kxCvHj335eI/ZQsQ==',
  subscriptionId: '4WvryDGbR5',
  sspEndpoint: 'http://localhost:8878/openrtb2/auction',
  receiverUrl: '/receiver',
  // the demo server's routes for the advertiser's own server and the operator's sharing permissions
  advertiserTokenUrl: '/advertiser/uid2-token',
  sharingAdminUrl: '/admin/sharing',
};

export function demoConfig() {
  const served = window.UID2_DEMO_CONFIG || {};
  const query = new URLSearchParams(location.search);
  const config = {};
  for (const key of Object.keys(LOCAL_DEFAULTS)) config[key] = query.get(key) || served[key] || LOCAL_DEFAULTS[key];
  return config;
}

/** Resolves with the pbjs global once the bundle has loaded. */
export function whenPrebidReady() {
  window.pbjs = window.pbjs || {};
  window.pbjs.que = window.pbjs.que || [];
  return new Promise((resolve) => window.pbjs.que.push(() => resolve(window.pbjs)));
}

/** 'user@example.com' → {email}, '+12345678901' → {phone}: the module hashes and encrypts it (CSTG). */
export function diiParam(value) {
  const trimmed = value.trim();
  return trimmed.startsWith('+') ? { phone: trimmed } : { email: trimmed };
}

/** The userSync config: CSTG params when a user is logged in, otherwise only the stored identity is used. */
export function uid2UserSync(config, dii) {
  const params = { uid2ApiBase: config.uid2ApiBase, serverPublicKey: config.serverPublicKey, subscriptionId: config.subscriptionId, ...dii };
  return { userIds: [{ name: 'uid2', params }], auctionDelay: 500, syncDelay: 0 };
}

/** Logs a user in: the module turns the email/phone into a UID2 token via the operator's client-side generate. */
export function logIn(pbjs, config, dii) {
  pbjs.setConfig({ userSync: uid2UserSync(config, dii) });
  return pbjs.refreshUserIds({ submoduleNames: ['uid2'] });
}

/** Removes the module's stored identity: what a site does when its reader logs out. */
export function forgetStoredIdentity() {
  localStorage.removeItem(STORAGE_KEY);
}

/** Logs out: forget the email/phone and the stored identity. */
export function logOut(pbjs, config) {
  forgetStoredIdentity();
  pbjs.setConfig({ userSync: uid2UserSync(config, {}) });
  return pbjs.refreshUserIds({ submoduleNames: ['uid2'] });
}

/** The module's stored value, {originalToken, latestToken} (latestToken is an identity or 'optout'). */
export function readStoredIdentity() {
  try {
    return JSON.parse(localStorage.getItem(STORAGE_KEY) || 'null') || undefined;
  } catch (e) {
    return undefined;
  }
}

/**
 * "Refresh now": Prebid's UID2 module refreshes a token only once its refresh_from has passed, so the demo moves
 * refresh_from of the stored identity to now and asks Prebid to re-check. (A real site just waits.)
 */
export function makeRefreshDue(pbjs) {
  const stored = readStoredIdentity();
  const latest = stored && stored.latestToken;
  if (!latest || typeof latest !== 'object') return Promise.resolve(false);
  latest.refresh_from = Math.min(latest.refresh_from, Date.now() - 1);
  localStorage.setItem(STORAGE_KEY, JSON.stringify(stored));
  return pbjs.refreshUserIds({ submoduleNames: ['uid2'] }).then(() => true);
}

/** The UID2 token Prebid currently sends to bidders, if any (public API only). */
export function currentToken(pbjs) {
  const eid = (pbjs.getUserIdsAsEids() || []).find((e) => e.source === UID2_SOURCE);
  return eid && eid.uids && eid.uids[0] ? eid.uids[0].id : undefined;
}

/**
 * none / generating / valid / refresh-due / refreshing / expired / optout, from the stored identity, the clock,
 * and what the page is doing right now (busy: 'generating' | 'refreshing' | undefined).
 */
export function identityState(stored, now, busy) {
  if (busy === 'generating') return 'generating';
  const latest = stored && stored.latestToken;
  if (latest === 'optout') return 'optout';
  if (!latest || typeof latest !== 'object') return 'none';
  if (busy === 'refreshing') return 'refreshing';
  if (now >= latest.identity_expires) return 'expired';
  if (now >= latest.refresh_from) return 'refresh-due';
  return 'valid';
}

export const STATE_LABELS = {
  none: 'No identity',
  generating: 'Generating…',
  valid: 'Valid',
  'refresh-due': 'Valid, refresh due',
  refreshing: 'Refreshing…',
  expired: 'Expired',
  optout: 'Opted out',
};

export function shortToken(token) {
  if (typeof token !== 'string') return '—';
  return token.length <= 24 ? token : `${token.slice(0, 12)}…${token.slice(-8)} (${token.length} chars)`;
}

/** 'in 12 s (21:30:05)' or '3 s ago (21:29:50)'. */
export function countdown(at, now) {
  if (typeof at !== 'number') return '—';
  const seconds = Math.round((at - now) / 1000);
  const clock = new Date(at).toLocaleTimeString([], { hour12: false });
  const span = formatDuration(Math.abs(seconds));
  return seconds >= 0 ? `in ${span} (${clock})` : `${span} ago (${clock})`;
}

function formatDuration(seconds) {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172800) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86400)} days`;
}

export function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

export function setBadge(element, state, label) {
  element.className = `badge ${state}`;
  element.dataset.state = state;
  element.textContent = label;
}

/** Appends a timestamped line to an <ol> (newest first). */
export function eventLogger(list) {
  return (text) => {
    const item = document.createElement('li');
    const time = document.createElement('time');
    time.textContent = new Date().toLocaleTimeString([], { hour12: false });
    item.append(time, text);
    list.prepend(item);
  };
}

/** Fills the login form's input and submits it (the test-identity buttons). */
export function wireTestIdentities(form, input) {
  document.querySelectorAll('[data-test-identity]').forEach((button) => {
    button.addEventListener('click', () => {
      input.value = button.dataset.testIdentity;
      form.requestSubmit();
    });
  });
}

export function showEnvironment(element, config) {
  element.textContent = `UID2 operator ${config.uid2ApiBase} · subscription ${config.subscriptionId} · SSP ${config.sspEndpoint}`;
}
