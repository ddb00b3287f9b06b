// POST /v2/identity/buckets (UIDOperatorVerticle.handleBucketsV2): the salt buckets rotated since a time, so
// advertisers and data providers know which of their stored raw UID2s to map again.
//   request  {"since_timestamp": "2022-06-01T13:00:00"}   (ISO local date-time, read as UTC)
//   answer   {"body": [{"bucket_id": "…", "last_updated": "2022-06-05T22:52:03.109"}, …], "status": "success"}
import { clientError } from '../../libraries/uid2/receiver/operatorError.js';
import type { EnvelopedRequest, OperatorState } from './endpoints.js';

/** yyyy-MM-ddTHH:mm[:ss[.fraction]] (java.time ISO_LOCAL_DATE_TIME, four-digit years) */
const ISO_LOCAL_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$/;

/** ms epoch of an ISO local date-time read as UTC; undefined unless it is one (strictly: no 2023-02-30, no 24:00). */
export function parseIsoLocalDateTime(text: string): number | undefined {
  const match = ISO_LOCAL_DATE_TIME.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second = 0] = match.slice(1, 7).map((part) => (part === undefined ? undefined : Number(part)));
  const millis = Math.floor(Number(`0.${match[7] ?? '0'}`) * 1000);
  const ms = Date.UTC(year!, month! - 1, day!, hour!, minute!, second, millis);
  const date = new Date(ms);
  const exact =
    date.getUTCFullYear() === year && date.getUTCMonth() === month! - 1 && date.getUTCDate() === day &&
    date.getUTCHours() === hour && date.getUTCMinutes() === minute && date.getUTCSeconds() === second;
  return exact ? ms : undefined;
}

/** The operator's API_DATE_TIME_FORMATTER: yyyy-MM-dd'T'HH:mm:ss.SSS in UTC, always three millisecond digits. */
export function formatApiDateTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 23);
}

export async function identityBuckets(state: OperatorState, { json }: EnvelopedRequest): Promise<unknown> {
  const since = json.since_timestamp;
  if (since === undefined || since === null) throw clientError('missing parameter since_timestamp');
  const sinceMs = typeof since === 'string' ? parseIsoLocalDateTime(since) : undefined;
  if (sinceMs === undefined) throw clientError('invalid date, must conform to ISO 8601');
  const rotated = state.identities.salts.modifiedSince(sinceMs);
  return { body: rotated.map((bucket) => ({ bucket_id: bucket.bucketId, last_updated: formatApiDateTime(bucket.lastUpdated) })), status: 'success' };
}
