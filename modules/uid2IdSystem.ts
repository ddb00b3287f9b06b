/**
 * UID2 userId submodule (`uid2`): a drop-in replacement for Prebid's official uid2IdSystem, with the same
 * params, storage key and stored shape. It hands the UID2 advertising token to the userId core, which puts it
 * in bid requests as {source: 'uidapi.com', uids: [{id, atype: 3}]}. Lifecycle: libraries/uid2Module.
 */
import { submodule } from 'prebid.js/src/hook.js';
import { addApiMethod } from 'prebid.js/src/prebid.js';
import { getGlobal, registerModule } from 'prebid.js/src/prebidGlobal.js';
import { UID2_EIDS } from 'prebid.js/libraries/uid2Eids/uid2Eids.js';
import { isActivityAllowed } from 'prebid.js/src/activities/rules.js';
import { ACTIVITY_ENRICH_EIDS, ACTIVITY_TRANSMIT_EIDS } from 'prebid.js/src/activities/activities.js';
import { activityParams } from 'prebid.js/src/activities/activityParams.js';
import { MODULE_TYPE_UID } from 'prebid.js/src/activities/modules.js';
import { logInfo } from 'prebid.js/src/utils.js';
import { disclosureUrl } from '../libraries/uid2Module/disclosures.js';
import { createUidModule, type ModuleIdentity, type UidParams } from '../libraries/uid2Module/index.js';

// a type, not an interface: UserIdConfig<string> takes params as Record<string, unknown>, which only a type matches
export type Uid2Params = UidParams<'uid2'> & {
  /** operator base URL; default https://prod.uidapi.com */
  uid2ApiBase?: string;
  /** identity from /v2/token/generate or /v2/token/refresh (the response `body`, or its JSON text) */
  uid2Token?: ModuleIdentity | string;
  /** name of a cookie holding that identity as JSON (ignored when uid2Token is set) */
  uid2Cookie?: string;
  /** older name of uid2Cookie */
  uid2ServerCookie?: string;
};

declare module 'prebid.js/src/prebidGlobal.js' {
  interface PrebidJS {
    /**
     * Tokenized sharing in pixels: `baseUrl` with the current UID2 advertising token (never a raw UID2) in
     * `tokenParam` and `params` added to its query; undefined while there is no valid token (none yet,
     * expired, opted out, or consent withheld), so no pixel goes out without one.
     */
    getUid2PixelUrl(baseUrl: string, params?: Record<string, string>, tokenParam?: string): string | undefined;
    /** Logout: removes the module's record (localStorage and cookie), its claim cookies and the ID Prebid holds. */
    disconnectUid2(): void;
  }
}

declare module 'prebid.js/modules/userId/spec.js' {
  interface UserId { uid2: { id?: string; optout?: boolean } }
  interface ProvidersToId { uid2: 'uid2' }
  interface ProviderParams { uid2: Uid2Params }
}

export const uid2IdSubmodule = createUidModule<'uid2'>({
  name: 'uid2',
  baseUrl: 'https://prod.uidapi.com',
  eids: UID2_EIDS,
  allowed: (consent, warn) => consent?.gdpr?.gdprApplies !== true || warn('not for use where GDPR applies: module disabled'),
});
// where the storage disclosures are published, for Prebid's metadata tooling (storageControl reads the ones
// metadata/uid2IdSystem.ts registers)
uid2IdSubmodule.disclosureURL = disclosureUrl('uid2');

submodule('userId', uid2IdSubmodule);
// in installedModules, which pbjs.getStorageUseDisclosures() summarises: what Prebid's build adds to each of its
// modules (in a Prebid.js tree it does so itself, and writePrebidTree.ts drops this line)
registerModule('uid2IdSystem');
addApiMethod('disconnectUid2', uid2IdSubmodule.disconnect);

/** A pixel transmits the ID as bid requests do: the same activity controls (transmitEids, enrichEids) apply. */
const PIXEL_ACTIVITIES = [ACTIVITY_ENRICH_EIDS, ACTIVITY_TRANSMIT_EIDS];

addApiMethod('getUid2PixelUrl', (baseUrl, params = {}, tokenParam = 'uid2_token') => {
  const denied = PIXEL_ACTIVITIES.find((activity) => !isActivityAllowed(activity, activityParams(MODULE_TYPE_UID, 'uid2')));
  if (denied) return void logInfo(`UID2: no pixel URL: activity ${denied} denied`);
  // the token the userId core holds now: what bid requests carry, after consent and lifecycle rules
  const token = getGlobal().getUserIds?.().uid2?.id;
  if (!token) return void logInfo('UID2: no pixel URL: no valid token');
  const url = new URL(baseUrl, location.href);
  Object.entries({ ...params, [tokenParam]: token }).forEach(([name, value]) => url.searchParams.set(name, value));
  return url.href;
});
