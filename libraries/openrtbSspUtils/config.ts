/**
 * The openrtbSsp adapter's settings: `setConfig({openrtbSsp: {...}})`, or per bidder with `setBidderConfig`. They
 * are the SSP's (where requests go, how they are sent, how long its bids live), never the publisher's, and every
 * reader here falls back to a documented default when a value is missing or unusable.
 */
import { config } from 'prebid.js/src/config.js';
import { bidderSettings } from 'prebid.js/src/bidderSettings.js';
import { prefixLog } from 'prebid.js/src/utils.js';
// a type guard only where Prebid declares it: src/utils.js is JavaScript in Prebid's own tree
import { isPlainObject } from 'prebid.js/src/utils/objects.js';
import type { MediaType } from 'prebid.js/src/mediaTypes.js';

export const BIDDER_CODE = 'openrtbSsp';
/** Warnings go through this object so that specs can observe them. */
export const log = prefixLog(`${BIDDER_CODE}:`);
/**
 * Seconds a bid stays usable when neither the bid (`exp`), the SSP's answer nor its settings say: a VAST ad is
 * typically cached and played later than a display ad is shown.
 */
export const DEFAULT_TTL = { banner: 300, native: 300, video: 1800 } as const;
/**
 * Bodies from this size on are gzipped: a smaller request and its headers fit in one TCP segment (MSS ~1460 B)
 * anyway, so compressing it only spends time (see `npm run bench:adapter` for the sizes).
 */
export const DEFAULT_GZIP_MIN_BYTES = 1024;

/** A value for every format, or one per format (missing formats take the default). */
export type PerFormat<T> = T | Partial<Record<'banner' | 'video' | 'native', T>>;

export interface OpenrtbSspConfig {
  /** Auction endpoint (absolute http(s) URL). Required: without it the adapter does not bid. */
  endpoint?: string;
  /** User sync URL; default `/usersync` on the endpoint's origin. */
  syncUrl?: string;
  /** '2.6' sends user.eids, regs.gdpr, user.consent, source.schain (the 2.6 homes of the 2.5 ext fields); default '2.5' (the ext locations). */
  ortbVersion?: '2.5' | '2.6';
  /** gzip request bodies of gzipMinBytes or more (core adds `?gzip=1`, and sends plain in debug mode). Default true. */
  gzip?: boolean;
  /** Smallest body (JSON characters) that is gzipped. Default DEFAULT_GZIP_MIN_BYTES. */
  gzipMinBytes?: number;
  /** Most imps in one request: more ad units are split over several requests. Default: no limit. */
  maxImpsPerRequest?: number;
  /** Bid lifetime in seconds when the bid has no `exp` and the answer no `ext.ttl`. Default DEFAULT_TTL. */
  ttl?: PerFormat<number>;
  /** Whether prices are net of the SSP's fee when the answer does not say (`ext.netRevenue`). Default true. */
  netRevenue?: PerFormat<boolean>;
  /** Outstream player (InRenderer.js contract) for bids whose answer names none. Default: none. */
  outstreamRendererUrl?: string;
  /** Options handed to the outstream player. */
  outstreamRendererOptions?: Record<string, unknown>;
  /** Cookieless timeout notifications to `/event` on the endpoint's origin. Default true. */
  notifications?: boolean;
}

export function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

/** The settings core holds for the bidder it runs now (bidder config over global config). */
export function sspConfig(): OpenrtbSspConfig {
  const settings = config.getConfig(BIDDER_CODE);
  return isPlainObject(settings) ? (settings as OpenrtbSspConfig) : {};
}

/**
 * An absolute URL of one of `protocols` (default http and https), or undefined: no URL from the settings or an
 * answer may run `javascript:` or `data:`.
 */
export function httpUrl(value: unknown, protocols = /^https?:$/): URL | undefined {
  try {
    const url = new URL(typeof value === 'string' ? value : '');
    if (protocols.test(url.protocol)) return url;
  } catch {
    // not an absolute URL
  }
}

/** A URL setting, or undefined (with an error when one was given but is not an absolute http(s) URL). */
function settingsUrl(settings: OpenrtbSspConfig, key: 'endpoint' | 'syncUrl'): URL | undefined {
  const value = settings[key];
  const url = httpUrl(value);
  if (value !== undefined && !url) log.logError(`${key} ${value} ignored`);
  return url;
}

export const endpointUrl = (settings: OpenrtbSspConfig): URL | undefined => settingsUrl(settings, 'endpoint');

/** The SSP's own sync URL: the configured one, else `/usersync` on the endpoint's origin; none without either. */
export function ownSyncUrl(settings: OpenrtbSspConfig): URL | undefined {
  const configured = settingsUrl(settings, 'syncUrl');
  const endpoint = configured ? undefined : endpointUrl(settings);
  return configured ?? (endpoint && new URL('/usersync', endpoint));
}

/** The most imps per request, or undefined for no limit (with a warning when the setting is unusable). */
export function impLimit(settings: OpenrtbSspConfig): number | undefined {
  const limit = settings.maxImpsPerRequest;
  if (limit === undefined || (Number.isInteger(limit) && limit > 0)) return limit;
  log.logWarn(`maxImpsPerRequest ${limit} ignored`);
}

/**
 * The smallest body core is asked to gzip: DEFAULT_GZIP_MIN_BYTES by default, none (undefined) with `gzip: false`. In
 * debug mode core sends it plain anyway, readable in the browser's tools.
 */
export function gzipMinBytes({ gzip, gzipMinBytes: minBytes }: OpenrtbSspConfig): number | undefined {
  if (gzip !== false) return typeof minBytes === 'number' && minBytes >= 0 ? minBytes : DEFAULT_GZIP_MIN_BYTES;
}

/**
 * ttl and netRevenue of a bid of `mediaType`: the bid's own (`exp`, `ext.netRevenue`) win over the answer's ext,
 * then the settings, then the defaults. Each may be one value or one per format (PerFormat); values that are not
 * positive seconds or booleans are skipped.
 */
export function bidTerms(bid: { exp?: unknown; ext?: { [key: string]: unknown } }, answerExt: unknown, mediaType: MediaType, settings: OpenrtbSspConfig) {
  const answer = Object(answerExt);
  const first = <T>(isValid: (value: unknown) => value is T, ...values: unknown[]): T | undefined =>
    values.map((value) => (isPlainObject(value) ? value[mediaType] : value)).find(isValid);
  return {
    ttl: first((value): value is number => Number.isFinite(value) && (value as number) > 0, bid.exp, answer.ttl, settings.ttl) ?? DEFAULT_TTL[mediaType as keyof typeof DEFAULT_TTL],
    netRevenue: first((value): value is boolean => typeof value === 'boolean', bid.ext?.netRevenue, answer.netRevenue, settings.netRevenue) ?? true,
  };
}

/**
 * The alternate bidder codes the publisher allows `bidderCode` (bidderSettings): undefined when none, ['*'] for
 * any; normalized as core normalizes them before it accepts or rejects a bid.
 */
export function allowedAlternateCodes(bidderCode: string): string[] | undefined {
  const list = bidderSettings.get(bidderCode, 'allowedAlternateBidderCodes') as unknown;
  if (bidderSettings.get(bidderCode, 'allowAlternateBidderCodes') === true) {
    return Array.isArray(list) ? [...new Set(list.filter(isNonEmptyString).map((code) => code.trim().toLowerCase()).filter(Boolean))] : ['*'];
  }
}
