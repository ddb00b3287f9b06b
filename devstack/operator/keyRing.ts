// The operator's keys: the configured ones plus keys it generates per keyset on a rotation period. A new key
// is published one period before it activates (receivers refreshing keys meanwhile already hold it), and
// every key stays decryptable until it expires.
import { fromBase64 } from '../../libraries/uid2/crypto/base64.js';
import { activeKeyOf, type Uid2Key } from '../../libraries/uid2/receiver/keys.js';
import {
  FALLBACK_PUBLISHER_SITE_ID,
  MASTER_SITE_ID,
  REFRESH_SITE_ID,
  type KeyConfig,
  type KeyRotation,
  type KeysetConfig,
} from './config.js';

export interface OperatorKey extends Uid2Key {
  keysetId: number;
}

export class KeyRing {
  readonly keys = new Map<number, OperatorKey>();
  private readonly keysetBySite: Map<number, KeysetConfig>;
  private readonly keysetById: Map<number, KeysetConfig>;
  private readonly rotationSeconds: number;
  private readonly keyLifetimeSeconds: number;
  private nextKeyId: number;
  /** epoch seconds of the next publication */
  private nextRotation: number;

  constructor(
    readonly keysets: readonly KeysetConfig[],
    configuredKeys: readonly KeyConfig[],
    rotation: KeyRotation,
    private readonly random: (length: number) => Uint8Array,
    now: number,
  ) {
    this.keysetBySite = new Map(keysets.map((keyset) => [keyset.site_id, keyset]));
    this.keysetById = new Map(keysets.map((keyset) => [keyset.keyset_id, keyset]));
    this.rotationSeconds = rotation.rotation_seconds;
    this.keyLifetimeSeconds = rotation.key_expires_after_seconds;
    for (const key of configuredKeys) {
      const { id, keyset_id: keysetId, created, activates, expires, secret } = key;
      this.keys.set(id, { id, keysetId, created, activates, expires, secret: fromBase64(secret) });
    }
    this.nextKeyId = Math.max(0, ...this.keys.keys()) + 1;
    const nowSeconds = Math.floor(now / 1000);
    for (const keyset of keysets) {
      if (!this.activeKey(keyset.keyset_id, now)) this.addKey(keyset.keyset_id, nowSeconds, nowSeconds);
    }
    this.nextRotation = nowSeconds;
    this.advance(now);
  }

  /** Publishes the keys due by `now` (ms) and forgets expired ones; run before serving each request. */
  advance(now: number): void {
    const nowSeconds = Math.floor(now / 1000);
    const period = this.rotationSeconds;
    // after a long pause, skip publications whose keys would already have expired
    const lag = nowSeconds - (this.nextRotation + period + this.keyLifetimeSeconds);
    if (lag >= 0) this.nextRotation += (Math.floor(lag / period) + 1) * period;
    while (this.nextRotation <= nowSeconds) {
      for (const keyset of this.keysets) this.addKey(keyset.keyset_id, this.nextRotation, this.nextRotation + period);
      this.nextRotation += period;
    }
    for (const [id, key] of this.keys) if (key.expires <= nowSeconds) this.keys.delete(id);
  }

  private addKey(keysetId: number, created: number, activates: number): void {
    const id = this.nextKeyId++;
    this.keys.set(id, { id, keysetId, created, activates, expires: activates + this.keyLifetimeSeconds, secret: this.random(32) });
  }

  readonly lookup = (keyId: number): OperatorKey | undefined => this.keys.get(keyId);

  activeKey(keysetId: number, now: number): OperatorKey | undefined {
    return activeKeyOf(this, keysetId, now) as OperatorKey | undefined;
  }

  keysetOf(key: OperatorKey): KeysetConfig {
    return this.keysetById.get(key.keysetId)!;
  }

  keysetOfSite(siteId: number): KeysetConfig | undefined {
    return this.keysetBySite.get(siteId);
  }

  masterKey(now: number): OperatorKey | undefined {
    return this.activeKey(this.keysetOfSite(MASTER_SITE_ID)!.keyset_id, now);
  }

  refreshKey(now: number): OperatorKey | undefined {
    return this.activeKey(this.keysetOfSite(REFRESH_SITE_ID)!.keyset_id, now);
  }

  /** The key advertising tokens of a site are encrypted with: its own keyset's, else the fallback publisher's. */
  siteKey(siteId: number, now: number): OperatorKey | undefined {
    const keyset = this.keysetOfSite(siteId) ?? this.keysetOfSite(FALLBACK_PUBLISHER_SITE_ID)!;
    return this.activeKey(keyset.keyset_id, now);
  }
}
