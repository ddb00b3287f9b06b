// The CSTG Origin check (operator DomainNameCheckUtil): the Origin's registrable domain (eTLD+1) must be
// one of the site's domain_names; localhost and *.localhost count as "localhost"; IP addresses never match.

/**
 * Multi-label public suffixes under which a registrable domain has three labels. A compact stand-in for
 * the Public Suffix List (Guava's, in the operator): the common ccTLD second levels and hosting suffixes.
 */
const MULTI_LABEL_SUFFIXES = new Set([
  'co.uk', 'org.uk', 'me.uk', 'ltd.uk', 'plc.uk', 'net.uk', 'ac.uk', 'gov.uk', 'sch.uk',
  'com.au', 'net.au', 'org.au', 'edu.au', 'gov.au', 'id.au', 'asn.au',
  'co.nz', 'net.nz', 'org.nz', 'govt.nz', 'ac.nz',
  'co.jp', 'ne.jp', 'or.jp', 'ac.jp', 'go.jp', 'co.kr', 'or.kr', 'ne.kr',
  'com.br', 'net.br', 'org.br', 'com.mx', 'com.ar', 'com.co', 'com.pe', 'com.tr', 'com.pl',
  'com.cn', 'net.cn', 'org.cn', 'com.hk', 'com.tw', 'com.sg', 'com.my', 'com.ph', 'com.vn',
  'co.in', 'net.in', 'org.in', 'co.id', 'co.th', 'co.za', 'co.il', 'com.ua', 'com.sa', 'com.eg',
  'github.io', 'gitlab.io', 'herokuapp.com', 'vercel.app', 'netlify.app', 'pages.dev', 'web.app',
  'firebaseapp.com', 'appspot.com', 'azurewebsites.net', 'cloudfront.net', 'blogspot.com',
]);

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const LABEL = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/** eTLD+1 of an Origin header value, or undefined when it has none (malformed, IP, bare TLD). */
export function registrableDomain(origin: string): string | undefined {
  let host: string;
  try {
    host = new URL(origin).hostname.toLowerCase();
  } catch {
    return undefined;
  }
  if (host === 'localhost' || host.endsWith('.localhost')) return 'localhost';
  if (host.startsWith('[') || IPV4.test(host)) return undefined;
  const labels = host.split('.');
  if (!labels.every((label) => LABEL.test(label))) return undefined;
  const suffixLabels = MULTI_LABEL_SUFFIXES.has(labels.slice(-2).join('.')) ? 2 : 1;
  if (labels.length <= suffixLabels) return undefined;
  return labels.slice(-(suffixLabels + 1)).join('.');
}

export function isOriginAllowed(origin: string | undefined, domainNames: readonly string[]): boolean {
  const domain = origin === undefined ? undefined : registrableDomain(origin);
  return domain !== undefined && domainNames.includes(domain);
}
