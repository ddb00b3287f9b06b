// Who may use the local admin routes (/admin/…): a caller on this machine by its address, that also addresses
// this machine by name. A DNS-rebinding page (evil.example resolving to 127.0.0.1) reaches the loopback socket,
// but its requests carry Host: evil.example and its own Origin, so checking both keeps it out.
import type { IncomingMessage } from 'node:http';
import { isFromLoopback } from '../http.js';

function isLoopbackHostname(hostname: string): boolean {
  return hostname === 'localhost' || hostname.endsWith('.localhost') || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/** The host name of a Host header or an Origin, lowercased; undefined when it is not one. */
function hostnameOf(url: string): string | undefined {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

export function isLocalAdminCaller(req: IncomingMessage): boolean {
  if (!isFromLoopback(req)) return false;
  const host = req.headers.host;
  const hostname = host === undefined ? undefined : hostnameOf(`http://${host}`);
  if (hostname === undefined || !isLoopbackHostname(hostname)) return false;
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  const originHostname = hostnameOf(origin);
  return originHostname !== undefined && isLoopbackHostname(originHostname);
}
