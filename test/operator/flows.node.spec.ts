// The operator end to end over real HTTP: CSTG and server-side generation, refresh chains, opt-outs, and
// receivers decrypting what it issued with the keys its key endpoints hand out.
import { expect } from 'chai';
import { fromBase64, toBase64 } from '../../libraries/uid2/crypto/base64.js';
import { decryptAdvertisingToken, type DecryptedToken, type DecryptionResult } from '../../libraries/uid2/receiver/advertisingToken.js';
import { createCstgRequest, openCstgResponse } from '../../libraries/uid2/client/cstg.js';
import { isUid2Identity, type Uid2Identity } from '../../libraries/uid2/client/uid2Identity.js';
import { hashDii, sha256Base64 } from '../../libraries/uid2/client/normalize.js';
import { firstLevelHash, rawUidV2, saltBucketIndex } from '../../devstack/operator/rawUid.js';
import { openRefreshResponse } from '../../libraries/uid2/client/refreshResponse.js';
import { unwrapRefreshToken } from '../../devstack/operator/refreshToken.js';
import { encryptRawUidIntoToken } from '../../libraries/uid2/receiver/sharing.js';
import type { OperatorConfig } from '../../devstack/operator/config.js';
import { LOCAL_CSTG } from '../helpers/protocolVectors.js';
import { T0, callEnveloped, clientNamed, fetchKeys, post, startOperator, type RunningOperator } from '../helpers/operatorHarness.js';

type Dii = { email?: string; phone?: string; emailHash?: string; phoneHash?: string };

/** The raw UID2 the operator must derive for a DII, computed with the protocol library from the config's salts. */
async function expectedRawUid(config: OperatorConfig, dii: Dii): Promise<string> {
  const hashed = (await hashDii(dii))!;
  const identityHash = fromBase64('email_hash' in hashed ? hashed.email_hash : hashed.phone_hash);
  const flh = await firstLevelHash(identityHash, config.salts.first_level);
  const salts = config.salts.rotating;
  return toBase64(await rawUidV2(flh, salts[saltBucketIndex(flh, salts.length)]!.salt));
}

async function cstg(op: RunningOperator, dii: Dii, origin = 'http://localhost:8080'): Promise<{ status: number; json: unknown }> {
  const { body, sharedKey } = await createCstgRequest({
    serverPublicKey: LOCAL_CSTG.publicKey,
    subscriptionId: LOCAL_CSTG.subscriptionId,
    dii: (await hashDii(dii))!,
    now: op.clock.now(),
  });
  const answer = await post(`${op.url}/v2/token/client-generate`, JSON.stringify(body), { Origin: origin, 'Content-Type': 'application/json' });
  return { status: answer.status, json: answer.status === 200 ? await openCstgResponse(sharedKey, answer.text) : JSON.parse(answer.text) };
}

/** A browser refresh: the refresh token as the body, no API key; 200s decrypted with the identity's key. */
async function browserRefresh(op: RunningOperator, identity: Uid2Identity): Promise<{ status: number; json: unknown }> {
  const answer = await post(`${op.url}/v2/token/refresh`, identity.refresh_token, { Origin: 'http://localhost:8080', 'X-UID2-Client-Version': 'test' });
  return { status: answer.status, json: answer.status === 200 ? await openRefreshResponse(identity.refresh_response_key, answer.text) : JSON.parse(answer.text) };
}

function identityOf(answer: { status: number; json: unknown }): Uid2Identity {
  expect(answer.status).to.equal(200);
  const json = answer.json as { status: string; body: unknown };
  expect(json.status).to.equal('success');
  expect(isUid2Identity(json.body)).to.equal(true);
  return json.body as Uid2Identity;
}

function decrypted(result: DecryptionResult): DecryptedToken {
  expect(result.status).to.equal('success');
  return result as DecryptedToken;
}

describe('local operator: token flows', () => {
  let op: RunningOperator;
  beforeEach(async () => {
    op = await startOperator();
  });
  afterEach(() => op.close());

  it('CSTG → token → refresh → refresh, then refresh-optout → optout', async () => {
    const dsp = clientNamed(op.config, 'local-dsp');
    const first = identityOf(await cstg(op, { email: 'User@Example.com' }));
    expect(first.advertising_token.slice(0, 2)).to.equal('A4');
    expect(first.refresh_token).to.have.length(388);
    expect(first).to.include({ identity_expires: T0 + 3600_000, refresh_from: T0 + 900_000, refresh_expires: T0 + 86400_000 });

    const keys = await fetchKeys(op, '/v2/key/sharing', dsp);
    const token = decrypted(await decryptAdvertisingToken(first.advertising_token, keys, { now: op.clock.now(), clientType: 'sharing' }));
    expect(token).to.include({ siteId: 123, privacyBits: 3, isClientSideGenerated: true, established: T0, tokenVersion: 4 });
    expect(token.rawUid).to.equal(await expectedRawUid(op.config, { email: 'user@example.com' }));

    op.clock.advance(1000_000);
    const second = identityOf(await browserRefresh(op, first));
    expect(second.advertising_token).to.not.equal(first.advertising_token);
    expect(second.refresh_response_key).to.not.equal(first.refresh_response_key);
    expect(second.identity_expires).to.equal(T0 + 1000_000 + 3600_000);
    op.clock.advance(1000_000);
    const third = identityOf(await browserRefresh(op, second));
    const refreshed = decrypted(await decryptAdvertisingToken(third.advertising_token, keys, { now: op.clock.now() }));
    // same person, same publisher, same establishment time, still a CSTG token
    expect(refreshed).to.include({ rawUid: token.rawUid, siteId: 123, established: T0, privacyBits: 3, generated: T0 + 2000_000 });

    const leaving = identityOf(await cstg(op, { email: 'refresh-optout@example.com' }));
    expect(await browserRefresh(op, leaving)).to.deep.equal({ status: 200, json: { status: 'optout' } });
    expect(await cstg(op, { email: 'optout@example.com' })).to.deep.equal({ status: 200, json: { status: 'optout' } });
    expect(await cstg(op, { phone: '+00000000000' })).to.deep.equal({ status: 200, json: { status: 'optout' } });
  });

  it('generates with the publisher\'s API key through v2 envelopes; receivers decrypt the raw UID2 the operator derived', async () => {
    const publisher = clientNamed(op.config, 'local-publisher');
    const dsp = clientNamed(op.config, 'local-dsp');
    const identity = identityOf(await callEnveloped(op, '/v2/token/generate', publisher, { email: 'validate@example.com' }));
    for (const path of ['/v2/key/sharing', '/v2/key/bidstream'] as const) {
      const keys = await fetchKeys(op, path, dsp);
      const token = decrypted(
        await decryptAdvertisingToken(identity.advertising_token, keys, { now: op.clock.now(), clientType: path === '/v2/key/sharing' ? 'sharing' : 'bidstream' }),
      );
      expect(token).to.include({ siteId: 123, privacyBits: 1, isClientSideGenerated: false, identityType: 'email' });
      // independently computed with Python hashlib from the operator's public test salts
      expect(token.rawUid).to.equal('hKtZIUSgKGPo1+7wU1RWToXbfxFvjCO9L0qvperS8iI=');
    }
  });

  it('derives the same raw UID2 from every form of the same DII', async () => {
    const publisher = clientNamed(op.config, 'local-publisher');
    const keys = await fetchKeys(op, '/v2/key/sharing', clientNamed(op.config, 'local-dsp'));
    const rawUidOf = async (json: unknown) => {
      const identity = identityOf(await callEnveloped(op, '/v2/token/generate', publisher, json));
      return decrypted(await decryptAdvertisingToken(identity.advertising_token, keys, { now: op.clock.now() }));
    };
    const emailHash = await sha256Base64('jane.doe@example.com');
    const emailHex = Buffer.from(fromBase64(emailHash)).toString('hex');
    const expected = await expectedRawUid(op.config, { email: 'jane.doe@example.com' });
    for (const json of [{ email: ' Jane.Doe@example.com' }, { email_hash: emailHash }, { email_hash: emailHex }]) {
      expect((await rawUidOf(json)).rawUid, JSON.stringify(json)).to.equal(expected);
    }
    const phone = await rawUidOf({ phone: '+12345678901' });
    expect(phone).to.include({ identityType: 'phone', rawUid: await expectedRawUid(op.config, { phone: '+12345678901' }) });
    expect((await rawUidOf({ phone_hash: 'EObwtHBUqDNZR33LNSMdtt5cafsYFuGmuY4ZLenlue4=' })).rawUid).to.equal(phone.rawUid);
  });

  it('answers opt-out for the test identities in all four DII forms and for configured opt-outs', async () => {
    const publisher = clientNamed(op.config, 'local-publisher');
    const optouts = [
      { email: 'optout@example.com' },
      { email_hash: await sha256Base64('optout@example.com') },
      { phone: '+00000000000' },
      { phone_hash: await sha256Base64('+00000000000') },
      { email: 'Local-OptOut@example.com' },
    ];
    for (const json of optouts) {
      expect(await callEnveloped(op, '/v2/token/generate', publisher, json), JSON.stringify(json)).to.deep.equal({ status: 200, json: { status: 'optout' } });
    }
  });

  it('lets refresh-optout identities generate, then answers their refresh with opt-out, encrypted', async () => {
    const publisher = clientNamed(op.config, 'local-publisher');
    for (const json of [{ email: 'refresh-optout@example.com' }, { phone: '+00000000002' }, { phone_hash: await sha256Base64('+00000000002') }]) {
      const identity = identityOf(await callEnveloped(op, '/v2/token/generate', publisher, json));
      const answer = await post(`${op.url}/v2/token/refresh`, identity.refresh_token, { Authorization: `Bearer ${publisher.key}` });
      expect(answer.status).to.equal(200);
      expect(await openRefreshResponse(identity.refresh_response_key, answer.text)).to.deep.equal({ status: 'optout' });
    }
  });

  it('refuses expired refresh tokens: expired_token with an API key, the generic error for browsers', async () => {
    const publisher = clientNamed(op.config, 'local-publisher');
    const identity = identityOf(await callEnveloped(op, '/v2/token/generate', publisher, { email: 'user@example.com' }));
    op.clock.advance(86400_000 + 1);
    const authenticated = await post(`${op.url}/v2/token/refresh`, identity.refresh_token, { Authorization: `Bearer ${publisher.key}` });
    expect([authenticated.status, JSON.parse(authenticated.text)]).to.deep.equal([400, { status: 'expired_token', message: 'Expired Token presented' }]);
    expect(await browserRefresh(op, identity)).to.deep.equal({ status: 400, json: { status: 'error', message: 'Error refreshing token' } });
  });

  it('answers a bare (legacy, unwrapped) refresh token with plain JSON', async () => {
    const identity = identityOf(await callEnveloped(op, '/v2/token/generate', clientNamed(op.config, 'local-publisher'), { email: 'user@example.com' }));
    const refreshKey = op.config.keys.find((key) => key.id === 102)!;
    const lookup = (id: number) => (id === 102 ? { ...refreshKey, secret: fromBase64(refreshKey.secret) } : undefined);
    const { refreshToken: inner } = await unwrapRefreshToken(identity.refresh_token, lookup);
    const answer = await post(`${op.url}/v2/token/refresh`, inner);
    expect(answer.status).to.equal(200);
    expect(answer.headers.get('content-type')).to.equal('application/json');
    identityOf({ status: answer.status, json: JSON.parse(answer.text) });
  });

  it('validates a token against a DII for the token\'s own site only', async () => {
    const publisher = clientNamed(op.config, 'local-publisher');
    const identity = identityOf(await callEnveloped(op, '/v2/token/generate', publisher, { email: 'validate@example.com' }));
    const validate = (client: typeof publisher, json: unknown) => callEnveloped(op, '/v2/token/validate', client, json);
    const token = identity.advertising_token;
    expect(await validate(publisher, { token, email: 'validate@example.com' })).to.deep.equal({ status: 200, json: { body: true, status: 'success' } });
    expect(await validate(publisher, { token, email_hash: 'ntI244ZRTXwAwpki6/M5cyBYW7h/Wq576lnN3l9+W/c=' })).to.deep.include({ json: { body: true, status: 'success' } });
    expect(await validate(publisher, { token, email: 'user@example.com' })).to.deep.equal({ status: 200, json: { body: false, status: 'success' } });
    expect(await validate(publisher, { token: 'A4AAAAnope', email: 'validate@example.com' })).to.deep.equal({
      status: 400,
      json: { status: 'client_error', message: 'Invalid token' },
    });

    const otherSite = { ...publisher, name: 'other', key: 'other-generator-key', site_id: 124 };
    const other = await startOperator({ config: { ...op.config, clients: [...op.config.clients, otherSite] } });
    try {
      const theirs = identityOf(await callEnveloped(other, '/v2/token/generate', publisher, { email: 'validate@example.com' }));
      expect(await callEnveloped(other, '/v2/token/validate', otherSite, { token: theirs.advertising_token, email: 'validate@example.com' })).to.deep.equal({
        status: 400,
        json: { status: 'client_error', message: 'Unauthorised to validate token' },
      });
    } finally {
      await other.close();
    }
  });

  it('maps identities to raw UID2s and bucket ids (v2 identity/map)', async () => {
    const advertiser = clientNamed(op.config, 'local-advertiser');
    const { status, json } = await callEnveloped(op, '/v2/identity/map', advertiser, {
      email: ['validate@example.com', 'optout@example.com', 'not an email'],
    });
    expect(status).to.equal(200);
    expect(json).to.deep.equal({
      body: {
        mapped: [{ identifier: 'validate@example.com', advertising_id: 'hKtZIUSgKGPo1+7wU1RWToXbfxFvjCO9L0qvperS8iI=', bucket_id: 'bH4mTc7RwE' }],
        unmapped: [
          { identifier: 'optout@example.com', reason: 'optout' },
          { identifier: 'not an email', reason: 'invalid identifier' },
        ],
      },
      status: 'success',
    });
    expect(await callEnveloped(op, '/v2/identity/map', advertiser, { phone: [] })).to.deep.equal({ status: 200, json: { body: { mapped: [] }, status: 'success' } });
  });

  it('domain-checks CSTG tokens for bidstream receivers with the site_data it hands out', async () => {
    const identity = identityOf(await cstg(op, { phone: '+12345678901' }, 'https://www.uidapi.com'));
    const keys = await fetchKeys(op, '/v2/key/bidstream', clientNamed(op.config, 'local-dsp'));
    expect(keys.siteData.get(123)).to.deep.equal(['localhost', 'uidapi.com']);
    const decrypt = (domainOrAppName: string) =>
      decryptAdvertisingToken(identity.advertising_token, keys, { now: op.clock.now(), clientType: 'bidstream', domainOrAppName });
    const { rawUid, ...facts } = decrypted(await decrypt('uidapi.com'));
    expect(facts).to.include({ identityType: 'phone', isClientSideGenerated: true });
    const refused = await decrypt('example.com');
    expect(refused).to.deep.equal({ ...facts, status: 'domain_name_check_failed' });
    expect(JSON.stringify(refused)).to.not.contain(rawUid);
  });

  it('lets a sharer encrypt a raw UID2 that a receiver with ID_READER decrypts', async () => {
    const advertiser = clientNamed(op.config, 'local-advertiser');
    const sharerKeys = await fetchKeys(op, '/v2/key/sharing', advertiser);
    expect(sharerKeys).to.include({ callerSiteId: 124, masterKeysetId: 9999999, defaultKeysetId: 502, tokenExpirySeconds: 2592000, maxSharingLifetimeSeconds: 2592010 });
    const rawUid = 'hKtZIUSgKGPo1+7wU1RWToXbfxFvjCO9L0qvperS8iI=';
    const shared = await encryptRawUidIntoToken(rawUid, sharerKeys, { now: op.clock.now() });
    if (shared.status !== 'success') throw new Error(shared.status);

    const dspKeys = await fetchKeys(op, '/v2/key/sharing', clientNamed(op.config, 'local-dsp'));
    expect(decrypted(await decryptAdvertisingToken(shared.token, dspKeys, { now: op.clock.now(), clientType: 'sharing' }))).to.include({ rawUid, siteId: 124 });
    // a sharer without ID_READER reads only its own and the master keyset (no sharing permissions yet)
    const dataProviderKeys = await fetchKeys(op, '/v2/key/sharing', clientNamed(op.config, 'local-data-provider'));
    expect(await decryptAdvertisingToken(shared.token, dataProviderKeys, { now: op.clock.now() })).to.deep.equal({ status: 'not_authorized_for_key' });
  });

  it('hands out keys as the operator does: master as 9999999, own keysets with ids, never the refresh keyset', async () => {
    const dsp = clientNamed(op.config, 'local-dsp');
    const { json } = await callEnveloped(op, '/v2/key/sharing', dsp);
    const body = (json as { body: { keys: Array<Record<string, unknown>> } & Record<string, unknown> }).body;
    expect(body).to.include({ caller_site_id: 125, master_keyset_id: 9999999, default_keyset_id: 503, token_expiry_seconds: '2592000', identity_scope: 'UID2' });
    const byId = new Map(body.keys.map((key) => [key.id, key]));
    expect(byId.get(101)).to.include({ keyset_id: 9999999, secret: 'vPdQIoN1nTwXIQoH4/GcHOAct7ymyrGUKXNQhgmq+E8=' });
    expect(byId.get(104)).to.not.have.property('keyset_id');
    expect(byId.has(102)).to.equal(false);
    expect(body.keys.some((key) => key.keyset_id === 503)).to.equal(true);
    const bidstream = ((await callEnveloped(op, '/v2/key/bidstream', dsp)).json as { body: { keys: Array<Record<string, unknown>> } & Record<string, unknown> }).body;
    expect(bidstream).to.include({ max_bidstream_lifetime_seconds: 3610, identity_scope: 'UID2', allow_clock_skew_seconds: 1800 });
    expect(bidstream.keys.every((key) => !('keyset_id' in key))).to.equal(true);
    expect(bidstream.keys.map((key) => key.id)).to.not.include(102);
  });
});
