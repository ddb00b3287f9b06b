import { expect } from 'chai';
import { fromBase64 } from '../../libraries/uid2/crypto/base64.js';
import { isUid2Identity } from '../../libraries/uid2/client/uid2Identity.js';
import { openRefreshResponse, sealRefreshResponse } from '../../libraries/uid2/client/refreshResponse.js';
import { rejectionOf } from '../helpers/protocolExpectations.js';
import { PUBLISHER_TESTS } from '../helpers/protocolVectors.js';

const KEY = PUBLISHER_TESTS.generateResponse.body.refresh_response_key;

describe('uid2 refresh responses', () => {
  it('opens the Java SDK\'s refresh response with the previous refresh_response_key', async () => {
    const json = (await openRefreshResponse(KEY, PUBLISHER_TESTS.refreshResponse)) as { status: string; body: Record<string, unknown> };
    expect(json.status).to.equal('success');
    expect(json.body).to.include(PUBLISHER_TESTS.refreshedIdentity);
    expect(isUid2Identity(json.body)).to.equal(true);
  });

  it('seals the same bytes as the operator given its IV', async () => {
    const json = await openRefreshResponse(KEY, PUBLISHER_TESTS.refreshResponse);
    const iv = fromBase64(PUBLISHER_TESTS.refreshResponse).subarray(0, 12);
    expect(await sealRefreshResponse(KEY, json, { iv })).to.equal(PUBLISHER_TESTS.refreshResponse);
  });

  it('round-trips an opt-out under a fresh IV', async () => {
    const sealed = await sealRefreshResponse(KEY, { status: 'optout' });
    expect(await openRefreshResponse(KEY, sealed)).to.deep.equal({ status: 'optout' });
  });

  it('rejects a response under another key, or one that is not base64', async () => {
    await rejectionOf(openRefreshResponse('3df27Us3KXIy4LhebjNt0DDfF0N5zGXEQ1MmJ7jIU8o=', PUBLISHER_TESTS.refreshResponse));
    await rejectionOf(openRefreshResponse(KEY, '{"status":"expired_token"}'));
  });
});
