// Browser side: where karma.conf.cjs started the local operator and mock SSP.
import type { LocalServerUrls } from './localServers.js';

declare global {
  interface Window { __karma__?: { config?: { localServers?: LocalServerUrls } } }
}

export function localServers(): LocalServerUrls {
  return window.__karma__?.config?.localServers ?? {};
}
