// The Local DSP's segment API on an ephemeral loopback port, beside the local operator (its hand-driven clock),
// and what its partner, the advertiser (site 124), sends it: tokens encrypted with the advertiser's sharing keys.
import { randomBytes } from 'node:crypto';
import { toBase64 } from '../../libraries/uid2/crypto/base64.js';
import { encryptRawUidIntoToken } from '../../libraries/uid2/receiver/sharing.js';
import { createDsp, type Dsp } from '../../devstack/receivers/dsp/dsp.js';
import { LOCAL_ADVERTISER_PARTNER } from '../../devstack/receivers/dsp/partners.js';
import { closeServer, listen, sendJson } from '../../devstack/http.js';
import { clientNamed, fetchKeys, startOperator, type RunningOperator } from './operatorHarness.js';

export const DSP_MOUNT = '/dsp/';

export interface RunningDsp {
  op: RunningOperator;
  dsp: Dsp;
  /** the segment endpoint */
  segmentsUrl: string;
  logs: string[];
  /** the advertiser's tokens of these raw UID2s, encrypted with its sharing keys at the operator's time */
  advertiserTokens(rawUids: readonly string[]): Promise<string[]>;
  /** grants or revokes the advertiser's permission for DSP 125 at the operator, and makes the DSP refetch its keys */
  shareWithDsp(allow: boolean): Promise<void>;
  close(): Promise<void>;
}

/** a random raw UID2 (32 bytes, base64), as /v2/identity/map answers them */
export const randomRawUid = (): string => toBase64(randomBytes(32));

export async function startDsp(): Promise<RunningDsp> {
  const op = await startOperator();
  const dspClient = clientNamed(op.config, 'local-dsp');
  const advertiser = clientNamed(op.config, 'local-advertiser');
  const logs: string[] = [];
  const dsp = createDsp({
    operatorUrl: op.url, apiKey: dspClient.key, secret: dspClient.secret, now: op.clock.now,
    partners: [LOCAL_ADVERTISER_PARTNER], log: (line) => logs.push(line),
  });
  const { server, url } = await listen((req, res) => {
    void dsp.handle(req, res, DSP_MOUNT).then((handled) => handled || sendJson(res, 404, { status: 'not_found' }));
  });
  return {
    op, dsp, logs,
    segmentsUrl: `${url}${DSP_MOUNT}v1/segments`,
    async advertiserTokens(rawUids) {
      const keys = await fetchKeys(op, '/v2/key/sharing', advertiser);
      return Promise.all(rawUids.map(async (rawUid) => {
        const result = await encryptRawUidIntoToken(rawUid, keys, { now: op.clock.now() });
        if (result.status !== 'success') throw new Error(`encrypt: ${result.status}`);
        return result.token;
      }));
    },
    async shareWithDsp(allow) {
      const response = await fetch(`${op.url}/admin/sharing`, {
        method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ sender_site_id: 124, receiver_site_id: 125, allow }),
      });
      if (response.status !== 200) throw new Error(`/admin/sharing: ${response.status}`);
      await dsp.refreshKeys();
    },
    async close() {
      dsp.close();
      await Promise.all([closeServer(server), op.close()]);
    },
  };
}

/** POSTs an upload as the advertiser does (its key unless `headers` say otherwise); the answer's status and JSON. */
export async function upload(
  dsp: RunningDsp, body: unknown, headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; json: any }> {
  const response = await fetch(dsp.segmentsUrl, {
    method: 'POST',
    headers: { Authorization: `Bearer ${LOCAL_ADVERTISER_PARTNER.key}`, 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: text ? JSON.parse(text) : undefined };
}
