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
import type { BidRequest } from 'prebid.js/src/adapterManager.js';
import type { Bid } from 'prebid.js/src/bidfactory.js';

export const PLAYER_GLOBAL = 'InRenderer';

interface Logger {
  logWarn(...args: unknown[]): void;
  logError(...args: unknown[]): void;
}

interface InRendererPlayer {
  render(elementId: string, bid: Bid, options: Record<string, unknown>): unknown;
}

/** A publisher's renderer that Prebid core will use instead of the bidder's (`backupOnly` ones give way). */
function isPublisherRenderer(renderer: unknown): boolean {
  return isPlainObject(renderer) && typeof renderer.render === 'function' && renderer.backupOnly !== true;
}

/** Whether the bid needs our renderer: an outstream ad unit whose publisher set none at ad unit or video level. */
export function needsOutstreamRenderer(bidRequest: BidRequest<any>): boolean {
  const video = bidRequest.mediaTypes?.video as { context?: string; renderer?: unknown } | undefined;
  if (video?.context !== 'outstream') return false;
  return !isPublisherRenderer(bidRequest.renderer) && !isPublisherRenderer(video.renderer);
}

/**
 * The player URL if it may be loaded on the publisher's page: absolute, and https (http only while the SSP
 * endpoint itself is plain http, i.e. local development).
 */
export function playerUrl(url: unknown, endpoint: URL | undefined): string | undefined {
  if (typeof url !== 'string' || url.length === 0) return undefined;
  try {
    const parsed = new URL(url);
    if (parsed.protocol === 'https:' || (parsed.protocol === 'http:' && endpoint?.protocol === 'http:')) return parsed.href;
  } catch {
    // not an absolute URL
  }
  return undefined;
}

function play(bid: Bid, doc: Document | undefined, options: Record<string, unknown>, log: Logger): void {
  const view = (doc?.defaultView ?? window) as unknown as Record<string, unknown>;
  const Player = view[PLAYER_GLOBAL] as (new () => InRendererPlayer) | undefined;
  if (typeof Player !== 'function') {
    log.logError(`outstream player at ${bid.renderer?.url} did not define window.${PLAYER_GLOBAL}; bid ${bid.adId} not shown`);
    return;
  }
  const elementId = getAdUnitElement(bid)?.id || bid.adUnitCode;
  Promise.resolve()
    .then(() => new Player().render(elementId, bid, options))
    .catch((error: unknown) => log.logError(`outstream player failed for ad unit ${bid.adUnitCode}`, error));
}

/** A renderer that loads `url` once per page when a bid of `adUnitCode` is rendered, then plays it there. */
export function outstreamRenderer(url: string, options: Record<string, unknown>, adUnitCode: string, log: Logger): Renderer {
  const renderer = Renderer.install({ url, config: options, adUnitCode, loaded: false });
  renderer.setRender((bid: Bid, doc?: Document) => {
    // runs once the script has loaded (Renderer.render queues it until then)
    bid.renderer!.push(() => play(bid, doc, options, log));
  });
  return renderer;
}
