// Property-based fuzzing of the UID2 codecs and parsers the servers run on untrusted input: whatever comes in,
// each either succeeds or refuses with a 4xx Uid2OperatorError (or a decryption status); none throws anything
// else. Run counts are in fuzz.ts.
import { expect } from 'chai';
import * as fc from 'fast-check';
import { decryptAdvertisingToken, encryptAdvertisingToken } from '../../libraries/uid2/receiver/advertisingToken.js';
import { fromBase64, toBase64, toBase64Url } from '../../libraries/uid2/crypto/base64.js';
import { openCstgRequest, importServerPrivateKey } from '../../devstack/operator/cstgServer.js';
import { createCstgRequest } from '../../libraries/uid2/client/cstg.js';
import { openRequestEnvelope, sealRequestEnvelope } from '../../libraries/uid2/receiver/envelope.js';
import { unwrapRefreshToken, wrapRefreshToken } from '../../devstack/operator/refreshToken.js';
import { PrivacyBits } from '../../libraries/uid2/receiver/tokenType.js';
import { checkBidRequest } from '../../devstack/ssp/validate.js';
import { MAX_LISTED_MESSAGES } from '../../devstack/ssp/limits.js';
import { testContainer, testKey } from '../helpers/protocolExpectations.js';
import { DOCS_SAMPLE_IDENTITY, LOCAL_CSTG, LOCAL_KEYS } from '../helpers/protocolVectors.js';
import { anyJson, checkAsync, CODEC_RUNS, deepJsonText, flipOneByte, isClientRefusal } from '../helpers/fuzzRuns.js';

const NOW = 1_750_000_000_000;
const SECRET = LOCAL_KEYS.site123.secret;
const master = testKey(LOCAL_KEYS.master.id, LOCAL_KEYS.master.secret);
const site = testKey(LOCAL_KEYS.site123.id, LOCAL_KEYS.site123.secret);
const refreshKey = testKey(LOCAL_KEYS.refresh.id, LOCAL_KEYS.refresh.secret);

/** Succeeds, or fails with a 4xx Uid2OperatorError: anything else fails the property. */
async function refusesCleanly(attempt: Promise<unknown>): Promise<void> {
  await attempt.catch((error: unknown) => {
    if (!isClientRefusal(error)) throw error;
  });
}

describe(`fuzz: codecs and parsers (${CODEC_RUNS} runs per property)`, () => {
  it('envelope open: random text, random bytes and one-byte changes of a valid envelope → opens or 400', async () => {
    const { envelope } = await sealRequestEnvelope(SECRET, { email: 'user@example.com' }, { now: NOW });
    const valid = fromBase64(envelope);
    const bodies = fc.oneof(
      fc.string({ maxLength: 400 }),
      fc.base64String({ maxLength: 400 }),
      fc.uint8Array({ maxLength: 400 }).map((bytes) => new Uint8Array(bytes)),
      anyJson.map((json) => JSON.stringify(json) ?? ''),
      flipOneByte(valid),
      flipOneByte(valid).map((bytes) => toBase64(bytes)),
    );
    await checkAsync(bodies, (body) => refusesCleanly(openRequestEnvelope(SECRET, body, NOW)), CODEC_RUNS);
  });

  it('token decrypt: random strings and one-byte changes of a valid v4 token → a status, never a throw, never another user', async () => {
    const rawUid = fromBase64(DOCS_SAMPLE_IDENTITY.rawUid);
    const token = await encryptAdvertisingToken(
      { rawUid, identityScope: 'UID2', identityType: 'email', siteId: 123, expires: NOW + 3600_000, created: NOW, established: NOW, refreshed: NOW, privacyBits: PrivacyBits.legacy },
      master,
      site,
    );
    const keys = testContainer([master, site]);
    const tokens = fc.oneof(
      fc.string({ maxLength: 400 }),
      fc.base64String({ minLength: 100, maxLength: 400 }),
      flipOneByte(fromBase64(token)).map((bytes) => toBase64Url(bytes)),
    );
    await checkAsync(tokens, async (candidate) => {
      const result = await decryptAdvertisingToken(candidate, keys, { now: NOW });
      expect(result.status).to.be.a('string');
      // whatever still decrypts is authenticated: the same raw UID2, never one an attacker chose
      if (result.status === 'success' && 'rawUid' in result) expect(result.rawUid).to.equal(DOCS_SAMPLE_IDENTITY.rawUid);
    }, CODEC_RUNS);
  });

  it('CSTG body: random fields of any type (deep nesting included) around a valid request → opens or 400', async () => {
    const privateKey = await importServerPrivateKey(LOCAL_CSTG.privateKey);
    const { body } = await createCstgRequest({ serverPublicKey: LOCAL_CSTG.publicKey, subscriptionId: LOCAL_CSTG.subscriptionId, dii: { email_hash: 'tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ=' }, now: NOW });
    const field = fc.constantFrom('payload', 'iv', 'public_key', 'timestamp', 'app_name', 'subscription_id');
    const replaced = fc.oneof(
      fc.tuple(field, anyJson).map(([name, value]) => ({ ...body, [name]: value })),
      fc.tuple(field, deepJsonText).map(([name, text]) => JSON.parse(JSON.stringify(body).replace(/}$/, `,"${name}":${text}}`)) as unknown),
      anyJson,
    );
    await checkAsync(replaced, (request) => refusesCleanly(openCstgRequest(privateKey, request)), CODEC_RUNS);
  });

  it('refresh body: random 388-char text and one-byte changes of a wrapped refresh token → unwraps or 400', async () => {
    // an inner token of the length the operator's are, so that the wrapped form has its 388 characters
    const { refreshToken } = await wrapRefreshToken('A'.repeat(167), refreshKey, 'UID2');
    const lookup = (id: number) => (id === refreshKey.id ? refreshKey : undefined);
    const bodies = fc.oneof(
      fc.string({ minLength: 388, maxLength: 388 }),
      fc.base64String({ minLength: 388, maxLength: 388 }),
      flipOneByte(fromBase64(refreshToken)).map((bytes) => toBase64(bytes)),
    );
    await checkAsync(bodies, (text) => refusesCleanly(unwrapRefreshToken(text, lookup)), CODEC_RUNS);
  });

  it('SSP request validation: any JSON, and a valid request with any field replaced → a verdict with bounded lists, never a throw', async () => {
    const valid = { id: 'r', imp: [{ id: '1', banner: { w: 300, h: 250 } }], site: { page: 'http://localhost/' }, cur: ['USD'] };
    const paths = ['id', 'cur', 'tmax', 'imp', 'site', 'regs', 'user', 'source', 'test'];
    const requests = fc.oneof(
      anyJson,
      fc.tuple(fc.constantFrom(...paths), anyJson).map(([key, value]) => ({ ...valid, [key]: value })),
      fc.tuple(fc.constantFrom('id', 'banner', 'video', 'native', 'bidfloor', 'bidfloorcur', 'tagid', 'pmp'), anyJson).map(([key, value]) => ({ ...valid, imp: [{ ...valid.imp[0], [key]: value }] })),
      deepJsonText.map((text) => JSON.parse(`{"id":"r","cur":${text}}`) as unknown),
    );
    fc.assert(
      fc.property(requests, (request) => {
        const check = checkBidRequest(request);
        expect(check.errors.length).to.be.at.most(MAX_LISTED_MESSAGES + 1);
        expect(check.warnings.length).to.be.at.most(MAX_LISTED_MESSAGES + 1);
      }),
      { numRuns: CODEC_RUNS },
    );
  });
});
