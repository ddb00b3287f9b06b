// EUID's consent rule on /v2/token/generate (UIDOperatorVerticle.validateUserConsent): only for an EUID
// operator, and only when the request carries tcf_consent_string. The string must decode (else 400 "User
// consent is invalid"), and the operator's vendor (tcf_vendor_id, 21: The Trade Desk) must be covered for
// purposes 1, 2, 3, 4, 7 and 10, each by the user's consent (vendor consent + purpose consent) or by legitimate
// interest (vendor LI + purpose LI transparency); else 200 {"status":"insufficient_user_consent"}, no identity.
import { clientError } from '../../libraries/uid2/receiver/operatorError.js';
import type { EnvelopedRequest, OperatorState } from './endpoints.js';
import { requireOneDii } from './identities.js';
import { decodeTcfCoreSegment } from './tcfString.js';

/** store on device, basic ads, ads profile, personalised ads, ad measurement, product development */
const REQUIRED_PURPOSES = [1, 2, 3, 4, 7, 10] as const;

export type UserConsent = 'sufficient' | 'insufficient' | 'invalid';

/** The consent a TC string gives `vendorId` for what the operator needs. */
export function userConsentOf(tcString: unknown, vendorId: number): UserConsent {
  if (typeof tcString !== 'string' || tcString === '') return 'invalid';
  let segment;
  try {
    segment = decodeTcfCoreSegment(tcString);
  } catch {
    return 'invalid';
  }
  const covered = new Set<number>();
  if (segment.vendorConsents.has(vendorId)) for (const purpose of segment.purposeConsents) covered.add(purpose);
  if (segment.vendorLegitimateInterests.has(vendorId)) for (const purpose of segment.purposeLegitimateInterests) covered.add(purpose);
  return REQUIRED_PURPOSES.every((purpose) => covered.has(purpose)) ? 'sufficient' : 'insufficient';
}

type Endpoint = (state: OperatorState, request: EnvelopedRequest) => Promise<unknown>;

/** Generate with EUID's consent rule in front, where the operator applies it: after the DII checks, before issuing. */
export function withUserConsent(generate: Endpoint): Endpoint {
  return async (state, request) => {
    const { json } = request;
    if (state.config.identity_scope === 'EUID' && Object.hasOwn(json, 'tcf_consent_string')) {
      await requireOneDii(json); // a missing or invalid DII answers first, as at the operator
      const consent = userConsentOf(json.tcf_consent_string, state.config.tcf_vendor_id);
      if (consent === 'invalid') throw clientError('User consent is invalid');
      if (consent === 'insufficient') return { status: 'insufficient_user_consent' };
    }
    return generate(state, request);
  };
}
