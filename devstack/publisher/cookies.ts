// The publisher's cookies: the identity cookie Prebid's UID2 module reads (params.uid2Cookie), the session
// cookie of the config-token route, and reading the request's Cookie header (attacker input).
import type { Uid2Identity } from '../../libraries/uid2/client/uid2Identity.js';

/** The cookie the page names in params.uid2Cookie; UID2's Prebid guide uses the same name. */
export const IDENTITY_COOKIE = 'uid2_pub_cookie';
/** The config-token route's session: an opaque id, the identity stays on the server. */
export const SESSION_COOKIE = 'publisher_session';

export interface CookieOptions {
  /** over https: the browser then sends the cookie over https only */
  secure: boolean;
  now: number;
}

/** Set-Cookie attributes for a cookie that lives until `expiresAt` (ms epoch), never a second longer. */
function lifetimeAttributes(expiresAt: number, now: number): string {
  const maxAge = Math.max(0, Math.floor((expiresAt - now) / 1000));
  return `Expires=${new Date(now + maxAge * 1000).toUTCString()}; Max-Age=${maxAge}`;
}

function setCookie(name: string, value: string, attributes: string[], secure: boolean): string {
  // Lax: sent when the reader follows a link to the site, not with other sites' subrequests or form posts
  return [`${name}=${value}`, 'Path=/', ...attributes, 'SameSite=Lax', ...(secure ? ['Secure'] : [])].join('; ');
}

/**
 * The identity as Prebid's module reads it: URI-encoded JSON (its getCookie decodes), readable by the page's
 * scripts (no HttpOnly: the module runs there), gone when the refresh token dies (refresh_expires).
 */
export function identityCookie(identity: Uid2Identity, { secure, now }: CookieOptions): string {
  return setCookie(IDENTITY_COOKIE, encodeURIComponent(JSON.stringify(identity)), [lifetimeAttributes(identity.refresh_expires, now)], secure);
}

/** The session cookie: HttpOnly, the page's scripts have no use for it. */
export function sessionCookie(sessionId: string, expiresAt: number, { secure, now }: CookieOptions): string {
  return setCookie(SESSION_COOKIE, sessionId, [lifetimeAttributes(expiresAt, now), 'HttpOnly'], secure);
}

/** Deletes a cookie set with the attributes above. */
export function clearedCookie(name: string, secure: boolean): string {
  return setCookie(name, '', ['Expires=Thu, 01 Jan 1970 00:00:00 GMT', 'Max-Age=0'], secure);
}

/** The value of cookie `name` in a Cookie header, undefined when absent. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const pair of (header ?? '').split(';')) {
    const equals = pair.indexOf('=');
    if (equals > 0 && pair.slice(0, equals).trim() === name) return pair.slice(equals + 1).trim();
  }
  return undefined;
}
