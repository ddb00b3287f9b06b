// The identity object of /v2/token/generate, /v2/token/refresh and /v2/token/client-generate responses.

export interface Uid2Identity {
  advertising_token: string;
  /** 388-char wrapped refresh token, sent back as is to /v2/token/refresh */
  refresh_token: string;
  /** ms epoch */
  identity_expires: number;
  /** ms epoch: refresh after this */
  refresh_from: number;
  /** ms epoch: the refresh token is useless after this */
  refresh_expires: number;
  /** base64 AES-256 key that decrypts the next /v2/token/refresh response */
  refresh_response_key: string;
}

/** Status strings of the operator's JSON answers. */
export type Uid2ResponseStatus =
  | 'success'
  | 'optout'
  | 'client_error'
  | 'unauthorized'
  | 'invalid_token'
  | 'expired_token'
  | 'error'
  | 'invalid_client'
  | 'unknown'
  | 'insufficient_user_consent'
  | 'invalid_http_origin'
  | 'invalid_app_name';

/** Decrypted (or plain, for errors) JSON of generate, refresh and client-generate. */
export type Uid2TokenResponse =
  | { status: 'success'; body: Uid2Identity }
  | { status: 'optout' }
  | { status: Exclude<Uid2ResponseStatus, 'success' | 'optout'>; message?: string };

export function isUid2Identity(x: unknown): x is Uid2Identity {
  if (typeof x !== 'object' || x === null) return false;
  const o = x as Record<string, unknown>;
  return (
    typeof o.advertising_token === 'string' &&
    typeof o.refresh_token === 'string' &&
    typeof o.identity_expires === 'number' &&
    typeof o.refresh_from === 'number' &&
    typeof o.refresh_expires === 'number' &&
    typeof o.refresh_response_key === 'string'
  );
}
