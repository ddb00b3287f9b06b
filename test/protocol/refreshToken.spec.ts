import { expect } from 'chai';
import { fromBase64, toBase64 } from '../../libraries/uid2/crypto/base64.js';
import { gcmEncrypt, importAesKey } from '../../libraries/uid2/crypto/aesGcm.js';
import { concatBytes, utf8 } from '../../libraries/uid2/crypto/bytes.js';
import type { Uid2OperatorError } from '../../libraries/uid2/receiver/operatorError.js';
import {
  WRAPPED_REFRESH_TOKEN_LENGTH,
  decodeRefreshToken,
  encodeRefreshToken,
  unwrapRefreshToken,
  wrapRefreshToken,
} from '../../devstack/operator/refreshToken.js';
import { rejectionOf, testKey } from '../helpers/protocolExpectations.js';
import { DOCS_SAMPLE_IDENTITY, LOCAL_KEYS } from '../helpers/protocolVectors.js';
import { forEachCryptoBackend } from '../helpers/cryptoBackends.js';

const refreshKey = testKey(LOCAL_KEYS.refresh.id, LOCAL_KEYS.refresh.secret);
const lookup = (id: number) => (id === refreshKey.id ? refreshKey : undefined);

async function refusal(wrapped: string): Promise<Uid2OperatorError> {
  return (await rejectionOf(unwrapRefreshToken(wrapped, lookup))) as Uid2OperatorError;
}

forEachCryptoBackend('uid2 refresh tokens', () => {
  it('unwraps and decodes the docs\' sample refresh token with the local refresh key', async () => {
    const { refreshToken, refreshResponseKey } = await unwrapRefreshToken(DOCS_SAMPLE_IDENTITY.refresh_token, lookup);
    expect(refreshResponseKey).to.equal(DOCS_SAMPLE_IDENTITY.refresh_response_key);
    expect(refreshToken.slice(0, 2)).to.equal('A3');
    expect(fromBase64(refreshToken)).to.have.length(124);
    const fields = await decodeRefreshToken(refreshToken, lookup);
    expect(fields).to.deep.include({
      expires: DOCS_SAMPLE_IDENTITY.refresh_expires,
      created: DOCS_SAMPLE_IDENTITY.created,
      siteId: 123,
      privacyBits: 3,
      established: DOCS_SAMPLE_IDENTITY.established,
      identityScope: 'UID2',
      identityType: 'email',
    });
    expect(toBase64(fields.firstLevelHash)).to.equal(DOCS_SAMPLE_IDENTITY.firstLevelHash);
  });

  it('re-encodes and re-wraps the docs\' token byte for byte given its IVs', async () => {
    const wrapped = DOCS_SAMPLE_IDENTITY.refresh_token;
    const { refreshToken: inner } = await unwrapRefreshToken(wrapped, lookup);
    const fields = await decodeRefreshToken(inner, lookup);
    expect(await encodeRefreshToken(fields, refreshKey, { iv: fromBase64(inner).subarray(6, 18) })).to.equal(inner);
    const rewrapped = await wrapRefreshToken(inner, refreshKey, 'UID2', {
      refreshResponseKey: DOCS_SAMPLE_IDENTITY.refresh_response_key,
      iv: fromBase64(wrapped).subarray(5, 17),
    });
    expect(rewrapped).to.deep.equal({ refreshToken: wrapped, refreshResponseKey: DOCS_SAMPLE_IDENTITY.refresh_response_key });
  });

  it('wraps with a fresh refresh_response_key into 388 chars, EUID scope in the first byte', async () => {
    const inner = await encodeRefreshToken(
      {
        expires: 2,
        created: 1,
        siteId: 7,
        privacyBits: 1,
        established: 1,
        identityScope: 'EUID',
        identityType: 'phone',
        firstLevelHash: new Uint8Array(32).fill(5),
      },
      refreshKey,
    );
    expect(inner.slice(0, 2)).to.equal('F3');
    const a = await wrapRefreshToken(inner, refreshKey, 'EUID');
    const b = await wrapRefreshToken(inner, refreshKey, 'EUID');
    expect(a.refreshToken).to.have.length(WRAPPED_REFRESH_TOKEN_LENGTH);
    expect(fromBase64(a.refreshToken)[0]).to.equal(0x10);
    expect(fromBase64(a.refreshResponseKey)).to.have.length(32);
    expect(a.refreshResponseKey).to.not.equal(b.refreshResponseKey);
    const decoded = await decodeRefreshToken((await unwrapRefreshToken(a.refreshToken, lookup)).refreshToken, lookup);
    expect(decoded).to.deep.include({ siteId: 7, identityScope: 'EUID', identityType: 'phone' });
  });

  it('refuses to wrap an inner token of the wrong size', async () => {
    expect((await rejectionOf(wrapRefreshToken('A3AAAA', refreshKey, 'UID2'))).message).to.match(/388/);
  });

  it('answers broken wrapped tokens with the operator\'s client_error messages', async () => {
    const wrapped = fromBase64(DOCS_SAMPLE_IDENTITY.refresh_token);
    const unknownKey = new Uint8Array(wrapped);
    unknownKey[4] = 99;
    const tampered = new Uint8Array(wrapped);
    tampered[200]! ^= 1;
    const cases: Array<[string, string]> = [
      ['!'.repeat(388), 'Invalid body: Body is not valid base64.'],
      [toBase64(unknownKey), 'Invalid key: Generator of this token does not exist.'],
      [toBase64(tampered), 'Invalid data: Check encryption method and encryption key'],
    ];
    for (const [token, message] of cases) {
      const error = await refusal(token);
      expect(error.httpStatus).to.equal(400);
      expect(error.status).to.equal('client_error');
      expect(error.message).to.equal(message);
    }
  });

  it('refuses a wrapper whose JSON is not the expected object', async () => {
    const key = await importAesKey(refreshKey.secret);
    for (const json of ['not json', '{"refresh_token":"A3"}', '{"refresh_response_key":"!!","refresh_token":"A3"}']) {
      const wrapper = toBase64(concatBytes(Uint8Array.of(0, 0, 0, 0, refreshKey.id), await gcmEncrypt(key, utf8(json))));
      expect((await refusal(wrapper)).message, json).to.equal('Invalid format: Payload is not valid json or missing required data');
    }
  });

  it('refuses to decode inner tokens it cannot authenticate', async () => {
    const { refreshToken } = await unwrapRefreshToken(DOCS_SAMPLE_IDENTITY.refresh_token, lookup);
    const otherKey = testKey(102, LOCAL_KEYS.master.secret);
    await rejectionOf(decodeRefreshToken(refreshToken, () => otherKey));
    await rejectionOf(decodeRefreshToken(refreshToken, () => undefined));
    await rejectionOf(decodeRefreshToken(DOCS_SAMPLE_IDENTITY.advertising_token, lookup));
  });
});
