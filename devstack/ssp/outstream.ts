// Outstream video at the mock SSP: a bid for an outstream imp (imp.video.plcmt 4, or the older placement 2-5)
// names the SSP's player in ext.prebid.meta.rendererUrl, as Prebid Server does; GET /outstream/player.js serves
// that player (outstream-player.js, for the demo and tests).
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { OrtbBid } from './bids.js';
import { isObject, type Json } from './validate.js';

export const PLAYER_PATH = '/outstream/player.js';
const PLAYER_FILE = fileURLToPath(new URL('../../../../devstack/ssp/outstream-player.js', import.meta.url));
/** ORTB 2.6 plcmt 4 (no content / standalone), and the older ORTB 2.5 placements of outstream: in-banner, in-article, in-feed, interstitial */
const OUTSTREAM_PLCMT = 4;
const OUTSTREAM_PLACEMENTS = [2, 3, 4, 5];

function isOutstream(imp: Json): boolean {
  const video = imp.video;
  if (!isObject(video)) return false;
  return video.plcmt === OUTSTREAM_PLCMT || (video.plcmt === undefined && OUTSTREAM_PLACEMENTS.includes(video.placement as number));
}

/** The bid, naming the SSP's player when it is a video bid for an outstream imp. */
export function withOutstreamPlayer(bid: OrtbBid | undefined, imp: Json, baseUrl: string): OrtbBid | undefined {
  if (!bid || bid.mtype !== 2 || !isOutstream(imp)) return bid;
  const meta = { rendererName: 'openrtbSsp mock player', rendererVersion: '1', rendererUrl: `${baseUrl}${PLAYER_PATH}` };
  return { ...bid, ext: { ...bid.ext, prebid: { meta } } };
}

let player: Promise<string> | undefined;

/** The player script, read once. */
export function playerScript(): Promise<string> {
  player ??= readFile(PLAYER_FILE, 'utf8');
  return player;
}
