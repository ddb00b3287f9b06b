/**
 * The OpenRTB version the SSP reads (`ortbVersion` in the openrtbSsp settings). Core builds requests with the
 * 2.5 `ext` locations; an SSP on 2.6 gets the fields where 2.6 has its own.
 */
import { deepAccess, deepSetValue } from 'prebid.js/src/utils.js';
import type { ORTBRequest } from 'prebid.js/src/types/ortb/request.d.ts';
import type { OpenrtbSspConfig } from './config.js';

/**
 * Where OpenRTB 2.6 has its own field for what core's first-party data keeps in a 2.5 `ext`: the paths Prebid's
 * ortb2.5Translator promotes (EXT_PROMOTIONS), moved here without bundling the translator's 2.5 rules for them.
 */
const ORTB26_PROMOTIONS = ['device.sua', 'source.schain', 'regs.gdpr', 'regs.us_privacy', 'regs.gpp', 'regs.gpp_sid', 'user.consent'];

/**
 * Puts the fields where the configured OpenRTB version expects them, and the eids only there: Prebid Server-style
 * SSPs read user.eids and drop user.ext.eids when both are present. The eid objects themselves are shared with
 * other bidders and never modified.
 */
export function placeFields(request: ORTBRequest, ortbVersion: OpenrtbSspConfig['ortbVersion']): void {
  const { user } = request;
  const eids = [user?.eids ?? [], (user?.ext?.eids as unknown[] | undefined) ?? []].flat();
  delete user?.eids;
  delete user?.ext?.eids;
  const v26 = ortbVersion === '2.6';
  for (const path of v26 ? ORTB26_PROMOTIONS : []) {
    const [section, field] = path.split('.') as [string, string];
    const ext: Record<string, unknown> | undefined = deepAccess(request, `${section}.ext`);
    if (ext?.[field] != null) {
      deepSetValue(request, path, ext[field]);
      delete ext[field];
    }
  }
  if (eids.length > 0) deepSetValue(request, v26 ? 'user.eids' : 'user.ext.eids', eids);
}
