// Serves files read-only from fixed roots; used by the demo so a page and the bundle share one origin.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { NO_STORE, requestUrl, sendText } from '../http.js';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/** The request's path with %-escapes decoded; undefined for a malformed URL or escape (`/%ff` is no UTF-8). */
function decodedPath(req: IncomingMessage): string | undefined {
  const url = requestUrl(req);
  try {
    return url && decodeURIComponent(url.pathname);
  } catch {
    return undefined;
  }
}

/** Maps URL prefixes to directories, e.g. {'/build/': 'build/dist', '/': 'integrationExamples'}. */
export function staticFiles(mounts: Record<string, string>) {
  const ordered = Object.entries(mounts)
    .map(([prefix, dir]) => [prefix, path.resolve(dir)] as const)
    .sort(([a], [b]) => b.length - a.length);
  return async function serve(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const pathname = decodedPath(req);
    if (pathname === undefined) {
      sendText(res, 400, 'Bad Request: the path is not a valid percent-encoded URL path');
      return true;
    }
    const mount = ordered.find(([prefix]) => pathname.startsWith(prefix));
    if (!mount) return false;
    const [prefix, root] = mount;
    let file = path.resolve(root, '.' + pathname.slice(prefix.length - 1));
    if (!file.startsWith(root)) return false; // no escaping the mount with ../
    let info = await stat(file).catch(() => undefined);
    if (info?.isDirectory()) {
      file = path.join(file, 'index.html');
      info = await stat(file).catch(() => undefined);
    }
    if (!info?.isFile()) return false;
    res.writeHead(200, { 'Content-Type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream', ...NO_STORE });
    if (req.method === 'HEAD') res.end();
    // a file removed between the stat and the read (a rebuild) ends this answer, not the server
    else createReadStream(file).on('error', () => res.destroy()).pipe(res);
    return true;
  };
}
