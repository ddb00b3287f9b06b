import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { DEMO_PROFILE, LOCAL_LIFETIMES, LOCAL_OPERATOR_CONFIG, loadOperatorConfig, parseOperatorConfig, withDemoLifetimes } from '../../devstack/operator/config.js';

async function rawLocalConfig(): Promise<Record<string, any>> {
  return JSON.parse(await readFile(LOCAL_OPERATOR_CONFIG, 'utf8'));
}

describe('local operator: config', () => {
  it('ships a local config with the operator\'s defaults and public test data', async () => {
    const config = parseOperatorConfig(await rawLocalConfig());
    expect(config.lifetimes).to.deep.equal(LOCAL_LIFETIMES);
    expect(config.keys.map((k) => k.id)).to.deep.equal([101, 102, 103, 104]);
    expect(config.client_side_keypairs[0]).to.include({ subscription_id: '4WvryDGbR5', site_id: 123 });
    expect(config.sites.find((s) => s.id === 123)!.domain_names).to.deep.equal(['localhost', 'uidapi.com']);
    expect(config.clients.map((c) => [c.site_id, c.roles])).to.deep.equal([
      [123, ['GENERATOR']],
      [124, ['MAPPER', 'SHARER']],
      [125, ['ID_READER', 'SHARER']],
      [126, ['MAPPER', 'SHARER']],
      // the real operator's local all-roles key (clients.json "Special"), for SDK test suites
      [999, ['GENERATOR', 'MAPPER', 'ID_READER', 'SHARER']],
    ]);
  });

  it('ships sharing permissions: the publisher shares with all DSPs, the advertiser with DSP 125, the data provider with nobody', async () => {
    const config = parseOperatorConfig(await rawLocalConfig());
    const acl = (site: number) => {
      const { allowed_sites, allowed_types } = config.keysets.find((k) => k.site_id === site)!;
      return { allowed_sites, allowed_types };
    };
    expect(acl(123)).to.deep.equal({ allowed_sites: [], allowed_types: ['DSP'] });
    expect(acl(124)).to.deep.equal({ allowed_sites: [125], allowed_types: [] });
    expect(acl(126)).to.deep.equal({ allowed_sites: [], allowed_types: [] });
    // the operator's own keysets have no ACL: master keys go to everyone, refresh keys to no one
    expect(acl(-1)).to.deep.equal({ allowed_sites: null, allowed_types: [] });
  });

  it('reads a keyset with only allowed_types as one with an ACL, and de-duplicates grants', async () => {
    const raw = await rawLocalConfig();
    raw.keysets[6] = { keyset_id: 504, site_id: 126, name: 'x', allowed_types: ['dsp', 'DSP'] };
    raw.keysets[4] = { keyset_id: 502, site_id: 124, name: 'y', allowed_sites: [125, 125] };
    const config = parseOperatorConfig(raw);
    expect(config.keysets[6]).to.deep.include({ allowed_sites: [], allowed_types: ['DSP'] });
    expect(config.keysets[4]).to.deep.include({ allowed_sites: [125], allowed_types: [] });
  });

  it('fills absent lifetimes and rotation with the local defaults, and swaps in the demo profile on request', async () => {
    const { lifetimes, key_rotation, ...rest } = await rawLocalConfig();
    const config = parseOperatorConfig(rest);
    expect(config.lifetimes).to.deep.equal(LOCAL_LIFETIMES);
    expect(withDemoLifetimes(config)).to.deep.include(DEMO_PROFILE);
  });

  it('takes lifetimes given in part over the demo\'s, and keeps the file\'s key and salt rotation', async () => {
    const local = await loadOperatorConfig(LOCAL_OPERATOR_CONFIG, 'local');
    const partly = await loadOperatorConfig(LOCAL_OPERATOR_CONFIG, { refresh_identity_token_after_seconds: 3, identity_token_expires_after_seconds: 30 });
    expect(partly.lifetimes).to.deep.equal({ ...DEMO_PROFILE.lifetimes, refresh_identity_token_after_seconds: 3, identity_token_expires_after_seconds: 30 });
    // a test's reader keeps one raw UID2: no salt rotation every 2 minutes, no key rotation every minute
    expect(partly.salt_rotation).to.deep.equal(local.salt_rotation).and.not.deep.equal(DEMO_PROFILE.salt_rotation);
    expect(partly.key_rotation).to.deep.equal(local.key_rotation).and.not.deep.equal(DEMO_PROFILE.key_rotation);
    expect(await loadOperatorConfig(LOCAL_OPERATOR_CONFIG, 'demo')).to.deep.include(DEMO_PROFILE);
  });

  it('names the offending field of an unusable config', async () => {
    const raw = await rawLocalConfig();
    const broken: Array<[(c: Record<string, any>) => void, RegExp]> = [
      [(c) => (c.clients[0].secret = 'c2hvcnQ='), /clients\[0\]\.secret: expected 32 bytes/],
      [(c) => (c.clients[0].secret = 'not base64'), /clients\[0\]\.secret: expected base64/],
      [(c) => (c.clients[1].roles = ['ADMIN']), /clients\[1\]\.roles\[0\]: expected one of/],
      [(c) => (c.clients[0].site_id = 4242), /names unknown site 4242/],
      [(c) => (c.keysets = c.keysets.filter((k: { site_id: number }) => k.site_id !== -2)), /a keyset of site -2 is required/],
      [(c) => (c.keys[0].keyset_id = 42), /unknown keyset 42/],
      [(c) => (c.salts.rotating = []), /at least one salt/],
      [(c) => (c.lifetimes.refresh_identity_token_after_seconds = 7200), /refresh_from <= identity_expires <= refresh_expires/],
      [(c) => (c.key_rotation.key_expires_after_seconds = 3600), /must cover rotation_seconds plus the longest token lifetime/],
      [(c) => (c.opt_outs = [{ email: 'a@b.com', phone: '+12345678901' }]), /opt_outs\[0\]: expected exactly one/],
      [(c) => (c.identity_scope = 'ID5'), /identity_scope: expected UID2 or EUID/],
      [(c) => (c.keysets[4].allowed_sites = [125, 4242]), /keyset 502 allows unknown site 4242/],
      [(c) => (c.keysets[4].allowed_sites = ['125']), /keysets\[4\]\.allowed_sites\[0\]: expected an integer/],
      [(c) => (c.keysets[3].allowed_types = ['SSP']), /keysets\[3\]\.allowed_types\[0\]: expected one of PUBLISHER, ADVERTISER, DSP, DATA_PROVIDER/],
      [(c) => (c.keysets[0].allowed_sites = [125]), /keyset 1 is the operator's master keyset and takes no allowed_sites/],
      [(c) => (c.keysets[1].allowed_types = ['DSP']), /keyset 2 is the operator's refresh keyset/],
    ];
    for (const [breakIt, message] of broken) {
      const copy = structuredClone(raw);
      breakIt(copy);
      expect(() => parseOperatorConfig(copy, 'test.json'), String(message)).to.throw(message);
    }
  });
});
