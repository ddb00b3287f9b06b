// The sync entries the mock SSP's answer carries for its demand partners, in Prebid Server's shape
// (ext.usersync: {<partner>: {status, syncs: [{url, type}]}}); each points at the SSP's own /usersync with the
// partner named and, as Prebid Server fills them in, the consent the request carried (the adapter passes partners'
// URLs on as they are). A child-directed (COPPA) request gets none, as a real SSP would send none.
import { SEAT } from './bids.js';
import { VIDEO_SEAT } from './seats.js';

export interface PartnerSync {
  status: 'none';
  syncs: Array<{ url: string; type: 'iframe' | 'image' | 'redirect' }>;
}

/** `consent`: the request's gdpr, gdpr_consent, us_privacy, gpp and gpp_sid, the ones it has, as query parameters */
export function partnerSyncs(baseUrl: string, coppa: boolean, consent: URLSearchParams): Record<string, PartnerSync> | undefined {
  if (coppa) return undefined;
  const sync = (partner: string, type: 'iframe' | 'image') =>
    `${baseUrl}/usersync?${new URLSearchParams([['type', type], ['partner', partner], ...consent])}`;
  return {
    [SEAT]: { status: 'none', syncs: [{ url: sync(SEAT, 'iframe'), type: 'iframe' }, { url: sync(SEAT, 'image'), type: 'image' }] },
    [VIDEO_SEAT]: { status: 'none', syncs: [{ url: sync(VIDEO_SEAT, 'image'), type: 'redirect' }] },
  };
}
