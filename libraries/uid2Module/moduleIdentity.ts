// The identity the modules accept from the publisher, the operator and storage: the operator's identity object,
// with refresh_response_key optional as in Prebid's official modules (an identity without it is refreshed with a
// plain-JSON answer, which older integrations' operators and proxies send).
import { isUid2Identity, type Uid2Identity } from '../uid2/client/uid2Identity.js';

export type ModuleIdentity = Omit<Uid2Identity, 'refresh_response_key'> & { refresh_response_key?: string };

export function isModuleIdentity(x: unknown): x is ModuleIdentity {
  if (typeof x !== 'object' || x === null) return false;
  // the one difference from the operator's identity: a missing key (any other type stays invalid)
  return isUid2Identity('refresh_response_key' in x ? x : { ...x, refresh_response_key: '' });
}
