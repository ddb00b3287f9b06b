// What the publisher's server writes into its page: the Prebid userSync config for UID2, as an inline
// <script>. Every value is JSON escaped for a <script> element, so nothing in it (a token, a URL) can close
// the element or start a comment.
import type { Uid2Identity } from '../../libraries/uid2/client/uid2Identity.js';
import type { Delivery } from './loginRequest.js';
import { IDENTITY_COOKIE } from './cookies.js';

/** Where the page's HTML has the publisher's config put (before Prebid loads). */
export const CONFIG_MARKER = '<!-- uid2-server-config -->';

/** JSON that stays JSON inside <script>: "<", ">", "&" and the JS line separators as \u escapes. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Prebid's userSync config for UID2: the module refreshes at `operatorUrl`, and takes the identity from the
 * cookie (`delivery` cookie) or from `uid2Token` (`delivery` config, when the reader's session has one).
 */
export function uid2UserSync(delivery: Delivery, operatorUrl: string, identity: Uid2Identity | undefined) {
  const params = delivery === 'cookie'
    ? { uid2ApiBase: operatorUrl, uid2Cookie: IDENTITY_COOKIE }
    : { uid2ApiBase: operatorUrl, ...(identity ? { uid2Token: identity } : {}) };
  return { userIds: [{ name: 'uid2', params }], auctionDelay: 500, syncDelay: 0 };
}

/** The inline script: queued for Prebid like every publisher's setConfig, so it runs once the bundle loads. */
export function configScript(userSync: unknown): string {
  return [
    '<script id="uid2-server-config">',
    'window.pbjs = window.pbjs || {};',
    'window.pbjs.que = window.pbjs.que || [];',
    `window.pbjs.que.push(function () { window.pbjs.setConfig({"userSync": ${scriptJson(userSync)}}); });`,
    '</script>',
  ].join('\n');
}

/** The page with the script in place of the marker (a function replacement: no "$&" patterns in the script). */
export function renderPage(html: string, userSync: unknown): string {
  return html.replace(CONFIG_MARKER, () => configScript(userSync));
}
