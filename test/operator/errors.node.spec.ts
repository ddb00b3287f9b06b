// Every bad input gets the operator's status and message, never a crash.
import { expect } from 'chai';
import { fromBase64, toBase64 } from '../../libraries/uid2/crypto/base64.js';
import { randomBytes, utf8 } from '../../libraries/uid2/crypto/bytes.js';
import { createCstgRequest } from '../../libraries/uid2/client/cstg.js';
import { openResponseEnvelope, sealRequestEnvelope } from '../../libraries/uid2/receiver/envelope.js';
import { LOCAL_CSTG } from '../helpers/protocolVectors.js';
import { callEnveloped, clientNamed, localConfig, post, startOperator, type RunningOperator } from '../helpers/operatorHarness.js';

const EMAIL_HASH = 'tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ=';

function errorOf(answer: { status: number; text: string }): [number, unknown] {
  return [answer.status, JSON.parse(answer.text)];
}

describe('local operator: bad inputs', () => {
  let op: RunningOperator;
  let broken = false;
  beforeEach(async () => {
    broken = false;
    op = await startOperator({
      random: (length) => {
        if (broken) throw new Error('entropy source failed');
        return randomBytes(length);
      },
    });
  });
  afterEach(() => op.close());

  const generate = (body: string | Uint8Array<ArrayBuffer>, headers: Record<string, string> = {}) => post(`${op.url}/v2/token/generate`, body, headers);
  const publisherAuth = () => ({ Authorization: `Bearer ${clientNamed(op.config, 'local-publisher').key}` });

  describe('authentication', () => {
    it('answers 401 without a message for missing, unknown or under-privileged API keys', async () => {
      const { envelope } = await sealRequestEnvelope(clientNamed(op.config, 'local-dsp').secret, { email: 'user@example.com' }, { now: op.clock.now() });
      const attempts: Array<Record<string, string>> = [{}, { Authorization: 'Bearer nope' }, { Authorization: clientNamed(op.config, 'local-publisher').key }, { Authorization: `Bearer ${clientNamed(op.config, 'local-dsp').key}` }];
      for (const headers of attempts) {
        expect(errorOf(await generate(envelope, headers)), JSON.stringify(headers)).to.deep.equal([401, { status: 'unauthorized' }]);
      }
      expect((await post(`${op.url}/v2/key/bidstream`, envelope, { Authorization: `Bearer ${clientNamed(op.config, 'local-advertiser').key}` })).status).to.equal(401);
    });

    it('takes the bearer prefix case-insensitively', async () => {
      const publisher = clientNamed(op.config, 'local-publisher');
      const { envelope, nonce } = await sealRequestEnvelope(publisher.secret, { email: 'user@example.com' }, { now: op.clock.now() });
      const answer = await generate(envelope, { Authorization: `BEARER ${publisher.key}` });
      expect(answer.status).to.equal(200);
      expect(await openResponseEnvelope(publisher.secret, answer.text, nonce)).to.have.property('status', 'success');
    });
  });

  describe('envelopes', () => {
    it('answers malformed, foreign and stale envelopes with 400 client_error and the operator\'s message', async () => {
      const publisher = clientNamed(op.config, 'local-publisher');
      const foreign = await sealRequestEnvelope(clientNamed(op.config, 'local-dsp').secret, { email: 'user@example.com' }, { now: op.clock.now() });
      const stale = await sealRequestEnvelope(publisher.secret, { email: 'user@example.com' }, { now: op.clock.now() - 120_000 });
      const cases: Array<[string, RegExp]> = [
        ['', /^Invalid body: Body is missing\.$/],
        ['not base64 at all', /^Invalid body: Body is not valid base64\./],
        ['{"email":"user@example.com"}', /^Invalid body: The request body is unencrypted JSON\./],
        [toBase64(utf8('{"email":"user@example.com"}')), /^Invalid body: The request body is unencrypted JSON\./],
        [toBase64(new Uint8Array(20)), /^Invalid body: Body too short\./],
        [foreign.envelope, /^Invalid body: Check encryption key \(ClientSecret\)\./],
        [stale.envelope, /^Invalid timestamp: Request too old or client time drift\.$/],
      ];
      for (const [body, message] of cases) {
        const [status, json] = errorOf(await generate(body, publisherAuth()));
        expect(status, body).to.equal(400);
        expect(json).to.have.property('status', 'client_error');
        expect((json as { message: string }).message, body).to.match(message);
      }
    });

    it('speaks raw bytes both ways with application/octet-stream', async () => {
      const publisher = clientNamed(op.config, 'local-publisher');
      const { envelope, nonce } = await sealRequestEnvelope(publisher.secret, { email: 'user@example.com' }, { now: op.clock.now() });
      const answer = await fetch(`${op.url}/v2/token/generate`, {
        method: 'POST',
        body: fromBase64(envelope),
        headers: { ...publisherAuth(), 'Content-Type': 'application/octet-stream' },
      });
      expect(answer.headers.get('content-type')).to.equal('application/octet-stream');
      const bytes = new Uint8Array(await answer.arrayBuffer());
      expect(await openResponseEnvelope(publisher.secret, toBase64(bytes), nonce)).to.have.property('status', 'success');
    });
  });

  describe('token generate', () => {
    it('requires exactly one valid DII', async () => {
      const publisher = clientNamed(op.config, 'local-publisher');
      const missing = 'Required Parameter Missing: exactly one of [email, email_hash, phone, phone_hash] must be specified';
      const cases: Array<[unknown, string]> = [
        [{}, missing],
        [undefined, missing],
        [{ email: 'user@example.com', phone: '+12345678901' }, missing],
        [{ email: 'not an email' }, 'Invalid Identifier'],
        [{ phone: '555-555-5555' }, 'Invalid Identifier'],
        [{ email_hash: 'abc' }, 'Invalid Identifier'],
        [{ email: 42 }, 'Invalid Identifier'],
      ];
      for (const [json, message] of cases) {
        expect(await callEnveloped(op, '/v2/token/generate', publisher, json), JSON.stringify(json)).to.deep.equal({
          status: 400,
          json: { status: 'client_error', message },
        });
      }
    });
  });

  describe('token refresh', () => {
    async function issued() {
      const { json } = await callEnveloped(op, '/v2/token/generate', clientNamed(op.config, 'local-publisher'), { email: 'user@example.com' });
      return (json as { body: { refresh_token: string } }).body.refresh_token;
    }
    const refresh = (body: string, headers: Record<string, string> = {}) => post(`${op.url}/v2/token/refresh`, body, headers);

    it('gives browsers one generic error and API callers invalid_token for truncated or foreign tokens', async () => {
      const token = await issued();
      for (const body of [token.slice(0, 200), '', 'A3AAAAAAAAAAAAAAAAAAAAAAAAAA', 'x'.repeat(1000)]) {
        expect(errorOf(await refresh(body)), body).to.deep.equal([400, { status: 'error', message: 'Error refreshing token' }]);
        expect(errorOf(await refresh(body, publisherAuth())), body).to.deep.equal([400, { status: 'invalid_token', message: 'Invalid Token presented' }]);
      }
    });

    it('answers broken 388-char wrapped tokens with client_error, and a wrong API key with 401', async () => {
      const token = fromBase64(await issued());
      const unknownKey = new Uint8Array(token);
      unknownKey.set([0, 0, 0x7f, 0xff], 1);
      const tampered = new Uint8Array(token);
      tampered[100]! ^= 1;
      const cases: Array<[string, string]> = [
        ['!'.repeat(388), 'Invalid body: Body is not valid base64.'],
        [toBase64(unknownKey), 'Invalid key: Generator of this token does not exist.'],
        [toBase64(tampered), 'Invalid data: Check encryption method and encryption key'],
      ];
      for (const [body, message] of cases) {
        expect(errorOf(await refresh(body)), message).to.deep.equal([400, { status: 'client_error', message }]);
      }
      expect(errorOf(await refresh(toBase64(token), { Authorization: 'Bearer nope' }))).to.deep.equal([401, { status: 'unauthorized' }]);
    });
  });

  describe('client-side token generation', () => {
    async function cstgBody(overrides: Record<string, unknown> = {}): Promise<string> {
      const { body } = await createCstgRequest({
        serverPublicKey: LOCAL_CSTG.publicKey,
        subscriptionId: LOCAL_CSTG.subscriptionId,
        dii: { email_hash: EMAIL_HASH },
        now: op.clock.now(),
      });
      return JSON.stringify({ ...body, ...overrides });
    }
    const cstg = (body: string, origin?: string) =>
      post(`${op.url}/v2/token/client-generate`, body, origin === undefined ? {} : { Origin: origin });

    it('checks body, subscription, Origin and payload in the operator\'s order', async () => {
      const cases: Array<[string, string | undefined, number, unknown]> = [
        ['', 'http://localhost', 400, { status: 'client_error', message: 'json payload expected but not found' }],
        ['{not json', 'http://localhost', 400, { status: 'client_error', message: 'json payload is not valid' }],
        ['[1,2]', 'http://localhost', 400, { status: 'client_error', message: 'json payload is not valid' }],
        [await cstgBody({ subscription_id: 'nope' }), 'http://localhost', 400, { status: 'client_error', message: 'bad subscription_id' }],
        [await cstgBody(), 'https://example.com', 403, { status: 'invalid_http_origin', message: 'unexpected http origin' }],
        [await cstgBody(), undefined, 403, { status: 'invalid_http_origin', message: 'unexpected http origin' }],
        [await cstgBody(), 'http://127.0.0.1:8080', 403, { status: 'invalid_http_origin', message: 'unexpected http origin' }],
        [await cstgBody(), 'https://uidapi.com.evil.example', 403, { status: 'invalid_http_origin', message: 'unexpected http origin' }],
        [await cstgBody({ app_name: 'com.example.other' }), 'http://localhost', 403, { status: 'invalid_app_name', message: 'unexpected app name' }],
        [await cstgBody({ payload: undefined }), 'http://localhost', 400, { status: 'client_error', message: 'required parameters: payload, iv, public_key' }],
        [await cstgBody({ public_key: 'AAAA' }), 'http://app.localhost:3000', 400, { status: 'client_error', message: 'bad public key' }],
        // the app name is part of the AAD, so a known app name gets past the name check but not decryption
        [await cstgBody({ app_name: 'COM.UID2.DEVAPP' }), undefined, 400, { status: 'client_error', message: 'payload decryption failed' }],
        [await cstgBody({ timestamp: 1 }), 'https://www.uidapi.com', 400, { status: 'client_error', message: 'payload decryption failed' }],
      ];
      for (const [body, origin, status, json] of cases) {
        expect(errorOf(await cstg(body, origin)), `${origin} ${body.slice(0, 40)}`).to.deep.equal([status, json]);
      }
    });

    it('refuses a disabled subscription with 401', async () => {
      const config = await localConfig();
      const disabled = await startOperator({ config: { ...config, client_side_keypairs: config.client_side_keypairs.map((k) => ({ ...k, disabled: true })) } });
      try {
        const answer = await post(`${disabled.url}/v2/token/client-generate`, await cstgBody(), { Origin: 'http://localhost' });
        expect(errorOf(answer)).to.deep.equal([401, { status: 'unauthorized', message: 'Unauthorized' }]);
      } finally {
        await disabled.close();
      }
    });
  });

  describe('HTTP', () => {
    it('refuses bodies over 1 MB with 413', async () => {
      const answer = await generate(new Uint8Array((1 << 20) + 1).fill(65), publisherAuth());
      expect([answer.status, answer.text]).to.deep.equal([413, 'Request Entity Too Large']);
    });

    it('answers wrong methods with 405 and unknown paths with 404', async () => {
      const wrong = await fetch(`${op.url}/v2/token/generate`);
      expect([wrong.status, wrong.headers.get('allow')]).to.deep.equal([405, 'POST, OPTIONS']);
      expect((await post(`${op.url}/ops/healthcheck`, 'x')).status).to.equal(405);
      expect((await post(`${op.url}/v1/token/generate`, 'x')).status).to.equal(404);
      expect((await fetch(`${op.url}/constructor`)).status).to.equal(404);
      const health = await fetch(`${op.url}/ops/healthcheck`);
      expect([health.status, await health.text()]).to.deep.equal([200, 'OK']);
    });

    it('answers CORS preflights and reflects the Origin', async () => {
      const preflight = await fetch(`${op.url}/v2/token/refresh`, {
        method: 'OPTIONS',
        headers: { Origin: 'https://publisher.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'x-uid2-client-version' },
      });
      expect(preflight.status).to.equal(204);
      expect(preflight.headers.get('access-control-allow-origin')).to.equal('https://publisher.example');
      expect(preflight.headers.get('access-control-allow-methods')).to.equal('GET,POST,OPTIONS');
      const allowed = preflight.headers.get('access-control-allow-headers')!.split(',');
      expect(allowed).to.include.members(['X-UID2-Client-Version', 'Content-Type']);
      expect(allowed).to.not.include('Authorization');
      const validate = await fetch(`${op.url}/v2/token/validate`, { method: 'OPTIONS', headers: { Origin: 'https://publisher.example' } });
      expect(validate.headers.get('access-control-allow-headers')!.split(',')).to.include('Authorization');
      const refused = await post(`${op.url}/v2/token/refresh`, 'x', { Origin: 'https://publisher.example' });
      expect(refused.headers.get('access-control-allow-origin')).to.equal('https://publisher.example');
    });

    it('answers a failing handler with 500 {"status":"unknown"} and keeps serving', async () => {
      const publisher = clientNamed(op.config, 'local-publisher');
      broken = true;
      expect(await callEnveloped(op, '/v2/token/generate', publisher, { email: 'user@example.com' })).to.deep.equal({ status: 500, json: { status: 'unknown' } });
      broken = false;
      expect((await callEnveloped(op, '/v2/token/generate', publisher, { email: 'user@example.com' })).status).to.equal(200);
    });

    it('logs method, path, status, duration and client version per request, never DII, tokens or query strings', async () => {
      await callEnveloped(op, '/v2/token/generate', clientNamed(op.config, 'local-publisher'), { email: 'user@example.com' });
      await post(`${op.url}/v2/token/refresh?client=uid2-sdk-3.0&email=user@example.com`, 'some-token');
      await post(`${op.url}/v2/token/refresh`, 'some-token', { 'X-UID2-Client-Version': 'Prebid <b>;1' });
      expect(op.logs).to.have.length(3);
      expect(op.logs[0]).to.match(/^POST \/v2\/token\/generate 200 \d+\.\dms$/);
      // the SDK 4.x query parameter and the older header both name the client; attacker text is trimmed to a safe alphabet
      expect(op.logs[1]).to.match(/^POST \/v2\/token\/refresh 400 \d+\.\dms client uid2-sdk-3\.0$/);
      expect(op.logs[2]).to.match(/^POST \/v2\/token\/refresh 400 \d+\.\dms client Prebid__b__1$/);
      expect(op.logs.join('\n')).to.not.match(/example\.com|some-token|client=/);
    });
  });
});
