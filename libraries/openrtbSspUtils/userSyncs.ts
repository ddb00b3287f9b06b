/**
 * User syncs for the openrtbSsp adapter: the SSP's own sync URL, with the page's consent parameters, and the sync
 * entries its answers carry for its demand partners in Prebid Server's shape, `ext.usersync: {<partner>: {syncs:
 * [{url, type}]}}` with `type` `iframe`, or `image`/`redirect` (an image pixel), as the SSP wrote them; none is
 * repeated, whichever answers it came in.
 */
import { deepAccess } from 'prebid.js/src/utils.js';
import { httpUrl, isNonEmptyString } from './config.js';

export type SyncType = 'iframe' | 'image';

export interface SyncOptions {
  iframeEnabled: boolean;
  pixelEnabled: boolean;
}

type GdprConsent = { gdprApplies?: boolean; consentString?: string } | null | undefined;
type GppConsent = { gppString?: string; applicableSections?: number[] } | null | undefined;

export interface UserSync {
  type: SyncType;
  url: string;
}

/**
 * Entries read from all answers of an auction: far more than core fires (userSync.syncsPerBidder, 5 by default),
 * and a bound on the work an answer full of entries can cause when a publisher lifts that limit.
 */
export const MAX_ANSWER_SYNCS = 50;

/**
 * The gdpr, gdpr_consent, us_privacy, gpp and gpp_sid parameters of the page's consent, the ones it has: one table
 * of parameter and value, so each signal is read in one place.
 */
export function consentParams(gdprConsent: GdprConsent, uspConsent: string | null | undefined, gppConsent: GppConsent): [string, string][] {
  const applies = gdprConsent?.gdprApplies;
  const gpp = gppConsent?.gppString;
  return Object.entries({
    gdpr: typeof applies === 'boolean' ? +applies : undefined,
    gdpr_consent: gdprConsent?.consentString,
    us_privacy: uspConsent,
    gpp,
    gpp_sid: isNonEmptyString(gpp) ? (gppConsent!.applicableSections ?? []).join() : undefined,
  }).filter(([, value]) => value === 0 || value === 1 || isNonEmptyString(value)) as [string, string][];
}

/**
 * The syncs to register, in order: `own` (the SSP's own sync, if any, fired as an iframe when iframes are allowed,
 * else as an image) with the `consent` parameters (consentParams) over any it had, then the `{url, type}` entries of
 * the answers' `ext.usersync` (whatever the partner keys) of an enabled type with an http(s) URL (a sync may not run
 * `javascript:` or `data:` on the page), each URL once. A partner's URL goes as the SSP wrote it: the SSP filled in
 * the consent its request carried, and a query rebuilt with more parameters would break an encoded redirect or a
 * `$UID` macro in it (`ib.adnxs.com/getuid?<redirect URL>`).
 */
export function userSyncs(options: SyncOptions, own: URL | undefined, responses: unknown[], consent: [string, string][]): UserSync[] {
  // by type and URL, in the order first seen
  const syncs: Record<string, UserSync> = {};
  const add = (type: unknown, url: string) => {
    if (type === 'iframe' ? options.iframeEnabled : type === 'image' && options.pixelEnabled) syncs[type + url] ??= { type: type as SyncType, url };
  };
  if (own) {
    const ownType: SyncType = options.iframeEnabled ? 'iframe' : 'image';
    own.searchParams.set('type', ownType);
    for (const [name, value] of consent) own.searchParams.set(name, value);
    add(ownType, own.href);
  }
  // Object() reads any JSON value as an object: a level that is missing or not an object yields no entries
  const answered = responses.flatMap((response) => Object.values(Object(deepAccess(response as object, 'body.ext.usersync'))).flatMap((partner) => Object(partner).syncs ?? []));
  for (const entry of answered.slice(0, MAX_ANSWER_SYNCS)) {
    if (httpUrl(entry?.url)) add(entry.type === 'redirect' ? 'image' : entry.type, entry.url);
  }
  return Object.values(syncs);
}
