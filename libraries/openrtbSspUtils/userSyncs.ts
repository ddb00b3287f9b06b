/**
 * User syncs for the openrtbSsp adapter: the SSP's own sync URL, and the sync entries its answers carry for its
 * demand partners in Prebid Server's shape, `ext.usersync: {<partner>: {syncs: [{url, type}]}}` with `type`
 * `iframe`, or `image`/`redirect` (an image pixel). Every URL gets the page's consent parameters; none is
 * repeated, whichever answers it came in.
 */
// a type guard only where Prebid declares it: src/utils.js is JavaScript in Prebid's own tree
import { isPlainObject } from 'prebid.js/src/utils/objects.js';

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

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

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

/** An http(s) URL, or undefined: a sync entry may not run `javascript:` or `data:` on the page. */
function syncUrl(url: unknown): URL | undefined {
  if (!isNonEmptyString(url)) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** The `{url, type}` entries of one answer's `ext.usersync`, whatever the partner keys. */
function entriesOf(body: unknown): unknown[] {
  const usersync = isPlainObject(body) && isPlainObject(body.ext) ? body.ext.usersync : undefined;
  if (!isPlainObject(usersync)) return [];
  return Object.values(usersync).flatMap((partner) => (isPlainObject(partner) && Array.isArray(partner.syncs) ? partner.syncs : []));
}

/**
 * The syncs to register, in order: `own` (the SSP's own sync, if any), then the answers' entries of an enabled
 * type; each with the consent parameters, each URL once.
 */
export function userSyncs(options: SyncOptions, own: URL | undefined, responseBodies: unknown[], consent: ConsentSignals): UserSync[] {
  const enabled = (type: SyncType) => (type === 'iframe' ? options.iframeEnabled : options.pixelEnabled);
  const candidates: Array<{ type: SyncType | undefined; url: URL | undefined }> = [];
  if (own) candidates.push({ type: options.iframeEnabled ? 'iframe' : 'image', url: own });
  for (const entry of responseBodies.flatMap(entriesOf).slice(0, MAX_ANSWER_SYNCS)) {
    if (isPlainObject(entry)) candidates.push({ type: TYPES[String(entry.type)], url: syncUrl(entry.url) });
  }
  const seen = new Set<string>();
  const syncs: UserSync[] = [];
  for (const { type, url } of candidates) {
    if (!type || !url || !enabled(type)) continue;
    if (url === own) url.searchParams.set('type', type);
    const href = withConsent(url, consent).href;
    if (seen.has(`${type} ${href}`)) continue;
    seen.add(`${type} ${href}`);
    syncs.push({ type, url: href });
  }
  return syncs;
}
