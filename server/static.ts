// Serves files read-only from fixed roots; used by the demo so a page and the bundle share one origin.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/** Maps URL prefixes to directories, e.g. {'/build/': 'build/dist', '/': 'integrationExamples'}. */
export function staticFiles(mounts: Record<string, string>) {
  const ordered = Object.entries(mounts).sort(([a], [b]) => b.length - a.length);
  return async function serve(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    const mount = ordered.find(([prefix]) => pathname.startsWith(prefix));
    if (!mount) return false;
    const root = path.resolve(mount[1]);
    let file = path.resolve(root, '.' + pathname.slice(mount[0].length - 1));
    if (!file.startsWith(root)) return false; // no escaping the mount with ../
    const info = await stat(file).catch(() => undefined);
    if (info?.isDirectory()) file = path.join(file, 'index.html');
    const found = await stat(file).catch(() => undefined);
    if (!found?.isFile()) return false;
    res.writeHead(200, { 'Content-Type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream', 'Cache-Control': 'no-store' });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
    return true;
  };
}
