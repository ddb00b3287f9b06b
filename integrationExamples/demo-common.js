// Shared by the demo pages: where the UID2 operator, the SSP and the pixel receiver are, how the pages
// configure Prebid's UID2 module, and small display helpers. Plain browser JavaScript, no build step.

/** Where Prebid's UID2 module keeps the identity (the same key as Prebid's official module). */
const STORAGE_KEY = '__uid2_advertising_token';
export const UID2_SOURCE = 'uidapi.com';

/**
 * The local demo environment. The demo server (npm start) serves /demo-config.js with the ports it really
 * uses. Query parameters override them within limits, since anyone can send a link: an endpoint only to an
 * allowed origin (see allowedOverride), a key or id only in its format, e.g.
 * ?uid2ApiBase=https://operator-integ.uidapi.com&serverPublicKey=UID2-X-I-…&subscriptionId=…
 * once the server runs with `npm start -- --operator https://operator-integ.uidapi.com`.
 */
const LOCAL_DEFAULTS = {
  uid2ApiBase: 'http://localhost:8877',
  serverPublicKey: 'UID2-X-L-MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEtXJdTSZAYHvoRDWiehMHoWF1BNPuqLs5w2ZHiAZ1IJc7O4/z0ojPTB0V+KYX/wxQK0hxx6kxCvHj335eI/ZQsQ==',
  subscriptionId: '4WvryDGbR5',
  sspEndpoint: 'http://localhost:8878/openrtb2/auction',
  receiverUrl: '/receiver',
  // the demo server's routes for the advertiser's own server and the operator's sharing permissions
  advertiserTokenUrl: '/advertiser/uid2-token',
  advertiserSegmentUrl: '/advertiser/segment',
  sharingAdminUrl: '/admin/sharing',
};

/** The settings that are endpoints: each receives tokens, an email address or the page's requests. */
const ENDPOINT_SETTINGS = ['uid2ApiBase', 'sspEndpoint', 'receiverUrl', 'advertiserTokenUrl', 'advertiserSegmentUrl', 'sharingAdminUrl'];
/** The format a query parameter must have to replace each other setting. */
const SETTING_FORMATS = {
  serverPublicKey: /^(UID2|EUID)-X-[A-Z]-[A-Za-z0-9+/]+={0,2}$/,
  subscriptionId: /^[A-Za-z0-9_-]{1,64}$/,
};

function isLoopbackHost(hostname) {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/**
 * Whether a query parameter may point an endpoint at `value`: an http(s) URL on this machine (loopback), on
 * the page's own origin, or on an origin the demo server was started with (`overrideOrigins` of
 * /demo-config.js, from `npm start -- --operator URL` or `--ssp URL`). Anything else (another site,
 * `javascript:`, `data:`) is ignored.
 */
function allowedOverride(value, allowedOrigins, pageUrl = location.href) {
  let url;
  try {
    url = new URL(value, pageUrl);
  } catch (e) {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  return isLoopbackHost(url.hostname) || url.origin === new URL(pageUrl).origin || allowedOrigins.includes(url.origin);
}

/** The settings, and `ignoredOverrides`: the query parameters refused (shown on the page). */
export function demoConfig() {
  const served = window.UID2_DEMO_CONFIG || {};
  const allowedOrigins = Array.isArray(served.overrideOrigins) ? served.overrideOrigins : [];
  const query = new URLSearchParams(location.search);
  const config = { ignoredOverrides: [] };
  for (const key of Object.keys(LOCAL_DEFAULTS)) {
    const override = query.get(key);
    const accepted = Boolean(override) && (ENDPOINT_SETTINGS.includes(key) ? allowedOverride(override, allowedOrigins) : SETTING_FORMATS[key].test(override));
    if (override && !accepted) config.ignoredOverrides.push(key);
    config[key] = accepted ? override : served[key] || LOCAL_DEFAULTS[key];
  }
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

/**
 * Logs out without a reload: the module's disconnect call removes its record (localStorage and cookie), its claim
 * cookies and the ID Prebid holds, so the next auction has no UID2; the config stops supplying the email/phone.
 */
export function logOut(pbjs, config) {
  pbjs.disconnectUid2();
  pbjs.setConfig({ userSync: uid2UserSync(config, {}) });
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
  const ignored = config.ignoredOverrides.map((key) => `?${key}=`).join(', ');
  element.textContent = `UID2 operator ${config.uid2ApiBase} · subscription ${config.subscriptionId} · SSP ${config.sspEndpoint}` +
    (ignored ? ` · ignored ${ignored} (not an allowed origin or format: see integrationExamples/README.md)` : '');
}

/**
 * Shows a winning bid the way an ad server's SafeFrame does: in a sandboxed frame of another origin
 * (creative-frame.html on the demo's creative server, UID2_DEMO_CONFIG.creativeOrigin, which serves nothing else),
 * where Prebid's own cross-origin creative asks this page's Prebid for the ad over postMessage. The creative reaches
 * neither the page, nor its storage (the UID2 identity), nor its cookies, nor the demo server's routes; the sandbox
 * also keeps it from navigating the page.
 */
export function renderInSandboxedFrame(slot, bid) {
  const frame = document.createElement('iframe');
  frame.title = 'ad';
  frame.setAttribute('scrolling', 'no');
  // allow-same-origin keeps the frame's own (foreign) origin, which Prebid's renderer frames inside it share
  frame.setAttribute('sandbox', 'allow-scripts allow-same-origin allow-popups allow-popups-to-escape-sandbox');
  frame.width = String(bid.width || 300);
  frame.height = String(bid.height || 250);
  frame.src = `${window.UID2_DEMO_CONFIG.creativeOrigin}/creative-frame.html#${new URLSearchParams({ adId: bid.adId, pubUrl: location.href })}`;
  slot.replaceChildren(frame);
  return frame;
}
