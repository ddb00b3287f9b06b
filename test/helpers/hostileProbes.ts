// What the hostile-input specs probe the servers with: HTTP requests exactly as written, which fetch cannot send
// (a chosen Host header, a path that is not normalized such as `/admin/../v2/…`, any method such as TRACE, a
// request target that is no URL at all), and values nested deeper than any recursion survives.
import net from 'node:net';
import { gcmEncrypt, importAesKey } from '../../libraries/uid2/crypto/aesGcm.js';
import { toBase64 } from '../../libraries/uid2/crypto/base64.js';
import { ByteWriter } from '../../libraries/uid2/crypto/byteLayout.js';
import { concatBytes, randomBytes, utf8 } from '../../libraries/uid2/crypto/bytes.js';

/** ~40 KB of arrays nested 20,000 deep: what String(), Number() or JSON.stringify cannot walk */
export const DEEP = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;

/** A v2 request envelope around JSON text as given (sealRequestEnvelope stringifies a value, which DEEP is not). */
export async function sealJsonText(secret: string, jsonText: string, now: number): Promise<string> {
  const header = new ByteWriter(16).i64(now).raw(randomBytes(8)).done();
  const blob = await gcmEncrypt(await importAesKey(secret), concatBytes(header, utf8(jsonText)));
  return toBase64(concatBytes(Uint8Array.of(1), blob));
}

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends one request over a fresh connection and reads the answer until the server closes it. */
export function rawRequest(
  baseUrl: string,
  opts: { method?: string; target: string; headers?: Record<string, string>; body?: string },
): Promise<RawAnswer> {
  const { hostname, port, host } = new URL(baseUrl);
  const body = opts.body ?? '';
  const headers: Record<string, string> = { Host: host, Connection: 'close', ...opts.headers };
  if (body || opts.method === 'POST') headers['Content-Length'] = String(Buffer.byteLength(body));
  const head = [`${opts.method ?? 'GET'} ${opts.target} HTTP/1.1`, ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`)].join('\r\n');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(Number(port), hostname, () => socket.write(`${head}\r\n\r\n${body}`));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [headText = '', ...rest] = text.split('\r\n\r\n');
      const [statusLine = '', ...headerLines] = headText.split('\r\n');
      const status = Number(statusLine.split(' ')[1]);
      const parsed = Object.fromEntries(headerLines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
      const raw = rest.join('\r\n\r\n');
      resolve({ status, headers: parsed, body: parsed['transfer-encoding'] === 'chunked' ? dechunked(raw) : raw });
    });
  });
}

/** The body of a chunked answer (sizes in hex, each chunk followed by CRLF, a zero-size chunk last). */
function dechunked(raw: string): string {
  let body = '';
  let at = 0;
  for (;;) {
    const lineEnd = raw.indexOf('\r\n', at);
    const size = parseInt(raw.slice(at, lineEnd), 16);
    if (!(size > 0)) return body;
    body += raw.slice(lineEnd + 2, lineEnd + 2 + size);
    at = lineEnd + 2 + size + 2;
  }
}
