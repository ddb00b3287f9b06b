// Property-based fuzzing of the servers' request parsers over HTTP: random bodies (any JSON, deep nesting,
// one-byte changes of valid tokens) to the operator's endpoints, the SSP's auction and the DSP's segment upload. Every answer is a 2xx or
// a 4xx, never a 5xx; the SSP's answer stays within a fixed multiple of its request. Run counts are in fuzz.ts.
import { expect } from 'chai';
import * as fc from 'fast-check';
import { fromBase64, toBase64 } from '../../libraries/uid2/crypto/base64.js';
import { createCstgRequest } from '../../libraries/uid2/client/cstg.js';
import { openResponseEnvelope, sealRequestEnvelope } from '../../libraries/uid2/receiver/envelope.js';
import { sealJsonText } from '../helpers/hostileProbes.js';
import { MAX_IMPS } from '../../devstack/ssp/limits.js';
import { LOCAL_CSTG } from '../helpers/protocolVectors.js';
import { clientNamed, post, startOperator, type RunningOperator } from '../helpers/operatorHarness.js';
import { auction, bidRequest, startSsp, type RunningSsp } from '../helpers/sspHarness.js';
import { randomRawUid, startDsp, upload, type RunningDsp } from '../helpers/dspHarness.js';
import { anyJson, checkAsync, deepJsonText, flipOneByte, HTTP_RUNS } from '../helpers/fuzzRuns.js';

/** The SSP's answer is at most this many times its request, plus ANSWER_SLACK_BYTES (its report, headers of a bid list). */
export const ANSWER_FACTOR = 40;
export const ANSWER_SLACK_BYTES = 4096;

const DII_KINDS = ['email', 'email_hash', 'phone', 'phone_hash'] as const;

/** Fields of a bid request the SSP reads, as paths below the request (imp[0] is the only imp). */
const FIELD_PATHS = ['cur', 'imp.0.bidfloorcur', 'imp.0.tagid', 'imp.0.banner.w', 'regs.ext.dsa.dsarequired', 'regs.ext.gpc', 'regs.gdpr', 'user.ext.eids.0.uids.0.atype', 'source.schain.complete', 'site.page'];

/** A valid request with the placeholder "@@value@@" at a dotted path (numbers index arrays). */
function withPlaceholderAt(at: string): Record<string, any> {
  const request = bidRequest({ imp: [{ id: '1', banner: { w: 300, h: 250 } }], user: { ext: { eids: [{ source: 'uidapi.com', uids: [{ id: 'A4AAAA' }] }] } } });
  const keys = at.split('.');
  const last = keys.pop()!;
  let node: any = request;
  for (const key of keys) node = node[key] ??= {};
  node[last] = '@@value@@';
  return request;
}

describe(`fuzz: servers over HTTP (${HTTP_RUNS} runs per property)`, function () {
  this.timeout(60_000);
  let op: RunningOperator;
  let ssp: RunningSsp;
  let dsp: RunningDsp;
  before(async () => {
    [op, ssp, dsp] = await Promise.all([startOperator(), startSsp(), startDsp()]);
  });
  after(() => Promise.all([op.close(), ssp.close(), dsp.close()]));

  const notServerError = (status: number, what: string) => expect(status, what).to.be.within(200, 499);

  it('operator /v2/token/refresh: random text and one-byte changes of a real refresh token → 2xx or 4xx', async () => {
    const publisher = clientNamed(op.config, 'local-publisher');
    const { envelope, nonce } = await sealRequestEnvelope(publisher.secret, { email: 'fuzz@example.com' }, { now: op.clock.now() });
    const generated = await post(`${op.url}/v2/token/generate`, envelope, { Authorization: `Bearer ${publisher.key}` });
    const { body } = (await openResponseEnvelope(publisher.secret, generated.text, nonce)) as { body: { refresh_token: string } };
    const bodies = fc.oneof(
      fc.string({ maxLength: 500 }),
      fc.string({ minLength: 388, maxLength: 388 }),
      flipOneByte(fromBase64(body.refresh_token)).map((bytes) => toBase64(bytes)),
    );
    await checkAsync(bodies, async (text) => {
      notServerError((await post(`${op.url}/v2/token/refresh`, text)).status, text);
    }, HTTP_RUNS);
  });

  it('operator /v2/token/client-generate: a valid body with any field replaced, deep nesting included → 2xx or 4xx', async () => {
    const { body } = await createCstgRequest({ serverPublicKey: LOCAL_CSTG.publicKey, subscriptionId: LOCAL_CSTG.subscriptionId, dii: { email_hash: 'tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ=' }, now: op.clock.now() });
    const field = fc.constantFrom('payload', 'iv', 'public_key', 'timestamp', 'app_name', 'subscription_id');
    const text = JSON.stringify(body);
    const bodies = fc.oneof(
      fc.tuple(field, anyJson).map(([name, value]) => text.replace(/}$/, `,"${name}":${JSON.stringify(value)}}`)),
      fc.tuple(field, deepJsonText).map(([name, deep]) => text.replace(/}$/, `,"${name}":${deep}}`)),
      anyJson.map((json) => JSON.stringify(json)),
    );
    await checkAsync(bodies, async (request) => {
      notServerError((await post(`${op.url}/v2/token/client-generate`, request, { Origin: 'http://localhost' })).status, request.slice(0, 200));
    }, HTTP_RUNS);
  });

  it('operator enveloped endpoints (identity/map, generate, validate): any JSON body → 2xx or 4xx', async () => {
    const advertiser = clientNamed(op.config, 'local-advertiser');
    const publisher = clientNamed(op.config, 'local-publisher');
    const endpoint = fc.constantFrom('/v2/identity/map', '/v2/token/generate', '/v2/token/validate');
    const field = fc.constantFrom(...DII_KINDS, 'token', 'policy');
    const calls = fc.oneof(
      fc.tuple(fc.constant('/v2/identity/map'), fc.constantFrom(...DII_KINDS).chain((kind) => fc.array(anyJson, { maxLength: 8 }).map((values) => JSON.stringify({ [kind]: values })))),
      fc.tuple(endpoint, fc.dictionary(field, anyJson).map((json) => JSON.stringify(json))),
      fc.tuple(endpoint, fc.tuple(field, deepJsonText).map(([name, deep]) => `{"${name}":["user@example.com",${deep}]}`)),
    );
    await checkAsync(calls, async ([path, jsonText]) => {
      const client = path === '/v2/identity/map' ? advertiser : publisher;
      const envelope = await sealJsonText(client.secret, jsonText, op.clock.now());
      notServerError((await post(`${op.url}${path}`, envelope, { Authorization: `Bearer ${client.key}` })).status, jsonText.slice(0, 200));
    }, HTTP_RUNS);
  });

  it('operator /admin/sharing: any JSON body → 2xx or 4xx', async () => {
    const bodies = fc.oneof(
      anyJson.map((json) => JSON.stringify(json)),
      fc.record({ sender_site_id: anyJson, receiver_site_id: anyJson, receiver_type: anyJson, allow: anyJson }, { requiredKeys: [] }).map((json) => JSON.stringify(json)),
      fc.tuple(fc.constantFrom('sender_site_id', 'receiver_site_id', 'receiver_type', 'allow'), deepJsonText).map(([name, deep]) =>
        JSON.stringify({ sender_site_id: 124, receiver_site_id: 125, allow: true }).replace(new RegExp(`"${name}":[^,}]*`), `"${name}":${deep}`).replace(/}$/, name === 'receiver_type' ? `,"receiver_type":${deep}}` : '}')),
    );
    await checkAsync(bodies, async (text) => {
      notServerError((await post(`${op.url}/admin/sharing`, text, { 'Content-Type': 'application/json' })).status, text);
    }, HTTP_RUNS);
  });

  it(`SSP /openrtb2/auction: any field of a valid request replaced, or up to ${MAX_IMPS} imps → 2xx or 4xx within ${ANSWER_FACTOR}× the request`, async () => {
    // the smallest imps of each format: the most answer per request byte (a VAST document for a few bytes of video)
    const media = fc.constantFrom(
      { banner: { w: 1, h: 1 } },
      { video: { mimes: ['a'] } },
      { native: { request: '{"assets":[{"id":1,"img":{}}]}' } },
    );
    const imp = fc.tuple(fc.string({ minLength: 1, maxLength: 60 }), media).map(([id, format]) => ({ id, ...format }));
    const requests = fc.oneof(
      fc.tuple(fc.constantFrom('id', 'cur', 'tmax', 'imp', 'site', 'regs', 'user', 'source', 'test'), anyJson).map(([key, value]) => JSON.stringify(bidRequest({ [key]: value }))),
      fc.tuple(fc.constantFrom('id', 'banner', 'video', 'native', 'bidfloor', 'bidfloorcur', 'tagid', 'pmp'), anyJson).map(([key, value]) => JSON.stringify(bidRequest({ imp: [{ id: '1', banner: { w: 300, h: 250 }, [key]: value }] }))),
      fc.tuple(fc.constantFrom(...FIELD_PATHS), deepJsonText).map(([at, deep]) => JSON.stringify(withPlaceholderAt(at)).replace('"@@value@@"', deep)),
      fc.uniqueArray(imp, { minLength: 1, maxLength: MAX_IMPS, selector: (i) => i.id }).map((imps) => JSON.stringify(bidRequest({ imp: imps, test: 1 }))),
      anyJson.map((json) => JSON.stringify(json)),
    );
    await checkAsync(requests, async (text) => {
      const answer = await auction(ssp, undefined, { raw: text });
      notServerError(answer.status, text.slice(0, 200));
      const requestBytes = Buffer.byteLength(text);
      expect(Buffer.byteLength(answer.text), `answer to ${requestBytes} bytes`).to.be.at.most(ANSWER_FACTOR * requestBytes + ANSWER_SLACK_BYTES);
    }, HTTP_RUNS);
  });

  it('DSP segment upload: any JSON, any field replaced, deep nesting, one-byte changes of a real token → 2xx or 4xx, one row per token', async () => {
    const [token] = await dsp.advertiserTokens([randomRawUid()]);
    const tokenBytes = fromBase64(token!);
    const tokens = fc.array(fc.oneof(
      fc.constant(token!),
      flipOneByte(tokenBytes).map((bytes) => toBase64(bytes)),
      fc.string({ maxLength: 300 }),
    ), { minLength: 1, maxLength: 20 });
    const bodies = fc.oneof(
      tokens.map((list) => JSON.stringify({ segment: 'fuzz', tokens: list })),
      fc.record({ segment: anyJson, tokens: anyJson }, { requiredKeys: [] }).map((json) => JSON.stringify(json)),
      fc.tuple(fc.constantFrom('segment', 'tokens'), deepJsonText).map(([name, deep]) =>
        JSON.stringify({ segment: 'fuzz', tokens: [token] }).replace(new RegExp(`"${name}":("[^"]*"|\\[[^\\]]*\\])`), `"${name}":${deep}`)),
      anyJson.map((json) => JSON.stringify(json)),
    );
    await checkAsync(bodies, async (text) => {
      const answer = await upload(dsp, text);
      notServerError(answer.status, text.slice(0, 200));
      if (answer.status === 200) expect(answer.json.rows).to.have.length(JSON.parse(text).tokens.length);
    }, HTTP_RUNS);
  });
});
