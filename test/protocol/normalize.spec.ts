import { expect } from 'chai';
import {
  hashDii,
  isBase64Sha256,
  isValidPhone,
  normalizeDiiHash,
  normalizeEmail,
  pickDii,
  sha256Base64,
} from '../../libraries/uid2/client/normalize.js';

type EmailCase = [input: string, normalized: string, hash: string];

// non-ASCII capitals keep their case, as uid2-operator's InputUtil.normalizeEmailString leaves them (it lowercases
// 'A'-'Z' only): the hash is the one server-side generation gets for the same raw email
const NON_ASCII_EMAILS: EmailCase[] = [
  ['ÉLODIE@Example.COM', 'Élodie@example.com', 'qFm2koEJ/B5tVpEoHPyc1H2lgaGEMhGHzdzn472tqc0='],
  [' J.Ö.R.G.Müller+News@GMAIL.com', 'jÖrgmüller@gmail.com', 'F+JvdlNHrdBGGKJ9RMVc936iMJT8PMfSTbtww2qiyvk='],
  ['İPEK@Example.com', 'İpek@example.com', 'n6/HLay0fRNZnpnniO8HmOwRRDH9esRbGneprc7Y3do='],
  ['ǅEMAL@ÉXAMPLE.FR', 'ǅemal@Éxample.fr', 'KMkDwuJEMxXpYT7b6Tp7Je9BVK/8HrFMxjje6uwHOms='],
];

const EMAILS: EmailCase[] = [
  ['user@example.com', 'user@example.com', 'tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ='],
  ['JaneSaoirse+Work@example.com', 'janesaoirse+work@example.com', 'KKruSBUjDNO069iMUVImVQZm6RrAGZKeOtrD9mwogYA='],
  ['JANE.SAOIRSE@gmail.com', 'janesaoirse@gmail.com', 'ku4mBX7Z3qJTXWyLFB1INzkyR2WZGW4ANSJUiW21iI8='],
  ['JaneSaoirse+Work@gmail.com', 'janesaoirse@gmail.com', 'ku4mBX7Z3qJTXWyLFB1INzkyR2WZGW4ANSJUiW21iI8='],
  [' TEst.TEst+123@GMail.Com ', 'testtest@gmail.com', 'LkLfFrut8Tc3h/fIvYDiBKSbaMiau/DtaLBPQYszdMw='],
  ['janedoe@gmail.com', 'janedoe@gmail.com', '1hFzBkhe0OUK+rOshx6Y+BaZFR8wKBUn1j/18jNlbGk='],
  ['   jane.doe+home@gmail.com   ', 'janedoe@gmail.com', '1hFzBkhe0OUK+rOshx6Y+BaZFR8wKBUn1j/18jNlbGk='],
  ['validate@example.com', 'validate@example.com', 'ntI244ZRTXwAwpki6/M5cyBYW7h/Wq576lnN3l9+W/c='],
  ...NON_ASCII_EMAILS,
];

const INVALID_EMAILS = ['', ' @', '@', 'a@', '@b', '@b.com', '+', ' ', '+@gmail.com', '.+@gmail.com', 'a@ba@z.com', 'jane doe@example.com'];

describe('uid2 normalization', () => {
  for (const [input, normalized, hash] of EMAILS) {
    it(`normalizes and hashes ${JSON.stringify(input)}`, async () => {
      expect(normalizeEmail(input)).to.equal(normalized);
      expect(await sha256Base64(normalized)).to.equal(hash);
      expect(await hashDii({ email: input })).to.deep.equal({ email_hash: hash });
    });
  }

  it('rejects the invalid emails of the SDK tests', () => {
    for (const email of INVALID_EMAILS) expect(normalizeEmail(email), JSON.stringify(email)).to.equal(undefined);
  });

  it('keeps dots and +tags outside gmail.com, googlemail.com included', () => {
    expect(normalizeEmail('Jane.Doe+ads@googlemail.com')).to.equal('jane.doe+ads@googlemail.com');
    expect(normalizeEmail('+@example.com')).to.equal('+@example.com');
  });

  it('lowercases A-Z only, like the operator: a non-ASCII capital is not the lowercase letter', async () => {
    expect(normalizeEmail('ÉLODIE@Example.COM')).to.equal('Élodie@example.com');
    // what toLowerCase() (Prebid's official module, the UID2 web SDK) would hash instead: another UID2
    expect(await sha256Base64('élodie@example.com')).to.equal('4/Mgy37fw/2iWClU4s2PZDZ+eyyif8Zw55sFIqZrZio=');
    expect(await hashDii({ email: 'ÉLODIE@Example.COM' })).to.not.deep.equal({ email_hash: '4/Mgy37fw/2iWClU4s2PZDZ+eyyif8Zw55sFIqZrZio=' });
  });

  it('accepts only E.164 phones and hashes them unchanged', async () => {
    expect(isValidPhone('+12345678901')).to.equal(true);
    expect(isValidPhone('+123456789012345')).to.equal(true);
    for (const bad of ['+123456789', '+1234567890123456', '+1234567890 ', '555-555-5555', '12345678901', '+1 2345678901']) {
      expect(isValidPhone(bad), bad).to.equal(false);
    }
    expect(await hashDii({ phone: '+12345678901' })).to.deep.equal({ phone_hash: 'EObwtHBUqDNZR33LNSMdtt5cafsYFuGmuY4ZLenlue4=' });
    expect(await hashDii({ phone: '+1 (234) 567-8901' })).to.equal(undefined);
  });

  it('recognizes canonical base64 SHA-256 values only', () => {
    expect(isBase64Sha256('tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ=')).to.equal(true);
    expect(isBase64Sha256('tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ')).to.equal(false);
    expect(isBase64Sha256('tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRR=')).to.equal(false);
    expect(isBase64Sha256('b4c9a289323b21a01c3e940f150eb9b8c542587f1abfd8f0e1cc1ffc5e475514')).to.equal(false);
    expect(isBase64Sha256('tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf_F5HVRQ=')).to.equal(false);
  });

  it('accepts operator-style hashes as base64 or hex, answering base64', () => {
    const base64 = 'tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ=';
    expect(normalizeDiiHash(base64)).to.equal(base64);
    expect(normalizeDiiHash('b4c9a289323b21a01c3e940f150eb9b8c542587f1abfd8f0e1cc1ffc5e475514')).to.equal(base64);
    expect(normalizeDiiHash('B4C9A289323B21A01C3E940F150EB9B8C542587F1ABFD8F0E1CC1FFC5E475514')).to.equal(base64);
    expect(normalizeDiiHash('not a hash')).to.equal(undefined);
    expect(normalizeDiiHash('b4c9a289323b21a01c3e940f150eb9b8c542587f1abfd8f0e1cc1ffc5e47551')).to.equal(undefined);
  });

  it("hashes the first DII set in the module's order (emailHash, phoneHash, email, phone) and refuses none or an invalid one", async () => {
    const emailHash = 'tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ=';
    expect(await hashDii({ emailHash })).to.deep.equal({ email_hash: emailHash });
    expect(await hashDii({ phoneHash: emailHash })).to.deep.equal({ phone_hash: emailHash });
    expect(await hashDii({})).to.equal(undefined);
    expect(await hashDii({ email: 'user@example.com', phone: '+12345678901' })).to.deep.equal({ email_hash: emailHash });
    expect(await hashDii({ phone: '+12345678901', phoneHash: emailHash })).to.deep.equal({ phone_hash: emailHash });
    expect(await hashDii({ phone: '+12345678901', emailHash: 'not a hash' })).to.equal(undefined);
    expect(pickDii({ phone: '+12345678901', email: ' User@Example.com' })).to.deep.equal({ param: 'email', value: 'user@example.com' });
    expect(pickDii({ email: 'not an email' })).to.deep.equal({ param: 'email', value: undefined });
    expect(pickDii({})).to.equal(undefined);
    expect(await hashDii({ email: 'not an email' })).to.equal(undefined);
    expect(await hashDii({ emailHash: 'b4c9a289323b21a01c3e940f150eb9b8c542587f1abfd8f0e1cc1ffc5e475514' })).to.equal(undefined);
  });
});
