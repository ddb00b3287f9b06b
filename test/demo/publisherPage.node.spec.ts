// The publisher's server-side pieces that need no server: the config written into a <script> element, the
// cookies, and the bounded session store.
import { expect } from 'chai';
import type { Uid2Identity } from '../../libraries/uid2/client/uid2Identity.js';
import { clearedCookie, identityCookie, readCookie, sessionCookie } from '../../devstack/publisher/cookies.js';
import { CONFIG_MARKER, renderPage, scriptJson, uid2UserSync } from '../../devstack/publisher/pageConfig.js';
import { createSessionStore } from '../../devstack/publisher/sessions.js';

const NOW = Date.UTC(2030, 0, 1);

function identity(overrides: Partial<Uid2Identity> = {}): Uid2Identity {
  return {
    advertising_token: 'A4AAAA', refresh_token: 'AAAA', refresh_response_key: 'key',
    identity_expires: NOW + 3_600_000, refresh_from: NOW + 60_000, refresh_expires: NOW + 86_400_000 + 999, ...overrides,
  };
}

describe('publisher server: the page config, cookies and sessions', () => {
  it('writes JSON that cannot end the <script> element, open a comment or break a JS line', () => {
    const hostile = identity({ advertising_token: '</script><script>alert(1)</script><!--', refresh_token: 'a\u2028b\u2029c&$&$1' });
    const html = `<head>${CONFIG_MARKER}</head>`;
    const rendered = renderPage(html, uid2UserSync('config', 'http://localhost:8877', hostile));
    // one element, closed where the server closed it
    expect(rendered.match(/<\/script/gi)).to.have.length(1);
    expect(rendered).not.to.contain('<!--').and.not.to.contain('\u2028').and.not.to.contain('\u2029');
    expect(rendered.endsWith('</script></head>')).to.equal(true);
    // a "$&" in a value is the value, not String.replace's pattern
    const json = rendered.match(/setConfig\(\{"userSync": (.*)\}\); \}\);/)![1]!;
    expect(JSON.parse(json).userIds[0].params.uid2Token).to.deep.equal(hostile);
    expect(scriptJson('</SCRIPT>')).to.equal('"\\u003c/SCRIPT\\u003e"');
  });

  it('configures the module for the cookie, or with the session\'s token, and nothing else', () => {
    expect(uid2UserSync('cookie', 'http://op', identity()).userIds).to.deep.equal([{ name: 'uid2', params: { uid2ApiBase: 'http://op', uid2Cookie: 'uid2_pub_cookie' } }]);
    expect(uid2UserSync('config', 'http://op', undefined).userIds).to.deep.equal([{ name: 'uid2', params: { uid2ApiBase: 'http://op' } }]);
    expect(uid2UserSync('config', 'http://op', identity()).userIds[0]!.params).to.have.property('uid2Token');
  });

  it('sets the identity cookie until refresh_expires at the latest, Secure over https', () => {
    const id = identity();
    const plain = identityCookie(id, { secure: false, now: NOW });
    expect(plain).to.equal(`uid2_pub_cookie=${encodeURIComponent(JSON.stringify(id))}; Path=/; Expires=${new Date(NOW + 86_400_000).toUTCString()}; Max-Age=86400; SameSite=Lax`);
    expect(identityCookie(id, { secure: true, now: NOW }).endsWith('; SameSite=Lax; Secure')).to.equal(true);
    // a refresh token that is already dead: a cookie that is gone at once
    expect(identityCookie(identity({ refresh_expires: NOW - 1 }), { secure: false, now: NOW })).to.contain('Max-Age=0');
    expect(sessionCookie('abc', NOW + 1500, { secure: false, now: NOW })).to.equal(`publisher_session=abc; Path=/; Expires=${new Date(NOW + 1000).toUTCString()}; Max-Age=1; HttpOnly; SameSite=Lax`);
    expect(clearedCookie('uid2_pub_cookie', true)).to.equal('uid2_pub_cookie=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; SameSite=Lax; Secure');
  });

  it('reads one cookie out of a Cookie header, whatever else it holds', () => {
    expect(readCookie('a=1; publisher_session=xyz; b=2', 'publisher_session')).to.equal('xyz');
    expect(readCookie('xpublisher_session=1;publisher_session= v ', 'publisher_session')).to.equal('v');
    expect(readCookie(undefined, 'a')).to.equal(undefined);
    expect(readCookie('=;;;=a; a', 'a')).to.equal(undefined);
  });

  it('keeps sessions until refresh_expires, at most maxSessions of them, and only under their own ids', () => {
    let now = NOW;
    const store = createSessionStore({ maxSessions: 2, now: () => now });
    const first = store.create(identity({ advertising_token: 'first' }));
    const second = store.create(identity({ advertising_token: 'second', refresh_expires: NOW + 1000 }));
    expect(first).to.match(/^[A-Za-z0-9_-]{32}$/).and.not.equal(second);
    expect(store.get(first)?.advertising_token).to.equal('first');
    const third = store.create(identity({ advertising_token: 'third' }));
    expect(store.get(first), 'the oldest goes first').to.equal(undefined);
    expect(store.get(third)?.advertising_token).to.equal('third');
    now += 1000;
    expect(store.get(second), 'gone with its refresh token').to.equal(undefined);
    for (const bad of [undefined, '', '__proto__', 'constructor', `${third}x`, third.toUpperCase()]) {
      if (bad !== third) expect(store.get(bad)).to.equal(undefined);
    }
    store.delete(third);
    expect(store.get(third)).to.equal(undefined);
  });
});
