/**
 * OpenRTB SSP bid adapter (bidder `openrtbSsp`).
 *
 * One OpenRTB request per auction (or per `maxImpsPerRequest` ad units), built by Prebid's ortbConverter:
 * consent, first-party data, schain, floors and the userId module's eids (UID2 among them) arrive exactly as core
 * prepared and redacted them. The adapter adds only what the SSP needs on top (tagid, publisher id, USD floors,
 * the eid location) and never rebuilds core's work.
 *
 * Where the request goes is the SSP's choice, not a publisher param, and has no default:
 * `setConfig({openrtbSsp: {endpoint}})` (or bidder config). Without it the adapter logs an error and does not bid.
 */
import { registerBidder, type AdapterRequest, type BidderSpec } from 'prebid.js/src/adapters/bidderFactory.js';
import { BANNER, NATIVE, VIDEO, type MediaType } from 'prebid.js/src/mediaTypes.js';
import { config } from 'prebid.js/src/config.js';
import { GVL_PURPOSES } from 'prebid.js/src/consentHandler.js';
import { EVENT_TYPE_IMPRESSION, EVENT_TYPE_WIN, TRACKER_METHOD_IMG } from 'prebid.js/src/eventTrackers.js';
import { bidderSettings } from 'prebid.js/src/bidderSettings.js';
import { DEBUG_MODE } from 'prebid.js/src/constants.js';
import {
  debugTurnedOn, deepSetValue, getParameterByName, politeTriggerPixel, prefixLog, replaceAuctionPrice,
} from 'prebid.js/src/utils.js';
// a type guard only where Prebid declares it: src/utils.js is JavaScript in Prebid's own tree
import { isPlainObject } from 'prebid.js/src/utils/objects.js';
import { ortbConverter } from 'prebid.js/libraries/ortbConverter/converter.js';
import { ORTB_MTYPES } from 'prebid.js/libraries/ortbConverter/processors/mediaType.js';
import { toOrtb26 } from 'prebid.js/libraries/ortb2.5Translator/translator.js';
import { needsOutstreamRenderer, outstreamRenderer, playerUrl } from '../libraries/openrtbSspUtils/outstream.js';
import { userSyncs } from '../libraries/openrtbSspUtils/userSyncs.js';
import type { BidderRequest, BidRequest } from 'prebid.js/src/adapterManager.js';
import type { BidResponse } from 'prebid.js/src/bidfactory.js';
import type { ORTBImp, ORTBRequest } from 'prebid.js/src/types/ortb/request.d.ts';
import type { ORTBResponse } from 'prebid.js/src/types/ortb/response.d.ts';

export const BIDDER_CODE = 'openrtbSsp';
export const ADAPTER_VERSION = '1.0.0';
/**
 * PLACEHOLDER IAB GVL id: not assigned to this adapter. The SSP shipping this adapter must replace it (and
 * GVL_DECLARATION) with its own registration before enabling `tcfeu_supported`.
 */
export const GVLID = 1999;
/** A white-label partner reselling the same endpoint under its own (placeholder) GVL registration. */
export const ALIASES = [{ code: 'openrtbSspWl', gvlid: 1998 }] as const;
/**
 * Legal bases the placeholder vendors (the adapter and its alias) declare in the GVL. Prebid's build writes this from the GVL for its own
 * modules; an adapter built outside Prebid's tree has to declare it, or tcfControl falls back to a default.
 */
export const GVL_DECLARATION = { purposes: [1, 2, 3, 4, 7, 9, 10], legIntPurposes: [], flexiblePurposes: [2, 7, 9, 10], specialFeatures: [] };
/** Bids, floors and billing are in US dollars; the currency module converts for the publisher. */
export const CURRENCY = 'USD';
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

export interface OpenrtbSspParams {
  /** The SSP's placement id, sent as imp.tagid. */
  placementId: string;
  /** The publisher's account at the SSP, sent as site/app/dooh.publisher.id. */
  publisherId?: string;
  /** Floor in USD, used only when neither the priceFloors module nor ortb2Imp gave one. */
  bidfloor?: number;
  /** OpenRTB imp.video fields that override mediaTypes.video (e.g. protocols the player supports). */
  video?: Partial<NonNullable<ORTBImp['video']>>;
  /** Test traffic: sets request.test = 1, which the SSP always answers with a bid. */
  test?: boolean;
}

/** A value for every format, or one per format (missing formats take the default). */
export type PerFormat<T> = T | Partial<Record<'banner' | 'video' | 'native', T>>;

/** `setConfig({openrtbSsp: {...}})`, or per bidder with `setBidderConfig`: the SSP's settings, not the publisher's. */
export interface OpenrtbSspConfig {
  /** Auction endpoint (absolute http(s) URL). Required: without it the adapter does not bid. */
  endpoint?: string;
  /** User sync URL; default `/usersync` on the endpoint's origin. */
  syncUrl?: string;
  /** '2.6' sends user.eids, regs.gdpr, user.consent, source.schain (toOrtb26); default '2.5' (the ext locations). */
  ortbVersion?: '2.5' | '2.6';
  /** gzip request bodies of gzipMinBytes or more (core adds `?gzip=1`; never in debug mode). Default true. */
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

declare module 'prebid.js/src/adUnits' {
  interface BidderParams {
    [BIDDER_CODE]: OpenrtbSspParams;
  }
}

declare module 'prebid.js/src/config' {
  interface Config {
    [BIDDER_CODE]?: OpenrtbSspConfig;
  }
}

/** Warnings go through this object so that specs can observe them. */
export const log = prefixLog(`${BIDDER_CODE}:`);

for (const gvlid of [GVLID, ...ALIASES.map((alias) => alias.gvlid)]) (GVL_PURPOSES as Record<number, typeof GVL_DECLARATION>)[gvlid] ??= GVL_DECLARATION;

type SspBidRequest = BidRequest<typeof BIDDER_CODE>;
type ORTBBid = NonNullable<ORTBResponse['seatbid']>[number]['bid'][number];
type EventTracker = NonNullable<BidResponse['eventtrackers']>[number];

function sspConfig(): OpenrtbSspConfig {
  const settings = config.getConfig(BIDDER_CODE);
  return isPlainObject(settings) ? (settings as OpenrtbSspConfig) : {};
}

/** An absolute http(s) URL from the settings, or undefined (with an error when one was given but unusable). */
function settingsUrl(url: unknown, what: string): URL | undefined {
  if (url === undefined) return undefined;
  try {
    const parsed = new URL(String(url));
    if (parsed.protocol === 'https:' || parsed.protocol === 'http:') return parsed;
  } catch {
    // reported below
  }
  log.logError(`${what} "${String(url)}" is not an absolute http(s) URL; ignored`);
  return undefined;
}

function endpointUrl(settings = sspConfig()): URL | undefined {
  return settingsUrl(settings.endpoint, `${BIDDER_CODE}.endpoint`);
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

// ---- request ----

/** The video object the SSP will see: mediaTypes.video with params.video on top. */
function videoParams(bidRequest: SspBidRequest): Record<string, unknown> | undefined {
  const video = bidRequest.mediaTypes?.video;
  return video ? { ...video, ...bidRequest.params?.video } : undefined;
}

function hasAssets(bidRequest: SspBidRequest): boolean {
  const assets = (bidRequest as { nativeOrtbRequest?: { assets?: unknown[] } }).nativeOrtbRequest?.assets;
  return Array.isArray(assets) && assets.length > 0;
}

/** Formats of the ad unit the SSP can accept (it rejects a video without mimes, like Prebid Server). */
function usableFormats(bidRequest: SspBidRequest): MediaType[] {
  const formats: MediaType[] = [];
  const { banner, native } = bidRequest.mediaTypes ?? {};
  if (banner && ((banner.sizes?.length ?? 0) > 0 || (bidRequest.ortb2Imp?.banner?.format?.length ?? 0) > 0)) formats.push(BANNER);
  const mimes = videoParams(bidRequest)?.mimes;
  if (Array.isArray(mimes) && mimes.length > 0) formats.push(VIDEO);
  if (native && hasAssets(bidRequest)) formats.push(NATIVE);
  return formats;
}

/**
 * Floors go to the SSP in USD only: a floor the currency module cannot convert would be read as dollars, so it
 * is dropped with a warning instead.
 */
function withUsdFloors(bidRequest: SspBidRequest): SspBidRequest {
  const getFloor = (bidRequest as { getFloor?: (params: Record<string, unknown>) => { floor?: number; currency?: string } | undefined }).getFloor;
  if (typeof getFloor !== 'function') return bidRequest;
  return {
    ...bidRequest,
    getFloor(params: Record<string, unknown>) {
      const floor = getFloor.call(bidRequest, { ...params, currency: CURRENCY });
      if (floor?.currency != null && floor.currency !== CURRENCY) {
        log.logWarn(`floor for ${bidRequest.adUnitCode} is in ${floor.currency} and cannot be converted to ${CURRENCY}; sent without it`);
        return undefined;
      }
      return floor;
    },
  } as SspBidRequest;
}

/** The ad unit formats' value of a PerFormat setting or answer field, if it is valid. */
function forFormat<T>(value: unknown, mediaType: MediaType, isValid: (v: unknown) => v is T): T | undefined {
  if (isValid(value)) return value;
  const own = isPlainObject(value) ? value[mediaType] : undefined;
  return isValid(own) ? own : undefined;
}

const isTtl = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value) && value > 0;
const isBoolean = (value: unknown): value is boolean => typeof value === 'boolean';

/** ttl and netRevenue of a bid of `mediaType`: the bid's own (exp, ext.netRevenue) win over the answer's ext, then the settings, then the defaults. */
function bidTerms(bid: ORTBBid, response: ORTBResponse | undefined, mediaType: MediaType, settings: OpenrtbSspConfig) {
  const answer = isPlainObject(response?.ext) ? response.ext : {};
  return {
    ttl: forFormat(answer.ttl, mediaType, isTtl) ?? forFormat(settings.ttl, mediaType, isTtl) ?? DEFAULT_TTL[mediaType as keyof typeof DEFAULT_TTL],
    netRevenue: forFormat(bid.ext?.netRevenue, mediaType, isBoolean) ?? forFormat(answer.netRevenue, mediaType, isBoolean) ??
      forFormat(settings.netRevenue, mediaType, isBoolean) ?? true,
  };
}

/** The alternate bidder codes the publisher allows this bidder (bidderSettings): undefined when none, ['*'] for any. */
function allowedAlternateCodes(bidderCode: string): string[] | undefined {
  if (bidderSettings.get(bidderCode, 'allowAlternateBidderCodes') !== true) return undefined;
  const list = bidderSettings.get(bidderCode, 'allowedAlternateBidderCodes') as unknown;
  if (!Array.isArray(list)) return ['*'];
  // normalized as core normalizes it before it accepts or rejects a bid
  return [...new Set(list.filter(isNonEmptyString).map((code) => code.trim().toLowerCase()).filter(Boolean))];
}

/** The seat as the bid's bidder code, when the publisher allows it (so core will not reject the bid for it). */
function alternateBidderCode(seat: unknown, bidderCode: string): string | undefined {
  if (!isNonEmptyString(seat) || seat === bidderCode) return undefined;
  const allowed = allowedAlternateCodes(bidderCode);
  if (!allowed) return undefined;
  if (allowed[0] !== '*' && !allowed.includes(seat)) {
    log.logInfo(`seat ${seat} is not among the allowed alternate bidder codes; bid kept as ${bidderCode}`);
    return undefined;
  }
  return seat;
}

/** The outstream renderer for a bid: the player the answer names (ext.prebid.meta.rendererUrl), else the SSP's default. */
function rendererFor(bid: ORTBBid, bidRequest: SspBidRequest, settings: OpenrtbSspConfig) {
  const meta = (bid.ext?.prebid as { meta?: { rendererUrl?: unknown; rendererData?: unknown } } | undefined)?.meta;
  const endpoint = endpointUrl(settings);
  const fromAnswer = playerUrl(meta?.rendererUrl, endpoint);
  if (meta?.rendererUrl != null && !fromAnswer) log.logWarn(`bid ${bid.id}: renderer URL ${String(meta.rendererUrl)} is not allowed (https only); trying the default player`);
  const url = fromAnswer ?? playerUrl(settings.outstreamRendererUrl, endpoint);
  if (!url) return undefined;
  const answerOptions = isPlainObject(meta?.rendererData) ? meta.rendererData : {};
  const options = fromAnswer ? answerOptions : (settings.outstreamRendererOptions ?? {});
  return outstreamRenderer(url, options, bidRequest.adUnitCode, log);
}

const converter = ortbConverter<typeof BIDDER_CODE>({
  context: {
    currency: CURRENCY,
    nativeRequest: { eventtrackers: [{ event: EVENT_TYPE_IMPRESSION, methods: [TRACKER_METHOD_IMG] }] },
  },
  imp(buildImp, bidRequest, context) {
    const imp = buildImp(bidRequest, context);
    imp.tagid = bidRequest.params.placementId;
    const { bidfloor } = bidRequest.params;
    if (imp.bidfloor == null && typeof bidfloor === 'number' && bidfloor > 0) {
      imp.bidfloor = bidfloor;
      imp.bidfloorcur = CURRENCY;
    }
    return imp;
  },
  request(buildRequest, imps, bidderRequest, context) {
    const request = buildRequest(imps, bidderRequest, context);
    const publisherId = context.bidRequests.map((b) => b.params.publisherId).find(isNonEmptyString);
    const client = (['site', 'app', 'dooh'] as const).find((section) => request[section] != null);
    if (publisherId && client) deepSetValue(request, `${client}.publisher.id`, publisherId);
    if (context.bidRequests.some((b) => b.params.test === true)) request.test = 1;
    request.cur ??= [CURRENCY];
    deepSetValue(request, `ext.${BIDDER_CODE}.adapterVersion`, ADAPTER_VERSION);
    // tells the SSP which of its seats may bid under their own code
    const alternateCodes = allowedAlternateCodes(bidderRequest.bidderCode);
    if (alternateCodes) deepSetValue(request, `ext.${BIDDER_CODE}.allowedAlternateBidderCodes`, alternateCodes);
    return request;
  },
  bidResponse(buildBidResponse, bid, context) {
    const { bidRequest, bidderRequest } = context as typeof context & { bidderRequest: BidderRequest<typeof BIDDER_CODE> };
    const mediaType = responseMediaType(bid, context.imp, bidRequest, context.mediaType);
    if (mediaType === undefined) return undefined as unknown as BidResponse;
    const settings = sspConfig();
    const outstream = mediaType === VIDEO && needsOutstreamRenderer(bidRequest);
    const renderer = outstream ? rendererFor(bid, bidRequest, settings) : undefined;
    if (outstream && !renderer) {
      log.logWarn(`bid ${bid.id}: outstream ad unit ${bidRequest.adUnitCode} has no renderer and the SSP named no player; dropped`);
      return undefined as unknown as BidResponse;
    }
    // a processor that fails (e.g. native markup without assets) throws through here: the converter drops the bid
    const bidResponse = buildBidResponse(bid, { ...context, mediaType, ...bidTerms(bid, context.ortbResponse, mediaType, settings) });
    if (renderer) bidResponse.renderer = renderer;
    const meta = (bidResponse.meta ??= {});
    const seat = context.seatbid?.seat;
    if (isNonEmptyString(seat)) meta.networkName = seat;
    const bidderCode = bidderRequest?.bidderCode ?? bidRequest.bidder;
    const alternateCode = alternateBidderCode(seat, bidderCode);
    if (alternateCode) bidResponse.bidderCode = alternateCode;
    if (bid.ext?.dchain) meta.dchain = bid.ext.dchain;
    const trackers: EventTracker[] = [];
    // core fires only eventtrackers for client-side bids: burl becomes a billing (impression) tracker
    if (isNonEmptyString(bid.burl)) trackers.push(tracker(EVENT_TYPE_IMPRESSION, bid.burl, bid.price));
    if (isNonEmptyString(bid.nurl) && mediaType !== BANNER && (mediaType !== VIDEO || bid.adm)) {
      // the converter turns a video nurl into vastUrl even next to markup; with adm it is a win notice
      if (mediaType === VIDEO) delete (bidResponse as { vastUrl?: string }).vastUrl;
      trackers.push(tracker(EVENT_TYPE_WIN, bid.nurl, bid.price));
    }
    if (trackers.length > 0) bidResponse.eventtrackers = [...(bidResponse.eventtrackers ?? []), ...trackers];
    return bidResponse;
  },
  overrides: {
    imp: {
      bidfloor(orig, imp, bidRequest, context) {
        orig(imp, withUsdFloors(bidRequest), context);
      },
      extBidfloor(orig, imp, bidRequest, context) {
        orig(imp, withUsdFloors(bidRequest), context);
      },
      video(orig, imp, bidRequest, context) {
        if (!bidRequest.mediaTypes?.video) return;
        if (!usableFormats(bidRequest).includes(VIDEO)) {
          log.logWarn(`ad unit ${bidRequest.adUnitCode}: video without mimes is not sent`);
          return;
        }
        orig(imp, { ...bidRequest, mediaTypes: { ...bidRequest.mediaTypes, video: videoParams(bidRequest) } } as SspBidRequest, context);
      },
    },
  },
});

/**
 * Keeps the eids where the configured OpenRTB version expects them, and only there: Prebid Server-style SSPs
 * read user.eids and drop user.ext.eids when both are present. The eid objects themselves are shared with other
 * bidders and never modified.
 */
function placeEids(request: ORTBRequest, ortbVersion: OpenrtbSspConfig['ortbVersion']): void {
  const user = request.user;
  const eids: unknown[] = [...(user?.eids ?? []), ...((user?.ext?.eids as unknown[] | undefined) ?? [])];
  if (ortbVersion === '2.6') {
    toOrtb26(request);
    if (eids.length > 0) deepSetValue(request, 'user.eids', eids);
  } else if (user?.eids) {
    delete user.eids;
    deepSetValue(request, 'user.ext.eids', eids);
  }
}

/** Splits the ad units into groups of at most `limit` (all in one group without a limit). */
function chunks<T>(items: T[], limit: number | undefined): T[][] {
  if (!limit) return [items];
  return Array.from({ length: Math.ceil(items.length / limit) }, (_, i) => items.slice(i * limit, (i + 1) * limit));
}

function impLimit(settings: OpenrtbSspConfig): number | undefined {
  const limit = settings.maxImpsPerRequest;
  if (limit === undefined) return undefined;
  if (Number.isInteger(limit) && limit > 0) return limit;
  log.logWarn(`${BIDDER_CODE}.maxImpsPerRequest ${String(limit)} is not a positive integer; no limit`);
  return undefined;
}

/**
 * Whether a request body is gzipped: by default from DEFAULT_GZIP_MIN_BYTES on, never with `gzip: false`, and
 * never in debug mode, where the request has to stay readable in the browser's tools (core would skip it too).
 */
function gzipFrom(settings: OpenrtbSspConfig): (data: ORTBRequest) => boolean {
  const debug = getParameterByName(DEBUG_MODE).toUpperCase() === 'TRUE' || debugTurnedOn();
  if (settings.gzip === false || debug) return () => false;
  const minBytes = typeof settings.gzipMinBytes === 'number' && settings.gzipMinBytes >= 0 ? settings.gzipMinBytes : DEFAULT_GZIP_MIN_BYTES;
  return (data) => JSON.stringify(data).length >= minBytes;
}

// ---- response ----

/**
 * The bid's media type: `mtype`, else the request's single format; never a format the ad unit lacks, and never
 * a guess between the formats of a multi-format imp.
 */
function responseMediaType(bid: ORTBBid, imp: ORTBImp, bidRequest: SspBidRequest, contextMediaType?: MediaType): MediaType | undefined {
  let mediaType: MediaType | undefined;
  if (bid.mtype != null) {
    mediaType = ORTB_MTYPES[bid.mtype];
    if (mediaType === undefined) {
      log.logWarn(`bid ${bid.id} has unsupported mtype ${bid.mtype}; dropped`);
      return undefined;
    }
  } else {
    const offered = ([BANNER, VIDEO, NATIVE] as const).filter((format) => imp[format] != null);
    mediaType = contextMediaType ?? (offered.length === 1 ? offered[0] : undefined);
    if (mediaType === undefined) {
      log.logWarn(`bid ${bid.id} has no mtype and imp ${imp.id} offers ${offered.join(', ')}; dropped`);
      return undefined;
    }
  }
  if (!bidRequest.mediaTypes?.[mediaType]) {
    log.logWarn(`bid ${bid.id} is ${mediaType}, which ad unit ${bidRequest.adUnitCode} does not accept; dropped`);
    return undefined;
  }
  return mediaType;
}

/** An image tracker with the price macro filled in (500, Prebid's win event, is exchange-specific in the native spec). */
function tracker(event: number, url: string, price: number): EventTracker {
  return { event: event as EventTracker['event'], method: TRACKER_METHOD_IMG, url: replaceAuctionPrice(url, price) };
}

/** Why a seatbid[].bid[] cannot become a Prebid bid, or undefined if it can. */
function bidProblem(bid: unknown, impIds: Set<string>): string | undefined {
  const b = bid as ORTBBid;
  if (!isPlainObject(b)) return 'not an object';
  if (!impIds.has(b.impid)) return `unknown impid ${String(b.impid)}`;
  if (typeof b.price !== 'number' || !Number.isFinite(b.price) || b.price < 0) return `bad price ${String(b.price)}`;
  if (b.price === 0 && !b.dealid) return 'price 0 outside a deal';
  if (!isNonEmptyString(b.crid) && typeof b.crid !== 'number') return 'no crid';
  if (!isNonEmptyString(b.adm) && !isNonEmptyString(b.nurl) && !isPlainObject(b.adm)) return 'no adm or nurl';
  return undefined;
}

/** The bid without an `exp` that is not a positive number of seconds (core would take it as the ttl). */
function withUsableExp(bid: ORTBBid): ORTBBid {
  if (bid.exp === undefined || isTtl(bid.exp)) return bid;
  log.logWarn(`bid ${bid.id}: exp ${String(bid.exp)} is not a positive number of seconds; ignored`);
  const { exp: _ignored, ...rest } = bid;
  return rest as ORTBBid;
}

/**
 * The response with every bid Prebid could not use removed (each with a warning), or undefined when nothing in
 * it can be a bid. A 204 (empty body) is a plain no-bid.
 */
function usableResponse(body: unknown, request: ORTBRequest): ORTBResponse | undefined {
  if (body == null || body === '') return undefined;
  const response = body as ORTBResponse & { nbr?: number };
  if (!isPlainObject(response)) {
    log.logWarn('response is not a JSON object; no bids');
    return undefined;
  }
  if (response.seatbid == null) {
    if (response.nbr != null) log.logInfo(`no bid, reason ${response.nbr}`);
    else log.logWarn('response has no seatbid; no bids');
    return undefined;
  }
  if (!Array.isArray(response.seatbid)) {
    log.logWarn('response seatbid is not an array; no bids');
    return undefined;
  }
  if (response.id != null && response.id !== request.id) log.logWarn(`response id ${response.id} does not match request id ${request.id}`);
  const impIds = new Set(request.imp.map((imp) => imp.id));
  const seatbid = response.seatbid.flatMap((seat) => {
    if (!isPlainObject(seat) || !Array.isArray(seat.bid)) {
      log.logWarn('seatbid entry without a bid array; skipped');
      return [];
    }
    const bids = seat.bid.filter((bid) => {
      const problem = bidProblem(bid, impIds);
      if (problem) log.logWarn(`bid ${String((bid as ORTBBid)?.id)} dropped: ${problem}`);
      return !problem;
    }).map(withUsableExp);
    return bids.length > 0 ? [{ ...seat, bid: bids }] : [];
  });
  let cur = response.cur ?? CURRENCY;
  if (typeof cur !== 'string' || !/^[A-Z]{3}$/.test(cur)) {
    log.logWarn(`response cur ${String(cur)} is not a currency code; assuming ${CURRENCY}`);
    cur = CURRENCY;
  }
  return { ...response, cur, seatbid };
}

// ---- user syncs and notifications ----

/** The SSP's own sync URL: the configured one, else `/usersync` on the endpoint's origin; none without either. */
function ownSyncUrl(settings: OpenrtbSspConfig): URL | undefined {
  const configured = settingsUrl(settings.syncUrl, `${BIDDER_CODE}.syncUrl`);
  const endpoint = configured ? undefined : endpointUrl(settings);
  return configured ?? (endpoint && new URL('/usersync', endpoint));
}

function notify(type: string, params: Record<string, string | number>): void {
  const settings = sspConfig();
  const endpoint = endpointUrl(settings);
  if (settings.notifications === false || !endpoint) return;
  const url = new URL('/event', endpoint);
  url.search = new URLSearchParams({ type, ...Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)])) }).toString();
  politeTriggerPixel(url.href, 'omit');
}

export const spec: BidderSpec<typeof BIDDER_CODE> = {
  code: BIDDER_CODE,
  gvlid: GVLID,
  aliases: ALIASES,
  supportedMediaTypes: [BANNER, VIDEO, NATIVE],

  isBidRequestValid(bid) {
    const params = bid?.params;
    if (!isPlainObject(params)) return false;
    if (!isNonEmptyString(params.placementId)) {
      log.logWarn(`ad unit ${bid.adUnitCode}: params.placementId must be a non-empty string`);
      return false;
    }
    if (params.publisherId != null && !isNonEmptyString(params.publisherId)) return false;
    if (params.bidfloor != null && (typeof params.bidfloor !== 'number' || !(params.bidfloor >= 0))) return false;
    if (params.video != null && !isPlainObject(params.video)) return false;
    if (usableFormats(bid).length === 0) {
      log.logWarn(`ad unit ${bid.adUnitCode}: no banner sizes, video mimes or native assets`);
      return false;
    }
    return true;
  },

  buildRequests(bidRequests, bidderRequest) {
    const settings = sspConfig();
    const endpoint = endpointUrl(settings);
    if (!endpoint) {
      log.logError(`no endpoint configured: set pbjs.setConfig({${BIDDER_CODE}: {endpoint: 'https://…'}}); not bidding`);
      return [];
    }
    const compress = gzipFrom(settings);
    return chunks(bidRequests, impLimit(settings)).map((chunk) => {
      const data = converter.toORTB({ bidRequests: chunk, bidderRequest });
      placeEids(data, settings.ortbVersion);
      const request: AdapterRequest = { method: 'POST', url: endpoint.href, data };
      if (compress(data)) request.options = { endpointCompression: true };
      return request;
    });
  },

  interpretResponse(response, request) {
    const body = usableResponse(response?.body, request.data);
    if (!body) return [];
    return converter.fromORTB({ response: body, request: request.data });
  },

  getUserSyncs(syncOptions, responses, gdprConsent, uspConsent, gppConsent, coppa) {
    if ((!syncOptions.iframeEnabled && !syncOptions.pixelEnabled) || coppa) return [];
    const bodies = (Array.isArray(responses) ? responses : []).map((response) => response?.body);
    return userSyncs(syncOptions, ownSyncUrl(sspConfig()), bodies, { gdprConsent, uspConsent, gppConsent });
  },

  onTimeout(timedOut) {
    if (!Array.isArray(timedOut) || timedOut.length === 0) return;
    notify('timeout', { bids: timedOut.length, timeout: timedOut[0].timeout });
  },

  onBidderError({ error }) {
    // the SSP explains a rejected request in the body (the mock SSP lists validation errors)
    log.logWarn(`SSP answered HTTP ${error?.status}`, String(error?.responseText ?? '').slice(0, 500));
  },
};

registerBidder(spec);
