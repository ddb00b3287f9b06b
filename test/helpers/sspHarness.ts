// Runs the mock SSP on an ephemeral loopback port and talks to it the way Prebid.js does.
import type { Server } from 'node:http';
import { closeServer } from '../../devstack/http.js';
import { createSsp, type Ssp, type SspOptions, type SspReport } from '../../devstack/ssp/ssp.js';

export interface RunningSsp {
  url: string;
  ssp: Ssp;
  logs: string[];
  close(): Promise<void>;
}

export async function startSsp(options: SspOptions = {}): Promise<RunningSsp> {
  const logs: string[] = [];
  const ssp = createSsp({ log: (line) => logs.push(line), ...options });
  await ssp.ready;
  const { server, url } = await ssp.listen(0);
  return { url, ssp, logs, close: () => closeSsp(server, ssp) };
}

/** One SSP for the enclosing describe block; call the returned function inside tests. */
export function sharedSsp(options: SspOptions = {}): () => RunningSsp {
  let ssp: RunningSsp;
  before(async () => {
    ssp = await startSsp(options);
  });
  after(() => ssp.close());
  return () => ssp;
}

function closeSsp(server: Server, ssp: Ssp): Promise<void> {
  ssp.close();
  return closeServer(server);
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

async function answerOf(response: Response): Promise<Answer> {
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** POSTs like Prebid's ajax: text/plain (CORS-simple), credentials, an Origin. */
export async function auction(
  ssp: RunningSsp,
  body: unknown,
  opts: { query?: string; headers?: Record<string, string>; raw?: string | Uint8Array } = {},
): Promise<Answer> {
  const response = await fetch(`${ssp.url}/openrtb2/auction${opts.query ?? ''}`, {
    method: 'POST',
    headers: { 'Content-Type': 'text/plain', Origin: 'http://localhost:9876', ...opts.headers },
    body: (opts.raw ?? JSON.stringify(body)) as BodyInit,
  });
  return answerOf(response);
}

export async function get(ssp: RunningSsp, pathAndQuery: string, headers: Record<string, string> = {}): Promise<Answer> {
  return answerOf(await fetch(`${ssp.url}${pathAndQuery}`, { headers }));
}

/** The validation report of a 200 answer. */
export function reportOf(answer: Answer): SspReport {
  if (answer.status !== 200) throw new Error(`expected a 200 with a report, got ${answer.status} ${answer.text}`);
  return answer.json.ext.debug as SspReport;
}

/** A minimal valid OpenRTB request (one banner imp on a site), with `changes` merged at the top level. */
export function bidRequest(changes: Record<string, unknown> = {}): Record<string, any> {
  return {
    id: 'request-1',
    imp: [{ id: 'imp-1', tagid: 'placement-1', banner: { format: [{ w: 300, h: 250 }] } }],
    site: { page: 'http://localhost:9876/page.html', domain: 'localhost' },
    cur: ['USD'],
    tmax: 1000,
    ...changes,
  };
}

export const NATIVE_REQUEST = JSON.stringify({
  ver: '1.2',
  assets: [
    { id: 1, required: 1, title: { len: 80 } },
    { id: 2, required: 1, img: { type: 3, w: 300, h: 250 } },
    { id: 3, data: { type: 1 } },
  ],
});
