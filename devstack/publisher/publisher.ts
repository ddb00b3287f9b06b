/**
 * The publisher's own server in the demo (site 123 at the local operator, client `local-publisher`, GENERATOR):
 * the server-side route of UID2's publisher workflow. On login it normalizes and hashes the reader's email or
 * phone, calls POST /v2/token/generate in a v2 envelope, and hands the identity to the page, where Prebid's
 * UID2 module takes it over and refreshes it:
 *   - delivery "cookie": a first-party cookie (params.uid2Cookie);
 *   - delivery "config": kept in the reader's session and written into the page's pbjs.setConfig (params.uid2Token).
 * The DII stays on this server: it is not stored, logged or sent back.
 *
 *   POST <mount>login   {"email": …} | {"phone": …}, "delivery"?: "cookie" | "config"
 *                       → {status: "success" | "optout", message, delivery, operatorCall, identity?, cookie?}
 *                       | 400/413/415 {status: "client_error", field?, message} | 502 {status: "error", operatorCall, message}
 *   POST <mount>logout  {} → {status: "success"}; both cookies and the session are gone (both routes: JSON bodies only)
 *   GET  <page>?delivery=cookie|config   the page, with the UID2 config written in
 */
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { isUid2Identity, type Uid2Identity } from '../../libraries/uid2/client/uid2Identity.js';
import { isJsonRequest, NO_STORE, readBody, requestUrl, sendJson, sendText } from '../http.js';
import { callOperatorForAnswer, OperatorHttpError, type OperatorClient } from '../../libraries/uid2/receiver/operatorClient.js';
import { clearedCookie, identityCookie, IDENTITY_COOKIE, readCookie, SESSION_COOKIE, sessionCookie } from './cookies.js';
import { isFieldError, parseLoginRequest, type Delivery, type LoginRequest } from './loginRequest.js';
import { renderPage, uid2UserSync } from './pageConfig.js';
import { createSessionStore } from './sessions.js';

export interface PublisherBackendOptions {
  /** the publisher's operator credentials (GENERATOR) */
  client: OperatorClient;
  /** the operator's base URL as the reader's browser reaches it: where Prebid refreshes the token */
  browserOperatorUrl: string;
  /** the HTML file of the page, with the config marker */
  pageFile: string;
  /** the page's URL path, e.g. '/publisher-server.html' */
  pagePath: string;
  /** the login and logout routes' prefix, e.g. '/publisher/' */
  mount: string;
  /** one line per login (status and timing only) */
  log?: (line: string) => void;
}

export interface PublisherBackend {
  /** false when the request is not the backend's */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
}

const GENERATE_PATH = '/v2/token/generate';
/** a login body is a few dozen bytes */
const MAX_LOGIN_BODY_BYTES = 4096;

/** What the page may show of the server's call to the operator: never the DII, its hash or the token. */
export interface OperatorCall {
  endpoint: string;
  /** the field sent: email_hash or phone_hash */
  sent: string;
  /** HTTP status of the operator's answer; undefined when it could not be reached */
  httpStatus?: number;
  /** the answer's status: success, optout, … */
  status: string;
  ms: number;
}

/** Served over TLS by this very server; a proxy's X-Forwarded-Proto is a header anyone can send, so not trusted. */
function isHttps(req: IncomingMessage): boolean {
  return (req.socket as TLSSocket).encrypted === true;
}

export function createPublisherBackend(options: PublisherBackendOptions): PublisherBackend {
  const { client, browserOperatorUrl, pageFile, pagePath, mount } = options;
  const log = options.log ?? (() => {});
  const now = client.now ?? Date.now;
  const sessions = createSessionStore({ now });
  const sessionOf = (req: IncomingMessage) => readCookie(req.headers.cookie, SESSION_COOKIE);

  async function generate({ hashed }: LoginRequest): Promise<{ call: OperatorCall; identity?: Uid2Identity }> {
    const started = performance.now();
    const call = (status: string, httpStatus?: number): OperatorCall =>
      ({ endpoint: GENERATE_PATH, sent: Object.keys(hashed)[0]!, httpStatus, status, ms: Math.round(performance.now() - started) });
    try {
      const answer = await callOperatorForAnswer(client, GENERATE_PATH, hashed);
      if (answer.status === 'success' && !isUid2Identity(answer.body)) return { call: call('malformed_identity', 200) };
      return { call: call(answer.status, 200), identity: answer.status === 'success' ? answer.body as Uid2Identity : undefined };
    } catch (error) {
      return { call: error instanceof OperatorHttpError ? call('refused', error.httpStatus) : call('failed') };
    }
  }

  async function login(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req, MAX_LOGIN_BODY_BYTES);
    if (body === undefined) return sendJson(res, 413, { status: 'client_error', field: 'body', message: `larger than ${MAX_LOGIN_BODY_BYTES} bytes` });
    const request = await parseLoginRequest(body.toString('utf8'));
    if (isFieldError(request)) return sendJson(res, 400, { status: 'client_error', ...request });

    const { call, identity } = await generate(request);
    log(`login (${request.delivery}): ${GENERATE_PATH} ${call.httpStatus ?? '-'} ${call.status} ${call.ms}ms`);
    const secure = isHttps(req);
    // whatever happens, the reader's previous identity is gone: this login replaces it
    sessions.delete(sessionOf(req));
    const cleared = [clearedCookie(IDENTITY_COOKIE, secure), clearedCookie(SESSION_COOKIE, secure)];
    const { delivery } = request;
    if (call.status === 'optout') {
      return sendJson(res, 200, {
        status: 'optout', delivery, operatorCall: call,
        message: 'This user opted out of UID2: the operator issued no token, so no cookie or config token is set and bid requests carry no UID2.',
      }, { 'Set-Cookie': cleared, ...NO_STORE });
    }
    if (!identity) {
      return sendJson(res, 502, { status: 'error', operatorCall: call, message: `the UID2 operator's answer was ${call.status}: no token` },
        { 'Set-Cookie': cleared, ...NO_STORE });
    }
    const cookieOptions = { secure, now: now() };
    const setCookie = delivery === 'cookie'
      ? identityCookie(identity, cookieOptions)
      : sessionCookie(sessions.create(identity), identity.refresh_expires, cookieOptions);
    sendJson(res, 200, {
      status: 'success',
      delivery,
      operatorCall: call,
      message: delivery === 'cookie'
        ? `Token set in the first-party cookie ${IDENTITY_COOKIE}.`
        : 'Token kept in the session; the page gets it in its Prebid config.',
      // the lifetimes only: the token itself reaches the page through the cookie or the page's config
      identity: { identity_expires: identity.identity_expires, refresh_from: identity.refresh_from, refresh_expires: identity.refresh_expires },
      cookie: { name: delivery === 'cookie' ? IDENTITY_COOKIE : SESSION_COOKIE, attributes: setCookie.slice(setCookie.indexOf(';') + 2) },
    }, { 'Set-Cookie': [delivery === 'cookie' ? cleared[1]! : cleared[0]!, setCookie], ...NO_STORE });
  }

  function logout(req: IncomingMessage, res: ServerResponse): void {
    req.resume();
    sessions.delete(sessionOf(req));
    const secure = isHttps(req);
    sendJson(res, 200, { status: 'success' }, { 'Set-Cookie': [clearedCookie(IDENTITY_COOKIE, secure), clearedCookie(SESSION_COOKIE, secure)], ...NO_STORE });
  }

  async function page(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const html = await readFile(pageFile, 'utf8').catch(() => undefined);
    if (html === undefined) return false;
    // anything but "config" is the default: a page view never fails over its query string
    const delivery: Delivery = url.searchParams.get('delivery') === 'config' ? 'config' : 'cookie';
    const identity = delivery === 'config' ? sessions.get(sessionOf(req)) : undefined;
    sendText(res, 200, renderPage(html, uid2UserSync(delivery, browserOperatorUrl, identity)), 'text/html; charset=utf-8', NO_STORE);
    return true;
  }

  const routes = new Map<string, (req: IncomingMessage, res: ServerResponse) => void | Promise<void>>([
    [`${mount}login`, login],
    [`${mount}logout`, logout],
  ]);

  return {
    async handle(req, res) {
      const url = requestUrl(req);
      if (!url) return false;
      if (url.pathname === pagePath && (req.method === 'GET' || req.method === 'HEAD')) return page(req, res, url);
      const route = routes.get(url.pathname);
      if (!route) return false;
      if (req.method !== 'POST') {
        req.resume();
        sendJson(res, 405, { status: 'client_error', message: 'POST only' }, { Allow: 'POST' });
        return true;
      }
      if (!isJsonRequest(req)) {
        req.resume();
        sendJson(res, 415, { status: 'client_error', field: 'Content-Type', message: 'expected application/json' });
        return true;
      }
      try {
        await route(req, res);
      } catch {
        // the request broke off mid-body, or the like: nothing to tell the reader beyond this
        if (!res.headersSent) sendJson(res, 400, { status: 'client_error', message: 'request could not be read' });
        else res.end();
      }
      return true;
    },
  };
}
