/**
 * OpenRTB SSP bid adapter (bidder `openrtbSsp`): one OpenRTB request per auction (or per `maxImpsPerRequest` ad
 * units), built by Prebid's ortbConverter: consent, first-party data, schain, floors and the userId module's eids
 * (UID2 among them) arrive exactly as core prepared and redacted them. The adapter adds only what the SSP needs on
 * top (tagid, publisher id, USD floors, the eid location) and never rebuilds core's work.
 *
 * Where the request goes is the SSP's setting (libraries/openrtbSspUtils/config.ts), not a publisher param, and
 * has no default: without `setConfig({openrtbSsp: {endpoint}})` the adapter logs an error and does not bid.
 */
import { registerBidder, type AdapterRequest, type BidderSpec } from 'prebid.js/src/adapters/bidderFactory.js';
import { BANNER, NATIVE, VIDEO } from 'prebid.js/src/mediaTypes.js';
import { GVL_PURPOSES } from 'prebid.js/src/consentHandler.js';
import { EVENT_TYPE_IMPRESSION, EVENT_TYPE_WIN, TRACKER_METHOD_IMG } from 'prebid.js/src/eventTrackers.js';
import { deepSetValue, politeTriggerPixel, replaceAuctionPrice } from 'prebid.js/src/utils.js';
// a type guard only where Prebid declares it: src/utils.js is JavaScript in Prebid's own tree
import { deepClone, isPlainObject } from 'prebid.js/src/utils/objects.js';
import { ortbConverter } from 'prebid.js/libraries/ortbConverter/converter.js';
import { ORTB_MTYPES } from 'prebid.js/libraries/ortbConverter/processors/mediaType.js';
import {
  BIDDER_CODE, allowedAlternateCodes, bidTerms, endpointUrl, gzipMinBytes, impLimit, isNonEmptyString, log, ownSyncUrl, sspConfig,
  type OpenrtbSspConfig,
} from '../libraries/openrtbSspUtils/config.js';
import { rendererFor } from '../libraries/openrtbSspUtils/outstream.js';
import { placeFields } from '../libraries/openrtbSspUtils/ortbVersion.js';
import { requestGroups } from '../libraries/openrtbSspUtils/requestGroups.js';
import { consentParams, userSyncs } from '../libraries/openrtbSspUtils/userSyncs.js';
import type { BidRequest } from 'prebid.js/src/adapterManager.js';
import type { BidResponse } from 'prebid.js/src/bidfactory.js';
import type { ORTBImp, ORTBRequest } from 'prebid.js/src/types/ortb/request.d.ts';
import type { ORTBResponse } from 'prebid.js/src/types/ortb/response.d.ts';

export { BIDDER_CODE, DEFAULT_GZIP_MIN_BYTES, DEFAULT_TTL, log } from '../libraries/openrtbSspUtils/config.js';
export type { OpenrtbSspConfig, PerFormat } from '../libraries/openrtbSspUtils/config.js';
export const ADAPTER_VERSION = '1.0.0';
/**
 * PLACEHOLDER IAB GVL id: not assigned to this adapter. The SSP shipping this adapter must replace it (and
 * GVL_DECLARATION) with its own registration before enabling `tcfeu_supported`.
 */
export const GVLID = 1999;
/** A white-label partner reselling the same endpoint under its own (placeholder) GVL registration. */
export const ALIASES = [{ code: 'openrtbSspWl', gvlid: 1998 }] as const;
/** The placeholder vendors' GVL legal bases: Prebid's build writes these for its own modules, tcfControl reads them. */
export const GVL_DECLARATION = { purposes: [1, 2, 3, 4, 7, 9, 10], legIntPurposes: [], flexiblePurposes: [2, 7, 9, 10], specialFeatures: [] };
/** Bids, floors and billing are in US dollars; the currency module converts for the publisher. */
export const CURRENCY = 'USD';

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

for (const gvlid of [GVLID, ...ALIASES.map((alias) => alias.gvlid)]) (GVL_PURPOSES as Record<number, typeof GVL_DECLARATION>)[gvlid] ??= GVL_DECLARATION;

type SspBidRequest = BidRequest<typeof BIDDER_CODE>;
type EventTracker = NonNullable<BidResponse['eventtrackers']>[number];

type ORTBBid = NonNullable<ORTBResponse['seatbid']>[number]['bid'][number];

/** The ad unit (core's bid request) of each imp the converter built, for reading the answer to it. */
const adUnitOf = new WeakMap<ORTBImp, SspBidRequest>();

/**
 * The bid with its media type as `mtype`: its own, else the one format its imp offers. Undefined (with a warning) for
 * a format its ad unit did not ask for, no mtype on a multi-format imp (no guessing), and a price that is not a
 * positive number (0 only in a deal): core would hand such a bid to the page, only keeping it out of targeting.
 */
function inMediaType(bid: ORTBBid, imp: ORTBImp | undefined): ORTBBid | undefined {
  const adUnit = imp && adUnitOf.get(imp);
  if (!adUnit) return bid; // the converter drops bids for unknown imps
  const offered = Object.keys(ORTB_MTYPES).map(Number).filter((mtype) => imp[ORTB_MTYPES[mtype]!]);
  const mtype = bid.mtype ?? (offered.length === 1 ? offered[0] : undefined);
  const mediaType = ORTB_MTYPES[mtype!];
  const { price } = bid;
  const problem = !mediaType || !adUnit.mediaTypes?.[mediaType] ? `mtype ${bid.mtype}`
    : Number.isFinite(price) && (price > 0 || (price === 0 && bid.dealid)) ? '' : `price ${price}`;
  if (!problem) return { ...bid, mtype };
  log.logWarn(`bid ${bid.id} dropped: ${problem}`);
}

/** An event tracker as core reads it: an event, a method and a URL. */
const isEventTracker = (tracker: unknown): tracker is EventTracker => isPlainObject(tracker) &&
  Number.isInteger(tracker.event) && Number.isInteger(tracker.method) && isNonEmptyString(tracker.url);

/** The video object the SSP will see: mediaTypes.video with params.video on top. */
function videoParams(bidRequest: SspBidRequest): Record<string, unknown> | undefined {
  const video = bidRequest.mediaTypes?.video;
  return video && { ...video, ...bidRequest.params?.video };
}

/** Whether the ad unit has a format the SSP can accept (it rejects a video without mimes, like Prebid Server). */
function hasUsableFormat(bidRequest: SspBidRequest): unknown {
  const { banner, native } = bidRequest.mediaTypes ?? {};
  return (banner && (banner.sizes?.length || bidRequest.ortb2Imp?.banner?.format?.length)) ||
    (videoParams(bidRequest)?.mimes as unknown[] | undefined)?.length ||
    (native && (bidRequest as { nativeOrtbRequest?: { assets?: unknown[] } }).nativeOrtbRequest?.assets?.length);
}

/**
 * The bid request as the converter's processors see it. Its video is videoParams, or none without mimes (with a
 * warning; also none of the copy core keeps in ortb2Imp.video, which the converter would merge into the imp). Its
 * floors are in USD only: a floor the currency module cannot convert would be read as dollars, so it is dropped
 * with a warning instead (every floor processor, priceFloors' bidfloor and extBidfloor, asks this getFloor).
 */
function asSentToSsp(bidRequest: SspBidRequest): SspBidRequest {
  const getFloor = (bidRequest as { getFloor?: (params: Record<string, unknown>) => { floor?: number; currency?: string } | undefined }).getFloor;
  const video = videoParams(bidRequest);
  const hasMimes = (video?.mimes as unknown[] | undefined)?.length;
  let { ortb2Imp } = bidRequest;
  if (video && !hasMimes) {
    log.logWarn(`${bidRequest.adUnitCode}: no video mimes`);
    ortb2Imp = { ...ortb2Imp, video: undefined };
  }
  return {
    ...bidRequest,
    ortb2Imp,
    // a copy: the converter merges core's copy of mediaTypes.video into it, lists into lists, which would otherwise
    // grow the publisher's own params.video lists at every auction
    mediaTypes: { ...bidRequest.mediaTypes, video: hasMimes ? deepClone(video) : undefined },
    getFloor: typeof getFloor === 'function' ? (params: Record<string, unknown>) => {
      const floor = getFloor.call(bidRequest, { ...params, currency: CURRENCY });
      if (floor?.currency == null || floor.currency === CURRENCY) return floor;
      log.logWarn(`${bidRequest.adUnitCode}: floor in ${floor.currency} not sent`);
    } : undefined,
  } as SspBidRequest;
}

const converter = ortbConverter<typeof BIDDER_CODE>({
  context: {
    currency: CURRENCY,
    nativeRequest: { eventtrackers: [{ event: EVENT_TYPE_IMPRESSION, methods: [TRACKER_METHOD_IMG] }] },
  },
  imp(buildImp, bidRequest, context) {
    const imp = buildImp(asSentToSsp(bidRequest), context);
    adUnitOf.set(imp, bidRequest);
    const { placementId, bidfloor, video } = bidRequest.params;
    // over what the converter merged from mediaTypes.video and core's copy of it in ortb2Imp.video, lists included
    if (imp.video) Object.assign(imp.video, video);
    imp.tagid = placementId;
    if (imp.bidfloor == null && Number(bidfloor) > 0) Object.assign(imp, { bidfloor, bidfloorcur: CURRENCY });
    return imp;
  },
  request(buildRequest, imps, bidderRequest, context) {
    const request = buildRequest(imps, bidderRequest, context);
    // the ad units of a request share these (see requestGroups)
    const { publisherId, test } = context.bidRequests[0]!.params;
    const client = (['site', 'app', 'dooh'] as const).find((section) => request[section]);
    if (isNonEmptyString(publisherId) && client) deepSetValue(request, `${client}.publisher.id`, publisherId);
    if (test === true) request.test = 1;
    request.cur ??= [CURRENCY];
    deepSetValue(request, `ext.${BIDDER_CODE}.adapterVersion`, ADAPTER_VERSION);
    // tells the SSP which of its seats may bid under their own code
    const alternateCodes = allowedAlternateCodes(bidderRequest.bidderCode);
    if (alternateCodes) deepSetValue(request, `ext.${BIDDER_CODE}.allowedAlternateBidderCodes`, alternateCodes);
    return request;
  },
  bidResponse(buildBidResponse, bid, context) {
    const { bidRequest } = context;
    const mediaType = ORTB_MTYPES[bid.mtype!]!; // set by inMediaType
    const { price } = bid;
    const settings = sspConfig();
    const terms = bidTerms(bid, context.ortbResponse.ext, mediaType, settings);
    const bidResponse = buildBidResponse(bid, { ...context, mediaType, ...terms });
    // core would take an exp that is not a positive number of seconds as the ttl
    bidResponse.ttl = terms.ttl;
    // without a renderer core rejects the outstream bid: it could not show it
    if (mediaType === VIDEO) bidResponse.renderer = rendererFor(bid, bidRequest, settings);
    const meta = bidResponse.meta!; // the converter's props processor always sets it
    const { seat } = context.seatbid;
    if (isNonEmptyString(seat)) {
      meta.networkName = seat;
      // the seat bids under its own code when the publisher allows it, else under ours (core would reject it)
      const allowed = allowedAlternateCodes(bidRequest.bidder);
      if (allowed?.[0] === '*' || allowed?.includes(seat)) bidResponse.bidderCode = seat;
    }
    meta.dchain = bid.ext?.dchain;
    // core fires only eventtrackers for client-side bids: burl becomes a billing (impression) tracker, and a video
    // or native nurl a win notice (the converter turns a video nurl into vastUrl even next to markup); each an
    // image with the price macro filled in (500, Prebid's win event, is exchange-specific in the native spec)
    // only trackers core can read: one it cannot (an SSP's null, a tracker without a URL) would fail the bid's render
    // events, and with them bidWon and billing
    const trackers = (bidResponse.eventtrackers ?? []).filter(isEventTracker);
    const addTracker = (event: number, url: unknown) =>
      isNonEmptyString(url) && trackers.push({ event: event as EventTracker['event'], method: TRACKER_METHOD_IMG, url: replaceAuctionPrice(url, price) });
    addTracker(EVENT_TYPE_IMPRESSION, bid.burl);
    if (mediaType !== BANNER && (mediaType !== VIDEO || bid.adm) && addTracker(EVENT_TYPE_WIN, bid.nurl)) delete (bidResponse as { vastUrl?: string }).vastUrl;
    if (trackers.length) bidResponse.eventtrackers = trackers;
    else delete bidResponse.eventtrackers;
    return bidResponse;
  },
});

export const spec: BidderSpec<typeof BIDDER_CODE> = {
  code: BIDDER_CODE,
  gvlid: GVLID,
  aliases: ALIASES,
  supportedMediaTypes: [BANNER, VIDEO, NATIVE],

  isBidRequestValid(bid) {
    const { placementId, publisherId, bidfloor, video } = Object(bid.params);
    const badParams = (publisherId != null && !isNonEmptyString(publisherId)) || (bidfloor != null && !(typeof bidfloor === 'number' && bidfloor >= 0)) || (video != null && !isPlainObject(video));
    const problem = !isNonEmptyString(placementId) ? 'no placementId' : badParams ? 'bad params' : hasUsableFormat(bid) ? '' : 'no sizes, mimes or assets';
    if (problem) log.logWarn(`${bid.adUnitCode}: ${problem}`);
    return !problem;
  },

  buildRequests(bidRequests, bidderRequest) {
    const settings = sspConfig();
    const endpoint = endpointUrl(settings);
    if (!endpoint) {
      log.logError('no endpoint');
      return [];
    }
    const gzipFrom = gzipMinBytes(settings);
    const requests: AdapterRequest[] = [];
    const maxImps = impLimit(settings);
    for (const group of requestGroups(bidRequests)) {
      const limit = maxImps ?? group.length;
      for (let start = 0; start < group.length; start += limit) {
        const data = converter.toORTB({ bidRequests: group.slice(start, start + limit), bidderRequest });
        placeFields(data, settings.ortbVersion);
        const gzip = gzipFrom !== undefined && JSON.stringify(data).length >= gzipFrom;
        requests.push({ method: 'POST', url: endpoint.href, data, ...(gzip && { options: { endpointCompression: true } }) });
      }
    }
    return requests;
  },

  /**
   * Core validates every bid it gets back (required fields, a video's markup or renderer, a native's assets) and the
   * converter drops bids for unknown imps; left here: the answer's shape, each bid's media type and price, `cur`.
   */
  interpretResponse({ body }, { data }) {
    if (!Array.isArray(body?.seatbid)) {
      // an empty body is a 204, a plain no-bid
      if (body?.nbr != null) log.logInfo(`nbr ${body.nbr}`);
      else if (body) log.logWarn('no seatbid');
      return [];
    }
    const response = body as ORTBResponse;
    const imps = new Map((data as ORTBRequest).imp.map((imp) => [imp.id, imp]));
    const seatbid = response.seatbid!.filter(isPlainObject).map((seat) => ({
      ...seat,
      bid: [seat.bid].flat().filter(isPlainObject).flatMap((bid) => inMediaType(bid, imps.get(bid.impid)) ?? []),
    }));
    const cur: unknown = response.cur ?? CURRENCY;
    // prices in a currency the answer does not name could be taken for another's
    if (typeof cur !== 'string' || !/^[A-Z]{3}$/i.test(cur)) {
      log.logWarn(`cur ${JSON.stringify(cur)}: bids dropped`);
      return [];
    }
    return converter.fromORTB({ response: { ...response, cur: cur.toUpperCase(), seatbid }, request: data });
  },

  getUserSyncs(syncOptions, responses, gdprConsent, uspConsent, gppConsent, coppa) {
    // with neither sync type enabled, userSyncs finds none to return
    return coppa ? [] : userSyncs(syncOptions, ownSyncUrl(sspConfig()), responses, consentParams(gdprConsent, uspConsent, gppConsent));
  },

  onTimeout(timedOut) {
    const settings = sspConfig();
    const endpoint = endpointUrl(settings);
    if (timedOut.length && settings.notifications !== false && endpoint) {
      politeTriggerPixel(new URL(`/event?type=timeout&bids=${timedOut.length}&timeout=${Number(timedOut[0].timeout)}`, endpoint).href, 'omit');
    }
  },

  onBidderError({ error }) {
    // the SSP explains a rejected request in the body (the mock SSP lists validation errors)
    log.logWarn(`SSP answered HTTP ${error?.status}`, String(error?.responseText ?? '').slice(0, 500));
  },
};

registerBidder(spec);
