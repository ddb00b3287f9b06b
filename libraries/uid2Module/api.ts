// Operator calls from the browser: Prebid's fetch without credentials (no cookies go to the operator), named for the
// calling module by its "qualified" variant, as Prebid's build asks of code outside modules/ (plugins/callerContext.js).
// Answers are reduced to an identity, 'optout' or an error that says whether asking again could help. Transient
// failures (network, timeout, 408, 425, 429, 5xx) are retried a bounded number of times with growing delays;
// answers about the input itself are not.
import { qualifiedFetcherFactory } from 'prebid.js/src/ajax.js';
import { MODULE_TYPE_UID } from 'prebid.js/src/activities/modules.js';
import { isModuleIdentity, type ModuleIdentity } from './moduleIdentity.js';

/** Timing knobs, shared by the uid2 and euid modules; tests shorten them. */
export const settings = {
  /** ms before a request is aborted (and counts as a network error) */
  timeout: 5000,
  /** attempts after the first one, on transient failures */
  retries: 2,
  /** ms before the first retry, doubled for each further one */
  backoff: 1000,
};

/** a 429's or 503's Retry-After is honoured up to this many ms, so a retry never waits longer */
const MAX_RETRY_AFTER_MS = 10_000;
/** HTTP statuses that mean "not now": retried, whatever the body says */
const TRANSIENT_HTTP = new Set([408, 425, 429]);
/** operator statuses that say the token (or the request) itself is dead */
const DEFINITIVE_STATUSES = new Set(['invalid_token', 'expired_token']);

/**
 * The operator refused the input for good: 400 (its answer to a bad or unknown token or request, which for a browser's
 * refresh is a generic `error`), 401, or an `invalid_token` / `expired_token` status. Asking again with the same
 * input would not help: a refresh token that gets this answer is dead.
 */
export class Refused extends Error {}

export type Outcome = ModuleIdentity | 'optout';

const statusOf = (text: string): unknown => {
  try { return JSON.parse(text)?.status; } catch (e) { return undefined; }
};

const retryAfterMs = (response: Response | undefined) => {
  const seconds = Number(response?.headers.get('Retry-After'));
  return seconds > 0 ? Math.min(seconds * 1000, MAX_RETRY_AFTER_MS) : 0;
};

export interface CallOptions {
  warn: (...a: unknown[]) => void;
  /** called before the wait for each retry, with its ms: what the caller holds must outlast the wait and the retry */
  onWait?: (ms: number) => void;
  /** called as soon as an attempt failed transiently, before the wait for its retry */
  onTransientFailure?: () => void;
  /** false once the answer is no longer wanted (a logout, a new configuration): no retry is sent then */
  wanted?: () => boolean;
}

/**
 * POSTs `body` (a string: text/plain, no custom header, so a CORS "simple" request that needs no preflight round trip)
 * and returns what `open` makes of a 200 answer, as an identity or 'optout'. Throws Refused for a
 * definitive refusal, Error for anything else that fails (after the retries, for transient failures).
 */
export async function callOperator(
  moduleName: string,
  url: string,
  body: string,
  open: (text: string) => Promise<any>,
  { warn, onWait, onTransientFailure, wanted }: CallOptions,
): Promise<Outcome> {
  for (let attempt = 0; ; attempt++) {
    const response = await qualifiedFetcherFactory(MODULE_TYPE_UID, moduleName, settings.timeout)(url, { method: 'POST', body })
      .catch(() => undefined);
    const text = await response?.text().catch(() => '') ?? '';
    const status = response?.status;
    if (status === 200) {
      const answer = await open(text).catch((e) => { throw Error(`unreadable response (${e})`); });
      if (answer?.status === 'optout') return 'optout';
      if (answer?.status === 'success' && isModuleIdentity(answer.body)) return answer.body;
      throw new (DEFINITIVE_STATUSES.has(answer?.status) ? Refused : Error)(`response status ${answer?.status}`);
    }
    // error bodies are the operator's plain JSON, e.g. {"status":"client_error","message":"bad subscription_id"}
    const failure = status ? `HTTP ${status} ${text.slice(0, 99)}` : 'network error';
    if (status === 400 || status === 401 || DEFINITIVE_STATUSES.has(statusOf(text) as string)) throw new Refused(failure);
    const transient = !status || status >= 500 || TRANSIENT_HTTP.has(status);
    // any other 4xx (403 origin not allowed, 404 wrong base URL) is about the setup, not the token: not retried
    if (!transient) throw Error(failure);
    onTransientFailure?.();
    if (attempt >= settings.retries) throw Error(`${failure} (${attempt + 1} attempts)`);
    warn(url, failure, 'retrying');
    const wait = Math.max(settings.backoff * 2 ** attempt, retryAfterMs(response));
    onWait?.(wait);
    await new Promise((resolve) => setTimeout(resolve, wait));
    if (wanted && !wanted()) throw Error(`${failure}, not retried: logged out or configured anew meanwhile`);
  }
}
