/**
 * What the uid2 and euid modules keep on the device, in the IAB TCF device-storage disclosure format Prebid's
 * storageControl reads (https://github.com/InteractiveAdvertisingBureau/GDPR-Transparency-and-Consent-Framework/blob/master/TCFv2/Vendor%20Device%20Storage%20%26%20Operational%20Disclosures.md).
 * storageControl (enforcement 'strict', its default) denies a module every key its metadata does not list, so this
 * list must name every key the modules touch: the record (storage.ts), in localStorage or a cookie as the publisher
 * configures, and the short-lived cross-tab claim cookies (claim.ts). The publisher's own identity cookie
 * (params.uid2Cookie / euidCookie) has a name only the publisher knows, so it cannot be listed here (see the module docs).
 */
export interface StorageDisclosureEntry {
  identifier: string;
  type: 'cookie' | 'web';
  /** cookies only: the longest lifetime the module gives the cookie */
  maxAgeSeconds?: number;
  /** cookies only: whether the module rewrites the cookie (and with it, its expiry) while in use */
  cookieRefresh?: boolean;
  domains: string[];
  /** IAB TCF purpose ids */
  purposes: number[];
}

export interface StorageDisclosureFile {
  disclosures: StorageDisclosureEntry[];
  domains: { domain: string; use: string }[];
}

/**
 * Where the disclosure file of each module is published: the package on jsDelivr's npm CDN (the package ships
 * build/package/metadata/<module>.json, written by `npm run build:package`). Written into a Prebid.js tree, the
 * modules point at the tree's own `local://modules/` files instead (tools/writePrebidTree.ts replaces this).
 */
export const DISCLOSURE_BASE = 'https://cdn.jsdelivr.net/npm/prebid-uid2/build/package/metadata/';

/** Prebid's file name of each module (its metadata is registered under it, as Prebid's build does) */
export const MODULE_FILES = { uid2: 'uid2IdSystem', euid: 'euidIdSystem' } as const;

/** the userId submodule names (UidModuleName of index.ts; this file stays free of Prebid imports for the Node tools) */
type UidModuleName = keyof typeof MODULE_FILES;

export const disclosureUrl = (name: UidModuleName) => `${DISCLOSURE_BASE}${MODULE_FILES[name]}.json`;

/**
 * UID2 refresh tokens live 30 days (https://unifiedid.com/docs/ref-info/ref-tokens); the record cookie expires with
 * its refresh token, or with the opt-out memory (one day).
 */
const RECORD_MAX_AGE_SECONDS = 30 * 24 * 3600;
/** a claim cookie lives one operator call's timeout and a margin, or the hand-over time after the call (claim.ts) */
const CLAIM_MAX_AGE_SECONDS = 10;
/** store and access information on a device; basic ads; a personalised-ads profile, and its use; measuring ads */
const ID_PURPOSES = [1, 2, 3, 4, 7];

export function storageDisclosure(name: UidModuleName): StorageDisclosureFile {
  const record = `__${name}_advertising_token`;
  const label = name.toUpperCase();
  return {
    disclosures: [
      { identifier: record, type: 'web', domains: ['*'], purposes: ID_PURPOSES },
      { identifier: record, type: 'cookie', maxAgeSeconds: RECORD_MAX_AGE_SECONDS, cookieRefresh: true, domains: ['*'], purposes: ID_PURPOSES },
      { identifier: `${record}_refreshing_*`, type: 'cookie', maxAgeSeconds: CLAIM_MAX_AGE_SECONDS, cookieRefresh: true, domains: ['*'], purposes: [1] },
    ],
    domains: [{
      domain: '*',
      use: `The ${label} module keeps the ${label} identity (advertising and refresh token) in ${record}, in localStorage ` +
        `or, with params.storage 'cookie', a first-party cookie; ${record}_refreshing_* cookies live seconds, so that ` +
        'one tab of the site refreshes a token while the others wait for it',
    }],
  };
}

/** What the page's metadata repository holds for the module, as far as storage advice goes */
export interface StorageSetup {
  name: UidModuleName;
  key: string;
  /** Prebid's storage type: 'html5' or 'cookie' */
  storageType: string;
  /** storageControl is in the bundle */
  storageControl: boolean;
  /** disclosureURL of the module's registered metadata; undefined when none was registered */
  registeredUrl: string | null | undefined;
}

/** The one error a denied storage key gets: why, and what the publisher imports (or configures) to fix it. */
export function deniedStorageAdvice({ name, key, storageType, storageControl, registeredUrl }: StorageSetup): string {
  const file = MODULE_FILES[name];
  const ours = `'prebid-uid2/metadata/${file}'`;
  const denied = `storage of ${key} (${storageType === 'cookie' ? 'cookie' : 'localStorage'}) denied, so no token is kept between pages:`;
  if (storageControl && registeredUrl === undefined) {
    return `${denied} storageControl denies what no metadata discloses; import ${ours} beside 'prebid-uid2/modules/${file}'`;
  }
  // null: metadata with no disclosure at all, as Prebid's own for this module
  if (storageControl && registeredUrl === null) {
    return `${denied} the ${name} metadata in this bundle (prebid.js/metadata/${file}?) discloses no storage; import ${ours} in its place`;
  }
  if (storageControl && key !== `__${name}_advertising_token`) {
    return `${denied} the publisher's own cookie is not in the module's disclosures; disclose it with the page's metadata, or set storageControl.enforcement to 'off'`;
  }
  return `${denied} consent or the page's activity controls (deviceAccess, userSync.enforceStorageType) deny it`;
}
