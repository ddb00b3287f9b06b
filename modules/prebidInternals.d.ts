// Prebid ships these internal modules as plain JS without declarations; these are the parts our modules use.
declare module 'prebid.js/src/utils.js' {
  export function logError(...args: unknown[]): void;
  export function logWarn(...args: unknown[]): void;
  export function logInfo(...args: unknown[]): void;
}
declare module 'prebid.js/libraries/uid2Eids/uid2Eids.js' {
  import type { IdProviderSpec } from 'prebid.js/modules/userId/spec.js';
  export const UID2_EIDS: NonNullable<IdProviderSpec<'uid2'>['eids']>;
}
