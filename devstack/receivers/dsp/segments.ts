// The DSP's segments: per partner, named sets of raw UID2s that a bid request's UID2 can be matched against. The
// raw UID2s stay in this store; what leaves it is counts.

/** segments one partner may hold, and members one segment may hold: bounds on what uploads can make the DSP keep */
export const MAX_SEGMENTS_PER_PARTNER = 50;
export const MAX_MEMBERS_PER_SEGMENT = 100_000;

export interface SegmentCounts {
  /** raw UID2s of this upload the segment did not have */
  added: number;
  /** the segment's size after the upload */
  members: number;
}

export class SegmentStore {
  private readonly segments = new Map<string, Set<string>>();
  private readonly segmentsPerPartner = new Map<number, number>();

  /** Adds the raw UID2s to the partner's segment; undefined, and nothing added, when a bound would be passed. */
  add(partnerSiteId: number, segment: string, rawUids: readonly string[]): SegmentCounts | undefined {
    const id = `${partnerSiteId}/${segment}`;
    const existing = this.segments.get(id);
    const partnerSegments = this.segmentsPerPartner.get(partnerSiteId) ?? 0;
    if (!existing && partnerSegments >= MAX_SEGMENTS_PER_PARTNER) return undefined;
    const members = existing ?? new Set<string>();
    const fresh = new Set(rawUids.filter((rawUid) => !members.has(rawUid)));
    if (fresh.size === 0) return { added: 0, members: members.size };
    if (members.size + fresh.size > MAX_MEMBERS_PER_SEGMENT) return undefined;
    fresh.forEach((rawUid) => members.add(rawUid));
    if (!existing) {
      this.segments.set(id, members);
      this.segmentsPerPartner.set(partnerSiteId, partnerSegments + 1);
    }
    return { added: fresh.size, members: members.size };
  }
}
