/**
 * Outstream video for the openrtbSsp adapter: a Prebid `Renderer` for bids whose ad unit has no renderer of the
 * publisher's. Prebid core loads the player script (`loadExternalScript`, module type `prebid`, code
 * `outstream`, subject to the `loadExternalScript` activity rules) the first time a bid is rendered; the adapter
 * itself never loads a script.
 *
 * The player contract is InRenderer.js's, the open-source outstream renderer of Prebid's in-renderer example:
 * the script defines `window.InRenderer`, and `new InRenderer().render(elementId, bid, options)` plays the bid's
 * `vastXml` or `vastUrl` in the element with that id.
 */
import { Renderer } from 'prebid.js/src/Renderer.js';
import { getAdUnitElement } from 'prebid.js/src/utils/adUnits.js';
import { deepAccess } from 'prebid.js/src/utils.js';
// a type guard only where Prebid declares it: src/utils.js is JavaScript in Prebid's own tree
import { isPlainObject } from 'prebid.js/src/utils/objects.js';
import { endpointUrl, httpUrl, log, type OpenrtbSspConfig } from './config.js';
import type { BidRequest } from 'prebid.js/src/adapterManager.js';
import type { Bid } from 'prebid.js/src/bidfactory.js';
import type { ORTBResponse } from 'prebid.js/src/types/ortb/response.d.ts';

type ORTBBid = NonNullable<ORTBResponse['seatbid']>[number]['bid'][number];

export const PLAYER_GLOBAL = 'InRenderer' as const;

interface InRendererPlayer {
  render(elementId: string, bid: Bid, options: Record<string, unknown>): unknown;
}

declare global {
  interface Window {
    /** defined by the player script */
    [PLAYER_GLOBAL]?: new () => InRendererPlayer;
  }
}

/**
 * The outstream renderer for a bid of an outstream ad unit: the player the answer names
 * (ext.prebid.meta.rendererUrl, with its rendererData as options), else the SSP's default. A player URL must be
 * absolute and https (http only while the SSP endpoint itself is plain http, i.e. local development). Core installs
 * the publisher's renderer (ad unit or mediaTypes.video level) over it unless that one is `backupOnly`. Core loads
 * the script once per page when a bid is rendered, runs the render function only once it has loaded, and logs what
 * it throws (a script that defined no `window.InRenderer`, for one), so nothing here waits or catches.
 */
export function rendererFor(bid: ORTBBid, bidRequest: BidRequest<any>, settings: OpenrtbSspConfig): Renderer | undefined {
  if (bidRequest.mediaTypes?.video?.context !== 'outstream') return;
  const { rendererUrl, rendererData } = Object(deepAccess(bid, 'ext.prebid.meta'));
  const protocols = endpointUrl(settings)?.protocol === 'http:' ? /^https?:$/ : /^https:$/;
  const fromAnswer = httpUrl(rendererUrl, protocols)?.href;
  if (rendererUrl != null && !fromAnswer) log.logWarn(`renderer ${rendererUrl} ignored`);
  const url = fromAnswer ?? httpUrl(settings.outstreamRendererUrl, protocols)?.href;
  if (!url) return;
  const options = fromAnswer ? (isPlainObject(rendererData) ? rendererData : {}) : settings.outstreamRendererOptions ?? {};
  const renderer = new Renderer({ url, config: options, adUnitCode: bidRequest.adUnitCode });
  renderer.setRender((bid: Bid, doc?: Document) => new ((doc?.defaultView ?? window)[PLAYER_GLOBAL]!)().render(getAdUnitElement(bid)?.id || bid.adUnitCode, bid, options));
  return renderer;
}
