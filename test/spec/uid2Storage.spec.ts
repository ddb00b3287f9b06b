// What the uid2 module keeps on the device and says when the page denies it: its disclosures (the list storageControl
// reads), the one error a denied key gets, and the userId storage type it follows. storageControl itself runs in
// the consumer check (test/delivery), which builds the publisher's bundle with it.
import { expect } from 'chai';
import { uid2IdSubmodule } from '../../modules/uid2IdSystem.js';
import { deniedStorageAdvice, disclosureUrl, storageDisclosure } from '../../libraries/uid2Module/disclosures.js';
import { auctionEids, configure, freshPageEachTest, makeIdentity, nextPage, pbjs, readCookie, readStored } from './uid2TestHelpers.js';

const KEY = '__uid2_advertising_token';

describe('uid2 storage: disclosures and denied keys', () => {
  describe('storageDisclosure', () => {
    it('lists the record in localStorage and in a cookie, and the claim cookies by their prefix', () => {
      const listed = storageDisclosure('uid2').disclosures.map(({ type, identifier, maxAgeSeconds }) => [type, identifier, maxAgeSeconds]);
      expect(listed).to.deep.equal([
        ['web', KEY, undefined],
        ['cookie', KEY, 30 * 24 * 3600],
        ['cookie', `${KEY}_refreshing_*`, 10],
      ]);
      expect(storageDisclosure('euid').disclosures.map(({ identifier }) => identifier)).to.include('__euid_advertising_token');
    });

    it('is where the module spec says (disclosureURL)', () => {
      expect(uid2IdSubmodule.disclosureURL).to.equal(disclosureUrl('uid2'));
      expect(disclosureUrl('euid')).to.match(/^https:\/\/cdn\.jsdelivr\.net\/npm\/prebid-uid2\/.*\/euidIdSystem\.json$/);
    });
  });

  describe('deniedStorageAdvice', () => {
    const base = { name: 'uid2' as const, key: KEY, storageType: 'html5', storageControl: true };
    const table: Array<[string, Partial<Parameters<typeof deniedStorageAdvice>[0]>, RegExp]> = [
      ['storageControl, no metadata', { registeredUrl: undefined }, /import 'prebid-uid2\/metadata\/uid2IdSystem' beside 'prebid-uid2\/modules\/uid2IdSystem'/],
      ["storageControl, Prebid's metadata", { registeredUrl: null }, /prebid\.js\/metadata\/uid2IdSystem\?\) discloses no storage; import 'prebid-uid2\/metadata\/uid2IdSystem' in its place/],
      ["storageControl, ours, the publisher's cookie", { registeredUrl: disclosureUrl('uid2'), key: 'pub_cookie', storageType: 'cookie' }, /pub_cookie \(cookie\) denied.*publisher's own cookie/],
      ['storageControl, ours, the record', { registeredUrl: disclosureUrl('uid2') }, /consent or the page's activity controls/],
      ['no storageControl', { storageControl: false, registeredUrl: undefined }, /localStorage\) denied.*consent or the page's activity controls/],
    ];
    table.forEach(([setup, change, advice]) => it(setup, () => {
      expect(deniedStorageAdvice({ ...base, registeredUrl: undefined, ...change })).to.match(advice);
    }));
  });

  describe('in the bundle', () => {
    const page = freshPageEachTest(uid2IdSubmodule);

    it('says once per page, with logError, that the record key is denied, and still bids with the supplied token', async () => {
      // storage denied to every module, as storageControl denies an undisclosed key to one
      pbjs.setConfig({ deviceAccess: false });
      configure({ params: { uid2Token: makeIdentity('A4-denied') } });
      const eids = await auctionEids(page.network);
      expect(eids.find((eid) => eid.source === 'uidapi.com')?.uids[0].id).to.equal('A4-denied');
      nextPage();
      configure({ params: { uid2Token: makeIdentity('A4-denied') } });
      await auctionEids(page.network);
      expect(page.log.errors().filter((error) => error.includes(`storage of ${KEY}`))).to.deep.equal([
        `UID2: storage of ${KEY} (localStorage) denied, so no token is kept between pages: consent or the page's activity controls (deviceAccess, userSync.enforceStorageType) deny it`,
      ]);
      expect(localStorage.getItem(KEY)).to.equal(null);
    });

    it("keeps its record where the userId storage config says when params.storage is unset (userSync.enforceStorageType)", async () => {
      const token = makeIdentity('A4-core-cookie');
      configure({ params: { uid2Token: token }, storage: { type: 'cookie', name: '_uid2_core', expires: 1 } });
      await auctionEids(page.network);
      expect(JSON.parse(readCookie(KEY)!).latestToken.advertising_token).to.equal('A4-core-cookie');
      expect(localStorage.getItem(KEY)).to.equal(null);
      document.cookie = `${KEY}=; path=/; expires=Thu, 01 Jan 1970 00:00:01 GMT`;
      document.cookie = '_uid2_core=; path=/; expires=Thu, 01 Jan 1970 00:00:01 GMT';
    });

    it('keeps params.storage when both are set', async () => {
      configure({ params: { uid2Token: makeIdentity('A4-params'), storage: 'localStorage' }, storage: { type: 'cookie', name: '_uid2_core', expires: 1 } });
      await auctionEids(page.network);
      expect(readStored().latestToken.advertising_token).to.equal('A4-params');
      document.cookie = '_uid2_core=; path=/; expires=Thu, 01 Jan 1970 00:00:01 GMT';
    });
  });
});
