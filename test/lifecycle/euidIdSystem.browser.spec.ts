// The euid userId submodule (same lifecycle code as uid2) through the public pbjs API: TCF consent gating,
// its own params, storage key, operator host and eid source.
import { expect } from 'chai';
import { cyrb53Hash } from 'prebid.js/src/utils.js';
import { euidIdSubmodule } from '../../modules/euidIdSystem.js';
import { uid2IdSubmodule } from '../../modules/uid2IdSystem.js';
import type { FakeFetch } from '../helpers/fakeFetch.browser.js';
import {
  FakeOperator, OPTOUT, PUBLIC_KEY, SUBSCRIPTION_ID, captureLogs, clearCookie, configure, freshPage, leavePage, makeIdentity, nextPage, pbjs,
  readStored, refreshDone, runAuction, setCookie, settle, sleep, success,
} from '../helpers/uid2Module.browser.js';

const KEY = '__euid_advertising_token';
const EUID_BASE = 'https://prod.euid.eu';
const TC_STRING = 'CPhJRpMPhJRpMABAMBFRACBoALAAAEJAAIYgAKwAQAKgArABAAqAAA';
const CONSENTED = {
  gdprApplies: true,
  tcString: TC_STRING,
  purpose: { consents: { 1: true, 2: true, 3: true, 4: true, 7: true } },
  vendor: { consents: { 21: true } },
};

function consent(consentData: unknown) {
  pbjs.setConfig({ consentManagement: { gdpr: { cmpApi: 'static', consentData } } } as any);
}

/** configures euid, runs an auction (the consent modules read consent then) and waits for the module */
async function page(params: Record<string, unknown>) {
  configure({ name: 'euid', params, auctionDelay: 1000 });
  await runAuction();
  await settle();
}

describe('euid userId submodule', () => {
  let network: FakeFetch;
  let op: FakeOperator;
  let log: ReturnType<typeof captureLogs>;
  beforeEach(() => {
    network = freshPage(uid2IdSubmodule, euidIdSubmodule);
    op = new FakeOperator(network, EUID_BASE);
    log = captureLogs();
  });
  afterEach(async () => {
    await Promise.race([refreshDone(), sleep(1000)]);
    log.stop();
    leavePage(network, '__EUID_SERVER_COOKIE');
  });

  it('with TCF consent, uses params.euidToken: eid source euid.eu, its own storage key', async () => {
    consent(CONSENTED);
    const token = makeIdentity('E4-config');
    await page({ euidToken: token });
    expect(pbjs.getUserIds()).to.deep.equal({ euid: { id: 'E4-config' } });
    expect(pbjs.getUserIdsAsEids()).to.deep.equal([{ source: 'euid.eu', uids: [{ id: 'E4-config', atype: 3 }] }]);
    expect(readStored(KEY)).to.deep.equal({ originalToken: token, latestToken: token });
    expect(readStored('__uid2_advertising_token')).to.equal(null);
  });

  it('logs out with pbjs.disconnectEuid(): its record and the ID Prebid holds are gone, without a reload', async () => {
    consent(CONSENTED);
    await page({ euidToken: makeIdentity('E4-reader') });
    expect(pbjs.getUserIdsAsEids()).to.have.length(1);
    pbjs.disconnectEuid();
    expect(pbjs.getUserIdsAsEids()).to.deep.equal([]);
    expect(readStored(KEY)).to.equal(null);
  });

  it('reads the identity from the cookie named by params.euidCookie', async () => {
    consent(CONSENTED);
    setCookie('__EUID_SERVER_COOKIE', JSON.stringify(makeIdentity('E4-cookie')));
    await page({ euidCookie: '__EUID_SERVER_COOKIE' });
    expect(pbjs.getUserIds()).to.deep.equal({ euid: { id: 'E4-cookie' } });
  });

  it('refreshes through https://prod.euid.eu', async () => {
    consent(CONSENTED);
    const expired = makeIdentity('E4-expired', { expired: true });
    op.knows(expired).onRefresh(() => success(makeIdentity('E4-refreshed')));
    await page({ euidToken: expired });
    expect(pbjs.getUserIds()).to.deep.equal({ euid: { id: 'E4-refreshed' } });
    expect(op.refreshRequests()).to.have.length(1);
    expect(op.refreshRequests()[0]!.url).to.equal('https://prod.euid.eu/v2/token/refresh');
  });

  it('honours params.euidApiBase', async () => {
    consent(CONSENTED);
    const expired = makeIdentity('E4-expired', { expired: true });
    const integ = new FakeOperator(network, 'https://integ.euid.eu');
    integ.knows(expired).onRefresh(() => success(makeIdentity('E4-integ')));
    await page({ euidToken: expired, euidApiBase: 'https://integ.euid.eu' });
    expect(pbjs.getUserIds()).to.deep.equal({ euid: { id: 'E4-integ' } });
  });

  it('generates client-side through https://prod.euid.eu and remembers an opt-out', async () => {
    consent(CONSENTED);
    let sent: unknown;
    op.onCstg((dii) => { sent = dii; return success(makeIdentity('E4-generated')); });
    await page({ serverPublicKey: PUBLIC_KEY, subscriptionId: SUBSCRIPTION_ID, email: 'user@example.com' });
    expect(pbjs.getUserIds()).to.deep.equal({ euid: { id: 'E4-generated' } });
    expect(sent).to.deep.equal({ email_hash: 'tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ=' });

    op.onCstg(() => OPTOUT);
    nextPage();
    await page({ serverPublicKey: PUBLIC_KEY, subscriptionId: SUBSCRIPTION_ID, email: 'other@example.com' });
    expect(pbjs.getUserIds()).to.deep.equal({ euid: { optout: true } });
    expect(readStored(KEY).latestToken).to.equal('optout');
    expect(op.cstgRequests()).to.have.length(2);
  });

  it('does not run without consent to purpose 1 and vendor 21 (The Trade Desk)', async () => {
    consent({ gdprApplies: true, tcString: TC_STRING, purpose: { consents: { 1: true } }, vendor: { consents: {} } });
    await page({ euidToken: makeIdentity('E4-config') });
    expect(pbjs.getUserIds()).to.not.have.property('euid');
    expect(readStored(KEY)).to.equal(null);
    expect(network.requests.filter((r) => r.url.startsWith(EUID_BASE))).to.have.length(0);
  });

  it('does not run where GDPR does not apply', async () => {
    consent({ gdprApplies: false, tcString: TC_STRING });
    await page({ euidToken: makeIdentity('E4-config') });
    expect(pbjs.getUserIds()).to.not.have.property('euid');
    expect(log.warnings('EUID:').join()).to.contain('GDPR');
  });

  it('checks the consent itself (getId), whatever the consent modules in the bundle', () => {
    const config = { name: 'euid', params: { euidToken: makeIdentity('E4-config') } } as any;
    const withConsent = { gdpr: { gdprApplies: true, vendorData: { purpose: { consents: { 1: true } }, vendor: { consents: { 21: true } } } } };
    expect((euidIdSubmodule.getId(config, withConsent as any) as any)?.id?.latestToken?.advertising_token).to.equal('E4-config');
    expect(euidIdSubmodule.getId(config, { gdpr: { ...withConsent.gdpr, gdprApplies: false } } as any)).to.equal(undefined);
    expect(euidIdSubmodule.getId(config, {} as any)).to.equal(undefined);
    expect(euidIdSubmodule.getId(config, { gdpr: { gdprApplies: true, vendorData: { purpose: { consents: { 1: true } }, vendor: { consents: {} } } } } as any)).to.equal(undefined);
    expect(euidIdSubmodule.getId(config, { gdpr: { gdprApplies: true, vendorData: { purpose: { consents: {} }, vendor: { consents: { 21: true } } } } } as any)).to.equal(undefined);
    expect(euidIdSubmodule.gvlid).to.equal(21);
  });

  it('decodes what getId handed over to {euid: ...} like the official module, and nothing else', () => {
    const withConsent = { gdpr: { gdprApplies: true, vendorData: { purpose: { consents: { 1: true } }, vendor: { consents: { 21: true } } } } };
    const handedOver = (params: object) => (euidIdSubmodule.getId({ name: 'euid', params } as any, withConsent as any) as any).id;
    const token = makeIdentity('E4-x');
    expect(euidIdSubmodule.decode(handedOver({ euidToken: token }), {} as any)).to.deep.equal({ euid: { id: 'E4-x' } });
    expect(euidIdSubmodule.decode({ latestToken: makeIdentity('E4-core-copy') } as any, {} as any)).to.equal(undefined);
    localStorage.setItem('__euid_advertising_token', JSON.stringify({ originalToken: token, latestToken: 'optout', optoutUntil: Date.now() + 60_000 }));
    expect(euidIdSubmodule.decode(handedOver({}), {} as any)).to.deep.equal({ euid: { optout: true } });
    localStorage.setItem('__euid_advertising_token', 'E4-bare');
    expect(euidIdSubmodule.decode(handedOver({}), {} as any)).to.deep.equal({ euid: { id: 'E4-bare' } });
  });

  it('warns about invalid CSTG credentials and uses params.euidToken instead, as the official module does', async () => {
    consent(CONSENTED);
    await page({ euidToken: makeIdentity('E4-config'), serverPublicKey: 'EUID-X-L-not*base64', subscriptionId: SUBSCRIPTION_ID, email: 'user@example.com' });
    expect(pbjs.getUserIds()).to.deep.equal({ euid: { id: 'E4-config' } });
    expect(log.warnings('EUID:').join()).to.contain('invalid CSTG params.serverPublicKey');
    expect(op.cstgRequests()).to.have.length(0);
  });

  it('accepts an identity without refresh_response_key and refreshes it with a plain-JSON answer', async () => {
    consent(CONSENTED);
    const { refresh_response_key: _key, ...expired } = makeIdentity('E4-expired', { expired: true });
    const { refresh_response_key: _newKey, ...refreshed } = makeIdentity('E4-refreshed');
    network.respondWith(`${EUID_BASE}/v2/token/refresh`, () => new Response(JSON.stringify({ status: 'success', body: refreshed })));
    await page({ euidToken: expired });
    expect(pbjs.getUserIds()).to.deep.equal({ euid: { id: 'E4-refreshed' } });
  });

  it('claims its refresh in its own cookie: a uid2 claim on another token does not hold it, an euid claim does', async () => {
    consent(CONSENTED);
    const expired = makeIdentity('E4-expired', { expired: true });
    op.knows(expired).onRefresh(() => success(makeIdentity('E4-refreshed')));
    const claim = (key: string) => setCookie(`${key}_refreshing_othertab`, `othertab.${cyrb53Hash(expired.refresh_token)}.${Date.now() + 5000}.c`);
    claim('__uid2_advertising_token');
    claim(KEY);
    configure({ name: 'euid', params: { euidToken: expired }, auctionDelay: 1000 });
    void runAuction();
    await sleep(100);
    expect(op.refreshRequests()).to.have.length(0);
    clearCookie(`${KEY}_refreshing_othertab`);
    await settle();
    expect(pbjs.getUserIds()).to.deep.equal({ euid: { id: 'E4-refreshed' } });
    expect(op.refreshRequests()).to.have.length(1);
  });
});
