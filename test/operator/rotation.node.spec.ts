// Key rotation and lifetimes under an injected clock: new keys are published ahead of activation, tokens
// switch to them, and old keys decrypt until they expire.
import { expect } from 'chai';
import { decryptAdvertisingToken, type DecryptedToken } from '../../libraries/uid2/receiver/advertisingToken.js';
import type { Uid2Identity } from '../../libraries/uid2/client/uid2Identity.js';
import { withDemoLifetimes } from '../../devstack/operator/config.js';
import { T0, callEnveloped, clientNamed, fetchKeys, localConfig, post, startOperator, type RunningOperator } from '../helpers/operatorHarness.js';

describe('local operator: key rotation (demo lifetimes: keys rotate every 60 s, live 900 s)', () => {
  let op: RunningOperator;
  beforeEach(async () => {
    op = await startOperator({ config: withDemoLifetimes(await localConfig()) });
  });
  afterEach(() => op.close());

  async function generate(): Promise<Uid2Identity> {
    const { json } = await callEnveloped(op, '/v2/token/generate', clientNamed(op.config, 'local-publisher'), { email: 'user@example.com' });
    return (json as { body: Uid2Identity }).body;
  }

  async function decrypt(token: string) {
    const keys = await fetchKeys(op, '/v2/key/sharing', clientNamed(op.config, 'local-dsp'));
    return decryptAdvertisingToken(token, keys, { now: op.clock.now() });
  }

  it('issues demo lifetimes', async () => {
    expect(await generate()).to.include({ identity_expires: T0 + 60_000, refresh_from: T0 + 15_000, refresh_expires: T0 + 300_000 });
  });

  it('uses the configured keys first, then rotated keys published a period ahead', async () => {
    const before = (await decrypt((await generate()).advertising_token)) as DecryptedToken;
    expect(before).to.include({ masterKeyId: 101, siteKeyId: 104 });

    const keys = await fetchKeys(op, '/v2/key/sharing', clientNamed(op.config, 'local-dsp'));
    const upcoming = [...keys.keys.values()].filter((key) => key.activates * 1000 > T0);
    expect(upcoming.map((key) => key.activates)).to.include(T0 / 1000 + 60);

    op.clock.advance(61_000);
    const after = (await decrypt((await generate()).advertising_token)) as DecryptedToken;
    expect(after.status).to.equal('success');
    expect(after.masterKeyId).to.not.equal(101);
    expect(after.siteKeyId).to.not.equal(104);
    expect(upcoming.map((key) => key.id)).to.include.members([after.masterKeyId, after.siteKeyId]);
  });

  it('keeps rotated keys decryptable until they expire, then drops them', async () => {
    op.clock.advance(61_000);
    const identity = await generate();
    const { masterKeyId } = (await decrypt(identity.advertising_token)) as DecryptedToken;

    op.clock.advance(600_000);
    const keys = await fetchKeys(op, '/v2/key/sharing', clientNamed(op.config, 'local-dsp'));
    expect(keys.keys.has(masterKeyId)).to.equal(true);

    op.clock.advance(400_000); // the key activated at T0+60 s expires at T0+960 s
    const later = await fetchKeys(op, '/v2/key/sharing', clientNamed(op.config, 'local-dsp'));
    expect(later.keys.has(masterKeyId)).to.equal(false);
    expect(await decryptAdvertisingToken(identity.advertising_token, later, { now: op.clock.now() })).to.deep.equal({
      status: 'not_authorized_for_master_key',
    });
  });

  it('refreshes across rotations until refresh_expires', async () => {
    const identity = await generate();
    op.clock.advance(200_000);
    const answer = await post(`${op.url}/v2/token/refresh`, identity.refresh_token);
    expect(answer.status).to.equal(200);
    op.clock.advance(100_001);
    expect((await post(`${op.url}/v2/token/refresh`, identity.refresh_token)).status).to.equal(400);
  });

  it('catches up after a long pause without keeping expired keys, and keeps issuing', async () => {
    op.clock.advance(10 * 24 * 3600_000);
    const keys = await fetchKeys(op, '/v2/key/sharing', clientNamed(op.config, 'local-dsp'));
    const now = op.clock.now() / 1000;
    expect([...keys.keys.values()].every((key) => key.expires > now)).to.equal(true);
    expect(keys.keys.size).to.be.below(200);
    const after = (await decrypt((await generate()).advertising_token)) as DecryptedToken;
    expect(after.status).to.equal('success');
  });
});
