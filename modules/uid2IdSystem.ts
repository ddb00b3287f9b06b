/**
 * UID2 userId submodule: hands the UID2 advertising token to the userId core, which emits it in
 * bid requests as {source: 'uidapi.com', uids: [{id, atype: 3}]}.
 */
import { submodule } from 'prebid.js/src/hook.js';
import { getStorageManager } from 'prebid.js/src/storageManager.js';
import { MODULE_TYPE_UID } from 'prebid.js/src/activities/modules.js';
import { logError } from 'prebid.js/src/utils.js';
import { UID2_EIDS } from 'prebid.js/libraries/uid2Eids/uid2Eids.js';
import type { IdProviderSpec } from 'prebid.js/modules/userId/spec.js';

const MODULE_NAME = 'uid2';
/** Same key as Prebid's official module, so switching modules keeps the stored identity. */
export const STORAGE_KEY = '__uid2_advertising_token';

export interface Uid2Identity {
  advertising_token: string;
  refresh_token: string;
  identity_expires: number;
  refresh_from: number;
  refresh_expires: number;
  refresh_response_key?: string;
}

export interface Uid2Params {
  uid2Token?: Uid2Identity;
  storage?: 'localStorage' | 'cookie';
}

interface StoredValue {
  originalToken?: Uid2Identity;
  latestToken: Uid2Identity | 'optout';
}

declare module 'prebid.js/modules/userId/spec.js' {
  interface UserId { uid2: { id?: string; optout?: boolean } }
  interface ProvidersToId { uid2: 'uid2' }
  interface ProviderParams { uid2: Uid2Params }
}

const storage = getStorageManager({ moduleType: MODULE_TYPE_UID, moduleName: MODULE_NAME });

function isIdentity(value: unknown): value is Uid2Identity {
  const v = value as Uid2Identity;
  return typeof v?.advertising_token === 'string' && typeof v.refresh_token === 'string' &&
    typeof v.identity_expires === 'number' && typeof v.refresh_from === 'number' && typeof v.refresh_expires === 'number';
}

function readStored(): StoredValue | undefined {
  const raw = storage.getDataFromLocalStorage(STORAGE_KEY);
  if (raw == null) return undefined;
  try {
    const parsed = JSON.parse(raw);
    if (parsed?.latestToken === 'optout' || isIdentity(parsed?.latestToken)) return parsed;
  } catch (e) { /* reported below */ }
  logError(`UID2: ignoring unreadable stored identity in ${STORAGE_KEY}`);
  return undefined;
}

function choose(configured: Uid2Identity | undefined, stored: StoredValue | undefined): StoredValue | undefined {
  if (configured && (!stored?.originalToken || stored.originalToken.identity_expires < configured.identity_expires)) {
    return { originalToken: configured, latestToken: configured };
  }
  return stored;
}

export const uid2IdSubmodule: IdProviderSpec<typeof MODULE_NAME> = {
  name: MODULE_NAME,
  getId(config, consentData) {
    if (consentData?.gdpr?.gdprApplies === true) return undefined as never;
    const configured = config.params?.uid2Token;
    if (configured !== undefined && !isIdentity(configured)) logError('UID2: params.uid2Token is not a UID2 identity');
    const value = choose(isIdentity(configured) ? configured : undefined, readStored());
    if (!value) return undefined as never;
    storage.setDataInLocalStorage(STORAGE_KEY, JSON.stringify(value));
    return { id: value as unknown as Record<string, unknown> };
  },
  decode(value) {
    const stored = value as unknown as StoredValue;
    if (stored?.latestToken === 'optout') return { uid2: { optout: true } };
    if (isIdentity(stored?.latestToken) && Date.now() < stored.latestToken.identity_expires) {
      return { uid2: { id: stored.latestToken.advertising_token } };
    }
    return undefined as never;
  },
  eids: UID2_EIDS,
};

submodule('userId', uid2IdSubmodule);
