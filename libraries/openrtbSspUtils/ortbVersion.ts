/**
 * The OpenRTB version the SSP reads (`ortbVersion` in the openrtbSsp settings). Core builds requests with the
 * 2.5 `ext` locations; an SSP on 2.6 gets the fields where 2.6 has its own. The moves are core's own first-party
 * data normalizers (src/fpd/normalize.js), which the page bundle already carries.
 */
import { makeNormalizer, normalizeEIDs } from 'prebid.js/src/fpd/normalize.js';
import type { ORTBRequest } from 'prebid.js/src/types/ortb/request.d.ts';
import { BIDDER_CODE, type OpenrtbSspConfig } from './config.js';

/**
 * Where OpenRTB 2.6 has its own field for what core's first-party data keeps in a 2.5 `ext`: the eids, and the
 * paths Prebid's ortb2.5Translator promotes (EXT_PROMOTIONS).
 */
const ORTB26_FIELDS = 'user.eids device.sua source.schain regs.gdpr regs.us_privacy regs.gpp regs.gpp_sid user.consent'.split(' ');

/** How core's normalizers name this request in their warnings. */
const BIDDER_REQUEST = `${BIDDER_CODE} request`;

/**
 * Puts the fields where the configured OpenRTB version expects them, and the eids only there: Prebid Server-style
 * SSPs read user.eids and drop user.ext.eids when both are present. Eids from both locations are kept (one copy
 * of an eid found in both, with a warning); the eid objects themselves are shared with other bidders and never
 * modified.
 */
export function placeFields(request: ORTBRequest, ortbVersion: OpenrtbSspConfig['ortbVersion']): void {
  normalizeEIDs(request, BIDDER_REQUEST);
  for (const path of ortbVersion === '2.6' ? ORTB26_FIELDS : []) {
    makeNormalizer(path, path.replace('.', '.ext.'), path)(request, BIDDER_REQUEST);
  }
}
