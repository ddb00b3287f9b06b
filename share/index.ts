// prebid-uid2/share: tokenized sharing in a Node pipeline (the API behind the prebid-uid2-share command).
export { createShareTransform, ShareTransform, type ShareCounts, type ShareTransformOptions } from './shareTransform.js';
export { DEFAULT_KEY_REFRESH_MS, fetchSharingKeys, fixedSharingKeys, startSharingKeys, type SharingKeys, type SharingKeysOptions } from './sharingKeys.js';
export type { ShareMode } from './shareValues.js';
export { WorkerPool } from './workerPool.js';
export type { Row } from './formats.js';
export type { OperatorClient } from '../libraries/uid2/receiver/operatorClient.js';
