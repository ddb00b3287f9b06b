import { expect } from 'chai';
import { isOriginAllowed, registrableDomain } from '../../devstack/operator/origin.js';

// cases of the operator's DomainNameCheckUtilTest
const ALLOWED = ['examplewebsite.com', 'e-wb.org', 'aussiedomain.id.au', 'localhost'];

describe('local operator: CSTG origin check', () => {
  it('reduces origins to their registrable domain', () => {
    expect(registrableDomain('https://abc.eXampleWebsIte.com:8080/blahh/a.html')).to.equal('examplewebsite.com');
    expect(registrableDomain('https://www.bbc.co.uk')).to.equal('bbc.co.uk');
    expect(registrableDomain('https://me.github.io')).to.equal('me.github.io');
    expect(registrableDomain('https://abc.locaLHost:8080/')).to.equal('localhost');
  });

  it('allows the operator test suite\'s good origins', () => {
    for (const origin of [
      'http://examplewebsite.com',
      'https://abc.examplewebsite.com:8080/',
      'https://abc.e-Wb.org:8080/',
      'http://aussiedomain.id.au',
      'https://aussiedomain.id.au/head.html',
      'http://localhost',
      'https://localhost:8080/',
      'https://abc.localhost:8080/blahh/a.html',
    ]) {
      expect(isOriginAllowed(origin, ALLOWED), origin).to.equal(true);
    }
  });

  it('refuses malformed URLs, other domains, IPs, bare suffixes and a missing Origin', () => {
    for (const origin of [
      'examplewebsite.com',
      'examplewebsite.com:999999',
      'abc:examplewebsite.com',
      '/:$2231examplewebsite.com',
      'http://boohoo.id.au',
      'https://456.blah12.com',
      'https://examplewebsite.com.evil.net',
      'http://127.0.0.1:8080',
      'http://[::1]:8080',
      'https://co.uk',
      'null',
      undefined,
    ]) {
      expect(isOriginAllowed(origin, [...ALLOWED, 'co.uk']), String(origin)).to.equal(false);
    }
  });
});
