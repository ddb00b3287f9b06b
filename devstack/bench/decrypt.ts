// Receiver-side decryption throughput: v4 advertising tokens a DSP decrypts per second on one core with the
// protocol library (bidstream checks included), as a ratio to a raw node:crypto baseline measured in the same
// run: the two AES-256-GCM layers of the same tokens, decrypted synchronously by hand with keys prepared once,
// which is the most any decoder in Node can do. The library is measured as a Node DSP calls it on the bid-stream
// path (decryptAdvertisingTokenSync, node:crypto backend) and through the promise API (one await per token).
// Within each round, the three take turns on slices of CHUNK tokens (who goes first alternating), so load
// from other processes falls on all alike; each round gives a ratio, the report is the median. Time is this
// process's CPU time (user + system), not wall time: on a shared machine other processes' load then stretches
// neither side, and the figure is tokens per CPU second on one core.
// The library on its WebCrypto backend (what browsers use) is measured too, for scale.
// Run directly: node build/node/devstack/bench/decrypt.js
import { createDecipheriv } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { decryptAdvertisingToken, decryptAdvertisingTokenSync, encryptAdvertisingToken } from '../../libraries/uid2/receiver/advertisingToken.js';
import { cryptoBackend, platformCryptoBackend, useCryptoBackend } from '../../libraries/uid2/crypto/cryptoBackend.js';
import { randomBytes } from '../../libraries/uid2/crypto/bytes.js';
import type { KeyContainer, Uid2Key } from '../../libraries/uid2/receiver/keys.js';
import { webCryptoBackend } from '../../libraries/uid2/crypto/webCryptoBackend.js';
import { median } from './median.js';

export interface DecryptBenchOptions {
  /** distinct tokens decrypted per round */
  tokens?: number;
  rounds?: number;
  warmupRounds?: number;
}

export interface Throughput {
  /** per CPU second */
  tokensPerSecond: number;
  /** CPU ms */
  medianRoundMs: number;
}

export interface DecryptBenchResult {
  tokensPerRound: number;
  rounds: number;
  /** raw node:crypto, two GCM layers per token */
  baseline: Throughput;
  /** decryptAdvertisingTokenSync on Node's default backend (node:crypto) */
  library: Throughput & { backend: string };
  /** median over rounds of library ÷ baseline throughput (goal ≥ 0.8) */
  ratioToBaseline: number;
  /** decryptAdvertisingToken (the promise API, awaited per token) on the same backend */
  libraryAsync: Throughput;
  ratioAsyncToBaseline: number;
  /** decryptAdvertisingToken on the WebCrypto backend (browsers; all of Node before the node:crypto backend) */
  webCrypto: Throughput;
}

const GCM_IV = 12;
const GCM_TAG = 16;
/** type byte, version, master key id */
const TOKEN_HEADER = 6;
/** expires, created, operator site id, type, version, key id, then the site key id */
const SITE_KEY_ID_OFFSET = 29;
const SITE_BLOB_OFFSET = 33;
const RAW_UID_OFFSET = 36;
/** tokens per turn: short turns (~2 ms) spread a burst of outside load over both sides */
const CHUNK = 100;

function key(id: number, now: number): Uid2Key {
  return { id, created: now / 1000, activates: now / 1000, expires: now / 1000 + 86400, secret: randomBytes(32) };
}

function gcmOpenRaw(secret: Buffer, blob: Buffer): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', secret, blob.subarray(0, GCM_IV), { authTagLength: GCM_TAG });
  decipher.setAuthTag(blob.subarray(blob.length - GCM_TAG));
  const head = decipher.update(blob.subarray(GCM_IV, blob.length - GCM_TAG));
  const tail = decipher.final();
  return tail.length === 0 ? head : Buffer.concat([head, tail]);
}

/** The baseline: base64url → two GCM layers → raw UID as base64, keys looked up by id, nothing else. */
export function decryptRaw(token: string, secrets: Map<number, Buffer>): string {
  const bytes = Buffer.from(token, 'base64url');
  const master = gcmOpenRaw(secrets.get(bytes.readInt32BE(2))!, bytes.subarray(TOKEN_HEADER));
  const site = gcmOpenRaw(secrets.get(master.readInt32BE(SITE_KEY_ID_OFFSET))!, master.subarray(SITE_BLOB_OFFSET));
  return site.subarray(RAW_UID_OFFSET).toString('base64');
}

/** CPU milliseconds this process has used (all threads: WebCrypto's pool and GC helpers count too) */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

function timeBaseline(tokens: string[], secrets: Map<number, Buffer>): number {
  const started = cpuMs();
  for (const token of tokens) {
    if (decryptRaw(token, secrets).length !== 44) throw new Error('baseline failed to decrypt a benchmark token');
  }
  return cpuMs() - started;
}

const BIDSTREAM = { clientType: 'bidstream', domainOrAppName: 'example.com' } as const;

function timeLibrary(tokens: string[], keys: KeyContainer, now: number): number {
  const started = cpuMs();
  for (const token of tokens) {
    const result = decryptAdvertisingTokenSync(token, keys, { now, ...BIDSTREAM });
    if (result.status !== 'success') throw new Error(`benchmark token failed to decrypt: ${result.status}`);
  }
  return cpuMs() - started;
}

async function timeLibraryAsync(tokens: string[], keys: KeyContainer, now: number): Promise<number> {
  const started = cpuMs();
  for (const token of tokens) {
    const result = await decryptAdvertisingToken(token, keys, { now, ...BIDSTREAM });
    if (result.status !== 'success') throw new Error(`benchmark token failed to decrypt: ${result.status}`);
  }
  return cpuMs() - started;
}

function throughput(count: number, roundMs: number[]): Throughput {
  const medianRoundMs = median(roundMs);
  return { tokensPerSecond: (count / medianRoundMs) * 1000, medianRoundMs };
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
  const secrets = new Map([masterKey, siteKey].map((k) => [k.id, Buffer.from(k.secret)]));
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

  const previous = useCryptoBackend(platformCryptoBackend());
  try {
    const backend = cryptoBackend().name;
    for (let i = 0; i < warmupRounds; i++) {
      timeBaseline(tokens, secrets);
      timeLibrary(tokens, keys, now);
      await timeLibraryAsync(tokens, keys, now);
    }
    const baselineMs: number[] = [];
    const libraryMs: number[] = [];
    const asyncMs: number[] = [];
    const ratios: number[] = [];
    const asyncRatios: number[] = [];
    for (let i = 0; i < rounds; i++) {
      let base = 0;
      let lib = 0;
      let libAsync = 0;
      for (let start = 0; start < tokens.length; start += CHUNK) {
        const chunk = tokens.slice(start, start + CHUNK);
        // who goes first alternates, so neither side always inherits the other's garbage
        if ((start / CHUNK + i) % 2 === 0) {
          base += timeBaseline(chunk, secrets);
          lib += timeLibrary(chunk, keys, now);
          libAsync += await timeLibraryAsync(chunk, keys, now);
        } else {
          libAsync += await timeLibraryAsync(chunk, keys, now);
          lib += timeLibrary(chunk, keys, now);
          base += timeBaseline(chunk, secrets);
        }
      }
      baselineMs.push(base);
      libraryMs.push(lib);
      asyncMs.push(libAsync);
      ratios.push(base / lib);
      asyncRatios.push(base / libAsync);
    }

    useCryptoBackend(webCryptoBackend);
    await timeLibraryAsync(tokens, keys, now);
    const webCryptoMs: number[] = [];
    for (let i = 0; i < Math.min(rounds, 3); i++) webCryptoMs.push(await timeLibraryAsync(tokens, keys, now));

    return {
      tokensPerRound: count,
      rounds,
      baseline: throughput(count, baselineMs),
      library: { ...throughput(count, libraryMs), backend },
      ratioToBaseline: median(ratios),
      libraryAsync: throughput(count, asyncMs),
      ratioAsyncToBaseline: median(asyncRatios),
      webCrypto: throughput(count, webCryptoMs),
    };
  } finally {
    useCryptoBackend(previous);
  }
}

/** One line per figure, for the bench table and for running this file alone. */
export function describeDecrypt(result: DecryptBenchResult): string {
  const perSecond = (t: Throughput) => `${Math.round(t.tokensPerSecond).toLocaleString('en-US')} tokens per CPU second`;
  return [
    `decrypt, v4 tokens on one core (median of ${result.rounds} rounds of ${result.tokensPerRound} tokens, baseline and both library APIs taking turns every ${CHUNK}):`,
    `  raw node:crypto baseline (two AES-256-GCM layers): ${perSecond(result.baseline)}`,
    `  decryptAdvertisingTokenSync, ${result.library.backend} backend (bidstream checks): ${perSecond(result.library)}, ` +
      `${result.ratioToBaseline.toFixed(2)}× the baseline (goal ≥ 0.80×)`,
    `  decryptAdvertisingToken (promise, awaited per token), same backend: ${perSecond(result.libraryAsync)}, ` +
      `${result.ratioAsyncToBaseline.toFixed(2)}× the baseline`,
    `  decryptAdvertisingToken, WebCrypto backend (browsers): ${perSecond(result.webCrypto)}`,
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(describeDecrypt(await benchDecrypt({ tokens: 2000, rounds: 21, warmupRounds: 3 })));
}
