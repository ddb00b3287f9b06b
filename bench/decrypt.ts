// Receiver-side decryption throughput: how many v4 advertising tokens a DSP decrypts per second on one
// core with the protocol library (bidstream checks included). Tokens are decrypted one at a time, so a
// single crypto operation is in flight; warm-up rounds first, then the median of the timed rounds.
// Run directly: node build/node/bench/decrypt.js
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { decryptAdvertisingToken, encryptAdvertisingToken } from '../libraries/uid2/advertisingToken.js';
import { randomBytes } from '../libraries/uid2/bytes.js';
import type { KeyContainer, Uid2Key } from '../libraries/uid2/keys.js';
import { median } from './median.js';

export interface DecryptBenchOptions {
  /** distinct tokens decrypted per round */
  tokens?: number;
  rounds?: number;
  warmupRounds?: number;
}

export interface DecryptBenchResult {
  tokensPerSecond: number;
  medianRoundMs: number;
  tokensPerRound: number;
  roundMs: number[];
}

function key(id: number, now: number): Uid2Key {
  return { id, created: now / 1000, activates: now / 1000, expires: now / 1000 + 86400, secret: randomBytes(32) };
}

async function decryptAll(tokens: string[], keys: KeyContainer, now: number): Promise<number> {
  const started = performance.now();
  for (const token of tokens) {
    const result = await decryptAdvertisingToken(token, keys, { now, clientType: 'bidstream', domainOrAppName: 'example.com' });
    if (result.status !== 'success') throw new Error(`benchmark token failed to decrypt: ${result.status}`);
  }
  return performance.now() - started;
}

export async function benchDecrypt(opts: DecryptBenchOptions = {}): Promise<DecryptBenchResult> {
  const { tokens: count = 2000, rounds = 7, warmupRounds = 2 } = opts;
  const now = Math.floor(Date.now() / 1000) * 1000;
  const masterKey = key(1, now);
  const siteKey = key(2, now);
  const keys: KeyContainer = {
    tokenExpirySeconds: 2592000,
    maxBidstreamLifetimeSeconds: 3610,
    allowClockSkewSeconds: 1800,
    identityScope: 'UID2',
    keys: new Map([masterKey, siteKey].map((k) => [k.id, k])),
    siteData: new Map([[123, ['example.com']]]),
  };
  const tokens = await Promise.all(
    Array.from({ length: count }, () =>
      encryptAdvertisingToken(
        {
          rawUid: randomBytes(32),
          identityScope: 'UID2',
          identityType: 'email',
          siteId: 123,
          expires: now + 3600_000,
          created: now,
          established: now,
          refreshed: now,
          privacyBits: 1,
        },
        masterKey,
        siteKey,
      ),
    ),
  );
  for (let i = 0; i < warmupRounds; i++) await decryptAll(tokens, keys, now);
  const roundMs: number[] = [];
  for (let i = 0; i < rounds; i++) roundMs.push(await decryptAll(tokens, keys, now));
  const medianRoundMs = median(roundMs);
  return { tokensPerSecond: (count / medianRoundMs) * 1000, medianRoundMs, tokensPerRound: count, roundMs };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await benchDecrypt();
  console.log(
    `decrypt: ${Math.round(result.tokensPerSecond)} v4 tokens/s on one core (median of ${result.roundMs.length} rounds of ${result.tokensPerRound} tokens, ${result.medianRoundMs.toFixed(1)} ms each)`,
  );
}
