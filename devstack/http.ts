// Node http plumbing shared by the local operator, the mock SSP, the pixel receiver and the demo server:
// bounded body reading, plain responses, listening on a port and closing, and the loopback check of the
// local-only admin routes.
import http, { type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The operator's BodyHandler limit, also the SSP's */
const MAX_BODY_BYTES = 1 << 20;

/** Reads the whole body; undefined when it exceeds `limit` (the rest is drained, not buffered). */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > limit ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * JSON bodies only: another site's page cannot send one without a CORS preflight, which these servers never
 * grant, so it cannot make a server act behind its user's back (a form post or a simple fetch can't either).
 */
export function isJsonRequest(req: IncomingMessage): boolean {
  return /^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? '');
}

/** For answers that change from one request to the next (reports, logs, pixels): never from a cache. */
export const NO_STORE = { 'Cache-Control': 'no-store' };

/** The request target as a URL; undefined when it is none (`GET http://[ HTTP/1.1` parses as HTTP, not as a URL). */
export function requestUrl(req: IncomingMessage): URL | undefined {
  try {
    return new URL(req.url ?? '/', 'http://localhost');
  } catch {
    return undefined;
  }
}

/** The smallest transparent GIF: the body of pixels and image syncs. */
export const PIXEL_GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

export function sendJson(res: ServerResponse, status: number, json: unknown, headers: OutgoingHttpHeaders = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers }).end(JSON.stringify(json));
}

export function sendText(
  res: ServerResponse,
  status: number,
  text: string | Uint8Array,
  contentType = 'text/plain',
  headers: OutgoingHttpHeaders = {},
): void {
  res.writeHead(status, { 'Content-Type': contentType, ...headers }).end(text);
}

/** Text for HTML element content and quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * ms a client has to send a request's headers, and the whole request: every request these servers take is small and
 * local, and Node's own limits (60 s, 300 s) let a client that trickles bytes hold a connection for minutes.
 */
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;

/** Serves an existing server on host:port (port 0: an ephemeral port); resolves with the bound port. */
export function listenServer(server: Server, port = 0, host = '127.0.0.1'): Promise<number> {
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

/** Serves `handler` on host:port (port 0: an ephemeral port); resolves with the server and its base URL. */
export async function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  port = 0,
  host = '127.0.0.1',
): Promise<{ server: Server; url: string }> {
  const server = http.createServer(handler);
  const bound = await listenServer(server, port, host);
  return { server, url: `http://${host}:${bound}` };
}

/** Where a server bound to `host` is reached from this machine: one bound to every interface, on loopback. */
export function loopbackUrl(host: string, port: number): string {
  return `http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${port}`;
}

/** Listens on an ephemeral loopback port without keeping the process alive (specs, the bench); resolves with its base URL. */
export async function listenOnLoopback(server: Server): Promise<string> {
  const port = await listenServer(server);
  server.unref();
  return `http://127.0.0.1:${port}`;
}

/** Closes a server, open keep-alive connections included. */
export function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6 (what a dual-stack socket reports). */
function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4 === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/** Whether the request came from this machine: the only callers the local admin routes accept. */
export function isFromLoopback(req: IncomingMessage): boolean {
  return isLoopbackAddress(req.socket.remoteAddress);
}

/** The names a browser reaches a loopback server by, and no DNS answer can stand for. */
function isLoopbackName(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/**
 * `Host` names a loopback name (any port: a container's port may be mapped to another): a page of a DNS-rebinding
 * site sends its own host name, which no loopback name can stand for.
 */
export function hostIsLoopbackName(req: IncomingMessage): boolean {
  const host = req.headers.host;
  if (!host) return false;
  try {
    return isLoopbackName(new URL(`http://${host}`).hostname);
  } catch {
    return false;
  }
}

/** `Host` names this server by a loopback name and the port it accepted the connection on. */
function hostIsThisLoopbackServer(req: IncomingMessage): boolean {
  const host = req.headers.host;
  if (!host) return false;
  let url: URL;
  try {
    url = new URL(`http://${host}`);
  } catch {
    return false;
  }
  const port = url.port === '' ? 80 : Number(url.port);
  return url.host === host.toLowerCase() && isLoopbackName(url.hostname) && port === req.socket.localPort;
}

/**
 * Who may call the local admin routes: a peer on this machine that names this server by a loopback name (a
 * DNS-rebinding page sends its own host name in `Host`), and, when a browser sends an `Origin`, a page of this
 * very origin. Answers the reason for a refusal, or undefined.
 */
export function localAdminRefusal(req: IncomingMessage): string | undefined {
  if (!isFromLoopback(req)) return 'admin routes answer callers on this machine only';
  if (!hostIsThisLoopbackServer(req)) return 'admin routes answer requests addressed to localhost, 127.0.0.1 or [::1] and this port only';
  const origin = req.headers.origin;
  if (origin !== undefined && origin.toLowerCase() !== `http://${req.headers.host!.toLowerCase()}`) {
    return 'admin routes answer pages of their own origin only';
  }
  return undefined;
}

/**
 * A request value as a log line can carry it: as is when it is plain (letters, digits, `.,:/+_-`), else
 * JSON-quoted with control and line-breaking characters escaped, so that it cannot forge a line; bounded.
 */
export function logValue(value: string | null | undefined, maxLength = 120): string {
  if (value === null || value === undefined) return '-';
  const shown = value.length > maxLength ? `${value.slice(0, maxLength)}…` : value;
  if (/^[\w.,:/+-]+$/.test(shown)) return shown;
  return JSON.stringify(shown).replace(/[\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** What a catch-all logs of an unexpected error: its class, never its message (it may quote the request). */
/**
 * What a server does with an error its request handling throws that is no refusal: a bug. Its class and route are
 * logged, never its message or the body (they may hold DII or tokens); an answer already begun is cut off, else
 * `answer` sends the server's own 500.
 */
export function answerUnexpectedError(
  error: unknown,
  req: IncomingMessage,
  res: ServerResponse,
  route: string,
  log: (line: string) => void,
  answer: () => void,
): void {
  log(`${req.method} ${route} failed: ${errorClass(error)}`);
  if (res.headersSent) res.destroy();
  else answer();
}

export function errorClass(error: unknown): string {
  return error instanceof Error ? error.constructor.name : typeof error;
}
