/**
 * Says once per page, with logError, when the page denies the module a storage key it needs: with storageControl
 * (Prebid 11 denies undisclosed keys by default) a missing metadata import would otherwise leave the module working
 * but storing nothing, so that every page starts from scratch. The advice itself is deniedStorageAdvice.
 */
import { logError } from 'prebid.js/src/utils.js';
import { isActivityAllowed } from 'prebid.js/src/activities/rules.js';
import { activityParams } from 'prebid.js/src/activities/activityParams.js';
import { ACTIVITY_ACCESS_DEVICE } from 'prebid.js/src/activities/activities.js';
import { ACTIVITY_PARAM_STORAGE_KEY, ACTIVITY_PARAM_STORAGE_TYPE, ACTIVITY_PARAM_STORAGE_WRITE } from 'prebid.js/src/activities/params.js';
import { MODULE_TYPE_UID } from 'prebid.js/src/activities/modules.js';
import { getGlobal } from 'prebid.js/src/prebidGlobal.js';
import { metadata } from 'prebid.js/libraries/metadata/metadata.js';
import { deniedStorageAdvice, MODULE_FILES } from './disclosures.js';

const reported = new Set<string>();

/** Forgets what this page said: for a test harness that runs several emulated pages in one document. */
export function forgetReportedDenials(): void {
  reported.clear();
}

/** One key the module reads, or also writes (what userSync.enforceStorageType rules on) */
export interface StorageUse { key: string; storageType: 'html5' | 'cookie'; write: boolean }

/** logs deniedStorageAdvice for each use in `uses` the page denies the module */
export function reportDeniedStorage(name: keyof typeof MODULE_FILES, uses: StorageUse[]): void {
  for (const { key, storageType, write } of uses) {
    const params = activityParams(MODULE_TYPE_UID, name, {
      [ACTIVITY_PARAM_STORAGE_KEY]: key,
      [ACTIVITY_PARAM_STORAGE_TYPE]: storageType,
      [ACTIVITY_PARAM_STORAGE_WRITE]: write,
    });
    if (reported.has(`${name} ${key} ${storageType}`) || isActivityAllowed(ACTIVITY_ACCESS_DEVICE, params)) continue;
    reported.add(`${name} ${key} ${storageType}`);
    const storageControl = getGlobal().installedModules.includes('storageControl');
    const registeredUrl = metadata.getMetadata('userId', name)?.disclosureURL;
    logError(`${name.toUpperCase()}:`, deniedStorageAdvice({ name, key, storageType, storageControl, registeredUrl }));
  }
}
