/**
 * OpenRTB SSP bid adapter (bidder `openrtbSsp`).
 *
 * One OpenRTB request per auction, built by Prebid's ortbConverter: consent, first-party data, schain, floors and
 * the userId module's eids (UID2 among them) arrive exactly as core prepared and redacted them. The adapter adds
 * only what the SSP needs on top (tagid, publisher id, USD floors, the eid location) and never rebuilds core's work.
 *
 * Where the request goes is the SSP's choice, not a publisher param: `setConfig({openrtbSsp: {endpoint}})` (or
 * bidder config) over the build-time DEFAULT_ENDPOINT.
 */
import { registerBidder, type AdapterRequest, type BidderSpec } from 'prebid.js/src/adapters/bidderFactory.js';
import { BANNER, NATIVE, VIDEO, type MediaType } from 'prebid.js/src/mediaTypes.js';
import { config } from 'prebid.js/src/config.js';
import { GVL_PURPOSES } from 'prebid.js/src/consentHandler.js';
import { EVENT_TYPE_IMPRESSION, EVENT_TYPE_WIN, TRACKER_METHOD_IMG } from 'prebid.js/src/eventTrackers.js';
import { deepSetValue, isPlainObject, politeTriggerPixel, prefixLog, replaceAuctionPrice } from 'prebid.js/src/utils.js';
import { ortbConverter } from 'prebid.js/libraries/ortbConverter/converter.js';
import { ORTB_MTYPES } from 'prebid.js/libraries/ortbConverter/processors/mediaType.js';
import { toOrtb26 } from 'prebid.js/libraries/ortb2.5Translator/translator.js';
import type { BidRequest } from 'prebid.js/src/adapterManager.js';
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
/** The SSP's auction endpoint for this build: the local mock SSP (`server/ssp`). An SSP's own build sets its https URL. */
export const DEFAULT_ENDPOINT = 'http://localhost:8878/openrtb2/auction';
/** Bids, floors and billing are in US dollars; the currency module converts for the publisher. */
export const CURRENCY = 'USD';
export const DEFAULT_TTL = 300;

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

/** `setConfig({openrtbSsp: {...}})`, or per bidder with `setBidderConfig`: the SSP's settings, not the publisher's. */
export interface OpenrtbSspConfig {
  /** Auction endpoint (absolute URL); default DEFAULT_ENDPOINT. */
  endpoint?: string;
  /** User sync URL; default `/usersync` on the endpoint's origin. */
  syncUrl?: string;
  /** '2.6' sends user.eids, regs.gdpr, user.consent, source.schain (toOrtb26); default '2.5' (the ext locations). */
  ortbVersion?: '2.5' | '2.6';
  /** gzip the request body (core adds `?gzip=1`; skipped in debug mode). Default false. */
  gzip?: boolean;
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

function absoluteUrl(url: unknown, what: string): URL | undefined {
  if (typeof url !== 'string') return undefined;
  try {
    return new URL(url);
  } catch {
    log.logError(`${what} "${url}" is not an absolute URL; using the default`);
    return undefined;
  }
}

function endpointUrl(settings = sspConfig()): URL {
  return absoluteUrl(settings.endpoint, `${BIDDER_CODE}.endpoint`) ?? new URL(DEFAULT_ENDPOINT);
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

const converter = ortbConverter<typeof BIDDER_CODE>({
  context: {
    netRevenue: true,
    ttl: DEFAULT_TTL,
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
    return request;
  },
  bidResponse(buildBidResponse, bid, context) {
    const mediaType = responseMediaType(bid, context.imp, context.bidRequest, context.mediaType);
    if (mediaType === undefined) return undefined as unknown as BidResponse;
    // a processor that fails (e.g. native markup without assets) throws through here: the converter drops the bid
    const bidResponse = buildBidResponse(bid, { ...context, mediaType });
    const meta = (bidResponse.meta ??= {});
    if (isNonEmptyString(context.seatbid?.seat)) meta.networkName = context.seatbid.seat;
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
  if (!isPlainObject(bid)) return 'not an object';
  const b = bid as ORTBBid;
  if (!impIds.has(b.impid)) return `unknown impid ${String(b.impid)}`;
  if (typeof b.price !== 'number' || !Number.isFinite(b.price) || b.price < 0) return `bad price ${String(b.price)}`;
  if (b.price === 0 && !b.dealid) return 'price 0 outside a deal';
  if (!isNonEmptyString(b.crid) && typeof b.crid !== 'number') return 'no crid';
  if (!isNonEmptyString(b.adm) && !isNonEmptyString(b.nurl) && !isPlainObject(b.adm)) return 'no adm or nurl';
  return undefined;
}

/**
 * The response with every bid Prebid could not use removed (each with a warning), or undefined when nothing in
 * it can be a bid. A 204 (empty body) is a plain no-bid.
 */
function usableResponse(body: unknown, request: ORTBRequest): ORTBResponse | undefined {
  if (body == null || body === '') return undefined;
  if (!isPlainObject(body)) {
    log.logWarn('response is not a JSON object; no bids');
    return undefined;
  }
  const response = body as ORTBResponse & { nbr?: number };
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
    });
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

function syncUrl(settings: OpenrtbSspConfig): URL {
  return absoluteUrl(settings.syncUrl, `${BIDDER_CODE}.syncUrl`) ?? new URL('/usersync', endpointUrl(settings));
}

function notify(type: string, params: Record<string, string | number>): void {
  const settings = sspConfig();
  if (settings.notifications === false) return;
  const url = new URL('/event', endpointUrl(settings));
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
    const data = converter.toORTB({ bidRequests, bidderRequest });
    placeEids(data, settings.ortbVersion);
    const request: AdapterRequest = { method: 'POST', url: endpointUrl(settings).href, data };
    if (settings.gzip === true) request.options = { endpointCompression: true };
    return request;
  },

  interpretResponse(response, request) {
    const body = usableResponse(response?.body, request.data);
    if (!body) return [];
    return converter.fromORTB({ response: body, request: request.data });
  },

  getUserSyncs(syncOptions, _responses, gdprConsent, uspConsent, gppConsent, coppa) {
    if ((!syncOptions.iframeEnabled && !syncOptions.pixelEnabled) || coppa) return [];
    const type = syncOptions.iframeEnabled ? 'iframe' : 'image';
    const url = syncUrl(sspConfig());
    url.searchParams.set('type', type);
    if (typeof gdprConsent?.gdprApplies === 'boolean') url.searchParams.set('gdpr', gdprConsent.gdprApplies ? '1' : '0');
    if (isNonEmptyString(gdprConsent?.consentString)) url.searchParams.set('gdpr_consent', gdprConsent.consentString);
    if (isNonEmptyString(uspConsent)) url.searchParams.set('us_privacy', uspConsent);
    if (isNonEmptyString(gppConsent?.gppString)) {
      url.searchParams.set('gpp', gppConsent.gppString);
      url.searchParams.set('gpp_sid', (gppConsent.applicableSections ?? []).join(','));
    }
    return [{ type, url: url.href }];
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
