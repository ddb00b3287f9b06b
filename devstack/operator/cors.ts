// CORS like the operator's Vert.x CorsHandler (any origin reflected). The rest of the http plumbing is
// shared with the other local servers (../http.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';

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
