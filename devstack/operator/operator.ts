// The local UID2 operator as a Node request handler: routing, API-key auth, v2 envelopes, CORS, body
// limit, one log line per request (with the client version, from the `client` query parameter or the header), and the error answers of the real operator. Clock and randomness are
// injectable so specs can drive key rotation and token lifetimes.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { fromBase64 } from '../../libraries/uid2/crypto/base64.js';
import { randomBytes } from '../../libraries/uid2/crypto/bytes.js';
import { importServerPrivateKey } from './cstgServer.js';
import { openRequestEnvelope, sealResponseEnvelope } from '../../libraries/uid2/receiver/envelope.js';
import { Uid2OperatorError } from '../../libraries/uid2/receiver/operatorError.js';
import type { ClientConfig, OperatorConfig, Role } from './config.js';
import {
  changeSharingPermission,
  clientSideGenerate,
  generateToken,
  keyBidstream,
  keySharing,
  mapIdentities,
  refreshToken,
  sharingPermissions,
  validateToken,
  type EnvelopedRequest,
  type OperatorState,
  type Reply,
} from './endpoints.js';
import { answerUnexpectedError, listen, localAdminRefusal, readBody, requestUrl, sendJson, sendText } from '../http.js';
import { rotateSaltBuckets, saltBucketList } from './adminSalts.js';
import { applyCors } from './cors.js';
import { IdentityService } from './identities.js';
import { identityBuckets } from './identityBuckets.js';
import { mapIdentitiesV3 } from './identityMapV3.js';
import { KeyRing } from './keyRing.js';
import { SaltBuckets } from './saltBuckets.js';
import { SharingPermissions } from './sharing.js';
import { withUserConsent } from './userConsent.js';

export interface OperatorOptions {
  /** ms epoch clock (default Date.now) */
  now?: () => number;
  /** source of key material: generated keys' secrets and refresh_response_keys (IVs always come from WebCrypto) */
  random?: (length: number) => Uint8Array;
  /** receives one line per request: method, path, status, duration, client version; never DII or tokens */
  log?: (line: string) => void;
}

export interface Operator {
  /** for http.createServer(operator.handler) */
  handler: (req: IncomingMessage, res: ServerResponse) => void;
  /** serves on host:port (port 0: an ephemeral port); resolves with the server and its base URL */
  listen(port?: number, host?: string): Promise<{ server: Server; url: string }>;
  /** settles when keys are imported and opt-out lists hashed; rejects if the config cannot be used */
  ready: Promise<void>;
}

interface IncomingRequest {
  req: IncomingMessage;
  body: Buffer;
  now: number;
}

type Route = (state: OperatorState, request: IncomingRequest) => Promise<Reply>;

/**
 * The client version a request names, as UID2's web SDK 4.x sends it (the `client` query parameter, which costs no CORS
 * preflight) or as older clients do (the X-UID2-Client-Version header); logged with the request, trimmed to a safe
 * alphabet and length (it is attacker input).
 */
export function clientVersion(req: IncomingMessage, url: URL): string | undefined {
  const named = url.searchParams.get('client') ?? req.headers['x-uid2-client-version'];
  return typeof named === 'string' && named ? named.replace(/[^\w.+-]/g, '_').slice(0, 80) : undefined;
}

const UNAUTHORIZED = new Uid2OperatorError(401, 'unauthorized', '');
/** The local admin routes: the sharing permissions a sender sets in the UID2 Portal, changed while running. */
const ADMIN_PREFIX = '/admin/';

function findClient(state: OperatorState, req: IncomingMessage): ClientConfig | undefined {
  const match = /^bearer (.+)$/i.exec(req.headers.authorization ?? '');
  const client = match ? state.clientsByKey.get(match[1]!.trim()) : undefined;
  return client && !client.disabled ? client : undefined;
}

/** API key with one of `roles`, then the v2 envelope under the client's secret, both ways. */
function enveloped(roles: Role[], endpoint: (state: OperatorState, request: EnvelopedRequest) => Promise<unknown>): Route {
  return async (state, { req, body, now }) => {
    const client = findClient(state, req);
    if (!client || !client.roles.some((role) => roles.includes(role))) throw UNAUTHORIZED;
    const binary = (req.headers['content-type'] ?? '').startsWith('application/octet-stream');
    const opened = await openRequestEnvelope(client.secret, binary ? body : body.toString('utf8'), now, state.config.identity_scope);
    const answer = await endpoint(state, { client, json: opened.json ?? {}, now });
    const sealed = await sealResponseEnvelope(client.secret, answer, opened.nonce, { now });
    return binary
      ? { status: 200, contentType: 'application/octet-stream', body: fromBase64(sealed) }
      : { status: 200, contentType: 'text/plain', body: sealed };
  };
}

type Method = 'GET' | 'POST';

/** path → the route of each method it answers */
const ROUTES = new Map<string, Partial<Record<Method, Route>>>([
  ['/v2/token/generate', { POST: enveloped(['GENERATOR'], withUserConsent(generateToken)) }],
  ['/v2/token/validate', { POST: enveloped(['GENERATOR'], validateToken) }],
  ['/v2/identity/map', { POST: enveloped(['MAPPER'], mapIdentities) }],
  ['/v3/identity/map', { POST: enveloped(['MAPPER'], mapIdentitiesV3) }],
  ['/v2/identity/buckets', { POST: enveloped(['MAPPER'], identityBuckets) }],
  ['/v2/key/sharing', { POST: enveloped(['SHARER', 'ID_READER'], keySharing) }],
  ['/v2/key/bidstream', { POST: enveloped(['ID_READER'], keyBidstream) }],
  [
    '/v2/token/refresh',
    {
      POST: async (state, { req, body, now }) => {
        // authentication is optional here, but a wrong API key is still refused
        const client = findClient(state, req);
        if (req.headers.authorization !== undefined && !client) throw UNAUTHORIZED;
        return refreshToken(state, body.toString('utf8'), client, now);
      },
    },
  ],
  [
    '/v2/token/client-generate',
    { POST: (state, { req, body, now }) => clientSideGenerate(state, body.toString('utf8'), req.headers.origin, now) },
  ],
  [
    '/admin/sharing',
    {
      GET: async (state) => sharingPermissions(state),
      POST: async (state, { req, body }) => changeSharingPermission(state, req.headers['content-type'], body.toString('utf8')),
    },
  ],
  ['/admin/salts', { GET: async (state) => saltBucketList(state) }],
  [
    '/admin/salts/rotate',
    { POST: async (state, { req, body, now }) => rotateSaltBuckets(state, req.headers['content-type'], body.toString('utf8'), now) },
  ],
  ['/ops/healthcheck', { GET: async () => ({ status: 200, contentType: 'text/plain', body: 'OK' }) }],
]);

async function initState(config: OperatorConfig, random: (length: number) => Uint8Array, now: number): Promise<OperatorState> {
  const ring = new KeyRing(config.keysets, config.keys, config.key_rotation, random, now);
  const identities = new IdentityService(config, ring, new SaltBuckets(config.salts, config.salt_rotation, random, now), random);
  await identities.init();
  const cstgKeypairs = new Map(
    await Promise.all(
      config.client_side_keypairs.map(async (keypair) => [keypair.subscription_id, { keypair, privateKey: await importServerPrivateKey(keypair.private_key) }] as const),
    ),
  );
  const sites = new Map(config.sites.map((site) => [site.id, site]));
  return {
    config,
    ring,
    identities,
    sites,
    sharing: new SharingPermissions(config.keysets, sites),
    clientsByKey: new Map(config.clients.map((client) => [client.key, client])),
    cstgKeypairs,
  };
}

export function createOperator(config: OperatorConfig, options: OperatorOptions = {}): Operator {
  const now = options.now ?? Date.now;
  const random = options.random ?? randomBytes;
  const log = options.log ?? (() => {});
  const logFailure = options.log ?? ((line: string) => console.error(line));
  const state = initState(config, random, now());
  const ready = state.then(() => undefined);
  ready.catch(() => {}); // reported through `ready` and as 500s, never as an unhandled rejection

  async function serve(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const admin = path.startsWith(ADMIN_PREFIX);
    // admin routes answer no CORS, and only requests addressed to this loopback server (no DNS rebinding)
    if (!admin) applyCors(req, res, path === '/v2/token/validate');
    const refusal = admin ? localAdminRefusal(req) : undefined;
    if (refusal) {
      req.resume();
      throw new Uid2OperatorError(403, 'unauthorized', refusal);
    }
    if (req.method === 'OPTIONS') return void res.writeHead(204).end();
    const entry = ROUTES.get(path);
    const route = entry?.[req.method as Method];
    if (!route) req.resume(); // refused unread
    if (!entry) return sendText(res, 404, 'Not Found');
    if (!route) {
      res.setHeader('Allow', `${Object.keys(entry).join(', ')}, OPTIONS`);
      return sendText(res, 405, 'Method Not Allowed');
    }
    const body = await readBody(req);
    if (body === undefined) return sendText(res, 413, 'Request Entity Too Large');
    const current = await state;
    const requestTime = now();
    current.ring.advance(requestTime);
    current.identities.salts.advance(requestTime);
    const reply = await route(current, { req, body, now: requestTime });
    sendText(res, reply.status, reply.body, reply.contentType);
  }

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const started = performance.now();
    const url = requestUrl(req);
    if (!url) {
      req.resume();
      return sendText(res, 400, 'Bad Request');
    }
    const path = url.pathname;
    const client = clientVersion(req, url);
    res.on('finish', () => log(`${req.method} ${path} ${res.statusCode} ${(performance.now() - started).toFixed(1)}ms${client ? ` client ${client}` : ''}`));
    serve(req, res, path).catch((error: unknown) => {
      if (error instanceof Uid2OperatorError && error.httpStatus < 500) {
        if (res.headersSent) return void res.destroy();
        return sendJson(res, error.httpStatus, error);
      }
      answerUnexpectedError(error, req, res, path, logFailure, () =>
        error instanceof Uid2OperatorError ? sendJson(res, error.httpStatus, error) : sendJson(res, 500, { status: 'unknown' }));
    });
  };

  return {
    handler,
    ready,
    listen: (port, host) => listen(handler, port, host),
  };
}
