import { expect } from 'chai';
import { activeKeyOf, keysSynced, parseKeyContainer } from '../../libraries/uid2/receiver/keys.js';
import { LOCAL_KEYS } from '../helpers/protocolVectors.js';
import { testContainer, testKey } from '../helpers/protocolExpectations.js';

const SHARING_BODY = {
  caller_site_id: 125,
  master_keyset_id: 9999999,
  default_keyset_id: 502,
  token_expiry_seconds: '2592000',
  max_sharing_lifetime_seconds: 2592010,
  identity_scope: 'UID2',
  allow_clock_skew_seconds: 1800,
  keys: [
    { id: 101, keyset_id: 9999999, created: 1622691044, activates: 1687635529, expires: 4088629662, secret: LOCAL_KEYS.master.secret },
    { id: 104, created: 1633991166, activates: 1634077566, expires: 4088629662, secret: LOCAL_KEYS.site123.secret },
  ],
  site_data: [{ id: 123, domain_names: ['LocalHost', 'uidapi.com'] }],
};

describe('uid2 key containers', () => {
  it('parses a /v2/key/sharing body', () => {
    const container = parseKeyContainer(SHARING_BODY);
    expect(container).to.include({
      callerSiteId: 125,
      masterKeysetId: 9999999,
      defaultKeysetId: 502,
      tokenExpirySeconds: 2592000,
      maxSharingLifetimeSeconds: 2592010,
      maxBidstreamLifetimeSeconds: undefined,
      allowClockSkewSeconds: 1800,
      identityScope: 'UID2',
    });
    expect([...container.keys.keys()]).to.deep.equal([101, 104]);
    expect(container.keys.get(101)).to.deep.include({ keysetId: 9999999, activates: 1687635529, expires: 4088629662 });
    expect(container.keys.get(104)!.keysetId).to.equal(undefined);
    expect(container.keys.get(104)!.secret).to.have.length(32);
    expect(container.siteData.get(123)).to.deep.equal(['localhost', 'uidapi.com']);
  });

  it('parses a /v2/key/bidstream body with the defaults of absent fields', () => {
    const container = parseKeyContainer({
      max_bidstream_lifetime_seconds: 3610,
      identity_scope: 'EUID',
      keys: [{ id: 7, created: 1, activates: 1, expires: 2, secret: LOCAL_KEYS.master.secret }],
    });
    expect(container).to.include({ maxBidstreamLifetimeSeconds: 3610, identityScope: 'EUID', tokenExpirySeconds: 2592000, allowClockSkewSeconds: 1800 });
    expect(container.siteData.size).to.equal(0);
  });

  it('reads as the SDKs do: no keys is an empty container, a token_expiry_seconds of 0 the default, a fraction its whole part', () => {
    expect(parseKeyContainer({}).keys.size).to.equal(0);
    expect(parseKeyContainer({ keys: null }).keys.size).to.equal(0);
    expect(parseKeyContainer({ keys: [], token_expiry_seconds: 0 }).tokenExpirySeconds).to.equal(2592000);
    expect(parseKeyContainer({ keys: [], token_expiry_seconds: '0' }).tokenExpirySeconds).to.equal(2592000);
    const container = parseKeyContainer({ keys: [{ id: 7, created: 1, activates: 1, expires: 2.9, secret: LOCAL_KEYS.master.secret }], allow_clock_skew_seconds: 1800.5 });
    expect([container.allowClockSkewSeconds, container.keys.get(7)!.expires]).to.deep.equal([1800, 2]);
  });

  it('throws on malformed bodies', () => {
    const bad = [
      null,
      { keys: 'none' },
      { keys: [{ id: 1, created: 1, activates: 1, expires: 2, secret: 'short' }] },
      { keys: [{ id: 'one', created: 1, activates: 1, expires: 2, secret: LOCAL_KEYS.master.secret }] },
      { keys: [], identity_scope: 'ID5' },
      { keys: [], token_expiry_seconds: 'soon' },
      { keys: [], site_data: [{ id: 1, domain_names: 'a.com' }] },
    ];
    for (const body of bad) expect(() => parseKeyContainer(body), JSON.stringify(body)).to.throw(/invalid key container/);
  });

  it('picks the active key that activated last, ignoring expired and future keys', () => {
    const s = LOCAL_KEYS.master.secret;
    const container = testContainer([
      testKey(1, s, { keysetId: 7, activates: 100, expires: 1000 }),
      testKey(2, s, { keysetId: 7, activates: 200, expires: 1000 }),
      testKey(3, s, { keysetId: 7, activates: 300, expires: 350 }),
      testKey(4, s, { keysetId: 7, activates: 900, expires: 2000 }),
      testKey(5, s, { keysetId: 8, activates: 250, expires: 2000 }),
    ]);
    expect(activeKeyOf(container, 7, 250_000)?.id).to.equal(2);
    expect(activeKeyOf(container, 7, 320_000)?.id).to.equal(3);
    expect(activeKeyOf(container, 7, 400_000)?.id).to.equal(2);
    expect(activeKeyOf(container, 7, 950_000)?.id).to.equal(4);
    expect(activeKeyOf(container, 7, 50_000)).to.equal(undefined);
    expect(activeKeyOf(container, 9, 250_000)).to.equal(undefined);
  });

  it('is synced until its last key expires', () => {
    const container = testContainer([testKey(1, LOCAL_KEYS.master.secret, { expires: 1000 }), testKey(2, LOCAL_KEYS.master.secret, { expires: 2000 })]);
    expect(keysSynced(container, 1_999_999)).to.equal(true);
    expect(keysSynced(container, 2_000_000)).to.equal(false);
    expect(keysSynced(testContainer([]), 0)).to.equal(false);
  });
});
