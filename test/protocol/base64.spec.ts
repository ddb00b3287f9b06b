import { expect } from 'chai';
import { fromBase64, toBase64, toBase64Url } from '../../libraries/uid2/crypto/base64.js';
import { hexBytes } from '../helpers/protocolVectors.js';

describe('uid2 base64', () => {
  it('encodes the SDKs\' base64url cases without padding', () => {
    expect(toBase64Url(hexBytes('ffe088ffee9999'))).to.equal('_-CI_-6ZmQ');
    expect(toBase64Url(hexBytes('ffe088ffee999999'))).to.equal('_-CI_-6ZmZk');
    expect(toBase64Url(hexBytes('ffe088ffee99'))).to.equal('_-CI_-6Z');
  });

  it('decodes the base64url cases back', () => {
    expect(fromBase64('_-CI_-6ZmQ')).to.deep.equal(hexBytes('ffe088ffee9999'));
    expect(fromBase64('_-CI_-6ZmZk')).to.deep.equal(hexBytes('ffe088ffee999999'));
    expect(fromBase64('_-CI_-6Z')).to.deep.equal(hexBytes('ffe088ffee99'));
  });

  it('encodes standard base64 with padding', () => {
    expect(toBase64(hexBytes('ffe088ffee9999'))).to.equal('/+CI/+6ZmQ==');
    expect(toBase64(hexBytes('ffe088ffee999999'))).to.equal('/+CI/+6ZmZk=');
    expect(toBase64(new Uint8Array(0))).to.equal('');
  });

  it('accepts the standard alphabet padded or not', () => {
    expect(fromBase64('/+CI/+6ZmQ==')).to.deep.equal(hexBytes('ffe088ffee9999'));
    expect(fromBase64('/+CI/+6ZmQ')).to.deep.equal(hexBytes('ffe088ffee9999'));
  });

  it('round-trips every length and byte value', () => {
    for (let length = 0; length < 40; length++) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 97 + length * 31) & 0xff);
      expect(fromBase64(toBase64(bytes))).to.deep.equal(bytes);
      expect(fromBase64(toBase64Url(bytes))).to.deep.equal(bytes);
    }
  });

  it('throws on characters outside both alphabets, misplaced padding and impossible lengths', () => {
    for (const bad of ['ab cd', 'ab\ncd', 'abc!', 'a=bc', 'abcde', 'QQ=', 'QQ===', 'é123']) {
      expect(() => fromBase64(bad), bad).to.throw();
    }
  });
});
