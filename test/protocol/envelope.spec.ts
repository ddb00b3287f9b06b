import { expect } from 'chai';
import { fromBase64, toBase64 } from '../../libraries/uid2/crypto/base64.js';
import { utf8 } from '../../libraries/uid2/crypto/bytes.js';
import {
  openRequestEnvelope,
  openResponseEnvelope,
  sealRequestEnvelope,
  sealResponseEnvelope,
} from '../../libraries/uid2/receiver/envelope.js';
import type { Uid2OperatorError } from '../../libraries/uid2/receiver/operatorError.js';
import { rejectionOf } from '../helpers/protocolExpectations.js';
import { PUBLISHER_TESTS, hexBytes } from '../helpers/protocolVectors.js';
import { forEachCryptoBackend } from '../helpers/cryptoBackends.js';

const { secret, timestamp } = PUBLISHER_TESTS;
const nonce = hexBytes(PUBLISHER_TESTS.nonceHex);
const iv = hexBytes(PUBLISHER_TESTS.ivHex);
const OTHER_SECRET = 'wJ0hP19QU4hmpB64Y3fV2dAed8t/mupw3sjN5jNRFzg=';

async function operatorRefusal(body: string | Uint8Array, now = timestamp): Promise<Uid2OperatorError> {
  return (await rejectionOf(openRequestEnvelope(secret, body, now))) as Uid2OperatorError;
}

forEachCryptoBackend('uid2 v2 envelopes', () => {
  describe('client side', () => {
    for (const { json, envelope } of PUBLISHER_TESTS.requests) {
      it(`seals ${JSON.stringify(json)} exactly as the Java SDK`, async () => {
        const sealed = await sealRequestEnvelope(secret, json, { now: timestamp, nonce, iv });
        expect(sealed.envelope).to.equal(envelope);
        expect(sealed.nonce).to.deep.equal(nonce);
      });
    }

    it('draws a fresh 8-byte nonce and IV per request', async () => {
      const a = await sealRequestEnvelope(secret, { email: 'user@example.com' });
      const b = await sealRequestEnvelope(secret, { email: 'user@example.com' });
      expect(a.nonce).to.have.length(8);
      expect(a.envelope).to.not.equal(b.envelope);
    });

    it('opens the Java SDK\'s generate response', async () => {
      const json = await openResponseEnvelope(secret, PUBLISHER_TESTS.generateResponse.envelope, nonce);
      expect(json).to.deep.equal({ body: PUBLISHER_TESTS.generateResponse.body, status: 'success' });
    });

    it('refuses a response that does not echo the request nonce', async () => {
      const error = await rejectionOf(openResponseEnvelope(secret, PUBLISHER_TESTS.generateResponse.envelope, hexBytes('0000000000000000')));
      expect(error.message).to.match(/nonce/);
    });

    it('refuses a response sealed with another secret', async () => {
      await rejectionOf(openResponseEnvelope(OTHER_SECRET, PUBLISHER_TESTS.generateResponse.envelope, nonce));
    });
  });

  describe('server side', () => {
    it('reproduces the operator\'s generate response byte for byte', async () => {
      const { envelope, body, timestamp: responseTime } = PUBLISHER_TESTS.generateResponse;
      const sealed = await sealResponseEnvelope(secret, { body, status: 'success' }, nonce, {
        now: responseTime,
        iv: fromBase64(envelope).subarray(0, 12),
      });
      expect(sealed).to.equal(envelope);
    });

    it('opens what the client sealed: timestamp, nonce and JSON', async () => {
      const { envelope } = PUBLISHER_TESTS.requests[0]!;
      const opened = await openRequestEnvelope(secret, envelope, timestamp + 30_000);
      expect(opened).to.deep.equal({ timestamp, nonce, json: { email: 'test@example.com' } });
    });

    it('opens an envelope without JSON (key endpoints) and raw octet-stream bytes', async () => {
      const { envelope } = await sealRequestEnvelope(secret, undefined, { now: timestamp, nonce });
      expect((await openRequestEnvelope(secret, envelope, timestamp)).json).to.equal(undefined);
      expect((await openRequestEnvelope(secret, fromBase64(envelope), timestamp)).nonce).to.deep.equal(nonce);
    });

    it('lets a response round-trip to the client', async () => {
      const sealed = await sealResponseEnvelope(secret, { status: 'optout' }, nonce);
      expect(await openResponseEnvelope(secret, sealed, nonce)).to.deep.equal({ status: 'optout' });
    });

    it('accepts up to 119 s of drift (whole minutes, truncated) and refuses 120 s', async () => {
      const { envelope } = PUBLISHER_TESTS.requests[0]!;
      await openRequestEnvelope(secret, envelope, timestamp + 119_999);
      await openRequestEnvelope(secret, envelope, timestamp - 119_999);
      for (const now of [timestamp + 120_000, timestamp - 120_000]) {
        const error = await operatorRefusal(envelope, now);
        expect(error.httpStatus).to.equal(400);
        expect(error.status).to.equal('client_error');
        expect(error.message).to.equal('Invalid timestamp: Request too old or client time drift.');
      }
    });

    it('answers each malformed body with the operator\'s message', async () => {
      const shortEnvelope = toBase64(new Uint8Array(30).fill(1));
      const wrongVersion = toBase64(new Uint8Array(64).fill(2));
      const cases: Array<[body: string | Uint8Array, message: RegExp]> = [
        ['', /^Invalid body: Body is missing\.$/],
        ['test string', /^Invalid body: Body is not valid base64\. See https:\/\/unifiedid\.com\/docs\/getting-started\/gs-encryption-decryption/],
        ['{"email_hash":"x"}', /^Invalid body: The request body is unencrypted JSON\. It must be an encrypted request envelope\. See https/],
        [toBase64(utf8('{"email_hash":"x","version":2}')), /^Invalid body: The request body is unencrypted JSON\./],
        [shortEnvelope, /^Invalid body: Body too short\. Check encryption method\./],
        [wrongVersion, /^Invalid body: Invalid request envelope format version: received 2, must be 1\./],
      ];
      for (const [body, message] of cases) {
        const error = await operatorRefusal(body);
        expect(error.status, String(body)).to.equal('client_error');
        expect(error.message, String(body)).to.match(message);
      }
    });

    it('refuses an envelope sealed with another secret', async () => {
      const { envelope } = await sealRequestEnvelope(OTHER_SECRET, { email: 'user@example.com' }, { now: timestamp });
      expect((await operatorRefusal(envelope)).message).to.match(/^Invalid body: Check encryption key \(ClientSecret\)\./);
    });

    it('refuses a payload that is not a JSON object', async () => {
      const { envelope } = await sealRequestEnvelope(secret, ['email'], { now: timestamp });
      expect((await operatorRefusal(envelope)).message).to.equal('Invalid payload in body: Data is not valid json string.');
    });

    it('points EUID callers at the EUID docs', async () => {
      const error = await rejectionOf(openRequestEnvelope(secret, 'test string', timestamp, 'EUID'));
      expect(error.message).to.contain('https://euid.eu/docs/getting-started/gs-encryption-decryption');
    });
  });
});
