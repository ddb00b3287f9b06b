// What the mock SSP takes in and gives back at most, so that no request is answered out of proportion to its
// size: the inflated body, the imps, the nesting of any value, and the errors and warnings one answer lists.

/** A gzip body inflates to at most this: a real auction body with many imps and eids is tens of KB. */
export const MAX_INFLATED_BYTES = 1 << 20;
/** imps per request: more than any page's ad units in one call */
export const MAX_IMPS = 100;
/** how deep any value may nest; OpenRTB's deepest real paths (imp[].ext.prebid.bidder.…, eids[].uids[].ext) use under 10 */
export const MAX_DEPTH = 32;
/** errors, and warnings, listed per answer; the rest are counted */
export const MAX_LISTED_MESSAGES = 20;
/** how many steps of a too-deep path a message names (enough for user.ext.eids[0].uids[0].atype) */
const NAMED_STEPS = 10;
/** request values quoted in a message are cut to this many characters */
const MAX_QUOTED_LENGTH = 40;

/** Collects messages, keeping the first MAX_LISTED_MESSAGES and counting the others. */
export class MessageList {
  private readonly listed: string[] = [];
  private unlisted = 0;

  push(message: string): void {
    if (this.listed.length < MAX_LISTED_MESSAGES) this.listed.push(message);
    else this.unlisted += 1;
  }

  get length(): number {
    return this.listed.length + this.unlisted;
  }

  /** the listed messages, then "…and N more" when some were left out */
  toArray(): string[] {
    return this.unlisted > 0 ? [...this.listed, `…and ${this.unlisted} more`] : [...this.listed];
  }
}

/** A request string as a message quotes it: cut short (the answer is JSON, which escapes the rest). */
export function shortened(value: string): string {
  return value.length > MAX_QUOTED_LENGTH ? `${value.slice(0, MAX_QUOTED_LENGTH)}…` : value;
}

/**
 * The path (below `at`) of the first value nested deeper than MAX_DEPTH, or undefined. The walk stops at that
 * depth, so it cannot exhaust the stack however deep the input goes; its path is shown up to the limit.
 */
export function tooDeepAt(value: unknown, at: string, depth = 0): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  if (depth >= MAX_DEPTH) return at;
  const below = (step: string) => (depth < NAMED_STEPS ? `${at}${step}` : at.endsWith('…') ? at : `${at}…`);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = tooDeepAt(value[i], below(`[${i}]`), depth + 1);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  for (const key in value) {
    const found = tooDeepAt((value as Record<string, unknown>)[key], below(`.${key.slice(0, MAX_QUOTED_LENGTH)}`), depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}
