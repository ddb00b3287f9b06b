// What the uid2 module keeps on the device and says when the page denies it: its disclosures (the list storageControl
// reads), the one error a denied key gets, and the userId storage type it follows. storageControl itself runs in
// the consumer check (test/delivery), which builds the publisher's bundle with it.
import { expect } from 'chai';
import { metadataRepository } from 'prebid.js/libraries/metadata/metadata.js';
// Prebid's storageControl, for its own decision on our metadata (reached through the src alias: the package exports
// only its side-effect entry point). Importing it registers its rule for every spec in the bundle: switched off at once.
import { checkDisclosure, deactivate, getDisclosures } from 'prebid.js/src/../modules/storageControl.js';
import { registerMetadata } from '../../metadata/registerMetadata.js';
import { uid2IdSubmodule } from '../../modules/uid2IdSystem.js';
import { deniedStorageAdvice, disclosureUrl, storageDisclosure } from '../../libraries/uid2Module/disclosures.js';
import { SSP, auctionEids, configure, freshPageEachTest, makeIdentity, nextPage, pbjs, readCookie, readStored, tokenIn } from '../helpers/uid2Module.browser.js';

const KEY = '__uid2_advertising_token';

deactivate();

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

  describe("storageControl's decision on prebid-uid2/metadata", () => {
    const repository = metadataRepository();
    registerMetadata('uid2', repository);
    registerMetadata('euid', repository);
    const disclosed = (name: 'uid2' | 'euid', storageType: string, storageKey: string) => checkDisclosure(
      { componentType: 'userId', componentName: name, component: `userId.${name}`, storageType, storageKey },
      (params: unknown) => getDisclosures(params, repository),
    ).disclosed;
    (['uid2', 'euid'] as const).forEach((name) => {
      const key = `__${name}_advertising_token`;
      const table: Array<[string, string, string, boolean]> = [
        ['the record in localStorage', 'html5', key, true],
        ['the record cookie', 'cookie', key, true],
        // claim.ts: <key>_refreshing_<page id>_<refresh token hash>, looked up by the prefix
        ['a claim cookie', 'cookie', `${key}_refreshing_k3j4h5_1234567890`, true],
        ['the claims looked up by prefix', 'cookie', `${key}_refreshing_`, true],
        ['a claim name in localStorage', 'html5', `${key}_refreshing_k3j4h5_1`, false],
        ["the publisher's cookie", 'cookie', `${name}_pub_cookie`, false],
      ];
      table.forEach(([what, type, storageKey, allowed]) => it(`${name}: ${what} (${type}) ${allowed ? 'allowed' : 'denied'}`, () => {
        expect(disclosed(name, type, storageKey)).to.equal(allowed);
      }));
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
      // the advice itself is deniedStorageAdvice's (above); this bundle holds storageControl, switched off
      expect(page.log.errors().filter((error) => error.includes(`storage of ${KEY}`))).to.have.length(1);
      expect(page.log.errors()[0]).to.match(new RegExp(`^UID2: storage of ${KEY} \\(localStorage\\) denied, so no token is kept between pages: `));
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

    it('says so when userSync.enforceStorageType denies the record where params.storage puts it', async () => {
      pbjs.setConfig({
        openrtbSsp: { endpoint: SSP },
        userSync: {
          enforceStorageType: true,
          syncEnabled: false,
          // with no auctionDelay the core holds getUserIdsAsync until syncDelay after the auction (3 s by default)
          auctionDelay: 0,
          syncDelay: 0,
          userIds: [{ name: 'uid2', params: { uid2Token: makeIdentity('A4-enforced'), storage: 'cookie' }, storage: { type: 'html5', name: '_uid2_core', expires: 1 } }],
        },
      } as any);
      expect(tokenIn(await auctionEids(page.network))).to.equal('A4-enforced');
      expect(readCookie(KEY)).to.equal(undefined);
      expect(page.log.errors().filter((error) => error.includes(`storage of ${KEY} (cookie) denied`))).to.have.length(1);
      ['_uid2_core', '_uid2_core_exp'].forEach((item) => localStorage.removeItem(item));
    });

    it('keeps params.storage when both are set', async () => {
      configure({ params: { uid2Token: makeIdentity('A4-params'), storage: 'localStorage' }, storage: { type: 'cookie', name: '_uid2_core', expires: 1 } });
      await auctionEids(page.network);
      expect(readStored().latestToken.advertising_token).to.equal('A4-params');
      document.cookie = '_uid2_core=; path=/; expires=Thu, 01 Jan 1970 00:00:01 GMT';
    });
  });
});
