// Node http plumbing for the operator: bounded body reading, plain responses, CORS like the operator's
// Vert.x CorsHandler (any origin reflected).
import http, { type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The operator's BodyHandler limit */
export const MAX_BODY_BYTES = 1 << 20;

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

export function sendJson(res: ServerResponse, status: number, json: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(json));
}

export function sendText(res: ServerResponse, status: number, text: string | Uint8Array, contentType = 'text/plain'): void {
  res.writeHead(status, { 'Content-Type': contentType }).end(text);
}

const CORS_ALLOWED_HEADERS = [
  'X-UID2-Client-Version',
  'Access-Control-Request-Method',
  'Access-Control-Allow-Credentials',
  'Access-Control-Allow-Origin',
  'Access-Control-Allow-Headers',
  'Content-Type',
];

/** Reflects the Origin; preflights also get the methods and headers (Authorization only where validate needs it). */
export function applyCors(req: IncomingMessage, res: ServerResponse, allowAuthorization: boolean): void {
  const origin = req.headers.origin;
  if (!origin) return;
  res.setHeader('Access-Control-Allow-Origin', origin);
  res.setHeader('Vary', 'Origin');
  if (req.method === 'OPTIONS') {
    res.setHeader('Access-Control-Allow-Methods', 'GET,POST,OPTIONS');
    res.setHeader('Access-Control-Allow-Headers', [...CORS_ALLOWED_HEADERS, ...(allowAuthorization ? ['Authorization'] : [])].join(','));
  }
}

/** Serves `handler` on host:port (port 0: an ephemeral port); resolves with the server and its base URL. */
export function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  port = 0,
  host = '127.0.0.1',
): Promise<{ server: Server; url: string }> {
  return new Promise((resolve, reject) => {
    const server = http.createServer(handler);
    server.once('error', reject);
    server.listen(port, host, () => {
      const { port: bound } = server.address() as AddressInfo;
      resolve({ server, url: `http://${host}:${bound}` });
    });
  });
}
