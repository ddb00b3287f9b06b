// Rotating salt buckets, rotated as UID2's admin service rotates them (uid2-admin SaltRotation): on every
// rotation tick (a day in production), the buckets whose refresh_from has come are candidates, and up to
// ceil(count × fraction) of them, least recently rotated first, get a fresh salt; the old salt stays as the
// previous one. Every bucket's refresh_from then moves to the next whole refresh period after its last
// rotation. A raw UID2 is derived from its bucket's current salt, so it changes when the bucket rotates; the
// operator hands out the previous raw UID2 for 90 days after (identity map v3 `p`).
import { toBase64 } from '../../libraries/uid2/crypto/base64.js';
import type { SaltRotationConfig, SaltsConfig } from './config.js';
import { saltBucketIndex } from './rawUid.js';

export interface SaltBucket {
  /** the salt file's numeric id */
  id: number;
  /** what identity map and /v2/identity/buckets call the bucket */
  bucketId: string;
  salt: string;
  /** the salt before the last rotation, null when the bucket never rotated here */
  previousSalt: string | null;
  /** ms epoch of the last rotation */
  lastUpdated: number;
  /** ms epoch from which the bucket may rotate again (and mappers should re-map) */
  refreshFrom: number;
}

/** The operator keeps answering with the previous raw UID2 this long after a rotation (UIDOperatorService). */
export const PREVIOUS_RAW_UID_MS = 90 * 24 * 3600_000;
/** A clock jump longer than this many ticks is caught up in one step, not tick by tick. */
const MAX_TICKS_PER_ADVANCE = 10_000;

/** The next whole refresh period after the last rotation that is still ahead of `at` (SaltRotation.calculateRefreshFrom). */
export function nextRefreshFrom(lastUpdated: number, at: number, refreshMs: number): number {
  return lastUpdated + (Math.floor(Math.max(0, at - lastUpdated) / refreshMs) + 1) * refreshMs;
}

export class SaltBuckets {
  private readonly buckets: SaltBucket[];
  private readonly tickMs: number;
  private readonly refreshMs: number;
  private readonly fraction: number;
  /** ms epoch of the next rotation tick */
  private nextTick: number;

  constructor(
    salts: SaltsConfig,
    rotation: SaltRotationConfig,
    private readonly random: (length: number) => Uint8Array,
    now: number,
  ) {
    this.tickMs = rotation.rotation_seconds * 1000;
    this.refreshMs = rotation.refresh_seconds * 1000;
    this.fraction = rotation.fraction;
    const lastTick = Math.floor(now / this.tickMs) * this.tickMs;
    const ticksPerRefresh = Math.max(1, Math.round(this.refreshMs / this.tickMs));
    this.buckets = salts.rotating.map((entry, index) => {
      // without a history in the config, the buckets look rotated on the last ticks before start, spread out
      const lastUpdated = entry.last_updated ?? lastTick - (index % ticksPerRefresh) * this.tickMs;
      return {
        id: entry.id,
        bucketId: entry.bucket_id,
        salt: entry.salt,
        previousSalt: entry.previous_salt ?? null,
        lastUpdated,
        refreshFrom: entry.refresh_from ?? nextRefreshFrom(lastUpdated, now, this.refreshMs),
      };
    });
    this.nextTick = lastTick + this.tickMs;
  }

  /** Runs the rotation ticks due by `now` (ms); run before serving each request. */
  advance(now: number): void {
    if (now < this.nextTick) return;
    const due = Math.floor((now - this.nextTick) / this.tickMs) + 1;
    if (due > MAX_TICKS_PER_ADVANCE) this.nextTick += (due - MAX_TICKS_PER_ADVANCE) * this.tickMs;
    for (; this.nextTick <= now; this.nextTick += this.tickMs) this.tick(this.nextTick);
  }

  private tick(at: number): void {
    const candidates = this.buckets.filter((bucket) => bucket.refreshFrom <= at);
    if (candidates.length === 0) return;
    const quota = Math.ceil(this.buckets.length * this.fraction);
    const rotating = new Set([...candidates].sort((a, b) => a.lastUpdated - b.lastUpdated).slice(0, quota));
    for (const bucket of candidates) {
      if (rotating.has(bucket)) this.rotateBucket(bucket, at);
      else bucket.refreshFrom = nextRefreshFrom(bucket.lastUpdated, at, this.refreshMs);
    }
  }

  private rotateBucket(bucket: SaltBucket, at: number): void {
    bucket.previousSalt = bucket.salt;
    bucket.salt = toBase64(this.random(32));
    bucket.lastUpdated = at;
    bucket.refreshFrom = at + this.refreshMs;
  }

  /**
   * Rotates the named buckets (all when none are named) now, off schedule: the local admin route, so a
   * demo or a test sees a rotation without waiting for one. Unknown ids are refused before anything rotates.
   */
  rotateNow(bucketIds: readonly string[] | undefined, now: number): SaltBucket[] {
    const chosen = new Set<SaltBucket>();
    for (const bucketId of bucketIds ?? this.buckets.map((bucket) => bucket.bucketId)) {
      const bucket = this.byBucketId(bucketId);
      // an echo of the caller's input, kept short
      if (!bucket) throw new RangeError(`unknown bucket_id ${bucketId.length > 40 ? `${bucketId.slice(0, 40)}…` : bucketId}`);
      chosen.add(bucket);
    }
    for (const bucket of chosen) this.rotateBucket(bucket, now);
    return [...chosen];
  }

  private byBucketId(bucketId: string): SaltBucket | undefined {
    return this.buckets.find((bucket) => bucket.bucketId === bucketId);
  }

  /** The bucket of a first-level hash. */
  of(firstLevelHash: Uint8Array): SaltBucket {
    return this.buckets[saltBucketIndex(firstLevelHash, this.buckets.length)]!;
  }

  /** Buckets rotated at or after `since` (ms), in salt-file order (RotatingSaltProvider.getModifiedSince). */
  modifiedSince(since: number): SaltBucket[] {
    return this.buckets.filter((bucket) => bucket.lastUpdated >= since);
  }

  all(): readonly SaltBucket[] {
    return this.buckets;
  }

  /**
   * When a mapper should re-map: the bucket's refresh_from, or, once that has passed without a rotation,
   * the next tick (the operator's "start of the next UTC day" with daily ticks).
   */
  refreshFromOf(bucket: SaltBucket, now: number): number {
    return bucket.refreshFrom >= now ? bucket.refreshFrom : (Math.floor(now / this.tickMs) + 1) * this.tickMs;
  }
}
