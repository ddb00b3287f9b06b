import { expect } from 'chai';
import { decryptAdvertisingToken, type DecryptedToken } from '../../libraries/uid2/receiver/advertisingToken.js';
import { encryptRawUidIntoToken } from '../../libraries/uid2/receiver/sharing.js';
import { testContainer, testKey } from '../helpers/protocolExpectations.js';
import { CROSS_SDK_V4, LOCAL_KEYS } from '../helpers/protocolVectors.js';
import { forEachCryptoBackend } from '../helpers/cryptoBackends.js';

const NOW = 1_750_000_000_000;
const MASTER_KEYSET = 9999999;
const sharerKeys = testContainer(
  [
    testKey(101, LOCAL_KEYS.master.secret, { keysetId: MASTER_KEYSET }),
    testKey(104, LOCAL_KEYS.site123.secret, { keysetId: 501 }),
    // a newer key of the same keyset that is not active yet must not be used
    testKey(105, LOCAL_KEYS.fallbackPublisher.secret, { keysetId: 501, activates: NOW / 1000 + 60 }),
  ],
  { callerSiteId: 123, masterKeysetId: MASTER_KEYSET, defaultKeysetId: 501, tokenExpirySeconds: 600, maxSharingLifetimeSeconds: 610 },
);

forEachCryptoBackend('uid2 sharing', () => {
  it('encrypts a raw UID2 into a v4 token the receiver decrypts back', async () => {
    const result = await encryptRawUidIntoToken(CROSS_SDK_V4.rawUid, sharerKeys, { now: NOW });
    if (result.status !== 'success') throw new Error(result.status);
    expect(result.token.slice(0, 2)).to.equal('A4');
    const receiverKeys = testContainer([testKey(101, LOCAL_KEYS.master.secret), testKey(104, LOCAL_KEYS.site123.secret)], {
      maxSharingLifetimeSeconds: 610,
    });
    const decrypted = (await decryptAdvertisingToken(result.token, receiverKeys, { now: NOW + 1000, clientType: 'sharing' })) as DecryptedToken;
    expect(decrypted).to.deep.include({
      status: 'success',
      rawUid: CROSS_SDK_V4.rawUid,
      siteId: 123,
      identityType: 'email',
      privacyBits: 0,
      expires: NOW + 600_000,
      generated: NOW,
      established: NOW,
      masterKeyId: 101,
      siteKeyId: 104,
    });
  });

  it('leaves a receiver the sender did not allow with not_authorized_for_key and nothing of the UID2', async () => {
    const result = await encryptRawUidIntoToken(CROSS_SDK_V4.rawUid, sharerKeys, { now: NOW });
    if (result.status !== 'success') throw new Error(result.status);
    // the master keys and its own keyset, as /v2/key/sharing gives a receiver no sender granted anything
    const unpermitted = testContainer([testKey(101, LOCAL_KEYS.master.secret), testKey(103, LOCAL_KEYS.fallbackPublisher.secret)], {
      maxSharingLifetimeSeconds: 610,
    });
    const decrypted = await decryptAdvertisingToken(result.token, unpermitted, { now: NOW + 1000, clientType: 'sharing' });
    expect(decrypted).to.deep.equal({ status: 'not_authorized_for_key' });
  });

  it('marks v3 phone raw UIDs (B…/F…) as phone tokens', async () => {
    const result = await encryptRawUidIntoToken('BEOGxroPLdcY7LrSiwjY52+X05V0ryELpJmoWAyXiwbZ', sharerKeys, { now: NOW });
    expect(result.status === 'success' && result.token.slice(0, 2)).to.equal('B4');
  });

  it('reports what is missing to encrypt', async () => {
    const { defaultKeysetId, ...withoutDefault } = sharerKeys;
    const cases: Array<[string, Promise<{ status: string }>]> = [
      ['keys_not_synced', encryptRawUidIntoToken(CROSS_SDK_V4.rawUid, sharerKeys, { now: 4088629662_000 })],
      ['not_authorized_for_master_key', encryptRawUidIntoToken(CROSS_SDK_V4.rawUid, { ...sharerKeys, masterKeysetId: 1 }, { now: NOW })],
      ['not_authorized_for_key', encryptRawUidIntoToken(CROSS_SDK_V4.rawUid, withoutDefault, { now: NOW })],
      ['invalid_payload', encryptRawUidIntoToken('not a raw uid', sharerKeys, { now: NOW })],
      ['invalid_payload', encryptRawUidIntoToken('AAAA', sharerKeys, { now: NOW })],
    ];
    for (const [status, result] of cases) expect(await result, status).to.deep.equal({ status });
  });
});
