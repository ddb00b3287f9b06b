import { expect } from 'chai';
import { fromBase64, toBase64 } from '../../libraries/uid2/crypto/base64.js';
import { sha256 } from '../../libraries/uid2/client/normalize.js';
import { utf8 } from '../../libraries/uid2/crypto/bytes.js';
import { firstLevelHash, rawUidV2, saltBucketIndex } from '../../devstack/operator/rawUid.js';
import { DOCS_SAMPLE_IDENTITY } from '../helpers/protocolVectors.js';

/** The operator's local test salts (salts metadata + salts.txt.1670796729291) */
const FIRST_LEVEL_SALT = 'fOGY/aRE44peL23i+cE9MkJrzmEeNZZziNZBfq7qqk8=';
const ROTATING_SALTS = ['vgv1BwiNRCW7F3VcNXHlZh+7oHJ4G4gCshbGcVOLnss=', 'vgv1BwiNRCW7F3VcNXHlZh+7oHJ4G4gCshbGcVOLnsP='];

describe('uid2 raw UID derivation', () => {
  it('derives the docs\' sample raw UID from its first-level hash and the local rotating salt', async () => {
    const flh = fromBase64(DOCS_SAMPLE_IDENTITY.firstLevelHash);
    expect(saltBucketIndex(flh, ROTATING_SALTS.length)).to.equal(0);
    expect(toBase64(await rawUidV2(flh, ROTATING_SALTS[0]!))).to.equal(DOCS_SAMPLE_IDENTITY.rawUid);
  });

  it('derives validate@example.com end to end (values computed independently with Python hashlib)', async () => {
    const identityHash = await sha256(utf8('validate@example.com'));
    const flh = await firstLevelHash(identityHash, FIRST_LEVEL_SALT);
    expect(toBase64(flh)).to.equal('FNRbc+HsgQYwm/ayjooe5zLbFPRUCPm587ODCTck9is=');
    const bucket = saltBucketIndex(flh, ROTATING_SALTS.length);
    expect(bucket).to.equal(1);
    expect(toBase64(await rawUidV2(flh, ROTATING_SALTS[bucket]!))).to.equal('hKtZIUSgKGPo1+7wU1RWToXbfxFvjCO9L0qvperS8iI=');
  });

  it('indexes buckets from 20 bits of the first-level hash', () => {
    const flh = fromBase64(DOCS_SAMPLE_IDENTITY.firstLevelHash); // 39 1d ea …
    expect(saltBucketIndex(flh, 1_000_000)).to.equal(0x391da);
    expect(saltBucketIndex(Uint8Array.of(0xff, 0xff, 0xff), 1 << 20)).to.equal(0xfffff);
    expect(saltBucketIndex(Uint8Array.of(0xff, 0xff, 0xf0), 3)).to.equal(0xffff0 % 3);
  });
});
