// Operator calls from the browser: Prebid's fetch (no credentials), bounded retry with backoff on network
// errors, timeouts and 5xx, none on 4xx; answers reduced to an identity, 'optout', or an error.
import { fetcherFactory } from 'prebid.js/src/ajax.js';
import { MODULE_TYPE_UID } from 'prebid.js/src/activities/modules.js';
import { isUid2Identity, type Uid2Identity } from '../uid2/identity.js';

/** Timing knobs, shared by the uid2 and euid modules; tests shorten them. */
export const settings = {
  /** ms before a request is aborted (and counts as a network error) */
  timeout: 5000,
  /** attempts after the first one, on network errors, timeouts and 5xx */
  retries: 2,
  /** ms before the first retry, doubled for each further one */
  backoff: 1000,
  /** cross-tab lock; missing where the page is not a secure context */
  locks: (): LockManager | undefined => navigator.locks,
};

/** The operator refused (4xx, expired_token): asking again with the same input would not help. */
export class Refused extends Error {}

export type Outcome = Uid2Identity | 'optout';

/**
 * POSTs `body` and returns what `open` makes of a 200 answer, as an identity or 'optout'. Throws Refused for
 * 4xx (with the operator's JSON status and message), Error for anything else that fails.
 */
export async function callOperator(
  moduleName: string,
  url: string,
  body: string,
  open: (text: string) => Promise<any>,
  warn: (...a: unknown[]) => void,
  headers?: Record<string, string>,
): Promise<Outcome> {
  for (let attempt = 0; ; attempt++) {
    const response = await fetcherFactory(settings.timeout, {}, MODULE_TYPE_UID, moduleName)(url, { method: 'POST', body, headers })
      .catch(() => undefined);
    const text = await response?.text().catch(() => '') ?? '';
    const status = response?.status;
    if (status === 200) {
      const answer = await open(text).catch((e) => { throw Error(`unreadable response (${e})`); });
      if (answer?.status === 'optout') return 'optout';
      if (answer?.status === 'success' && isUid2Identity(answer.body)) return answer.body;
      throw new (answer?.status === 'expired_token' ? Refused : Error)(`response status ${answer?.status}`);
    }
    // 4xx bodies are the operator's JSON error, e.g. {"status":"client_error","message":"bad subscription_id"}
    const failure = status ? `HTTP ${status} ${text.slice(0, 99)}` : 'network error';
    if (status! < 500) throw new Refused(failure);
    if (attempt >= settings.retries) throw Error(`${failure} (${attempt + 1} attempts)`);
    warn(url, failure, 'retrying');
    await new Promise((resolve) => setTimeout(resolve, settings.backoff * 2 ** attempt));
  }
}
