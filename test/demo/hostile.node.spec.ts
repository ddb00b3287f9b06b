// The demo server probed as an attacker would: malformed paths, the admin forwarding reached by other methods
// or by paths that normalize elsewhere, DNS-rebinding-shaped requests, and request targets that are no URL.
import { expect } from 'chai';
import { gzipSync } from 'node:zlib';
import { startDemo, type Demo } from '../../devstack/demo/start.js';
import { rawRequest } from '../helpers/hostileProbes.js';

describe('demo server: hostile input', function () {
  this.timeout(20_000);
  let demo: Demo;
  let base: string;
  let host: string;
  const logs: string[] = [];
  before(async () => {
    demo = await startDemo({ port: 0, lifetimes: 'local', log: (line) => logs.push(line) });
    base = new URL(demo.urls.demo).origin;
    host = new URL(base).host;
  });
  after(() => demo.close());

  it('answers 400 to a path whose %-escapes are not UTF-8, and to a target that is no URL', async () => {
    for (const target of ['/%ff', '/%E0%A4%A', '/build/%c0%af']) {
      const answer = await rawRequest(base, { target });
      expect(answer.status, target).to.equal(400);
    }
    expect((await rawRequest(base, { target: 'http://[' })).status).to.equal(400);
    expect((await fetch(`${base}/publisher.html`)).status).to.equal(200);
    expect(logs.join('\n')).not.to.match(/failed/);
  });

  it('forwards GET and POST /admin/sharing only: other methods get 405, never the operator', async () => {
    for (const method of ['TRACE', 'PUT', 'DELETE', 'PATCH']) {
      const answer = await rawRequest(base, { method, target: '/admin/sharing' });
      expect(answer.status, method).to.equal(405);
      expect(answer.headers.allow).to.equal('GET, POST');
    }
    expect((await rawRequest(base, { target: '/admin/sharing' })).status).to.equal(200);
  });

  it('forwards no other path: /admin/../ and its encodings never reach an operator route', async () => {
    const targets = ['/admin/../v2/token/refresh', '/admin/%2e%2e/v2/token/refresh', '/admin/..%2fv2/token/refresh', '/admin/./sharing', '/admin/sharing/', '/admin/ops/healthcheck', '/admin//sharing'];
    for (const target of targets) {
      for (const method of ['GET', 'POST']) {
        const answer = await rawRequest(base, { method, target, headers: { 'Content-Type': 'text/plain' }, body: method === 'POST' ? 'x' : undefined });
        expect(answer.status, `${method} ${target}`).to.equal(404);
        expect(answer.body, `${method} ${target}`).not.to.match(/"status"|OK/);
      }
    }
  });

  it('refuses DNS-rebinding-shaped admin requests: a foreign Host, another port, a foreign Origin', async () => {
    const change = JSON.stringify({ sender_site_id: 124, receiver_site_id: 125, allow: false });
    const port = Number(new URL(base).port);
    const refused: Array<Record<string, string>> = [
      { Host: `evil.example:${port}` },
      { Host: 'evil.example' },
      { Host: `localhost:${port + 1}` },
      { Host: host, Origin: 'http://evil.example' },
      { Host: host, Origin: `http://evil.example:${port}` },
      { Host: host, Origin: 'null' },
    ];
    for (const headers of refused) {
      const answer = await rawRequest(base, { method: 'POST', target: '/admin/sharing', headers: { 'Content-Type': 'application/json', ...headers }, body: change });
      expect(answer.status, JSON.stringify(headers)).to.equal(403);
      expect((await rawRequest(base, { target: '/admin/sharing', headers })).status, JSON.stringify(headers)).to.equal(403);
    }
    // the demo's own page (same origin) still can: the advertiser page's toggle
    const own = await rawRequest(base, { method: 'POST', target: '/admin/sharing', headers: { 'Content-Type': 'application/json', Host: host, Origin: base }, body: change });
    expect(own.status).to.equal(200);
    expect(JSON.parse(own.body)).to.have.property('status', 'success');
  });

  it('answers no request addressed to a host name of its own (DNS rebinding): pages, receivers and backends alike', async () => {
    const foreign = { Host: 'rebind.attacker.example' };
    for (const [method, target, body] of [['GET', '/publisher.html'], ['GET', '/receiver/hits'], ['POST', '/advertiser/uid2-token', '{"email":"victim@example.com"}'], ['POST', '/publisher/login', '{"email":"victim@example.com","delivery":"config"}']]) {
      const answer = await rawRequest(base, { method: method!, target: target!, headers: { 'Content-Type': 'application/json', ...foreign }, body });
      expect(answer.status, `${method} ${target}`).to.equal(403);
    }
    expect((await rawRequest(base, { target: '/receiver/hits', headers: { Host: host } })).headers['access-control-allow-origin']).to.equal(undefined);
  });

  it('takes the advertiser\'s token and segment requests as JSON only: another site\'s page cannot send them without a preflight', async () => {
    for (const target of ['/advertiser/uid2-token', '/advertiser/segment']) {
      const answer = await rawRequest(base, { method: 'POST', target, headers: { 'Content-Type': 'text/plain', Host: host }, body: '{"email":"victim@example.com"}' });
      expect(answer.status, target).to.equal(415);
    }
  });

  it('serves the ad frame from an origin of its own, with nothing else there, to the demo\'s own pages only', async () => {
    const config = await (await fetch(`${base}/demo-config.js`)).text();
    const creativeOrigin = /"creativeOrigin": "([^"]+)"/.exec(config)![1]!;
    expect(new URL(creativeOrigin).origin).to.not.equal(base);
    const frame = await fetch(`${creativeOrigin}/creative-frame.html`);
    expect(frame.status).to.equal(200);
    const port = new URL(base).port;
    expect(frame.headers.get('content-security-policy')).to.equal(`frame-ancestors http://localhost:${port} http://127.0.0.1:${port}`);
    expect((await fetch(`${creativeOrigin}/prebid/creative/crossDomain.js`)).status).to.equal(200);
    for (const target of ['/publisher.html', '/admin/sharing', '/receiver/hits', '/demo-config.js']) {
      expect((await fetch(`${creativeOrigin}${target}`)).status, target).to.equal(404);
    }
    expect((await fetch(`${creativeOrigin}/admin/sharing`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' })).status).to.equal(404);
  });

  it('answers oversize and compressed bodies with a 4xx: the admin forwarding and the advertiser\'s server', async () => {
    const json = { 'Content-Type': 'application/json', Origin: base };
    const oversize = await fetch(`${base}/admin/sharing`, { method: 'POST', headers: json, body: `{"sender_site_id":124,"pad":"${'x'.repeat(8192)}"}` });
    expect(oversize.status).to.equal(413);
    const gzipped = new Uint8Array(gzipSync(JSON.stringify({ email: 'user@example.com' })));
    for (const path of ['/admin/sharing', '/advertiser/uid2-token', '/advertiser/segment']) {
      const answer = await fetch(`${base}${path}`, { method: 'POST', headers: { ...json, 'Content-Encoding': 'gzip' }, body: gzipped });
      expect(answer.status, path).to.equal(400);
    }
    const deep = await fetch(`${base}/advertiser/uid2-token`, { method: 'POST', headers: json, body: `{"email":${'['.repeat(2000)}${']'.repeat(2000)}}` });
    expect(deep.status).to.equal(400);
    const deepCustomers = await fetch(`${base}/advertiser/segment`, { method: 'POST', headers: json, body: `{"segment":"x","customers":${'['.repeat(2000)}${']'.repeat(2000)}}` });
    expect(deepCustomers.status).to.equal(400);
    const oversizeList = await fetch(`${base}/advertiser/segment`, { method: 'POST', headers: json, body: JSON.stringify({ segment: 'x', customers: Array(100).fill(`${'a'.repeat(400)}@example.com`) }) });
    expect(oversizeList.status).to.equal(400);
    // a body another site's page could send without a preflight (text/plain, a form) makes no upload
    for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
      const simple = await fetch(`${base}/advertiser/segment`, { method: 'POST', headers: { 'Content-Type': type }, body: JSON.stringify({ segment: 'csrf', customers: ['a@example.com'] }) });
      expect(simple.status, type).to.equal(415);
    }
    expect(logs.join('\n')).not.to.match(/failed/);
  });

  it('serves the override allow-list in /demo-config.js: empty unless configured', async () => {
    const script = await (await fetch(`${base}/demo-config.js`)).text();
    expect(script).to.match(/"overrideOrigins": \[\]/);
    const configured = await startDemo({ port: 0, overrideOrigins: ['https://operator-integ.uidapi.com/any/path'] });
    try {
      const text = await (await fetch(`${new URL(configured.urls.demo).origin}/demo-config.js`)).text();
      expect(text).to.include('"https://operator-integ.uidapi.com"');
      expect(text).not.to.include('/any/path');
    } finally {
      await configured.close();
    }
  });
});
