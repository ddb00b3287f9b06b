// The publisher's own server (the server-side route) over HTTP, against the local operator on a hand-driven
// clock: login → /v2/token/generate → identity cookie or session + config token in the page; opt-out; logout;
// https; hostile input (no 500, 400 naming the field, bounded bodies); no DII or token in logs or answers.
import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import http, { type Server } from 'node:http';
import https from 'node:https';
import { fileURLToPath } from 'node:url';
import { isUid2Identity, type Uid2Identity } from '../../libraries/uid2/client/uid2Identity.js';
import { sha256Base64 } from '../../libraries/uid2/client/normalize.js';
import { closeServer, listenServer } from '../../devstack/http.js';
import { callOperator, type OperatorClient } from '../../libraries/uid2/receiver/operatorClient.js';
import { createPublisherBackend, type PublisherBackendOptions } from '../../devstack/publisher/publisher.js';
import { startDemo } from '../../devstack/demo/start.js';
import { clientNamed, startOperator, type RunningOperator } from '../helpers/operatorHarness.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const FIXTURES = `${ROOT}test/demo/fixtures/`;
const PAGE_FILE = `${ROOT}integrationExamples/publisher-server.html`;
const BROWSER_OPERATOR = 'http://localhost:8877';
const EMAIL = 'Jane.Doe+news@gmail.com';

interface Answer { status: number; headers: Headers; setCookies: string[]; text: string; json: any }

async function request(url: string, init: RequestInit = {}): Promise<Answer> {
  const response = await fetch(url, init);
  const text = await response.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: response.status, headers: response.headers, setCookies: response.headers.getSetCookie(), text, json };
}

/** The value of cookie `name` in Set-Cookie headers, and its attributes. */
function setCookieNamed(setCookies: string[], name: string): { value: string; attributes: string[] } | undefined {
  const header = setCookies.find((c) => c.startsWith(`${name}=`));
  if (!header) return undefined;
  const [pair, ...attributes] = header.split('; ');
  return { value: pair!.slice(name.length + 1), attributes };
}

/** The userSync object the page's inline script passes to pbjs.setConfig. */
function renderedUserSync(html: string): any {
  const script = html.match(/<script id="uid2-server-config">([\s\S]*?)<\/script>/)![1]!;
  return JSON.parse(script.match(/setConfig\(\{"userSync": (.*)\}\); \}\);/)![1]!);
}

describe('publisher server (server-side route)', function () {
  this.timeout(20_000);
  let operator: RunningOperator;
  let publisherClient: OperatorClient;
  let server: Server;
  let base: string;
  let logs: string[];

  function backend(overrides: Partial<PublisherBackendOptions> = {}) {
    return createPublisherBackend({
      client: publisherClient, browserOperatorUrl: BROWSER_OPERATOR, pageFile: PAGE_FILE,
      pagePath: '/publisher-server.html', mount: '/publisher/', log: (line) => logs.push(line), ...overrides,
    });
  }
  async function serve(handle: ReturnType<typeof backend>['handle']): Promise<{ server: Server; base: string }> {
    const created = http.createServer(async (req, res) => {
      if (!(await handle(req, res))) res.writeHead(404).end();
    });
    return { server: created, base: `http://127.0.0.1:${await listenServer(created)}` };
  }

  before(async () => {
    operator = await startOperator();
    const client = clientNamed(operator.config, 'local-publisher');
    publisherClient = { operatorUrl: operator.url, apiKey: client.key, secret: client.secret, now: operator.clock.now };
    ({ server, base } = await serve(backend().handle));
  });
  after(async () => {
    await closeServer(server);
    await operator.close();
  });
  beforeEach(() => { logs = []; });

  const login = (body: unknown, headers: Record<string, string> = {}) => request(`${base}/publisher/login`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const page = (query = '', cookie?: string) => request(`${base}/publisher-server.html${query}`, cookie ? { headers: { Cookie: cookie } } : {});
  /** whether the publisher's token is the one the operator issues for `dii` (the publisher may ask: it is its token) */
  const tokenIsFor = async (token: string, dii: Record<string, string>) => callOperator(publisherClient, '/v2/token/validate', { token, ...dii });

  it('cookie: normalizes and hashes the email, generates, and sets the identity cookie Prebid reads', async () => {
    const answer = await login({ email: EMAIL });
    expect(answer.status).to.equal(200);
    expect(answer.json).to.include({ status: 'success', delivery: 'cookie' });
    expect(answer.json.operatorCall).to.include({ endpoint: '/v2/token/generate', sent: 'email_hash', httpStatus: 200, status: 'success' });

    const cookie = setCookieNamed(answer.setCookies, 'uid2_pub_cookie')!;
    const identity: Uid2Identity = JSON.parse(decodeURIComponent(cookie.value));
    expect(isUid2Identity(identity)).to.equal(true);
    // gmail rules applied on the server: the token is the normalized address's
    expect(await tokenIsFor(identity.advertising_token, { email: 'janedoe@gmail.com' })).to.equal(true);
    expect(await tokenIsFor(identity.advertising_token, { email: 'jane.doe@example.com' })).to.equal(false);

    expect(cookie.attributes).to.include.members(['Path=/', 'SameSite=Lax']);
    expect(cookie.attributes).not.to.include('Secure').and.not.to.include('HttpOnly');
    const maxAge = Number(cookie.attributes.find((a) => a.startsWith('Max-Age='))!.slice(8));
    const expires = Date.parse(cookie.attributes.find((a) => a.startsWith('Expires='))!.slice(8));
    expect(maxAge).to.be.above(0).and.at.most((identity.refresh_expires - operator.clock.now()) / 1000);
    expect(expires).to.be.at.most(identity.refresh_expires);
    // the session cookie of the other route is cleared
    expect(setCookieNamed(answer.setCookies, 'publisher_session')!.attributes).to.include('Max-Age=0');

    // neither the address, its hash nor the token comes back in the answer or goes to the log
    const hash = await sha256Base64('janedoe@gmail.com');
    for (const secret of [EMAIL, 'janedoe@gmail.com', hash, identity.advertising_token, identity.refresh_token]) {
      expect(answer.text).not.to.contain(secret);
      expect(logs.join('\n')).not.to.contain(secret);
    }
    expect(logs).to.deep.equal([`login (cookie): /v2/token/generate 200 success ${answer.json.operatorCall.ms}ms`]);
  });

  it('config: keeps the identity in a session and writes it into the page\'s pbjs.setConfig as uid2Token', async () => {
    const answer = await login({ phone: '+12025550123', delivery: 'config' });
    expect(answer.json).to.include({ status: 'success', delivery: 'config' });
    expect(answer.json.operatorCall).to.include({ sent: 'phone_hash' });
    expect(setCookieNamed(answer.setCookies, 'uid2_pub_cookie')!.attributes).to.include('Max-Age=0');
    const session = setCookieNamed(answer.setCookies, 'publisher_session')!;
    expect(session.value).to.match(/^[A-Za-z0-9_-]{32}$/);
    expect(session.attributes).to.include.members(['Path=/', 'HttpOnly', 'SameSite=Lax']);
    const cookie = `publisher_session=${session.value}`;

    const rendered = await page('?delivery=config', cookie);
    expect(rendered.status).to.equal(200);
    expect(rendered.headers.get('content-type')).to.equal('text/html; charset=utf-8');
    expect(rendered.headers.get('cache-control')).to.equal('no-store');
    const userSync = renderedUserSync(rendered.text);
    expect(userSync.userIds).to.have.length(1);
    const { params } = userSync.userIds[0];
    expect(params.uid2ApiBase).to.equal(BROWSER_OPERATOR);
    expect(isUid2Identity(params.uid2Token)).to.equal(true);
    expect(await tokenIsFor(params.uid2Token.advertising_token, { phone: '+12025550123' })).to.equal(true);

    // the same session on the cookie route, no session, a forged one: no token in the page
    expect(renderedUserSync((await page('', cookie)).text).userIds[0].params).to.deep.equal({ uid2ApiBase: BROWSER_OPERATOR, uid2Cookie: 'uid2_pub_cookie' });
    expect(renderedUserSync((await page('?delivery=config')).text).userIds[0].params).to.deep.equal({ uid2ApiBase: BROWSER_OPERATOR });
    const forged = `publisher_session=${'A'.repeat(32)}`;
    expect(renderedUserSync((await page('?delivery=config', forged)).text).userIds[0].params).not.to.have.property('uid2Token');

    // logout ends the session and clears both cookies
    const out = await request(`${base}/publisher/logout`, { method: 'POST', headers: { 'Content-Type': 'application/json', Cookie: cookie }, body: '{}' });
    expect(out.status).to.equal(200);
    for (const name of ['uid2_pub_cookie', 'publisher_session']) expect(setCookieNamed(out.setCookies, name)!.attributes).to.include('Max-Age=0');
    expect(renderedUserSync((await page('?delivery=config', cookie)).text).userIds[0].params).not.to.have.property('uid2Token');
  });

  it('the session ends when the refresh token does: the page then carries no token', async () => {
    const answer = await login({ email: 'reader@example.com', delivery: 'config' });
    const cookie = `publisher_session=${setCookieNamed(answer.setCookies, 'publisher_session')!.value}`;
    expect(renderedUserSync((await page('?delivery=config', cookie)).text).userIds[0].params).to.have.property('uid2Token');
    operator.clock.advance(answer.json.identity.refresh_expires - operator.clock.now());
    expect(renderedUserSync((await page('?delivery=config', cookie)).text).userIds[0].params).not.to.have.property('uid2Token');
  });

  it('opt-out: no cookie, no session, a clear message; a previous identity is cleared', async () => {
    for (const delivery of ['cookie', 'config']) {
      const answer = await login({ email: 'optout@example.com', delivery });
      expect(answer.status).to.equal(200);
      expect(answer.json).to.include({ status: 'optout', delivery });
      expect(answer.json.message).to.match(/opted out of UID2/);
      expect(answer.json.operatorCall).to.include({ status: 'optout', httpStatus: 200 });
      for (const name of ['uid2_pub_cookie', 'publisher_session']) expect(setCookieNamed(answer.setCookies, name)!.attributes).to.include('Max-Age=0');
      expect(answer.json).not.to.have.property('identity');
    }
    expect((await login({ phone: '+00000000000' })).json.status).to.equal('optout');
  });

  it('refuses bad bodies with 400 naming the field, and never repeats the value', async () => {
    const cases: Array<[unknown, string]> = [
      ['not json', 'body'],
      ['[]', 'body'],
      ['null', 'body'],
      ['"reader@example.com"', 'body'],
      [{}, 'email'],
      [{ email: 'a@example.com', phone: '+12025550123' }, 'email'],
      [{ email: 42 }, 'email'],
      [{ email: ['a@example.com'] }, 'email'],
      [{ email: 'no-at-sign' }, 'email'],
      [{ email: 'two@at@example.com' }, 'email'],
      [{ phone: 12025550123 }, 'phone'],
      [{ phone: '12025550123' }, 'phone'],
      [{ phone: '+1 202 555 0123' }, 'phone'],
      [{ email: 'a@example.com', delivery: 'header' }, 'delivery'],
      [{ email: 'a@example.com', delivery: ['cookie'] }, 'delivery'],
      [{ email: 'a@example.com', delivery: '</script>' }, 'delivery'],
    ];
    for (const [body, field] of cases) {
      const answer = await login(body);
      expect(answer.status, JSON.stringify(body)).to.equal(400);
      expect(answer.json, JSON.stringify(body)).to.include({ status: 'client_error', field });
      expect(answer.text).not.to.contain('no-at-sign').and.not.to.contain('script');
      expect(answer.setCookies, 'no cookie changes on a refused body').to.deep.equal([]);
    }
    expect(logs, 'refused bodies reach neither the operator nor the log').to.deep.equal([]);
  });

  it('answers wrong methods, content types and sizes in proportion, never with 500', async () => {
    expect((await login({ email: 'a@example.com' }, { 'Content-Type': 'text/plain' })).status).to.equal(415);
    expect((await login({ email: 'a@example.com' }, { 'Content-Type': 'application/x-www-form-urlencoded' })).status).to.equal(415);
    expect((await login({ email: 'a@example.com' }, { 'Content-Type': 'application/json; charset=utf-8' })).status).to.equal(200);
    const formLogout = await request(`${base}/publisher/logout`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'a=1' });
    expect(formLogout.status, 'a cross-site form cannot log a reader out').to.equal(415);
    expect(formLogout.setCookies).to.deep.equal([]);
    const huge = await login(JSON.stringify({ email: 'a@example.com', pad: 'x'.repeat(1 << 20) }));
    expect(huge.status).to.equal(413);
    expect(huge.text.length).to.be.below(200);
    for (const path of ['/publisher/login', '/publisher/logout']) {
      const get = await request(`${base}${path}`);
      expect(get.status).to.equal(405);
      expect(get.headers.get('allow')).to.equal('POST');
    }
    // not the backend's: the demo server answers those
    expect((await request(`${base}/publisher/`)).status).to.equal(404);
    expect((await request(`${base}/publisher/login/x`, { method: 'POST' })).status).to.equal(404);
    expect((await request(`${base}/publisher-server.html`, { method: 'POST' })).status).to.equal(404);
    // hostile query strings and cookies: the page, in its default (cookie) form
    for (const query of ['?delivery=%3C/script%3E', '?delivery=config&delivery=cookie', '?%ZZ=1', `?x=${'y'.repeat(4000)}`]) {
      const answer = await page(query);
      expect(answer.status, query).to.equal(200);
      expect(answer.text).not.to.contain('</script>"');
    }
    for (const cookie of ['publisher_session', 'publisher_session=', '=;;;=', `publisher_session=${'x'.repeat(4000)}`, 'publisher_session=__proto__']) {
      expect((await page('?delivery=config', cookie)).status, cookie).to.equal(200);
    }
  });

  it('an operator that refuses or cannot be reached: 502 with what happened, no cookie', async () => {
    const wrongKey = await serve(backend({ client: { ...publisherClient, apiKey: 'UID2-C-L-999-nobody' } }).handle);
    const gone = await serve(backend({ client: { ...publisherClient, operatorUrl: 'http://127.0.0.1:9' } }).handle);
    try {
      const refused = await request(`${wrongKey.base}/publisher/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"email":"a@example.com"}' });
      expect(refused.status).to.equal(502);
      expect(refused.json.operatorCall).to.include({ status: 'refused', httpStatus: 401 });
      expect(setCookieNamed(refused.setCookies, 'uid2_pub_cookie')!.attributes).to.include('Max-Age=0');
      const unreachable = await request(`${gone.base}/publisher/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"email":"a@example.com"}' });
      expect(unreachable.status).to.equal(502);
      expect(unreachable.json.operatorCall).to.include({ status: 'failed' });
      expect(unreachable.json.operatorCall).not.to.have.property('httpStatus');
    } finally {
      await Promise.all([closeServer(wrongKey.server), closeServer(gone.server)]);
    }
  });

  it('over https the cookies are Secure', async () => {
    const [cert, key] = await Promise.all([readFile(`${FIXTURES}localhost-cert.pem`), readFile(`${FIXTURES}localhost-key.pem`)]);
    const { handle } = backend();
    const tlsServer = https.createServer({ cert, key }, (req, res) => void handle(req, res));
    const port = await listenServer(tlsServer);
    try {
      const setCookies = await new Promise<string[]>((resolve, reject) => {
        const req = https.request({ host: '127.0.0.1', port, servername: 'localhost', path: '/publisher/login', method: 'POST', ca: cert, headers: { 'Content-Type': 'application/json' } }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.headers['set-cookie'] ?? []));
        });
        req.on('error', reject);
        req.end(JSON.stringify({ email: 'reader@example.com' }));
      });
      expect(setCookieNamed(setCookies, 'uid2_pub_cookie')!.attributes).to.include.members(['Secure', 'SameSite=Lax', 'Path=/']);
      expect(setCookieNamed(setCookies, 'publisher_session')!.attributes).to.include('Secure');
    } finally {
      await closeServer(tlsServer);
    }
  });

  it('is part of the demo: the page and its routes on the demo server', async () => {
    const demoLogs: string[] = [];
    const demo = await startDemo({ port: 0, lifetimes: 'local', log: (line) => demoLogs.push(line) });
    try {
      expect(demo.urls.publisherServer).to.equal(`${new URL(demo.urls.demo).origin}/publisher-server.html`);
      const rendered = await request(demo.urls.publisherServer);
      expect(renderedUserSync(rendered.text).userIds[0].params).to.deep.equal({ uid2ApiBase: demo.urls.operator, uid2Cookie: 'uid2_pub_cookie' });
      const answer = await request(`${new URL(demo.urls.demo).origin}/publisher/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email: EMAIL }) });
      expect(answer.json).to.include({ status: 'success' });
      const token = JSON.parse(decodeURIComponent(setCookieNamed(answer.setCookies, 'uid2_pub_cookie')!.value)).advertising_token;
      expect(demoLogs.some((line) => line.startsWith('[publisher] login (cookie)'))).to.equal(true);
      expect(demoLogs.join('\n')).not.to.contain(EMAIL).and.not.to.contain(token);
    } finally {
      await demo.close();
    }
  });
});
