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
 * Whether the bid needs a renderer: an outstream ad unit. Core installs the publisher's renderer (ad unit or
 * mediaTypes.video level) over the bidder's unless it is `backupOnly`, so this leaves that choice to core.
 */
export function needsOutstreamRenderer(bidRequest: BidRequest<any>): boolean {
  return bidRequest.mediaTypes?.video?.context === 'outstream';
}

/**
 * The player URL if it may be loaded on the publisher's page: absolute, and https (http only while the SSP
 * endpoint itself is plain http, i.e. local development).
 */
export function playerUrl(value: unknown, endpoint: URL | undefined): string | undefined {
  const url = httpUrl(value);
  return url && (url.protocol === 'https:' || endpoint?.protocol === 'http:') ? url.href : undefined;
}

/**
 * A renderer that has core load `url` once per page when a bid of `adUnitCode` is rendered, then plays the bid.
 * Core runs the render function only once the script has loaded, and logs what it throws (a script that defined
 * no `window.InRenderer`, for one), so nothing here waits or catches.
 */
function outstreamRenderer(url: string, options: Record<string, unknown>, adUnitCode: string): Renderer {
  const renderer = Renderer.install({ url, config: options, adUnitCode, loaded: false });
  renderer.setRender((bid: Bid, doc?: Document) => {
    const Player = (doc?.defaultView ?? window)[PLAYER_GLOBAL]!;
    new Player().render(getAdUnitElement(bid)?.id || bid.adUnitCode, bid, options);
  });
  return renderer;
}

/** The outstream renderer for a bid: the player the answer names (ext.prebid.meta.rendererUrl), else the SSP's default. */
export function rendererFor(bid: ORTBBid, adUnitCode: string, settings: OpenrtbSspConfig): Renderer | undefined {
  const meta = (bid.ext?.prebid as { meta?: { rendererUrl?: unknown; rendererData?: unknown } } | undefined)?.meta;
  const endpoint = endpointUrl(settings);
  const fromAnswer = playerUrl(meta?.rendererUrl, endpoint);
  if (meta?.rendererUrl != null && !fromAnswer) log.logWarn(`renderer ${String(meta.rendererUrl)} ignored`);
  const url = fromAnswer ?? playerUrl(settings.outstreamRendererUrl, endpoint);
  const options = fromAnswer ? (isPlainObject(meta?.rendererData) ? meta.rendererData : {}) : settings.outstreamRendererOptions ?? {};
  return url ? outstreamRenderer(url, options, adUnitCode) : undefined;
}
