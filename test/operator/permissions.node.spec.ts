// Sharing permissions end to end over HTTP: which keys /v2/key/sharing and /v2/key/bidstream hand each
// caller, what receivers can decrypt with them, and changes through the local admin route while running.
import { expect } from 'chai';
import { networkInterfaces } from 'node:os';
import { decryptAdvertisingToken, type DecryptedToken, type DecryptionResult } from '../../libraries/uid2/receiver/advertisingToken.js';
import type { Uid2Identity } from '../../libraries/uid2/client/uid2Identity.js';
import type { KeyContainer } from '../../libraries/uid2/receiver/keys.js';
import { encryptRawUidIntoToken } from '../../libraries/uid2/receiver/sharing.js';
import { withDemoLifetimes, type ClientConfig } from '../../devstack/operator/config.js';
import { createOperator } from '../../devstack/operator/operator.js';
import { closeServer } from '../../devstack/http.js';
import { adminSharing, callEnveloped, clientNamed, fetchKeys, localConfig, startOperator, type RunningOperator } from '../helpers/operatorHarness.js';

const MASTER_KEYSET_FOR_SDKS = 9999999;

describe('local operator: sharing permissions', () => {
  let op: RunningOperator;
  let publisher: ClientConfig;
  let advertiser: ClientConfig;
  let dsp: ClientConfig;
  let dataProvider: ClientConfig;

  async function start(demoLifetimes = false): Promise<void> {
    op = await startOperator({ config: demoLifetimes ? withDemoLifetimes(await localConfig()) : undefined });
    [publisher, advertiser, dsp, dataProvider] = ['local-publisher', 'local-advertiser', 'local-dsp', 'local-data-provider'].map((name) => clientNamed(op.config, name));
  }
  afterEach(() => op.close());

  /** A raw UID2 from /v2/identity/map, as a MAPPER (advertiser, data provider) gets one. */
  async function rawUid(mapper: ClientConfig, email: string): Promise<string> {
    const { json } = await callEnveloped(op, '/v2/identity/map', mapper, { email: [email] });
    return (json as { body: { mapped: Array<{ advertising_id: string }> } }).body.mapped[0]!.advertising_id;
  }

  /** The sender's own token for a raw UID2: encrypted with its default keyset from /v2/key/sharing. */
  async function shareAs(sender: ClientConfig, raw: string): Promise<string> {
    const result = await encryptRawUidIntoToken(raw, await fetchKeys(op, '/v2/key/sharing', sender), { now: op.clock.now() });
    if (result.status !== 'success') throw new Error(`encrypt: ${result.status}`);
    return result.token;
  }

  async function publisherToken(): Promise<string> {
    const { json } = await callEnveloped(op, '/v2/token/generate', publisher, { email: 'reader@example.com' });
    return (json as { body: Uid2Identity }).body.advertising_token;
  }

  async function decryptAs(receiver: ClientConfig, token: string, path: '/v2/key/sharing' | '/v2/key/bidstream' = '/v2/key/sharing'): Promise<DecryptionResult> {
    return decryptAdvertisingToken(token, await fetchKeys(op, path, receiver), { now: op.clock.now() });
  }

  describe('the shipped defaults', () => {
    beforeEach(() => start());

    it('granted by type: the publisher shares with all DSPs, so DSP 125 decrypts its tokens from either key endpoint', async () => {
      const token = await publisherToken();
      for (const path of ['/v2/key/sharing', '/v2/key/bidstream'] as const) {
        expect(await decryptAs(dsp, token, path), path).to.include({ status: 'success', siteId: 123 });
      }
    });

    it('granted directly: the advertiser shares with DSP 125, which decrypts the advertiser\'s token back to the same raw UID2', async () => {
      const raw = await rawUid(advertiser, 'buyer@example.com');
      const result = (await decryptAs(dsp, await shareAs(advertiser, raw))) as DecryptedToken;
      expect(result).to.include({ status: 'success', siteId: 124, rawUid: raw });
    });

    it('not granted: tokens of the data provider, and the publisher\'s to a non-DSP, are not_authorized_for_key with nothing else', async () => {
      const fromDataProvider = await shareAs(dataProvider, await rawUid(dataProvider, 'someone@example.com'));
      expect(await decryptAs(dsp, fromDataProvider)).to.deep.equal({ status: 'not_authorized_for_key' });
      expect(await decryptAs(dsp, fromDataProvider, '/v2/key/bidstream')).to.deep.equal({ status: 'not_authorized_for_key' });
      expect(await decryptAs(advertiser, await publisherToken())).to.deep.equal({ status: 'not_authorized_for_key' });
      expect(await decryptAs(dataProvider, await shareAs(advertiser, await rawUid(advertiser, 'buyer@example.com')))).to.deep.equal({
        status: 'not_authorized_for_key',
      });
    });

    it('answers /v2/key/sharing with the real fields: own keys and master keys carry their keyset id, the rest do not', async () => {
      const { json } = await callEnveloped(op, '/v2/key/sharing', advertiser);
      const body = (json as { body: Record<string, any> }).body;
      expect(body).to.include({ caller_site_id: 124, master_keyset_id: MASTER_KEYSET_FOR_SDKS, default_keyset_id: 502, token_expiry_seconds: '2592000' });
      const keysetIds = new Set(body.keys.map((key: { keyset_id?: number }) => key.keyset_id));
      // a SHARER reads only its own keyset and the master's: nobody granted the advertiser anything
      expect([...keysetIds].sort()).to.deep.equal([502, MASTER_KEYSET_FOR_SDKS]);
      const dspKeys = ((await callEnveloped(op, '/v2/key/sharing', dsp)).json as { body: { keys: Array<{ id: number; keyset_id?: number }> } }).body.keys;
      expect(dspKeys.some((key) => key.keyset_id === undefined), 'other senders\' keys, without keyset id').to.equal(true);
      expect(dspKeys.map((key) => key.id)).to.include(104).and.not.include(102); // the publisher's key, never the refresh key
    });

    it('gives every caller its own keyset: a sender decrypts what it sent', async () => {
      const token = await shareAs(dataProvider, await rawUid(dataProvider, 'someone@example.com'));
      expect(await decryptAs(dataProvider, token)).to.include({ status: 'success', siteId: 126 });
    });
  });

  describe('changed while running (POST /admin/sharing)', () => {
    beforeEach(() => start());

    it('lists every sender\'s keyset and who may read it', async () => {
      const { status, json } = await adminSharing(op.url);
      expect(status).to.equal(200);
      const bySender = Object.fromEntries(json.body.senders.map((s: { sender_site_id: number }) => [s.sender_site_id, s]));
      expect(bySender[123]).to.include({ keyset_id: 501 }).and.deep.include({ allowed_sites: [], allowed_types: ['DSP'] });
      expect(bySender[124]).to.deep.include({ allowed_sites: [125], allowed_types: [] });
      expect(bySender[126]).to.deep.include({ allowed_sites: [], allowed_types: [] });
    });

    it('revoked: the advertiser revokes DSP 125, whose next key fetch no longer decrypts; granted again, it does', async () => {
      const token = await shareAs(advertiser, await rawUid(advertiser, 'buyer@example.com'));
      const revoked = await adminSharing(op.url, { sender_site_id: 124, receiver_site_id: 125, allow: false });
      expect(revoked.status).to.equal(200);
      expect(revoked.json.body).to.deep.include({ sender_site_id: 124, allowed_sites: [] });
      expect(await decryptAs(dsp, token)).to.deep.equal({ status: 'not_authorized_for_key' });

      expect((await adminSharing(op.url, { sender_site_id: 124, receiver_site_id: 125, allow: true })).status).to.equal(200);
      expect(await decryptAs(dsp, token)).to.include({ status: 'success', siteId: 124 });
    });

    it('by type: the publisher stops sharing with DSPs, then the data provider starts', async () => {
      const token = await publisherToken();
      await adminSharing(op.url, { sender_site_id: 123, receiver_type: 'DSP', allow: false });
      expect(await decryptAs(dsp, token, '/v2/key/bidstream')).to.deep.equal({ status: 'not_authorized_for_key' });

      const fromDataProvider = await shareAs(dataProvider, await rawUid(dataProvider, 'someone@example.com'));
      expect(await decryptAs(dsp, fromDataProvider)).to.deep.equal({ status: 'not_authorized_for_key' });
      await adminSharing(op.url, { sender_site_id: 126, receiver_type: 'dsp', allow: true });
      expect(await decryptAs(dsp, fromDataProvider)).to.include({ status: 'success', siteId: 126 });
      expect(await decryptAs(advertiser, fromDataProvider), 'an advertiser is no DSP').to.deep.equal({ status: 'not_authorized_for_key' });
    });

    it('refuses bodies it cannot apply with 400 client_error and changes nothing', async () => {
      const before = (await adminSharing(op.url)).json;
      const refused: Array<[unknown, RegExp, Record<string, string>?]> = [
        ['{"sender_site_id":124', /not valid JSON/],
        [[1, 2], /expected a JSON object/],
        [{ sender_site_id: 124, receiver_site_id: 125, allow: false }, /Content-Type must be application\/json/, { 'Content-Type': 'text/plain' }],
        [{ sender_site_id: '124', receiver_site_id: 125, allow: true }, /sender_site_id: expected an integer/],
        [{ sender_site_id: 4242, receiver_site_id: 125, allow: true }, /site 4242 has no keyset/],
        [{ sender_site_id: 124, receiver_site_id: 125 }, /allow: expected true or false/],
        [{ sender_site_id: 124, receiver_site_id: 125, allow: 'yes' }, /allow: expected true or false/],
        [{ sender_site_id: 124, allow: true }, /exactly one of receiver_site_id, receiver_type/],
        [{ sender_site_id: 124, receiver_site_id: 125, receiver_type: 'DSP', allow: true }, /exactly one of/],
        [{ sender_site_id: 124, receiver_site_id: 4242, allow: true }, /receiver_site_id: unknown site 4242/],
        [{ sender_site_id: 124, receiver_site_id: 124, allow: false }, /always reads its own keyset/],
        [{ sender_site_id: 124, receiver_type: 'SSP', allow: true }, /receiver_type: expected one of PUBLISHER, ADVERTISER, DSP, DATA_PROVIDER/],
      ];
      for (const [body, message, headers] of refused) {
        const answer = await adminSharing(op.url, body, headers);
        expect(answer.status, String(message)).to.equal(400);
        expect(answer.json.status).to.equal('client_error');
        expect(answer.json.message).to.match(message);
      }
      expect((await adminSharing(op.url)).json).to.deep.equal(before);
    });

    it('answers no CORS, so no web page can read or change permissions', async () => {
      const response = await fetch(`${op.url}/admin/sharing`, { method: 'OPTIONS', headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' } });
      expect(response.headers.get('access-control-allow-origin')).to.equal(null);
      const get = await fetch(`${op.url}/admin/sharing`, { headers: { Origin: 'https://evil.example' } });
      expect(get.headers.get('access-control-allow-origin')).to.equal(null);
      expect((await fetch(`${op.url}/v2/token/refresh`, { method: 'OPTIONS', headers: { Origin: 'https://a.example' } })).headers.get('access-control-allow-origin')).to.equal('https://a.example');
    });
  });

  describe('key rotation after a grant (demo lifetimes: keys rotate every 60 s)', () => {
    beforeEach(() => start(true));

    it('a permitted receiver decrypts the sender\'s keys published after the grant once it refetches', async () => {
      await adminSharing(op.url, { sender_site_id: 126, receiver_site_id: 125, allow: true });
      const raw = await rawUid(dataProvider, 'someone@example.com');
      const fetchedAtGrant: KeyContainer = await fetchKeys(op, '/v2/key/sharing', dsp);
      const first = (await decryptAdvertisingToken(await shareAs(dataProvider, raw), fetchedAtGrant, { now: op.clock.now() })) as DecryptedToken;
      expect(first).to.include({ status: 'success', rawUid: raw });

      // two periods on, the token is encrypted with keys published after the receiver's last fetch (master key first)
      op.clock.advance(121_000);
      const token = await shareAs(dataProvider, raw);
      expect(await decryptAdvertisingToken(token, fetchedAtGrant, { now: op.clock.now() })).to.deep.equal({ status: 'not_authorized_for_master_key' });
      const refetched = (await decryptAs(dsp, token)) as DecryptedToken;
      expect(refetched).to.include({ status: 'success', siteId: 126, rawUid: raw });
      expect(refetched.siteKeyId).to.not.equal(first.siteKeyId);
    });
  });
});

describe('local operator: admin routes are for this machine only', () => {
  /** An address of this machine that is not loopback, if it has one. */
  function externalAddress(): string | undefined {
    return Object.values(networkInterfaces())
      .flat()
      .find((info) => info && info.family === 'IPv4' && !info.internal)?.address;
  }

  it('answers 403 to a caller from another address, and the key endpoints as usual', async function () {
    const address = externalAddress();
    if (!address) return this.skip(); // no network interface but loopback: nothing to connect from
    const operator = createOperator(await localConfig());
    await operator.ready;
    const { server } = await operator.listen(0, '0.0.0.0');
    try {
      const url = `http://${address}:${(server.address() as { port: number }).port}`;
      const get = await adminSharing(url);
      expect(get.status).to.equal(403);
      expect(get.json).to.deep.equal({ status: 'unauthorized', message: 'admin routes answer callers on this machine only' });
      expect((await adminSharing(url, { sender_site_id: 124, receiver_site_id: 125, allow: false })).status).to.equal(403);
      expect((await fetch(`${url}/ops/healthcheck`)).status).to.equal(200);
      expect((await adminSharing(`http://127.0.0.1:${(server.address() as { port: number }).port}`)).status).to.equal(200);
    } finally {
      await closeServer(server);
    }
  });
});
