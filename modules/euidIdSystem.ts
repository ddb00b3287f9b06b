/**
 * EUID userId submodule (`euid`): a drop-in replacement for Prebid's official euidIdSystem (same params,
 * storage key and stored shape), on the same lifecycle code as our uid2 module (libraries/uid2Module).
 * Bid requests get {source: 'euid.eu', uids: [{id, atype: 3}]}. Runs only where GDPR applies and the user
 * gave TCF consent to storage (purpose 1) and to The Trade Desk (vendor 21).
 */
import { submodule } from 'prebid.js/src/hook.js';
import { registerModule } from 'prebid.js/src/prebidGlobal.js';
import { addApiMethod } from 'prebid.js/src/prebid.js';
import { UID2_EIDS } from 'prebid.js/libraries/uid2Eids/uid2Eids.js';
import { disclosureUrl } from '../libraries/uid2Module/disclosures.js';
import { createUidModule, type ModuleIdentity, type UidParams } from '../libraries/uid2Module/index.js';

/** The Trade Desk, operator of EUID */
const GVLID = 21;

// a type, not an interface: UserIdConfig<string> takes params as Record<string, unknown>, which only a type matches
export type EuidParams = UidParams<'euid'> & {
  /** operator base URL; default https://prod.euid.eu */
  euidApiBase?: string;
  /** identity from /v2/token/generate or /v2/token/refresh (the response `body`, or its JSON text) */
  euidToken?: ModuleIdentity | string;
  /** name of a cookie holding that identity as JSON (ignored when euidToken is set) */
  euidCookie?: string;
};

declare module 'prebid.js/src/prebidGlobal.js' {
  interface PrebidJS {
    /** Logout: removes the module's record (localStorage and cookie), its claim cookies and the ID Prebid holds. */
    disconnectEuid(): void;
  }
}

declare module 'prebid.js/modules/userId/spec.js' {
  interface UserId { euid: { id?: string; optout?: boolean } }
  interface ProvidersToId { euid: 'euid' }
  interface ProviderParams { euid: EuidParams }
}

export const euidIdSubmodule = createUidModule<'euid'>({
  name: 'euid',
  baseUrl: 'https://prod.euid.eu',
  gvlid: GVLID,
  eids: { euid: { ...UID2_EIDS.uid2, source: 'euid.eu' } },
  allowed: (consent, warn) => {
    const gdpr = consent?.gdpr;
    const tcf = gdpr?.vendorData;
    return (gdpr?.gdprApplies === true && tcf?.purpose?.consents?.[1] && tcf.vendor?.consents?.[GVLID]) ||
      warn('runs only where GDPR applies, with TCF consent to purpose 1 and vendor 21: module disabled');
  },
});
// where the storage disclosures are published, for Prebid's metadata tooling (storageControl reads the ones
// metadata/euidIdSystem.ts registers)
euidIdSubmodule.disclosureURL = disclosureUrl('euid');

submodule('userId', euidIdSubmodule);
// in installedModules, which pbjs.getStorageUseDisclosures() summarises: what Prebid's build adds to each of its
// modules (in a Prebid.js tree it does so itself, and writePrebidTree.ts drops this line)
registerModule('euidIdSystem');
addApiMethod('disconnectEuid', euidIdSubmodule.disconnect);
