// The mock SSP as a UID2 receiver, against the real local operator: tokens it issues are decrypted with the
// keys the SSP fetched from /v2/key/bidstream, and the report shows metadata only.
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { createCstgRequest, openCstgResponse } from '../../libraries/uid2/client/cstg.js';
import { hashDii } from '../../libraries/uid2/client/normalize.js';
import { LOCAL_OPERATOR_CONFIG } from '../../devstack/operator/config.js';
import { localReceiverCredentials } from '../../devstack/ssp/uid2.js';
import { callEnveloped, clientNamed, post, startOperator, T0, type RunningOperator } from '../helpers/operatorHarness.js';
import { auction, bidRequest, get, reportOf, startSsp, type RunningSsp } from '../helpers/sspHarness.js';

const DAY_MS = 86_400_000;

async function generate(op: RunningOperator, dii: Record<string, string>): Promise<string> {
  const { status, json } = await callEnveloped(op, '/v2/token/generate', clientNamed(op.config, 'local-publisher'), dii);
  expect(status).to.equal(200);
  return (json as { body: { advertising_token: string } }).body.advertising_token;
}

async function rawUidOf(op: RunningOperator, email: string): Promise<string> {
  const { json } = await callEnveloped(op, '/v2/identity/map', clientNamed(op.config, 'local-advertiser'), { email: [email] });
  return (json as { body: { mapped: Array<{ advertising_id: string }> } }).body.mapped[0]!.advertising_id;
}

/** A client-side generated token, as the uid2 module gets it in a page on `origin`. */
async function cstgToken(op: RunningOperator, email: string, origin: string): Promise<string> {
  const keypair = op.config.client_side_keypairs[0]!;
  const { body, sharedKey } = await createCstgRequest({
    serverPublicKey: keypair.public_key,
    subscriptionId: keypair.subscription_id,
    dii: (await hashDii({ email }))!,
    now: op.clock.now(),
  });
  const answer = await post(`${op.url}/v2/token/client-generate`, JSON.stringify(body), { Origin: origin });
  expect(answer.status).to.equal(200);
  return ((await openCstgResponse(sharedKey, answer.text)) as { body: { advertising_token: string } }).body.advertising_token;
}

const withUid2 = (token: string, changes: Record<string, unknown> = {}) =>
  bidRequest({ user: { ext: { eids: [{ source: 'uidapi.com', uids: [{ id: token, atype: 3 }] }] } }, ...changes });

describe('mock SSP: UID2 decryption with the local operator', () => {
  let op: RunningOperator;
  let ssp: RunningSsp;
  beforeEach(async () => {
    op = await startOperator();
    ssp = await startSsp({ operatorUrl: op.url, ...(await localReceiverCredentials()), now: op.clock.now, keyRetryMs: 0 });
  });
  afterEach(async () => {
    await ssp.close();
    await op.close();
  });

  it('finds the receiver credentials (an ID_READER client) in the operator config', async () => {
    const dsp = clientNamed(op.config, 'local-dsp');
    expect(await localReceiverCredentials(LOCAL_OPERATOR_CONFIG)).to.deep.equal({ apiKey: dsp.key, secret: dsp.secret });
  });

  it('decrypts a token from /v2/token/generate and reports its metadata and a fingerprint of the raw UID2', async () => {
    const token = await generate(op, { email: 'user@example.com' });
    const answer = await auction(ssp, withUid2(token));
    expect(reportOf(answer).uid2).to.deep.equal({
      present: true,
      atype: 3,
      tokenVersion: 4,
      decrypted: true,
      status: 'success',
      siteId: 123,
      identityType: 'email',
      identityScope: 'UID2',
      clientSideGenerated: false,
      established: new Date(T0).toISOString(),
      expires: new Date(T0 + op.config.lifetimes.identity_token_expires_after_seconds * 1000).toISOString(),
      fingerprint: createHash('sha256').update(await rawUidOf(op, 'user@example.com')).digest('hex').slice(0, 6),
    });
    expect(answer.json.seatbid[0].bid[0].adm).to.include('UID2: decrypted, site 123');
  });

  it('never puts the token or the raw UID2 in what the browser receives, nor in its log', async () => {
    const token = await generate(op, { email: 'user@example.com' });
    const rawUid = await rawUidOf(op, 'user@example.com');
    const answer = await auction(ssp, withUid2(token));
    expect(answer.text).not.to.include(token);
    expect(answer.text).not.to.include(rawUid);
    expect(ssp.logs.join('\n')).not.to.include(token.slice(0, 40));
  });

  it('reads the identity type of a phone token', async () => {
    const token = await generate(op, { phone: '+12345678901' });
    expect(reportOf(await auction(ssp, withUid2(token))).uid2).to.include({ decrypted: true, identityType: 'phone' });
  });

  it('decrypts a token in user.eids (OpenRTB 2.6) the same way', async () => {
    const token = await generate(op, { email: 'user@example.com' });
    const request = bidRequest({ user: { eids: [{ source: 'uidapi.com', uids: [{ id: token, atype: 3 }] }] } });
    expect(reportOf(await auction(ssp, request)).uid2).to.include({ decrypted: true, siteId: 123 });
  });

  it('accepts a client-side generated token on a domain of its site, as the bidstream rules ask', async () => {
    const token = await cstgToken(op, 'user@example.com', 'http://localhost:9876');
    // site.domain as Prebid sends it: the page's host, port included
    const report = reportOf(await auction(ssp, withUid2(token, { site: { page: 'http://localhost:9876/', domain: 'localhost:9876' } })));
    expect(report.uid2).to.include({ decrypted: true, clientSideGenerated: true, siteId: 123 });
    const fromPage = reportOf(await auction(ssp, withUid2(token, { site: { page: 'http://localhost:9876/a.html' } })));
    expect(fromPage.uid2).to.include({ decrypted: true });
  });

  it('refuses a client-side generated token seen on another domain (domain_name_check_failed)', async () => {
    const token = await cstgToken(op, 'user@example.com', 'http://localhost:9876');
    const report = reportOf(await auction(ssp, withUid2(token, { site: { page: 'https://elsewhere.example/' } })));
    const { established, expires, ...rest } = report.uid2;
    expect(rest).to.deep.equal({
      present: true, atype: 3, tokenVersion: 4, decrypted: false, status: 'domain_name_check_failed',
      siteId: 123, identityType: 'email', identityScope: 'UID2', clientSideGenerated: true,
    });
    expect([established, expires].map((time) => new Date(time!).toISOString())).to.deep.equal([established, expires]);
  });

  it('reports an expired token as expired_token, with its site and the time it expired, and no user fingerprint', async () => {
    const token = await generate(op, { email: 'user@example.com' });
    const expiresAt = op.clock.now() + op.config.lifetimes.identity_token_expires_after_seconds * 1000;
    op.clock.advance((op.config.lifetimes.identity_token_expires_after_seconds + 1) * 1000);
    const answer = await auction(ssp, withUid2(token));
    const { uid2 } = reportOf(answer);
    expect(uid2).to.include({ decrypted: false, status: 'expired_token', siteId: 123, expires: new Date(expiresAt).toISOString() });
    expect(uid2).to.not.have.property('fingerprint');
    expect(answer.json.seatbid[0].bid[0].adm).to.contain(`UID2: present, not decrypted (expired_token, site 123, expires ${new Date(expiresAt).toISOString()})`);
  });

  it('fetches the keys again when a token names a key it has not seen (rotation), then decrypts it', async () => {
    const before = await get(ssp, '/status');
    op.clock.advance(3 * DAY_MS);
    const token = await generate(op, { email: 'user@example.com' });
    expect(reportOf(await auction(ssp, withUid2(token))).uid2).to.include({ decrypted: true, status: 'success' });
    const after = await get(ssp, '/status');
    expect(after.json.keys.fetchedAt).to.equal(T0 + 3 * DAY_MS);
    expect(before.json.keys.fetchedAt).to.equal(T0);
  });

  it('shows its key status on /status', async () => {
    const { json } = await get(ssp, '/status');
    expect(json.keys).to.include({ operatorUrl: op.url, endpoint: 'bidstream', loaded: true });
    expect(json.keys.keys).to.be.greaterThan(0);
  });

  it('reports a string that is not a token as not decrypted, with the decryption status', async () => {
    const report = reportOf(await auction(ssp, withUid2('A4AAAAAA-too-short')));
    expect(report.uid2).to.include({ present: true, decrypted: false, status: 'invalid_payload' });
  });

  it('reports an EUID eid as present (this SSP reads UID2 only)', async () => {
    const request = bidRequest({ user: { ext: { eids: [{ source: 'euid.eu', uids: [{ id: 'E4AAAA', atype: 3 }] }] } } });
    const report = reportOf(await auction(ssp, request));
    expect(report.euid).to.deep.equal({ present: true });
    expect(report.uid2).to.deep.equal({ present: false });
  });
});

describe('mock SSP: UID2 decryption with sharing keys', () => {
  it('decrypts with keys from /v2/key/sharing when started with keyEndpoint "sharing"', async () => {
    const op = await startOperator();
    const ssp = await startSsp({ operatorUrl: op.url, ...(await localReceiverCredentials()), now: op.clock.now, keyEndpoint: 'sharing' });
    try {
      expect((await get(ssp, '/status')).json.keys).to.include({ endpoint: 'sharing', loaded: true });
      const token = await generate(op, { email: 'user@example.com' });
      expect(reportOf(await auction(ssp, withUid2(token))).uid2).to.include({ decrypted: true, siteId: 123 });
    } finally {
      await ssp.close();
      await op.close();
    }
  });
});

describe('mock SSP: UID2 without usable keys', () => {
  let ssp: RunningSsp | undefined;
  afterEach(() => ssp?.close());

  it('reports no_operator when it runs without one', async () => {
    ssp = await startSsp();
    expect(reportOf(await auction(ssp, withUid2('A4AAAAB'))).uid2).to.deep.equal({ present: true, atype: 3, tokenVersion: 4, decrypted: false, status: 'no_operator' });
  });

  it('reports keys_unavailable while the operator cannot be reached, and says why on /status', async () => {
    ssp = await startSsp({ operatorUrl: 'http://127.0.0.1:9', apiKey: 'key', secret: 'ioG3wKxAokmp+rERx6A4kM/13qhyolUXIu14WN16Spo=', keyRetryMs: 0 });
    const answer = await auction(ssp, withUid2('A4AAAAB'));
    expect(answer.status).to.equal(200);
    expect(reportOf(answer).uid2.status).to.equal('keys_unavailable');
    expect((await get(ssp, '/status')).json.keys).to.include({ loaded: false });
  });

  it('reports keys_unavailable when its API key may not read bidstream keys (401)', async () => {
    const op = await startOperator();
    try {
      const publisher = clientNamed(op.config, 'local-publisher');
      ssp = await startSsp({ operatorUrl: op.url, apiKey: publisher.key, secret: publisher.secret, now: op.clock.now, keyRetryMs: 0 });
      expect(reportOf(await auction(ssp, withUid2('A4AAAAB'))).uid2.status).to.equal('keys_unavailable');
      expect((await get(ssp, '/status')).json.keys.lastError).to.match(/answered 401/);
    } finally {
      await op.close();
    }
  });
});
