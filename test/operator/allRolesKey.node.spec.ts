// The local key with every role (site 999, the real operator's local "Special" key): SDK test suites use one key
// for every call, so every server-side endpoint must take it. Spoken by hand (sdkWire.ts).
import { expect } from 'chai';
import { post, startOperator, type RunningOperator } from '../helpers/operatorHarness.js';
import { callAsSdk, diiHash, openAdvertisingToken, rawUidOf } from '../helpers/sdkWire.js';

/** IABTechLab/uid2-operator src/main/resources/com.uid2.core/test/clients/clients.json, "Special" */
const ALL_ROLES = {
  key: 'UID2-C-L-999-fCXrMM.fsR3mDqAXELtWWMS+xG1s7RdgRTMqdOH2qaAo=',
  secret: 'DzBzbjTJcYL0swDtFs2krRNu+g1Eokm2tBU4dEuD0Wk=',
};

describe('local operator: the all-roles key (site 999)', () => {
  let op: RunningOperator;
  beforeEach(async () => {
    op = await startOperator();
  });
  afterEach(() => op.close());

  it('generates, validates and refreshes (GENERATOR), and its tokens decrypt with its own bidstream keys (ID_READER)', async () => {
    const generated = await callAsSdk(op, '/v2/token/generate', ALL_ROLES, { email: 'user@example.com' });
    expect(generated.status).to.equal(200);
    const identity = generated.json.body;
    const keys = await callAsSdk(op, '/v2/key/bidstream', ALL_ROLES);
    expect(keys.status).to.equal(200);
    expect(openAdvertisingToken(identity.advertising_token, keys.json.body.keys)).to.deep.equal({
      siteId: 999,
      rawUid: rawUidOf(op.config, diiHash('user@example.com')).rawUid,
      typeByte: 0x03,
    });

    const validated = await callAsSdk(op, '/v2/token/validate', ALL_ROLES, { token: identity.advertising_token, email: 'user@example.com' });
    expect(validated.json).to.deep.equal({ body: true, status: 'success' });

    const refreshed = await post(`${op.url}/v2/token/refresh`, identity.refresh_token, { Authorization: `Bearer ${ALL_ROLES.key}` });
    expect(refreshed.status).to.equal(200);
  });

  it('maps with identity map v2 and v3 and reads rotated buckets (MAPPER)', async () => {
    const expected = rawUidOf(op.config, diiHash('user@example.com'));
    const v2 = await callAsSdk(op, '/v2/identity/map', ALL_ROLES, { email: ['user@example.com'] });
    expect(v2.json.body.mapped).to.deep.equal([{ identifier: 'user@example.com', advertising_id: expected.rawUid, bucket_id: expected.bucketId }]);
    const v3 = await callAsSdk(op, '/v3/identity/map', ALL_ROLES, { email: ['user@example.com'] });
    expect(v3.json.body.email[0].u).to.equal(expected.rawUid);
    const buckets = await callAsSdk(op, '/v2/identity/buckets', ALL_ROLES, { since_timestamp: '2020-01-01T00:00:00' });
    expect(buckets.json.body.length).to.be.greaterThan(0);
  });

  it('gets sharing keys with its own default keyset to encrypt with (SHARER)', async () => {
    const sharing = await callAsSdk(op, '/v2/key/sharing', ALL_ROLES);
    expect(sharing.status).to.equal(200);
    const body = sharing.json.body;
    expect(body).to.include({ caller_site_id: 999, master_keyset_id: 9999999, default_keyset_id: 505, identity_scope: 'UID2' });
    expect(body.max_sharing_lifetime_seconds).to.be.a('number');
    const keysetIds = new Set(body.keys.map((key: { keyset_id?: number }) => key.keyset_id));
    expect(keysetIds.has(505) && keysetIds.has(9999999)).to.equal(true);
  });

  it('reads publisher tokens in the bid stream: site 999 is a DSP too, and the publisher shares with all DSPs', async () => {
    const publisher = op.config.clients.find((client) => client.site_id === 123)!;
    const token = (await callAsSdk(op, '/v2/token/generate', publisher, { phone: '+12345678901' })).json.body.advertising_token;
    const keys = (await callAsSdk(op, '/v2/key/bidstream', ALL_ROLES)).json.body.keys;
    expect(openAdvertisingToken(token, keys)).to.include({ siteId: 123, typeByte: 0x07 });
  });
});
