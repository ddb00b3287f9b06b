// The mock SSP's demand partners as OpenRTB seats: video comes from a partner of its own, so that a page which
// allows alternate bidder codes sees two bidders behind the one adapter.
import { SEAT, type OrtbBid } from './bids.js';

export const VIDEO_SEAT = 'mock-video-dsp';
/** ORTB 2.6 mtype of video */
const MTYPE_VIDEO = 2;

export function seatOf(bid: OrtbBid): string {
  return bid.mtype === MTYPE_VIDEO ? VIDEO_SEAT : SEAT;
}

/** seatbid[]: the bids grouped by seat, in the order each seat first bid. */
export function seatbidsOf(bids: OrtbBid[]): Array<{ seat: string; bid: OrtbBid[] }> {
  const bySeat = new Map<string, OrtbBid[]>();
  for (const bid of bids) bySeat.set(seatOf(bid), [...(bySeat.get(seatOf(bid)) ?? []), bid]);
  return [...bySeat].map(([seat, bid]) => ({ seat, bid }));
}
