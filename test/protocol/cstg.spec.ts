import { expect } from 'chai';
import { fromBase64, toBase64 } from '../../libraries/uid2/crypto/base64.js';
import { utf8 } from '../../libraries/uid2/crypto/bytes.js';
import { gcmEncrypt } from '../../libraries/uid2/crypto/aesGcm.js';
import {
  ECDH_P256,
  createCstgRequest,
  cstgAad,
  deriveCstgKey,
  openCstgResponse,
  parseServerPublicKey,
} from '../../libraries/uid2/client/cstg.js';
import { importServerPrivateKey, openCstgRequest, sealCstgResponse } from '../../devstack/operator/cstgServer.js';
import type { Uid2OperatorError } from '../../libraries/uid2/receiver/operatorError.js';
import { rejectionOf } from '../helpers/protocolExpectations.js';
import { LOCAL_CSTG } from '../helpers/protocolVectors.js';

const EMAIL_HASH = 'tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ=';
const NOW = 1724895414352;

async function request(dii: object = { email_hash: EMAIL_HASH }) {
  return createCstgRequest({ serverPublicKey: LOCAL_CSTG.publicKey, subscriptionId: LOCAL_CSTG.subscriptionId, dii: dii as never, now: NOW });
}

async function refusal(body: unknown): Promise<Uid2OperatorError> {
  const serverKey = await importServerPrivateKey(LOCAL_CSTG.privateKey);
  return (await rejectionOf(openCstgRequest(serverKey, body))) as Uid2OperatorError;
}

/** A request whose encrypted payload is `plaintext`, as a misbehaving client could send. */
async function requestWithPayload(plaintext: string) {
  const server = await crypto.subtle.importKey('spki', parseServerPublicKey(LOCAL_CSTG.publicKey)!.spki, ECDH_P256, false, []);
  const client = await crypto.subtle.generateKey(ECDH_P256, false, ['deriveKey']);
  const blob = await gcmEncrypt(await deriveCstgKey(server, client.privateKey), utf8(plaintext), { aad: cstgAad([NOW]) });
  return {
    payload: toBase64(blob.subarray(12)),
    iv: toBase64(blob.subarray(0, 12)),
    public_key: toBase64(new Uint8Array(await crypto.subtle.exportKey('spki', client.publicKey))),
    timestamp: NOW,
    subscription_id: LOCAL_CSTG.subscriptionId,
  };
}

describe('uid2 client-side token generation', () => {
  it('parses UID2 and EUID server public keys', () => {
    const parsed = parseServerPublicKey(LOCAL_CSTG.publicKey)!;
    expect(parsed.scope).to.equal('UID2');
    expect(parsed.spki).to.have.length(91);
    expect(toBase64(parsed.spki)).to.match(/^MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE/);
    expect(parseServerPublicKey(LOCAL_CSTG.publicKey.replace('UID2', 'EUID'))?.scope).to.equal('EUID');
  });

  it('refuses malformed server public keys', () => {
    for (const key of ['', 'UID2-X-L-', 'UID2-Y-L-MFkw', 'uid2-X-L-MFkw', 'UID2-X-l-MFkw', 'ID5-X-L-MFkw', 'UID2-X-L-not base64']) {
      expect(parseServerPublicKey(key), key).to.equal(undefined);
    }
  });

  it('round-trips with the operator\'s local test keypair', async () => {
    const { body, sharedKey } = await request();
    expect(body).to.include({ timestamp: NOW, subscription_id: LOCAL_CSTG.subscriptionId });
    expect(fromBase64(body.iv)).to.have.length(12);
    expect(fromBase64(body.public_key)).to.have.length(91);
    const serverKey = await importServerPrivateKey(LOCAL_CSTG.privateKey);
    const opened = await openCstgRequest(serverKey, JSON.parse(JSON.stringify(body)));
    expect(opened.dii).to.deep.equal({ email_hash: EMAIL_HASH });
    expect(opened.timestamp).to.equal(NOW);
    const answer = { status: 'optout' };
    expect(await openCstgResponse(sharedKey, await sealCstgResponse(opened.sharedKey, answer))).to.deep.equal(answer);
  });

  it('accepts a phone hash, and hex hashes as the operator does', async () => {
    const serverKey = await importServerPrivateKey(LOCAL_CSTG.privateKey);
    expect((await openCstgRequest(serverKey, (await request({ phone_hash: EMAIL_HASH })).body)).dii).to.deep.equal({ phone_hash: EMAIL_HASH });
    const hex = 'b4c9a289323b21a01c3e940f150eb9b8c542587f1abfd8f0e1cc1ffc5e475514';
    expect((await openCstgRequest(serverKey, (await request({ email_hash: hex })).body)).dii).to.deep.equal({ email_hash: EMAIL_HASH });
  });

  it('refuses to build a request for an invalid server key', async () => {
    const error = await rejectionOf(createCstgRequest({ serverPublicKey: 'nope', subscriptionId: 'x', dii: { email_hash: EMAIL_HASH } }));
    expect(error.message).to.match(/server public key/);
  });

  it('answers each broken request with the operator\'s message', async () => {
    const { body } = await request();
    const otherClient = await request();
    const cases: Array<[unknown, string]> = [
      [{ ...body, payload: undefined }, 'required parameters: payload, iv, public_key'],
      [{ ...body, iv: null }, 'required parameters: payload, iv, public_key'],
      [{ iv: body.iv, payload: body.payload }, 'required parameters: payload, iv, public_key'],
      [{ ...body, public_key: 'not a key' }, 'bad public key'],
      [{ ...body, public_key: toBase64(new Uint8Array(91)) }, 'bad public key'],
      [{ ...body, iv: toBase64(new Uint8Array(16)) }, 'bad iv'],
      [{ ...body, iv: '!!' }, 'bad iv'],
      [{ ...body, timestamp: NOW + 1 }, 'payload decryption failed'],
      [{ ...body, public_key: otherClient.body.public_key }, 'payload decryption failed'],
      [{ ...body, payload: 'not base64!' }, 'payload decryption failed'],
      [await requestWithPayload('email_hash=x'), 'encrypted payload contains invalid json'],
      [await requestWithPayload('[]'), 'encrypted payload contains invalid json'],
      [await requestWithPayload('{}'), 'please provide exactly one of: email_hash, phone_hash'],
      [await requestWithPayload(`{"email_hash":"${EMAIL_HASH}","phone_hash":"${EMAIL_HASH}"}`), 'please provide exactly one of: email_hash, phone_hash'],
      [await requestWithPayload('{"email_hash":"user@example.com"}'), 'Invalid Identifier'],
      [await requestWithPayload('{"phone_hash":42}'), 'Invalid Identifier'],
    ];
    for (const [broken, message] of cases) {
      const error = await refusal(broken);
      expect(error.message, message).to.equal(message);
      expect(error.httpStatus).to.equal(400);
      expect(error.status).to.equal('client_error');
    }
  });
});
