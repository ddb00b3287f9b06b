/**
 * User syncs for the openrtbSsp adapter: the SSP's own sync URL, and the sync entries its answers carry for its
 * demand partners in Prebid Server's shape, `ext.usersync: {<partner>: {syncs: [{url, type}]}}` with `type`
 * `iframe`, or `image`/`redirect` (an image pixel). Every URL gets the page's consent parameters; none is
 * repeated, whichever answers it came in.
 */
// a type guard only where Prebid declares it: src/utils.js is JavaScript in Prebid's own tree
import { isPlainObject } from 'prebid.js/src/utils/objects.js';
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

const TYPES: Record<string, SyncType> = { iframe: 'iframe', image: 'image', redirect: 'image' };
/**
 * Entries read from all answers of an auction: far more than core fires (userSync.syncsPerBidder, 5 by default),
 * and a bound on the work an answer full of entries can cause when a publisher lifts that limit.
 */
export const MAX_ANSWER_SYNCS = 50;

/** Sets gdpr, gdpr_consent, us_privacy, gpp and gpp_sid from the page, over any the URL already had. */
export function withConsent(url: URL, { gdprConsent, uspConsent, gppConsent }: ConsentSignals): URL {
  const params = url.searchParams;
  if (typeof gdprConsent?.gdprApplies === 'boolean') params.set('gdpr', gdprConsent.gdprApplies ? '1' : '0');
  if (isNonEmptyString(gdprConsent?.consentString)) params.set('gdpr_consent', gdprConsent.consentString);
  if (isNonEmptyString(uspConsent)) params.set('us_privacy', uspConsent);
  if (isNonEmptyString(gppConsent?.gppString)) {
    params.set('gpp', gppConsent.gppString);
    params.set('gpp_sid', (gppConsent.applicableSections ?? []).join(','));
  }
  return url;
}

/** The `{url, type}` entries of one answer's `ext.usersync`, whatever the partner keys. */
function entriesOf(body: unknown): unknown[] {
  const usersync = isPlainObject(body) && isPlainObject(body.ext) ? body.ext.usersync : undefined;
  return isPlainObject(usersync) ? Object.values(usersync).flatMap((partner) => (isPlainObject(partner) && partner.syncs) || []) : [];
}

/**
 * The syncs to register, in order: `own` (the SSP's own sync, if any, with the type it is fired as), then the
 * answers' entries of an enabled type with an http(s) URL (a sync may not run `javascript:` or `data:` on the
 * page); each with the consent parameters, each URL once.
 */
export function userSyncs(options: SyncOptions, own: URL | undefined, responseBodies: unknown[], consent: ConsentSignals): UserSync[] {
  const ownType: SyncType = options.iframeEnabled ? 'iframe' : 'image';
  if (own) own.searchParams.set('type', ownType);
  const entries = [own && { type: ownType, url: own.href }, ...responseBodies.flatMap(entriesOf).slice(0, MAX_ANSWER_SYNCS)];
  const syncs = new Map<string, UserSync>();
  for (const entry of entries) {
    if (!isPlainObject(entry)) continue;
    const type = TYPES[String(entry.type)];
    if (!type || !(type === 'iframe' ? options.iframeEnabled : options.pixelEnabled)) continue;
    const url = httpUrl(entry.url);
    if (!url) continue;
    const href = withConsent(url, consent).href;
    if (!syncs.has(type + href)) syncs.set(type + href, { type, url: href });
  }
  return [...syncs.values()];
}
