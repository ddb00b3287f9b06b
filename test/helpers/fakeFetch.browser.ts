/**
 * Replaces Prebid's network edge (the fetch behind `ajax`) with scripted responses, so browser specs can
 * see every request Prebid makes and answer it, the way sinon's fake server does for XHR.
 */
import sinon from 'sinon';
import { dep } from 'prebid.js/src/ajax.js';

export interface CapturedRequest {
  url: string;
  method: string;
  headers: Headers;
  body: string;
  /** the body as sent (a gzipped body is not text) */
  bytes: Uint8Array;
}

export type Responder = (request: CapturedRequest) => Response | Promise<Response>;

export interface FakeFetch {
  requests: CapturedRequest[];
  /** Answers requests whose URL contains `urlPart`; later routes win. */
  respondWith(urlPart: string, responder: Responder): void;
  restore(): void;
}

export function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

export function textResponse(body: string, status = 200): Response {
  return new Response(body, { status, headers: { 'Content-Type': 'text/plain' } });
}

export function fakeFetch(): FakeFetch {
  const requests: CapturedRequest[] = [];
  const routes: Array<[string, Responder]> = [];
  const stub = sinon.stub(dep, 'fetch').callsFake(async (resource: RequestInfo, init?: RequestInit) => {
    const request = new Request(resource, init);
    const bytes = new Uint8Array(await request.arrayBuffer());
    const captured = { url: request.url, method: request.method, headers: request.headers, body: new TextDecoder().decode(bytes), bytes };
    requests.push(captured);
    const route = [...routes].reverse().find(([urlPart]) => captured.url.includes(urlPart));
    if (!route) throw new TypeError(`Failed to fetch: no fake route for ${captured.url}`);
    return route[1](captured);
  });
  return {
    requests,
    respondWith: (urlPart, responder) => { routes.push([urlPart, responder]); },
    restore: () => stub.restore(),
  };
}

/** A request's JSON body as the server reads it: gunzipped when Prebid gzipped it (`?gzip=1`). */
export async function jsonBody(request: CapturedRequest): Promise<any> {
  if (new URL(request.url).searchParams.get('gzip') !== '1') return JSON.parse(request.body);
  const inflated = new Blob([request.bytes as BlobPart]).stream().pipeThrough(new DecompressionStream('gzip'));
  return JSON.parse(await new Response(inflated).text());
}
