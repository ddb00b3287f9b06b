// Prebid ships these internal modules as plain JS without declarations; these are the parts our modules use,
// one declaration per module.
declare module 'prebid.js/src/utils.js' {
  export function logError(...args: unknown[]): void;
  export function logWarn(...args: unknown[]): void;
  export function logInfo(...args: unknown[]): void;
  /** whether Prebid logs: its debug setting (pbjs_debug=true in the URL turns it on) */
  export function debugTurnedOn(): boolean;
  export function prefixLog(prefix: string): {
    logError(...args: unknown[]): void;
    logWarn(...args: unknown[]): void;
    logInfo(...args: unknown[]): void;
    logMessage(...args: unknown[]): void;
  };
  export function cyrb53Hash(str: string, seed?: number): string;
  export function deepAccess<T = any>(obj: object, path: string): T | undefined;
  export function deepSetValue(obj: object, path: string, value: unknown): void;
  /** keepalive fetch (image fallback) on the background task queue */
  export function politeTriggerPixel(url: string, credentials?: RequestCredentials): void;
  export function replaceAuctionPrice(str: string, cpm: number): string;
}
declare module 'prebid.js/libraries/uid2Eids/uid2Eids.js' {
  import type { IdProviderSpec } from 'prebid.js/modules/userId/spec.js';
  export const UID2_EIDS: NonNullable<IdProviderSpec<'uid2'>['eids']>;
}
// used by modules/uid2IdSystem.ts (getUid2PixelUrl follows the activity controls eids follow)
declare module 'prebid.js/src/activities/rules.js' {
  export function isActivityAllowed(activity: string, params: Record<string, unknown>): boolean;
}
declare module 'prebid.js/src/activities/activityParams.js' {
  export function activityParams(componentType: string, componentName: string, additionalParams?: Record<string, unknown>): Record<string, unknown>;
}
// used by modules/openrtbSspBidAdapter.ts
declare module 'prebid.js/src/eventTrackers.js' {
  export const TRACKER_METHOD_IMG: 1;
  export const TRACKER_METHOD_JS: 2;
  export const EVENT_TYPE_IMPRESSION: 1;
  export const EVENT_TYPE_WIN: 500;
  export const EVENT_TYPE_VIEWABLE: 2;
}
declare module 'prebid.js/libraries/ortbConverter/processors/mediaType.js' {
  export const ORTB_MTYPES: Record<number, 'banner' | 'video' | 'native' | undefined>;
}
// used by metadata/registerMetadata.ts and libraries/uid2Module/storageCheck.ts (storageControl reads this repository)
declare module 'prebid.js/libraries/metadata/metadata.js' {
  interface ComponentMetadata { componentType: string; componentName: string; disclosureURL: string | null; aliasOf?: string | null }
  interface MetadataRepository {
    register(moduleName: string, data: { disclosures?: Record<string, { disclosures: object[] }>; components?: ComponentMetadata[] }): void;
    getMetadata(componentType: string, componentName: string): ComponentMetadata | undefined;
  }
  export const metadata: MetadataRepository;
  export function metadataRepository(): MetadataRepository;
}
declare module 'prebid.js/src/activities/params.js' {
  export const ACTIVITY_PARAM_STORAGE_KEY: 'storageKey';
  export const ACTIVITY_PARAM_STORAGE_TYPE: 'storageType';
  export const ACTIVITY_PARAM_STORAGE_WRITE: 'write';
}
// used by libraries/openrtbSspUtils/ortbVersion.ts: core's first-party data normalizers
declare module 'prebid.js/src/fpd/normalize.js' {
  /** merges user.eids into user.ext.eids (duplicates once, with a warning) */
  export function normalizeEIDs<T extends object>(target: T, context: string): T;
  /** moves `preferred` or `fallback` (preferred wins, with a warning when they differ) to `dest`, deleting the other */
  export function makeNormalizer(preferred: string, fallback: string, dest: string): <T extends object>(ortb2: T, context: string) => T;
}
