/**
 * The lifecycle's decisions as one pure function: from the stored record, what the publisher supplies (a token, or a
 * DII for client-side generation) and the time, what the module does and why. The shell (index.ts) logs the reasons
 * and carries the decision out: storage, network and timers live there.
 */
import { cyrb53Hash } from 'prebid.js/src/utils.js';
import type { ModuleIdentity } from './moduleIdentity.js';
import type { Stored, StoredValue } from './storage.js';

/**
 * use: hand `record` to the core as it is; background: hand it over and refresh it meanwhile; refresh: refresh it
 * first (no ID until then); generate: client-side generation from the DII; none: no ID.
 */
export type Action = 'use' | 'background' | 'refresh' | 'generate' | 'none';

/** Why, as logged with pbjs_debug=true: one message per reason code, so no call site repeats a sentence. */
export const REASONS = {
  nothing: 'no token supplied or stored',
  stored: 'using the stored record',
  bare: 'using the bare token stored by an older integration',
  cstgNoDii: 'CSTG configured without a valid DII: params.*Token and cookie ignored, using the stored record',
  noDiiRecord: 'no stored token for this DII',
  otherDii: 'the stored token came from another DII',
  diiRecord: 'using the stored token for this DII',
  diiDead: 'the stored token for this DII can no longer be refreshed',
  supplied: 'using the supplied token',
  otherToken: 'the stored record came from another token (another user?): using the supplied one',
  newerSupplied: 'the supplied token is newer than the stored one: using it',
  refreshedSupplied: 'using the stored token refreshed from the supplied one',
  optoutLapsed: 'a remembered opt-out has lapsed: asking again',
  optout: 'opted out: no token, nothing asked meanwhile',
  dead: 'the refresh token expired or was refused: no ID',
  expired: 'token expired (or within a second of identity_expires): refreshing before the ID is available',
  due: 'token past refresh_from: refreshing in the background',
  valid: 'token valid',
} as const;

export type Reason = keyof typeof REASONS;

export interface Decision {
  action: Action;
  /** the reasons in the order they were found: where the record came from, then what its token needs */
  why: Reason[];
  /** the record to use or refresh (a bare string: a legacy server-only token, used as is) */
  record?: StoredValue;
  /** ms epoch of the next point in this record's life (refresh_from, then expiresAt; an opt-out's end) */
  next?: number;
}

/** What the publisher gives: a DII for CSTG (null: CSTG configured, but no valid DII), else maybe a token. */
export interface Supplied {
  dii?: string | null;
  token?: ModuleIdentity;
}

/** whether `record` came from client-side generation for this DII (its salted hash, as the official module stores it) */
export const fromDii = (record: Stored, dii: string) =>
  record.originalIdentity?.identity === cyrb53Hash(dii, record.originalIdentity?.salt);

/**
 * ms before identity_expires from which a token counts as expired: an auction's bid requests leave the page some ms
 * after it reads the eids, and reach the SSP and its bidders, which decrypt the token and check identity_expires, later
 * still. A token in its last second is not sent; it is refreshed first, as an expired one.
 */
const EXPIRY_MARGIN_MS = 1000;

/** when a token counts as expired: EXPIRY_MARGIN_MS before its identity_expires */
const expiresAt = (token: ModuleIdentity) => token.identity_expires - EXPIRY_MARGIN_MS;

/** for a token not expired at `now`: the earliest of its refresh_from and expiry (expiresAt) still ahead */
const nextPoint = (token: ModuleIdentity, now: number) =>
  (token.refresh_from > now ? Math.min(token.refresh_from, expiresAt(token)) : expiresAt(token));

/**
 * an opt-out still remembered; one that Prebid's official module stored (it keeps no optoutUntil) has lapsed, and is
 * asked about again before the token it came from is used
 */
const optedOut = (record: Stored, now: number) => record.latestToken === 'optout' && now < (record.optoutUntil ?? 0);

/** an opt-out still remembered, or an advertising token neither expired nor ended with its refresh token */
export const current = (record: Stored, now: number) => (record.latestToken === 'optout' ? optedOut(record, now)
  : now < Math.min(expiresAt(record.latestToken), record.latestToken.refresh_expires));

/** Where the record comes from, and why: the stored one, or one started from the supplied token; none: generate. */
function source(stored: StoredValue | undefined, { dii, token }: Supplied, now: number): [StoredValue | undefined, Reason?] {
  const record = typeof stored === 'object' ? stored : undefined;
  if (dii) {
    if (!record) return [undefined, 'noDiiRecord'];
    if (!fromDii(record, dii)) return [undefined, 'otherDii'];
    if (record.latestToken === 'optout') return optedOut(record, now) ? [record, 'diiRecord'] : [undefined, 'optoutLapsed'];
    return now < record.latestToken.refresh_expires ? [record, 'diiRecord'] : [undefined, 'diiDead'];
  }
  if (dii === null) return [stored, 'cstgNoDii'];
  if (!token) return [stored, record ? 'stored' : stored ? 'bare' : 'nothing'];
  const fresh = { originalToken: token, latestToken: token };
  if (record?.originalToken?.advertising_token !== token.advertising_token) return [fresh, record ? 'otherToken' : 'supplied'];
  if (record.latestToken === 'optout') return optedOut(record, now) ? [record] : [fresh, 'optoutLapsed'];
  // a stored token refreshed from the supplied one is kept unless the supplied one is newer
  return record.latestToken.identity_expires < token.identity_expires ? [fresh, 'newerSupplied'] : [record, 'refreshedSupplied'];
}

export function decide(stored: StoredValue | undefined, supplied: Supplied, now: number): Decision {
  const [record, reason] = source(stored, supplied, now);
  const why: Reason[] = reason ? [reason] : [];
  if (record === undefined) return { action: supplied.dii ? 'generate' : 'none', why };
  if (typeof record === 'string') return { action: 'use', why, record };
  const token = record.latestToken;
  // a lapsed opt-out with nothing to ask again with stands, and there is nothing to look at again
  if (token === 'optout') return { action: 'use', why: [...why, 'optout'], record, next: optedOut(record, now) ? record.optoutUntil : undefined };
  // a refresh token that expired (or that the operator refused) ends the ID, whatever the advertising token says
  if (now >= token.refresh_expires) return { action: 'none', why: [...why, 'dead'] };
  // the supplied token of a user who opted out is asked about before it is used again
  if (reason === 'optoutLapsed') return { action: 'refresh', why, record };
  if (now >= expiresAt(token)) return { action: 'refresh', why: [...why, 'expired'], record };
  const due = now >= token.refresh_from;
  return { action: due ? 'background' : 'use', why: [...why, due ? 'due' : 'valid'], record, next: nextPoint(token, now) };
}
