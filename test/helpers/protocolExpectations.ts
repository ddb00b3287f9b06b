// Helpers for the protocol specs (isomorphic: they also run in Chromium).
import { fromBase64 } from '../../libraries/uid2/crypto/base64.js';
import type { KeyContainer, Uid2Key } from '../../libraries/uid2/receiver/keys.js';

/** The error a promise rejects with; fails the spec if it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

/** A key valid from 2021 to 2099 unless told otherwise. */
export function testKey(id: number, secret: string, extra: Partial<Uid2Key> = {}): Uid2Key {
  return { id, created: 1609459200, activates: 1609459200, expires: 4088629662, secret: fromBase64(secret), ...extra };
}

export function testContainer(keys: Uid2Key[], extra: Partial<KeyContainer> = {}): KeyContainer {
  return {
    tokenExpirySeconds: 2592000,
    allowClockSkewSeconds: 1800,
    identityScope: 'UID2',
    keys: new Map(keys.map((key) => [key.id, key])),
    siteData: new Map(),
    ...extra,
  };
}
