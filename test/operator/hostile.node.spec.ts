// The operator probed as an attacker would: deeply nested values and wrong types in every field it reads,
// compressed and malformed bodies, request targets that are no URL, and DNS-rebinding-shaped admin requests.
// Every one gets a 4xx naming what is wrong, never a 500, and the operator goes on serving.
import { expect } from 'chai';
import { gzipSync } from 'node:zlib';
import { randomBytes } from '../../libraries/uid2/crypto/bytes.js';
import { createCstgRequest } from '../../libraries/uid2/client/cstg.js';
import { closeServer } from '../../devstack/http.js';
import { createOperator } from '../../devstack/operator/operator.js';
import { DEEP, rawRequest, sealJsonText } from '../helpers/hostileProbes.js';
import { LOCAL_CSTG } from '../helpers/protocolVectors.js';
import { clientNamed, localConfig, post, startOperator, T0, type RunningOperator } from '../helpers/operatorHarness.js';

describe('local operator: hostile input', () => {
  let op: RunningOperator;
  beforeEach(async () => {
    op = await startOperator();
  });
  afterEach(() => op.close());

  async function enveloped(path: string, clientName: string, jsonText: string): Promise<{ status: number; json: any }> {
    const client = clientNamed(op.config, clientName);
    const answer = await post(`${op.url}${path}`, await sealJsonText(client.secret, jsonText, op.clock.now()), { Authorization: `Bearer ${client.key}` });
    return { status: answer.status, json: answer.status === 200 ? undefined : JSON.parse(answer.text) };
  }

  async function cstg(overrides: string): Promise<{ status: number; json: any }> {
    const { body } = await createCstgRequest({
      serverPublicKey: LOCAL_CSTG.publicKey,
      subscriptionId: LOCAL_CSTG.subscriptionId,
      dii: { email_hash: 'tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ=' },
      now: op.clock.now(),
    });
    const text = JSON.stringify(body).replace(/}$/, `,${overrides}}`);
    const answer = await post(`${op.url}/v2/token/client-generate`, text, { Origin: 'http://localhost' });
    return { status: answer.status, json: JSON.parse(answer.text) };
  }

  async function stillServes(): Promise<void> {
    expect((await fetch(`${op.url}/ops/healthcheck`)).status).to.equal(200);
  }

  describe('deep nesting and wrong types: 400 naming the field', () => {
    it('identity/map: each value of the DII array must be a string', async () => {
      for (const value of [DEEP, '1', '{"a":1}', 'null']) {
        const answer = await enveloped('/v2/identity/map', 'local-advertiser', `{"email":["user@example.com",${value}]}`);
        expect(answer, value.slice(0, 10)).to.deep.equal({ status: 400, json: { status: 'client_error', message: 'Invalid request body: email[1] must be a string' } });
      }
      await stillServes();
    });

    it('CSTG: timestamp must be a number and app_name a string', async () => {
      // a later duplicate key wins in JSON.parse: the request's own timestamp is replaced
      for (const value of [DEEP, '"1700000000000"', '{}']) {
        expect(await cstg(`"timestamp":${value}`)).to.deep.equal({ status: 400, json: { status: 'client_error', message: 'json payload is not valid: timestamp must be a number' } });
      }
      for (const value of [DEEP, '5', '{}']) {
        expect(await cstg(`"app_name":${value}`)).to.deep.equal({ status: 400, json: { status: 'client_error', message: 'json payload is not valid: app_name must be a string' } });
      }
      await stillServes();
    });

    it('admin: receiver_site_id must be an integer', async () => {
      for (const value of [DEEP, '"125"', '1.5']) {
        const answer = await post(`${op.url}/admin/sharing`, `{"sender_site_id":124,"receiver_site_id":${value},"allow":true}`, { 'Content-Type': 'application/json' });
        expect([answer.status, JSON.parse(answer.text)]).to.deep.equal([400, { status: 'client_error', message: 'receiver_site_id: expected an integer' }]);
      }
      const answer = await post(`${op.url}/admin/sharing`, `{"sender_site_id":${DEEP},"receiver_site_id":125,"allow":true}`, { 'Content-Type': 'application/json' });
      expect(JSON.parse(answer.text)).to.deep.equal({ status: 'client_error', message: 'sender_site_id: expected an integer' });
    });

    it('generate and validate: a nested DII or token is an invalid identifier or token, not a crash', async () => {
      expect(await enveloped('/v2/token/generate', 'local-publisher', `{"email":${DEEP}}`)).to.deep.equal({ status: 400, json: { status: 'client_error', message: 'Invalid Identifier' } });
      expect(await enveloped('/v2/token/validate', 'local-publisher', `{"email":"user@example.com","token":${DEEP}}`)).to.deep.equal({ status: 400, json: { status: 'client_error', message: 'Invalid token' } });
    });
  });

  describe('bodies and request targets', () => {
    it('takes a gzip body as the bytes it is (no inflation): 400, not 500', async () => {
      const gzipped = new Uint8Array(gzipSync(Buffer.alloc(1 << 20, '[')));
      expect((await post(`${op.url}/v2/token/refresh`, gzipped, { 'Content-Encoding': 'gzip' })).status).to.equal(400);
      expect((await post(`${op.url}/v2/token/client-generate`, gzipped, { 'Content-Encoding': 'gzip', Origin: 'http://localhost' })).status).to.equal(400);
    });

    it('answers 413 to a body over 1 MiB, and 400 to a request target that is no URL', async () => {
      expect((await post(`${op.url}/v2/token/refresh`, 'A'.repeat((1 << 20) + 1))).status).to.equal(413);
      expect((await rawRequest(op.url, { target: 'http://[' })).status).to.equal(400);
      expect((await rawRequest(op.url, { method: 'TRACE', target: '/v2/token/refresh' })).status).to.equal(405);
      await stillServes();
    });
  });

  describe('admin routes and DNS rebinding', () => {
    const change = JSON.stringify({ sender_site_id: 124, receiver_site_id: 125, allow: false });
    const adminPost = (headers: Record<string, string>) =>
      rawRequest(op.url, { method: 'POST', target: '/admin/sharing', headers: { 'Content-Type': 'application/json', ...headers }, body: change });

    it('refuses a Host that is not a loopback name of this server, or another port', async () => {
      const port = new URL(op.url).port;
      for (const host of ['evil.example', `evil.example:${port}`, `127.0.0.1.nip.io:${port}`, `localhost:${Number(port) + 1}`, '']) {
        const answer = await adminPost({ Host: host });
        expect(answer.status, host).to.be.oneOf([400, 403]);
        expect(answer.body, host).not.to.include('"success"');
      }
      const read = await rawRequest(op.url, { target: '/admin/sharing', headers: { Host: `evil.example:${port}` } });
      expect(read.status).to.equal(403);
      expect(JSON.parse(read.body).message).to.match(/localhost, 127\.0\.0\.1 or \[::1\]/);
    });

    it('refuses an Origin other than its own, and takes its loopback names', async () => {
      const port = new URL(op.url).port;
      expect((await adminPost({ Host: `localhost:${port}`, Origin: 'http://evil.example' })).status).to.equal(403);
      expect((await adminPost({ Host: `localhost:${port}`, Origin: 'null' })).status).to.equal(403);
      expect((await adminPost({ Host: `localhost:${port}`, Origin: `http://localhost:${port}` })).status).to.equal(200);
      expect((await adminPost({ Host: `127.0.0.1:${port}` })).status).to.equal(200);
    });

    it('a path that normalizes to an admin route is checked the same way', async () => {
      const port = new URL(op.url).port;
      expect((await rawRequest(op.url, { target: '/v2/../admin/sharing', headers: { Host: `evil.example:${port}` } })).status).to.equal(403);
    });
  });

  it('logs the class and route of an unexpected failure, never its message or the body', async () => {
    const logs: string[] = [];
    let failing = false;
    const operator = createOperator(await localConfig(), {
      now: () => T0,
      log: (line) => logs.push(line),
      random: (length) => {
        if (failing) throw new TypeError('secret-bearing message');
        return randomBytes(length);
      },
    });
    await operator.ready;
    const { server, url } = await operator.listen(0);
    try {
      failing = true;
      const publisher = clientNamed(await localConfig(), 'local-publisher');
      const answer = await post(`${url}/v2/token/generate`, await sealJsonText(publisher.secret, '{"email":"someone@example.com"}', T0), { Authorization: `Bearer ${publisher.key}` });
      expect(answer.status).to.equal(500);
      expect(logs).to.include('POST /v2/token/generate failed: TypeError');
      expect(logs.join('\n')).not.to.match(/secret-bearing|someone@example\.com/);
    } finally {
      await closeServer(server);
    }
  });
});
