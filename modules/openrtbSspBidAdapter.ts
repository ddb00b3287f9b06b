/**
 * OpenRTB SSP bid adapter: one OpenRTB request per auction built by Prebid's ortbConverter, which carries
 * consent, first-party data and the userId module's eids (UID2 among them) as core prepared them.
 */
import { registerBidder, type BidderSpec } from 'prebid.js/src/adapters/bidderFactory.js';
import { BANNER } from 'prebid.js/src/mediaTypes.js';
import { config } from 'prebid.js/src/config.js';
import { ortbConverter } from 'prebid.js/libraries/ortbConverter/converter.js';

const BIDDER_CODE = 'openrtbSsp';
/** The SSP's endpoint; set with setConfig({openrtbSsp: {endpoint}}) for other environments. */
export const DEFAULT_ENDPOINT = 'http://localhost:8878/openrtb2/auction';

export interface OpenrtbSspParams {
  /** The SSP's placement id, sent as imp.tagid. */
  placementId: string;
}

declare module 'prebid.js/src/adUnits' {
  interface BidderParams {
    [BIDDER_CODE]: OpenrtbSspParams;
  }
}

const converter = ortbConverter<typeof BIDDER_CODE>({
  context: { netRevenue: true, ttl: 300, currency: 'USD' },
  imp(buildImp, bidRequest, context) {
    const imp = buildImp(bidRequest, context);
    imp.tagid = bidRequest.params.placementId;
    return imp;
  },
});

export const spec: BidderSpec<typeof BIDDER_CODE> = {
  code: BIDDER_CODE,
  supportedMediaTypes: [BANNER],
  isBidRequestValid: (bid) => typeof bid.params?.placementId === 'string' && bid.params.placementId.length > 0,
  buildRequests(bidRequests, bidderRequest) {
    return {
      method: 'POST',
      url: (config.getConfig('openrtbSsp.endpoint') as string | undefined) ?? DEFAULT_ENDPOINT,
      data: converter.toORTB({ bidRequests, bidderRequest }),
    };
  },
  interpretResponse(response, request) {
    if (!response.body) return [];
    return converter.fromORTB({ response: response.body, request: request.data });
  },
};

registerBidder(spec);
