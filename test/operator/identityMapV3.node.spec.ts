// POST /v3/identity/map over real HTTP, spoken as the docs describe it (sdkWire.ts, node:crypto by hand).
import { expect } from 'chai';
import { T0, clientNamed, startOperator, type RunningOperator } from '../helpers/operatorHarness.js';
import { callAsSdk, diiHash, rawUidOf } from '../helpers/sdkWire.js';

describe('local operator: POST /v3/identity/map', () => {
  let op: RunningOperator;
  beforeEach(async () => {
    op = await startOperator();
  });
  afterEach(() => op.close());

  const mapper = () => clientNamed(op.config, 'local-advertiser');
  const current = (normalized: string) => rawUidOf(op.config, diiHash(normalized)).rawUid;

  it('answers every group in request order with u, p and r, and e for the unmapped', async () => {
    const request = {
      email: ['User@Example.com', 'optout@example.com', 'not an email', 'JANE.SAOIRSE@gmail.com'],
      email_hash: [diiHash('hashed@example.com'), 'not a hash', diiHash('optout@example.com')],
      phone: ['+12345678901', '+00000000000', '555-555-5555'],
      phone_hash: [diiHash('+98765432109'), Buffer.from(diiHash('+98765432109'), 'base64').toString('hex')],
    };
    const answer = await callAsSdk(op, '/v3/identity/map', mapper(), request);
    expect(answer.status).to.equal(200);
    const r = Math.floor(answer.json.body.email[0].r);
    expect(r).to.be.a('number').and.to.be.greaterThan(T0 / 1000);
    const mapped = (normalized: string) => ({ u: current(normalized), p: null, r });
    expect(answer.json).to.deep.equal({
      body: {
        email: [mapped('user@example.com'), { e: 'optout' }, { e: 'invalid identifier' }, mapped('janesaoirse@gmail.com')],
        email_hash: [mapped('hashed@example.com'), { e: 'invalid identifier' }, { e: 'optout' }],
        phone: [mapped('+12345678901'), { e: 'optout' }, { e: 'invalid identifier' }],
        phone_hash: [mapped('+98765432109'), mapped('+98765432109')],
      },
      status: 'success',
    });
  });

  it('writes the real operator\'s JSON: all four groups in its order, "p":null spelled out, r in whole seconds', async () => {
    const answer = await callAsSdk(op, '/v3/identity/map', mapper(), { phone: ['+12345678901'] });
    const u = current('+12345678901');
    const r = answer.json.body.phone[0].r;
    expect(Number.isInteger(r)).to.equal(true);
    expect(answer.text).to.equal(`{"body":{"email_hash":[],"phone":[{"u":"${u}","p":null,"r":${r}}],"phone_hash":[],"email":[]},"status":"success"}`);
  });

  it('answers empty groups for empty arrays, and treats null groups as empty', async () => {
    const answer = await callAsSdk(op, '/v3/identity/map', mapper(), { email: [], phone: null });
    expect(answer.json).to.deep.equal({ body: { email_hash: [], phone: [], phone_hash: [], email: [] }, status: 'success' });
  });

  it('turns numbers into strings as the operator\'s JSON binding does: never a valid identifier', async () => {
    const answer = await callAsSdk(op, '/v3/identity/map', mapper(), { phone: [12345678901], email: [true] });
    expect(answer.json.body.phone).to.deep.equal([{ e: 'invalid identifier' }]);
    expect(answer.json.body.email).to.deep.equal([{ e: 'invalid identifier' }]);
  });

  it('refuses requests without DII and malformed ones with 400 client_error naming the field', async () => {
    const cases: Array<[unknown, string]> = [
      [undefined, 'Required Parameter Missing: one or more of [email, email_hash, phone, phone_hash] must be specified'],
      [{}, 'Required Parameter Missing: one or more of [email, email_hash, phone, phone_hash] must be specified'],
      [{ email: 'user@example.com' }, 'Incorrect request format: email must be an array'],
      [{ email: [null] }, 'Incorrect request format: email[0] must be a string'],
      [{ phone_hash: ['x', { nested: [[[]]] }] }, 'Incorrect request format: phone_hash[1] must be a string'],
      [{ emails: ['user@example.com'] }, 'Incorrect request format: unknown field emails'],
    ];
    for (const [json, message] of cases) {
      const answer = await callAsSdk(op, '/v3/identity/map', mapper(), json);
      expect(answer.status, message).to.equal(400);
      expect(answer.json, message).to.deep.equal({ status: 'client_error', message });
    }
  });

  it('needs an API key with MAPPER; the local all-roles key has it', async () => {
    const publisher = clientNamed(op.config, 'local-publisher');
    expect(await callAsSdk(op, '/v3/identity/map', publisher, { email: ['user@example.com'] })).to.deep.include({ status: 401, json: { status: 'unauthorized' } });
    const allRoles = await callAsSdk(op, '/v3/identity/map', clientNamed(op.config, 'local-all-roles'), { email: ['user@example.com'] });
    expect(allRoles.json.body.email[0].u).to.equal(current('user@example.com'));
  });

  it('gives the raw UID2 of v2 identity/map and of the tokens it issues for the same DII', async () => {
    const v3 = await callAsSdk(op, '/v3/identity/map', mapper(), { email: ['user@example.com'] });
    const v2 = await callAsSdk(op, '/v2/identity/map', mapper(), { email: ['user@example.com'] });
    expect(v2.json.body.mapped[0]).to.deep.equal({
      identifier: 'user@example.com',
      advertising_id: v3.json.body.email[0].u,
      bucket_id: rawUidOf(op.config, diiHash('user@example.com')).bucketId,
    });
  });
});
