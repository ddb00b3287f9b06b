/**
 * User syncs for the openrtbSsp adapter: the SSP's own sync URL, and the sync entries its answers carry for its
 * demand partners in Prebid Server's shape, `ext.usersync: {<partner>: {syncs: [{url, type}]}}` with `type`
 * `iframe`, or `image`/`redirect` (an image pixel). Every URL gets the page's consent parameters; none is
 * repeated, whichever answers it came in.
 */
import { httpUrl, isNonEmptyString } from './config.js';

export type SyncType = 'iframe' | 'image';

export interface SyncOptions {
  iframeEnabled: boolean;
  pixelEnabled: boolean;
}

export interface ConsentSignals {
  gdprConsent?: { gdprApplies?: boolean; consentString?: string } | null;
  uspConsent?: string | null;
  gppConsent?: { gppString?: string; applicableSections?: number[] } | null;
}

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
 * Sets gdpr, gdpr_consent, us_privacy, gpp and gpp_sid from the page, over any the URL already had: one table of
 * parameter and value, so each signal is read in one place.
 */
export function withConsent(url: URL, { gdprConsent, uspConsent, gppConsent }: ConsentSignals): URL {
  const applies = gdprConsent?.gdprApplies;
  const gpp = gppConsent?.gppString;
  const params: Record<string, unknown> = {
    gdpr: typeof applies === 'boolean' ? +applies : undefined,
    gdpr_consent: gdprConsent?.consentString,
    us_privacy: uspConsent,
    gpp,
    gpp_sid: isNonEmptyString(gpp) ? (gppConsent!.applicableSections ?? []).join() : undefined,
  };
  for (const [name, value] of Object.entries(params)) if (value === 0 || value === 1 || isNonEmptyString(value)) url.searchParams.set(name, String(value));
  return url;
}

/**
 * The syncs to register, in order: `own` (the SSP's own sync, if any, with the type it is fired as), then the
 * `{url, type}` entries of the answers' `ext.usersync` (whatever the partner keys) of an enabled type with an
 * http(s) URL (a sync may not run `javascript:` or `data:` on the page); each with the consent parameters, each URL
 * once.
 */
export function userSyncs(options: SyncOptions, own: URL | undefined, responseBodies: unknown[], consent: ConsentSignals): UserSync[] {
  const ownType: SyncType = options.iframeEnabled ? 'iframe' : 'image';
  own?.searchParams.set('type', ownType);
  // Object() reads any JSON value as an object: a level that is missing or not an object yields no entries
  const answered = responseBodies.flatMap((body) => Object.values(Object(Object(Object(body).ext).usersync)).flatMap((partner) => Object(partner).syncs ?? []));
  const syncs = new Map<string, UserSync>();
  for (const entry of [own && { type: ownType, url: own.href }, ...answered.slice(0, MAX_ANSWER_SYNCS)]) {
    const type: SyncType | undefined = entry?.type === 'iframe' ? 'iframe' : ['image', 'redirect'].includes(entry?.type) ? 'image' : undefined;
    const url = httpUrl(entry?.url);
    if (url && type && options[type === 'iframe' ? 'iframeEnabled' : 'pixelEnabled']) {
      const href = withConsent(url, consent).href;
      syncs.set(type + href, { type, url: href });
    }
  }
  return [...syncs.values()];
}
