// Who may call the DSP's partner API: each partner (an advertiser, a data provider) holds an API key the DSP
// issued to it and sends it as a bearer credential over TLS, the way DSPs' data APIs and the UID2 operator itself
// authenticate callers. The DSP keeps only each key's SHA-256 and compares digests in constant time, so neither
// its memory nor the time an answer takes gives a key away.
//
// Why a bearer key and not an HMAC over the body: TLS already keeps the body whole and unseen on the way, and an
// upload replayed adds the same members to the same segment again (a set), so a per-request signature would
// protect nothing more here, while it would make every partner's client sign bodies byte for byte.
import { createHash, timingSafeEqual } from 'node:crypto';

export interface Partner {
  /** shown in logs and answers */
  name: string;
  /** the partner's UID2 site id: the site its own tokens name as their sender */
  siteId: number;
  /** the API key the DSP issued to the partner */
  key: string;
}

/** A partner as the DSP knows it once authenticated: never its key. */
export interface KnownPartner {
  name: string;
  siteId: number;
}

/**
 * The partner the demo's advertiser is at the Local DSP. A made-up local credential, like the operator's in
 * devstack/operator/local-config.json: never use it anywhere else.
 */
export const LOCAL_ADVERTISER_PARTNER: Partner = {
  name: 'Local advertiser',
  siteId: 124,
  key: 'DSP-P-124-LocalA.Kq8mZt3WvN5xR0pLc7Hy2Ej4',
};

/** a bearer credential: RFC 6750's token68 characters, bounded */
const BEARER = /^Bearer ([A-Za-z0-9\-._~+/]{1,256}=*)$/;

const digestOf = (key: string) => createHash('sha256').update(key).digest();

/** Returns the function that names the partner an `Authorization` header authenticates, or undefined. */
export function partnerAuthenticator(partners: readonly Partner[]): (authorization: string | undefined) => KnownPartner | undefined {
  const known = partners.map(({ name, siteId, key }) => ({ partner: { name, siteId }, digest: digestOf(key) }));
  return (authorization) => {
    const match = BEARER.exec(authorization ?? '');
    if (!match) return undefined;
    const digest = digestOf(match[1]!);
    return known.find((entry) => timingSafeEqual(entry.digest, digest))?.partner;
  };
}
