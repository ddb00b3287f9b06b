// The demo server's sharing pieces over HTTP: the advertiser's own server issues the advertiser's tokens
// (site 124), the pixel receiver (DSP 125) decrypts them, and a permission changed through the demo's admin
// route shows in the very next pixel; the advertiser's server uploads its customers' tokens to the DSP's segment
// API, which answers row by row.
import { expect } from 'chai';
import { createAdvertiserBackend } from '../../devstack/receivers/advertiser.js';
import { closeServer, listen } from '../../devstack/http.js';
import { startDemo, type Demo } from '../../devstack/demo/start.js';
import { adminSharing } from '../helpers/operatorHarness.js';

interface Hit { event: string; decrypted: boolean; status?: string; siteId?: number; fingerprint?: string }

describe('demo server: sharing permissions, advertiser tokens and the pixel receiver', function () {
  this.timeout(20_000);
  let demo: Demo;
  let base: string;
  before(async () => {
    demo = await startDemo({ port: 0, lifetimes: 'local' });
    base = new URL(demo.urls.demo).origin;
  });
  after(() => demo.close());

  async function advertiserToken(dii: object): Promise<{ status: number; json: any }> {
    const response = await fetch(`${base}/advertiser/uid2-token`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(dii) });
    return { status: response.status, json: await response.json() };
  }

  async function pixel(token: string, event: string): Promise<Hit> {
    const response = await fetch(`${demo.urls.receiver}pixel?event=${event}&uid2_token=${encodeURIComponent(token)}`);
    expect(response.status).to.equal(200);
    const { hits } = (await (await fetch(`${demo.urls.receiver}hits`)).json()) as { hits: Hit[] };
    return hits.find((hit) => hit.event === event)!;
  }

  const setShare = (allow: boolean) => adminSharing(base, { sender_site_id: 124, receiver_site_id: 125, allow });

  it('issues the advertiser\'s own token (site 124) for an email or a phone, and refuses anything else', async () => {
    const email = await advertiserToken({ email: 'buyer@example.com' });
    expect(email.status).to.equal(200);
    expect(email.json).to.include({ status: 'success', site_id: 124 });
    expect(email.json.advertising_token).to.match(/^[AB]4[A-Za-z0-9_-]{216}$/); // a v4 UID2 token (v2 raw UID2s carry no DII type)
    expect((await advertiserToken({ phone: '+12025550123' })).json).to.include({ status: 'success', site_id: 124 });
    expect((await advertiserToken({ email: 'optout@example.com' })).json).to.deep.equal({ status: 'optout' });
    for (const bad of [{}, { email: 'a@b.com', phone: '+12025550123' }, { email: '' }]) {
      expect((await advertiserToken(bad)).status, JSON.stringify(bad)).to.equal(400);
    }
  });

  it('flips the receiver between decrypted and not_authorized_for_key as the advertiser revokes and grants DSP 125', async () => {
    const { advertising_token: token } = (await advertiserToken({ email: 'buyer@example.com' })).json;
    expect(await pixel(token, 'shared')).to.include({ decrypted: true, status: 'success', siteId: 124 });

    expect((await setShare(false)).status).to.equal(200);
    const revoked = await pixel(token, 'revoked');
    expect(revoked).to.include({ decrypted: false, status: 'not_authorized_for_key' });
    expect(revoked.fingerprint).to.equal(undefined);
    expect(revoked.siteId).to.equal(undefined);

    expect((await setShare(true)).status).to.equal(200);
    expect(await pixel(token, 'granted')).to.include({ decrypted: true, status: 'success', siteId: 124 });
  });

  async function sendSegment(customers: string[], segment = 'recent-buyers'): Promise<{ status: number; json: any; text: string }> {
    const response = await fetch(`${base}/advertiser/segment`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ segment, customers }) });
    const text = await response.text();
    return { status: response.status, json: JSON.parse(text), text };
  }

  it('uploads the advertiser\'s customers to the DSP as tokens: one row per customer, opt-outs not sent; revoked, the same batch is not_authorized_for_key row by row', async () => {
    const customers = ['alice@example.com', '+12025550123', 'optout@example.com', 'not an address', 'alice@example.com'];
    const shared = await sendSegment(customers);
    expect(shared.status).to.equal(200);
    expect(shared.json).to.deep.include({ status: 'success', segment: 'recent-buyers', customers: 5, sent: 3 });
    expect(shared.json.dsp).to.deep.include({ http_status: 200, status: 'success', counts: { success: 3 }, added: 2, members: 2 });
    const rows = shared.json.rows as Array<{ status: string; sent: boolean; site_id?: number; fingerprint?: string }>;
    expect(rows.map((row) => [row.status, row.sent])).to.deep.equal([
      ['success', true], ['success', true], ['optout', false], ['invalid identifier', false], ['success', true],
    ]);
    expect(rows[0]).to.include({ site_id: 124 });
    expect(rows[0]!.fingerprint).to.match(/^[0-9a-f]{6}$/).and.equal(rows[4]!.fingerprint).and.not.equal(rows[1]!.fingerprint);
    // never a raw UID2 (44 base64 characters) or a token (over 200) in what the page gets
    expect(shared.text).not.to.match(/[A-Za-z0-9+/=_-]{40,}/);

    expect((await setShare(false)).status).to.equal(200);
    try {
      const revoked = await sendSegment(customers);
      expect(revoked.json.rows.map((row: { status: string }) => row.status)).to.deep.equal(
        ['not_authorized_for_key', 'not_authorized_for_key', 'optout', 'invalid identifier', 'not_authorized_for_key']);
      expect(revoked.json.rows.every((row: object) => !('fingerprint' in row) && !('site_id' in row))).to.equal(true);
      expect(revoked.json.dsp).to.deep.include({ counts: { not_authorized_for_key: 3 }, added: 0, members: 2 });
    } finally {
      expect((await setShare(true)).status).to.equal(200);
    }
    expect((await sendSegment(customers)).json.dsp.counts).to.deep.equal({ success: 3 });
  });

  it('sends nothing to the DSP when no customer maps, and refuses a list that is not one', async () => {
    const none = await sendSegment(['optout@example.com']);
    expect(none.json).to.deep.include({ status: 'success', sent: 0 });
    expect(none.json.dsp).to.include({ http_status: 0 });
    for (const bad of [[], ['a@example.com', 5], Array(101).fill('a@example.com')]) {
      expect((await sendSegment(bad as string[])).status, JSON.stringify(bad).slice(0, 60)).to.equal(400);
    }
    expect((await sendSegment(['a@example.com'], '../admin')).status).to.equal(400);
    expect(demo.urls.dspSegments).to.equal(`${base}/dsp/v1/segments`);
  });

  it('answers 502, never 500, when its UID2 operator does not answer', async () => {
    const { server: placeholder, url: deadOperator } = await listen(() => {});
    await closeServer(placeholder);
    const backend = createAdvertiserBackend(
      { operatorUrl: deadOperator, apiKey: 'k', secret: Buffer.alloc(32).toString('base64') },
      { segmentsUrl: () => `${deadOperator}/dsp/v1/segments`, key: 'k' },
    );
    const { server, url } = await listen((req, res) => void backend.handle(req, res, '/advertiser/'));
    try {
      const post = (path: string, body: object) => fetch(`${url}/advertiser/${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      expect((await post('segment', { segment: 'x', customers: ['a@example.com'] })).status).to.equal(502);
      expect((await post('uid2-token', { email: 'a@example.com' })).status).to.equal(502);
    } finally {
      backend.close();
      await closeServer(server);
    }
  });

  it('forwards the operator\'s answers: the permission list, and 400 for a body it refuses', async () => {
    const list = await adminSharing(base);
    expect(list.status).to.equal(200);
    expect(list.json.body.senders.map((s: { sender_site_id: number }) => s.sender_site_id)).to.include.members([123, 124, 125, 126]);
    expect((await adminSharing(base, { sender_site_id: 124, allow: true })).status).to.equal(400);
    expect((await adminSharing(base, { sender_site_id: 124, receiver_site_id: 125, allow: true }, { 'Content-Type': 'text/plain' })).status).to.equal(400);
    expect(demo.urls.sharingAdmin).to.equal(`${base}/admin/sharing`);
  });
});
