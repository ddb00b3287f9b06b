// The crypto seam itself: each backend the platform has gives the same bytes, the same refusals and the same
// base64 as base64.ts, and imported keys are cached per key id without ever mixing up two keys of one id.
import { expect } from 'chai';
import { decryptAdvertisingToken, encryptAdvertisingToken } from '../../libraries/uid2/receiver/advertisingToken.js';
import { fromBase64, toBase64, toBase64Url } from '../../libraries/uid2/crypto/base64.js';
import { utf8 } from '../../libraries/uid2/crypto/bytes.js';
import { cryptoBackend, gcmOpen, gcmSeal, platformCryptoBackend } from '../../libraries/uid2/crypto/cryptoBackend.js';
import { PrivacyBits } from '../../libraries/uid2/receiver/tokenType.js';
import { availableCryptoBackends, forEachCryptoBackend } from '../helpers/cryptoBackends.js';
import { rejectionOf, testContainer, testKey } from '../helpers/protocolExpectations.js';
import { CROSS_SDK_V4, hexBytes } from '../helpers/protocolVectors.js';

const NOW = 1_750_000_000_000;
const SECRET = 'ioG3wKxAokmp+rERx6A4kM/13qhyolUXIu14WN16Spo=';

/** What a failed operation does on either backend: throw now, or reject later. */
async function failureOf(operation: () => unknown): Promise<Error> {
  return rejectionOf((async () => operation())());
}

describe('uid2 crypto backends', () => {
  it('uses node:crypto where the platform offers it (Node), WebCrypto elsewhere (browsers)', () => {
    const inNode = typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';
    expect(platformCryptoBackend().name).to.equal(inNode ? 'node:crypto' : 'WebCrypto');
    expect(availableCryptoBackends().map((backend) => backend.name)).to.include('WebCrypto');
  });
});

forEachCryptoBackend('uid2 crypto backend', () => {
  it('decodes and encodes base64 exactly as base64.ts, both alphabets, padded or not (URL-safe: unpadded)', () => {
    const backend = cryptoBackend();
    for (const text of ['/+CI/+6ZmQ==', '/+CI/+6ZmQ', '_-CI_-6ZmZk', '', 'AAAA']) {
      expect(backend.decodeBase64(text), text).to.deep.equal(fromBase64(text));
    }
    for (let length = 0; length < 40; length++) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 89 + length) & 0xff);
      expect(backend.encodeBase64(bytes)).to.equal(toBase64(bytes));
      expect(backend.encodeBase64Url(bytes)).to.equal(toBase64Url(bytes));
      expect(backend.decodeBase64(backend.encodeBase64(bytes))).to.deep.equal(bytes);
      expect(backend.decodeBase64(backend.encodeBase64Url(bytes))).to.deep.equal(bytes);
    }
  });

  it('decodes long text of either alphabet, or both mixed, padded or not, exactly as base64.ts', () => {
    const backend = cryptoBackend();
    for (let length = 100; length < 300; length += 7) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 151 + length * 7) & 0xff);
      const standard = toBase64(bytes);
      // every other '+' or '/' in its URL-safe form: text of both alphabets at once, however the backend picks one
      let count = 0;
      const mixed = standard.replace(/[+/]/g, (c) => (count++ % 2 === 0 ? c : c === '+' ? '-' : '_'));
      for (const text of [standard, toBase64Url(bytes), mixed, mixed.replace(/=+$/, '')]) {
        expect(backend.decodeBase64(text), text).to.deep.equal(fromBase64(text));
        expect(backend.decodeBase64(text), text).to.deep.equal(bytes);
      }
    }
  });

  it('refuses the base64 that base64.ts refuses', () => {
    for (const bad of ['ab cd', 'ab\ncd', 'abc!', 'a=bc', 'abcde', 'QQ=', 'QQ===', 'é123']) {
      expect(() => cryptoBackend().decodeBase64(bad), bad).to.throw();
    }
  });

  it('accepts and refuses exactly what base64.ts does, over every short string of tricky characters', () => {
    const alphabet = ['A', 'g', '-', '_', '+', '/', '=', '!'];
    const outcome = (decode: (text: string) => Uint8Array, text: string) => {
      try {
        return toBase64(decode(text));
      } catch {
        return 'refused';
      }
    };
    let strings = [''];
    const disagreements: string[] = [];
    for (let length = 1; length <= 4; length++) {
      strings = strings.flatMap((prefix) => alphabet.map((c) => prefix + c));
      // alone, and after a full quartet: lengths 1 to 8
      for (const text of strings.flatMap((tail) => [tail, `AAAA${tail}`])) {
        if (outcome(cryptoBackend().decodeBase64, text) !== outcome(fromBase64, text)) disagreements.push(text);
      }
    }
    expect(disagreements).to.deep.equal([]);
  });

  it('seals GCM blobs any backend opens, with and without AAD', async () => {
    const iv = hexBytes('cc3ccaca9889eab3800e787e');
    const sealed = await gcmSeal(SECRET, utf8('payload'), { iv, aad: utf8('[1]') });
    expect(sealed.subarray(0, 12)).to.deep.equal(iv);
    for (const backend of availableCryptoBackends()) {
      const key = await backend.importGcmKey(fromBase64(SECRET));
      expect(await backend.gcmDecrypt(key, sealed, utf8('[1]')), backend.name).to.deep.equal(utf8('payload'));
    }
    expect(await gcmOpen(SECRET, await gcmSeal(SECRET, new Uint8Array(0)))).to.deep.equal(new Uint8Array(0));
  });

  it('refuses a wrong tag, wrong AAD, a truncated blob and a wrong key', async () => {
    const sealed = await gcmSeal(SECRET, utf8('payload'), { aad: utf8('[1]') });
    const flipped = new Uint8Array(sealed);
    flipped[flipped.length - 1]! ^= 1;
    await failureOf(() => gcmOpen(SECRET, flipped, utf8('[1]')));
    await failureOf(() => gcmOpen(SECRET, sealed, utf8('[2]')));
    await failureOf(() => gcmOpen(SECRET, sealed));
    await failureOf(() => gcmOpen(SECRET, sealed.subarray(0, 27), utf8('[1]')));
    await failureOf(() => gcmOpen(CROSS_SDK_V4.masterKey.secret, sealed, utf8('[1]')));
  });

  it('imports a key id anew when its key material changes (another operator, a test container)', async () => {
    const fields = {
      rawUid: fromBase64(CROSS_SDK_V4.rawUid),
      identityScope: 'UID2' as const,
      identityType: 'email' as const,
      siteId: 9000,
      expires: NOW + 60_000,
      created: NOW,
      established: NOW,
      refreshed: NOW,
      privacyBits: PrivacyBits.legacy,
    };
    const first = { master: testKey(1, CROSS_SDK_V4.masterKey.secret), site: testKey(2, CROSS_SDK_V4.siteKey.secret) };
    const second = { master: testKey(1, CROSS_SDK_V4.siteKey.secret), site: testKey(2, CROSS_SDK_V4.masterKey.secret) };
    const firstToken = await encryptAdvertisingToken(fields, first.master, first.site);
    const secondToken = await encryptAdvertisingToken(fields, second.master, second.site);
    const firstKeys = testContainer([first.master, first.site]);
    const secondKeys = testContainer([second.master, second.site]);
    expect((await decryptAdvertisingToken(firstToken, firstKeys, { now: NOW })).status).to.equal('success');
    expect((await decryptAdvertisingToken(secondToken, secondKeys, { now: NOW })).status).to.equal('success');
    expect(await decryptAdvertisingToken(firstToken, secondKeys, { now: NOW })).to.deep.equal({ status: 'invalid_payload' });
    // equal key material in another key object still decrypts
    const copies = testContainer([testKey(1, CROSS_SDK_V4.masterKey.secret), testKey(2, CROSS_SDK_V4.siteKey.secret)]);
    expect((await decryptAdvertisingToken(firstToken, copies, { now: NOW })).status).to.equal('success');
  });
});
