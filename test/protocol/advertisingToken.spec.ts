import { expect } from 'chai';
import { fromBase64, toBase64, toBase64Url } from '../../libraries/uid2/crypto/base64.js';
import { ByteWriter } from '../../libraries/uid2/crypto/byteLayout.js';
import { concatBytes, utf8 } from '../../libraries/uid2/crypto/bytes.js';
import { gcmDecrypt, importAesKey } from '../../libraries/uid2/crypto/aesGcm.js';
import {
  decryptAdvertisingToken,
  decryptAdvertisingTokenSync,
  detectTokenVersion,
  encryptAdvertisingToken,
  type AdvertisingTokenFields,
  type DecryptedToken,
} from '../../libraries/uid2/receiver/advertisingToken.js';
import { cryptoBackend } from '../../libraries/uid2/crypto/cryptoBackend.js';
import type { Uid2Key } from '../../libraries/uid2/receiver/keys.js';
import { PrivacyBits } from '../../libraries/uid2/receiver/tokenType.js';
import { rejectionOf, testContainer, testKey } from '../helpers/protocolExpectations.js';
import { CROSS_SDK_V4, DOCS_SAMPLE_IDENTITY, LOCAL_KEYS, PUBLISHER_TESTS, PYTHON_SDK_SHARING_TOKENS, RAW_UIDS } from '../helpers/protocolVectors.js';
import { forEachCryptoBackend } from '../helpers/cryptoBackends.js';

const master = testKey(LOCAL_KEYS.master.id, LOCAL_KEYS.master.secret);
const site = testKey(LOCAL_KEYS.site123.id, LOCAL_KEYS.site123.secret);
const keys = testContainer([master, site]);
const NOW = 1_750_000_000_000;

function fields(overrides: Partial<AdvertisingTokenFields> = {}): AdvertisingTokenFields {
  return {
    rawUid: fromBase64(DOCS_SAMPLE_IDENTITY.rawUid),
    identityScope: 'UID2',
    identityType: 'email',
    siteId: 123,
    expires: NOW + 3600_000,
    created: NOW,
    established: NOW - 1000,
    refreshed: NOW,
    privacyBits: PrivacyBits.legacy,
    ...overrides,
  };
}

/** The two IVs inside a v3/v4 token, so it can be rebuilt byte for byte. */
async function ivsOf(token: string, masterKey: Uid2Key): Promise<{ masterIv: Uint8Array; siteIv: Uint8Array }> {
  const bytes = fromBase64(token);
  const masterPayload = await gcmDecrypt(await importAesKey(masterKey.secret), bytes.subarray(6));
  return { masterIv: bytes.subarray(6, 18), siteIv: masterPayload.subarray(33, 45) };
}

async function cbcEncrypt(key: Uid2Key, iv: Uint8Array<ArrayBuffer>, plaintext: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  const cryptoKey = await crypto.subtle.importKey('raw', key.secret as Uint8Array<ArrayBuffer>, 'AES-CBC', false, ['encrypt']);
  return concatBytes(iv, new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-CBC', iv }, cryptoKey, plaintext)));
}

/** A legacy v2 token as the operator's encodeV2 built them (AES-CBC, raw UID as base64 text). */
async function v2Token(opts: { expires: number; siteKeyId?: number; privacyBits?: number }): Promise<string> {
  const rawUid = utf8(DOCS_SAMPLE_IDENTITY.rawUid);
  const identity = new ByteWriter(20 + rawUid.length).i32(123).i32(rawUid.length).raw(rawUid).i32(opts.privacyBits ?? 1).i64(NOW - 5000).done();
  const siteBlob = await cbcEncrypt(site, new Uint8Array(16).fill(7), identity);
  const masterPayload = new ByteWriter(12 + siteBlob.length).i64(opts.expires).i32(opts.siteKeyId ?? site.id).raw(siteBlob).done();
  const masterBlob = await cbcEncrypt(master, new Uint8Array(16).fill(9), masterPayload);
  return toBase64(new ByteWriter(5 + masterBlob.length).u8(2).i32(master.id).raw(masterBlob).done());
}

/**
 * What a refusal of `token` must be once both its layers opened: `status` and every fact of its decryption where it
 * passes (`opened`: the options it passes with), but no raw UID.
 */
async function refusalWithFacts(status: string, token: string, containerKeys: typeof keys, opened: Parameters<typeof decryptAdvertisingToken>[2]): Promise<Record<string, unknown>> {
  const decrypted: Partial<DecryptedToken> = { ...expectSuccess(await decryptAdvertisingToken(token, containerKeys, opened)) };
  delete decrypted.rawUid;
  return { ...decrypted, status };
}

/** Asserts that `result` is `expected` and carries the raw UID nowhere. */
function expectRefusal(result: unknown, expected: Record<string, unknown>): void {
  expect(result).to.deep.equal(expected);
  expect(JSON.stringify(result)).to.not.contain(DOCS_SAMPLE_IDENTITY.rawUid);
}

function expectSuccess(result: { status: string }): DecryptedToken {
  expect(result.status).to.equal('success');
  return result as DecryptedToken;
}

forEachCryptoBackend('uid2 advertising tokens', () => {
  describe('version detection', () => {
    it('reads the version from the first four characters', async () => {
      expect(detectTokenVersion(DOCS_SAMPLE_IDENTITY.advertising_token)).to.equal(4);
      expect(detectTokenVersion(CROSS_SDK_V4.token)).to.equal(4);
      expect(detectTokenVersion(PUBLISHER_TESTS.generateResponse.body.advertising_token)).to.equal(2);
      expect(detectTokenVersion(await encryptAdvertisingToken(fields(), master, site, { version: 3 }))).to.equal(3);
    });

    it('knows nothing of other prefixes or short strings', () => {
      for (const token of ['', 'A4A', 'AAAAAAAA', '!!!!AAAA', 'AZAAAAAA']) expect(detectTokenVersion(token), token).to.equal(undefined);
    });
  });

  describe('published tokens', () => {
    it('decrypts the cross-SDK v4 token', async () => {
      const container = testContainer([testKey(164, CROSS_SDK_V4.masterKey.secret), testKey(165, CROSS_SDK_V4.siteKey.secret)]);
      const token = expectSuccess(await decryptAdvertisingToken(CROSS_SDK_V4.token, container, { now: NOW }));
      expect(token).to.deep.equal({
        status: 'success',
        rawUid: CROSS_SDK_V4.rawUid,
        siteId: CROSS_SDK_V4.siteId,
        identityType: 'email',
        identityScope: 'UID2',
        privacyBits: 0,
        isClientSideGenerated: false,
        tokenVersion: 4,
        expires: CROSS_SDK_V4.expires,
        established: CROSS_SDK_V4.established,
        generated: CROSS_SDK_V4.created,
        refreshed: CROSS_SDK_V4.refreshed,
        masterKeyId: 164,
        siteKeyId: 165,
      });
    });

    it('decrypts the docs\' sample identity with the operator\'s local test keys', async () => {
      const token = expectSuccess(await decryptAdvertisingToken(DOCS_SAMPLE_IDENTITY.advertising_token, keys, { now: DOCS_SAMPLE_IDENTITY.created }));
      expect(token).to.deep.include({
        rawUid: DOCS_SAMPLE_IDENTITY.rawUid,
        siteId: 123,
        identityType: 'email',
        privacyBits: 3,
        isClientSideGenerated: true,
        expires: DOCS_SAMPLE_IDENTITY.identity_expires,
        generated: DOCS_SAMPLE_IDENTITY.created,
        established: DOCS_SAMPLE_IDENTITY.established,
        refreshed: DOCS_SAMPLE_IDENTITY.created,
        masterKeyId: 101,
        siteKeyId: 104,
      });
    });

    it('rebuilds the docs\' token byte for byte from its fields and IVs', async () => {
      const { advertising_token: original, created, established, identity_expires: expires, rawUid } = DOCS_SAMPLE_IDENTITY;
      const rebuilt = await encryptAdvertisingToken(
        fields({ rawUid: fromBase64(rawUid), expires, created, established, refreshed: created, privacyBits: 3 }),
        master,
        site,
        await ivsOf(original, master),
      );
      expect(rebuilt).to.equal(original);
    });

    it('rebuilds the cross-SDK token except its first byte, which the SDKs\' generator left 0x00', async () => {
      const cross = { master: testKey(164, CROSS_SDK_V4.masterKey.secret), site: testKey(165, CROSS_SDK_V4.siteKey.secret) };
      const rebuilt = await encryptAdvertisingToken(
        fields({
          rawUid: fromBase64(CROSS_SDK_V4.rawUid),
          siteId: CROSS_SDK_V4.siteId,
          expires: CROSS_SDK_V4.expires,
          created: CROSS_SDK_V4.created,
          established: CROSS_SDK_V4.established,
          refreshed: CROSS_SDK_V4.refreshed,
          privacyBits: 0,
        }),
        cross.master,
        cross.site,
        await ivsOf(CROSS_SDK_V4.token, cross.master),
      );
      const [ours, theirs] = [fromBase64(rebuilt), fromBase64(CROSS_SDK_V4.token)];
      expect(ours[0]).to.equal(0x03);
      expect(ours.subarray(1)).to.deep.equal(theirs.subarray(1));
    });
  });

  describe('encryption', () => {
    it('writes the A/B/E/F prefixes from scope and identity type, and decrypts them back', async () => {
      const cases = [
        ['UID2', 'email', 'A4'],
        ['UID2', 'phone', 'B4'],
        ['EUID', 'email', 'E4'],
        ['EUID', 'phone', 'F4'],
      ] as const;
      for (const [identityScope, identityType, prefix] of cases) {
        const token = await encryptAdvertisingToken(fields({ identityScope, identityType }), master, site);
        expect(token.slice(0, 2)).to.equal(prefix);
        expect(token).to.have.length(218);
        const decrypted = expectSuccess(await decryptAdvertisingToken(token, testContainer([master, site], { identityScope }), { now: NOW }));
        expect(decrypted).to.include({ identityScope, identityType });
      }
    });

    it('writes v3 as standard base64 and v4 as unpadded base64url', async () => {
      const rawUid = fromBase64(RAW_UIDS.v3Uid2Email);
      const v3 = await encryptAdvertisingToken(fields({ rawUid }), master, site, { version: 3 });
      const v4 = await encryptAdvertisingToken(fields({ rawUid }), master, site);
      expect(v3).to.match(/^A3[A-Za-z0-9+/]+=*$/);
      expect(v4).to.match(/^A4[A-Za-z0-9_-]+$/);
      for (const token of [v3, v4]) {
        expect(expectSuccess(await decryptAdvertisingToken(token, keys, { now: NOW })).rawUid).to.equal(toBase64(rawUid));
      }
    });
  });

  describe('decryption failures', () => {
    it('reports each failure with the SDKs\' status and never a raw UID', async () => {
      const token = await encryptAdvertisingToken(fields(), master, site);
      const bytes = fromBase64(token);
      const tampered = new Uint8Array(bytes);
      tampered[100]! ^= 1;
      const cases: Array<[string, Promise<{ status: string }>]> = [
        ['keys_not_synced', decryptAdvertisingToken(token, keys, { now: 4088629662_000 })],
        ['invalid_payload', decryptAdvertisingToken('A4A', keys, { now: NOW })],
        ['invalid_payload', decryptAdvertisingToken(token.slice(0, 200), keys, { now: NOW })],
        ['invalid_payload', decryptAdvertisingToken(toBase64(tampered), keys, { now: NOW })],
        ['invalid_payload', decryptAdvertisingToken(token.slice(0, 100) + '!' + token.slice(101), keys, { now: NOW })],
        ['version_not_supported', decryptAdvertisingToken('AZAA' + token.slice(4), keys, { now: NOW })],
        ['not_authorized_for_master_key', decryptAdvertisingToken(token, testContainer([site]), { now: NOW })],
        ['not_authorized_for_key', decryptAdvertisingToken(token, testContainer([master]), { now: NOW })],
        ['invalid_identity_scope', decryptAdvertisingToken(token, testContainer([master, site], { identityScope: 'EUID' }), { now: NOW })],
      ];
      for (const [status, result] of cases) expect(await result, status).to.deep.equal({ status });
    });

    it('checks expiry once both layers opened, in the SDKs\' order: an expired token of a site key the receiver lacks, or whose site layer does not open, says so', async () => {
      const expired = await encryptAdvertisingToken(fields({ expires: NOW - 1 }), master, site);
      const otherSecret = testKey(site.id, LOCAL_KEYS.master.secret);
      expect(await decryptAdvertisingToken(expired, testContainer([master]), { now: NOW })).to.deep.equal({ status: 'not_authorized_for_key' });
      expect(await decryptAdvertisingToken(expired, testContainer([master, otherSecret]), { now: NOW })).to.deep.equal({ status: 'invalid_payload' });
      expectRefusal(await decryptAdvertisingToken(expired, keys, { now: NOW }), await refusalWithFacts('expired_token', expired, keys, { now: NOW - 2 }));
      expect(await decryptAdvertisingToken(await v2Token({ expires: NOW - 1, siteKeyId: 999 }), keys, { now: NOW })).to.deep.equal({ status: 'not_authorized_for_key' });
    });

    it('reads v2 and v3 tokens in the standard base64 alphabet only, as the SDKs do (v4 alone is base64url)', async () => {
      for (const version of [3, 2] as const) {
        // random IVs: a token that has a + or / somewhere
        let token = '';
        while (!/[+/]/.test(token)) token = version === 3 ? await encryptAdvertisingToken(fields(), master, site, { version }) : await v2Token({ expires: NOW + 1 });
        expect((await decryptAdvertisingToken(token, keys, { now: NOW })).status, `v${version}`).to.equal('success');
        const urlSafe = token.replaceAll('+', '-').replaceAll('/', '_');
        expect(await decryptAdvertisingToken(urlSafe, keys, { now: NOW }), `v${version} in base64url`).to.deep.equal({ status: 'invalid_payload' });
      }
    });

    it('says invalid_payload for a header that is not base64, and version_not_supported only for one that is but names no version', async () => {
      for (const junk of ['!!!!AAAAAAAA', '****', 'AA==', 'not a token']) {
        expect(await decryptAdvertisingToken(junk, keys, { now: NOW }), junk).to.deep.equal({ status: 'invalid_payload' });
      }
      expect(await decryptAdvertisingToken('AZAAAAAA!', keys, { now: NOW })).to.deep.equal({ status: 'version_not_supported' });
    });

    it('reports user_opted_out for tokens with the opt-out privacy bit', async () => {
      const token = await encryptAdvertisingToken(fields({ privacyBits: PrivacyBits.legacy | PrivacyBits.optedOut }), master, site);
      expectRefusal(await decryptAdvertisingToken(token, keys, { now: NOW }), {
        status: 'user_opted_out', siteId: 123, identityType: 'email', identityScope: 'UID2', privacyBits: PrivacyBits.legacy | PrivacyBits.optedOut,
        isClientSideGenerated: false, tokenVersion: 4, expires: NOW + 3600_000, established: NOW - 1000, generated: NOW, refreshed: NOW,
        masterKeyId: master.id, siteKeyId: site.id,
      });
    });

    it('refuses a token whose layers opened with its facts, as the SDKs\' DecryptionResponse: site, type, version, expiry; no raw UID', async () => {
      for (const version of [3, 4] as const) {
        const token = await encryptAdvertisingToken(fields({ identityType: 'phone', rawUid: fromBase64(RAW_UIDS.v3Uid2Phone) }), master, site, { version });
        const result = await decryptAdvertisingToken(token, keys, { now: NOW + 3600_001 });
        expect(result, `v${version}`).to.deep.equal({
          status: 'expired_token', siteId: 123, identityType: 'phone', identityScope: 'UID2', privacyBits: PrivacyBits.legacy,
          isClientSideGenerated: false, tokenVersion: version, expires: NOW + 3600_000, established: NOW - 1000, generated: NOW, refreshed: NOW,
          masterKeyId: master.id, siteKeyId: site.id,
        });
        expect(JSON.stringify(result)).to.not.contain(RAW_UIDS.v3Uid2Phone);
      }
    });

    it('reads a v3 or v4 token within its own bytes: cut short or lengthened, in either alphabet, it is invalid_payload', async () => {
      // a 32-byte raw UID (the shortest token) and a 33-byte one
      for (const [rawUid, version] of [[DOCS_SAMPLE_IDENTITY.rawUid, 4], [RAW_UIDS.v3Uid2Email, 3]] as const) {
        const bytes = fromBase64(await encryptAdvertisingToken(fields({ rawUid: fromBase64(rawUid) }), master, site, { version }));
        // from the six header bytes alone (the version still readable) to one byte past the end
        for (let length = 6; length <= bytes.length + 1; length++) {
          if (length === bytes.length) continue;
          const changed = length < bytes.length ? bytes.subarray(0, length) : concatBytes(bytes, new Uint8Array(1));
          for (const token of [toBase64(changed), toBase64Url(changed)]) {
            expect(await decryptAdvertisingToken(token, keys, { now: NOW }), `${length} bytes`).to.deep.equal({ status: 'invalid_payload' });
          }
        }
      }
    });

    it('never throws, whatever the input', async () => {
      for (const junk of ['A4AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'AgAAAAAAAAAAAAAAAAAA', '====', 'é'.repeat(300)]) {
        expect((await decryptAdvertisingToken(junk, keys, { now: NOW })).status, junk).to.not.equal('success');
      }
    });
  });

  describe('identity type: from authenticated data where the token carries it', () => {
    /** the token with its first (unauthenticated) character replaced */
    const withFirstChar = (token: string, char: string) => char + token.slice(1);

    it('takes scope and type of a v3 raw UID from the raw UID itself, inside both GCM layers', async () => {
      const phone = await encryptAdvertisingToken(fields({ rawUid: fromBase64(RAW_UIDS.v3Uid2Phone), identityType: 'phone' }), master, site);
      expect(phone.slice(0, 2)).to.equal('B4');
      expect(expectSuccess(await decryptAdvertisingToken(phone, keys, { now: NOW }))).to.include({ identityType: 'phone', rawUid: RAW_UIDS.v3Uid2Phone });
      const email = await encryptAdvertisingToken(fields({ rawUid: fromBase64(RAW_UIDS.v3Uid2Email) }), master, site);
      expect(expectSuccess(await decryptAdvertisingToken(email, keys, { now: NOW }))).to.include({ identityType: 'email' });
    });

    it('reports the type a v3 or v4 raw UID carries when the first character says otherwise, as UID2\'s SDKs still decrypt it', async () => {
      const email = await encryptAdvertisingToken(fields({ rawUid: fromBase64(RAW_UIDS.v3Uid2Email) }), master, site);
      const phone = await encryptAdvertisingToken(fields({ rawUid: fromBase64(RAW_UIDS.v3Uid2Phone), identityType: 'phone' }), master, site);
      const v4Phone = await encryptAdvertisingToken(fields({ rawUid: fromBase64(RAW_UIDS.v4Uid2Phone), identityType: 'phone' }), master, site);
      const cases = [[email, 'B', 'email'], [phone, 'A', 'phone'], [v4Phone, 'A', 'phone']] as const;
      for (const [token, char, identityType] of cases) {
        expect(expectSuccess(await decryptAdvertisingToken(withFirstChar(token, char), keys, { now: NOW })), char).to.include({ identityType });
      }
      // a header claiming EUID is refused before any decryption, as by every SDK
      expect(await decryptAdvertisingToken(withFirstChar(email, 'E'), keys, { now: NOW })).to.deep.equal({ status: 'invalid_identity_scope' });
    });

    it('decrypts what UID2\'s own SharingClient writes, with the type the raw UID carries', async () => {
      const container = testContainer([testKey(164, CROSS_SDK_V4.masterKey.secret), testKey(165, CROSS_SDK_V4.siteKey.secret)]);
      for (const { rawUid, token, rawUidType } of PYTHON_SDK_SHARING_TOKENS.tokens) {
        const decrypted = expectSuccess(await decryptAdvertisingToken(token, container, { now: PYTHON_SDK_SHARING_TOKENS.generated, clientType: 'legacy' }));
        expect(decrypted, rawUid).to.include({
          rawUid,
          identityType: rawUidType,
          identityScope: 'UID2',
          siteId: 9000,
          established: PYTHON_SDK_SHARING_TOKENS.generated,
          expires: PYTHON_SDK_SHARING_TOKENS.expires,
        });
      }
    });

    it('seals under EUID an EUID raw UID, and decrypts it with EUID keys', async () => {
      const euidKeys = testContainer([master, site], { identityScope: 'EUID' });
      const sealed = await encryptAdvertisingToken(fields({ rawUid: fromBase64(RAW_UIDS.v3EuidEmail), identityScope: 'EUID' }), master, site);
      expect(sealed[0]).to.equal('E');
      expect(expectSuccess(await decryptAdvertisingToken(sealed, euidKeys, { now: NOW }))).to.include({ identityScope: 'EUID', identityType: 'email' });
    });

    it('reports the header type for a v2 raw UID, which carries none (uid2-client-java/-net read the same byte)', async () => {
      const email = await encryptAdvertisingToken(fields({ rawUid: fromBase64(RAW_UIDS.v2Email) }), master, site);
      const phone = await encryptAdvertisingToken(fields({ rawUid: fromBase64(RAW_UIDS.v2Email), identityType: 'phone' }), master, site);
      expect(expectSuccess(await decryptAdvertisingToken(email, keys, { now: NOW })).identityType).to.equal('email');
      expect(expectSuccess(await decryptAdvertisingToken(phone, keys, { now: NOW })).identityType).to.equal('phone');
    });

    it('will not build a token whose header contradicts its v3 or v4 raw UID, in scope or in type', async () => {
      const contradictions = [
        fields({ rawUid: fromBase64(RAW_UIDS.v3Uid2Email), identityType: 'phone' }),
        fields({ rawUid: fromBase64(RAW_UIDS.v4Uid2Phone) }),
        fields({ rawUid: fromBase64(RAW_UIDS.v3EuidEmail) }),
      ];
      for (const contradiction of contradictions) {
        expect((await rejectionOf(encryptAdvertisingToken(contradiction, master, site))).message).to.match(/raw UID/);
      }
    });
  });

  describe('synchronous decryption (Node)', () => {
    it('gives exactly what decryptAdvertisingToken gives where the backend is synchronous, and says so where it is not', async () => {
      const valid = await encryptAdvertisingToken(fields(), master, site);
      const bytes = fromBase64(valid);
      bytes[120]! ^= 1;
      const tokens = [valid, toBase64(bytes), valid.slice(0, 150), 'A4A', 'AZAA' + valid.slice(4), await v2Token({ expires: NOW + 60_000 }), DOCS_SAMPLE_IDENTITY.advertising_token];
      const opts = { now: NOW, clientType: 'bidstream' as const, domainOrAppName: 'localhost' };
      if (cryptoBackend().name === 'WebCrypto') {
        expect(() => decryptAdvertisingTokenSync(valid, keys, opts)).to.throw(/needs a synchronous crypto backend/);
        return;
      }
      for (const token of tokens) {
        expect(decryptAdvertisingTokenSync(token, keys, opts), token.slice(0, 12)).to.deep.equal(await decryptAdvertisingToken(token, keys, opts));
      }
    });
  });

  describe('bidstream and sharing checks', () => {
    const cstgFields = fields({ privacyBits: PrivacyBits.legacy | PrivacyBits.clientSideGenerated });
    const bidstreamKeys = testContainer([master, site], { maxBidstreamLifetimeSeconds: 3610, siteData: new Map([[123, ['localhost', 'uidapi.com']]]) });

    it('checks a client-side generated token\'s site against the bid request domain (bidstream only)', async () => {
      const token = await encryptAdvertisingToken(cstgFields, master, site);
      const decrypt = (domainOrAppName?: string, clientType: 'bidstream' | 'sharing' = 'bidstream') =>
        decryptAdvertisingToken(token, bidstreamKeys, { now: NOW, clientType, domainOrAppName });
      expect((await decrypt('UIDapi.com')).status).to.equal('success');
      const refused = await refusalWithFacts('domain_name_check_failed', token, bidstreamKeys, { now: NOW, clientType: 'sharing' });
      expect(refused).to.include({ isClientSideGenerated: true, siteId: 123 });
      expectRefusal(await decrypt('example.com'), refused);
      expectRefusal(await decrypt(undefined), refused);
      expect((await decrypt(undefined, 'sharing')).status).to.equal('success');
    });

    it('domain-checks a client-side generated token for a legacy client that names a domain, as the .NET SDK\'s Decrypt(token, domain) does', async () => {
      const token = await encryptAdvertisingToken(cstgFields, master, site);
      const decrypt = (domainOrAppName?: string) => decryptAdvertisingToken(token, bidstreamKeys, { now: NOW, domainOrAppName });
      expectRefusal(await decrypt('example.com'), await refusalWithFacts('domain_name_check_failed', token, bidstreamKeys, { now: NOW }));
      expect((await decrypt('uidapi.com')).status).to.equal('success');
      expect((await decrypt(undefined)).status).to.equal('success');
    });

    it('does not domain-check server-side generated tokens', async () => {
      const token = await encryptAdvertisingToken(fields(), master, site);
      expect((await decryptAdvertisingToken(token, bidstreamKeys, { now: NOW, clientType: 'bidstream', domainOrAppName: 'example.com' })).status).to.equal('success');
    });

    it('refuses lifetimes longer than the container allows, and tokens from beyond the clock skew', async () => {
      const tooLong = await encryptAdvertisingToken(fields({ expires: NOW + 3611_000 }), master, site);
      const fromTheFuture = await encryptAdvertisingToken(fields({ created: NOW + 1801_000, expires: NOW + 1802_000 }), master, site);
      const withinSkew = await encryptAdvertisingToken(fields({ created: NOW + 1799_000, expires: NOW + 1802_000 }), master, site);
      const opts = { now: NOW, clientType: 'bidstream' as const };
      const refusal = (token: string) => refusalWithFacts('invalid_token_lifetime', token, bidstreamKeys, { now: NOW });
      expectRefusal(await decryptAdvertisingToken(tooLong, bidstreamKeys, opts), await refusal(tooLong));
      expectRefusal(await decryptAdvertisingToken(fromTheFuture, bidstreamKeys, opts), await refusal(fromTheFuture));
      expect((await decryptAdvertisingToken(withinSkew, bidstreamKeys, opts)).status).to.equal('success');
      const sharingKeys = testContainer([master, site], { maxSharingLifetimeSeconds: 3000 });
      expectRefusal(await decryptAdvertisingToken(tooLong, sharingKeys, { now: NOW, clientType: 'sharing' }), await refusal(tooLong));
      expect((await decryptAdvertisingToken(tooLong, sharingKeys, { now: NOW })).status).to.equal('success');
    });
  });

  describe('legacy v2 tokens', () => {
    it('decrypts AES-CBC v2 tokens', async () => {
      const token = await v2Token({ expires: NOW + 60_000 });
      expect(detectTokenVersion(token)).to.equal(2);
      expect(expectSuccess(await decryptAdvertisingToken(token, keys, { now: NOW }))).to.deep.equal({
        status: 'success',
        rawUid: DOCS_SAMPLE_IDENTITY.rawUid,
        siteId: 123,
        identityType: 'email',
        identityScope: 'UID2',
        privacyBits: 1,
        isClientSideGenerated: false,
        tokenVersion: 2,
        expires: NOW + 60_000,
        established: NOW - 5000,
        masterKeyId: master.id,
        siteKeyId: site.id,
      });
    });

    it('reports expired, unknown-key and opted-out v2 tokens', async () => {
      const expired = await v2Token({ expires: NOW - 1 });
      expectRefusal(await decryptAdvertisingToken(expired, keys, { now: NOW }), await refusalWithFacts('expired_token', expired, keys, { now: NOW - 2 }));
      expect(await decryptAdvertisingToken(expired, keys, { now: NOW })).to.include({ tokenVersion: 2, siteId: 123, expires: NOW - 1, established: NOW - 5000 });
      expect(await decryptAdvertisingToken(await v2Token({ expires: NOW + 1, siteKeyId: 999 }), keys, { now: NOW })).to.deep.equal({
        status: 'not_authorized_for_key',
      });
      const optedOut = await v2Token({ expires: NOW + 1, privacyBits: 5 });
      expect(await decryptAdvertisingToken(optedOut, keys, { now: NOW })).to.include({ status: 'user_opted_out', tokenVersion: 2, siteId: 123, privacyBits: 5 });
      expect(await decryptAdvertisingToken(optedOut, keys, { now: NOW })).to.not.have.property('rawUid');
      expect(await decryptAdvertisingToken(await v2Token({ expires: NOW + 1 }), testContainer([site]), { now: NOW })).to.deep.equal({
        status: 'not_authorized_for_master_key',
      });
    });
  });
});
