// Local admin routes for salt buckets (not in the real operator: UID2's admin service rotates salts there).
//   GET  /admin/salts          every bucket: bucket_id, last_updated, refresh_from, whether it has a previous salt
//   POST /admin/salts/rotate   {"bucket_ids": ["…"]} rotates those buckets now, {} rotates every bucket
// Salts themselves are never shown. Like /admin/sharing: loopback callers only, no CORS, JSON bodies only.
import { clientError } from '../../libraries/uid2/receiver/operatorError.js';
import { adminJsonBody, jsonReply, success, type OperatorState, type Reply } from './endpoints.js';
import { formatApiDateTime } from './identityBuckets.js';
import type { SaltBucket } from './saltBuckets.js';

function bucketJson(bucket: SaltBucket): Record<string, unknown> {
  return {
    bucket_id: bucket.bucketId,
    last_updated: formatApiDateTime(bucket.lastUpdated),
    refresh_from: formatApiDateTime(bucket.refreshFrom),
    has_previous_salt: bucket.previousSalt !== null,
  };
}

export function saltBucketList(state: OperatorState): Reply {
  const { rotation_seconds, refresh_seconds, fraction } = state.config.salt_rotation;
  return jsonReply(200, success({ rotation: { rotation_seconds, refresh_seconds, fraction }, buckets: state.identities.salts.all().map(bucketJson) }));
}

/** Which buckets a rotate request names: undefined for all of them. */
function requestedBucketIds(contentType: string | undefined, text: string): string[] | undefined {
  // an empty body rotates every bucket, as {} does
  const body = adminJsonBody(contentType, text === '' ? '{}' : text);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw clientError('expected a JSON object');
  const { bucket_ids: ids, ...rest } = body as Record<string, unknown>;
  const unknownField = Object.keys(rest)[0];
  if (unknownField !== undefined) throw clientError(`unknown field ${unknownField}`);
  if (ids === undefined) return undefined;
  if (!Array.isArray(ids) || ids.length === 0 || !ids.every((id) => typeof id === 'string')) {
    throw clientError('bucket_ids: expected a non-empty array of bucket ids');
  }
  return ids as string[];
}

export function rotateSaltBuckets(state: OperatorState, contentType: string | undefined, text: string, now: number): Reply {
  const bucketIds = requestedBucketIds(contentType, text);
  let rotated: SaltBucket[];
  try {
    rotated = state.identities.salts.rotateNow(bucketIds, now);
  } catch (error) {
    throw clientError(`bucket_ids: ${(error as Error).message}`);
  }
  return jsonReply(200, success({ rotated: rotated.map(bucketJson) }));
}
