import { expect } from 'chai';
import { isUid2Identity } from '../../libraries/uid2/client/uid2Identity.js';
import { DOCS_SAMPLE_IDENTITY } from '../helpers/protocolVectors.js';

const FIELDS = ['advertising_token', 'refresh_token', 'identity_expires', 'refresh_from', 'refresh_expires', 'refresh_response_key'];

describe('uid2 identity', () => {
  const { created, established, rawUid, firstLevelHash, rotatingSalt, ...identity } = DOCS_SAMPLE_IDENTITY;

  it('accepts the docs\' identity', () => {
    expect(isUid2Identity(identity)).to.equal(true);
  });

  it('refuses an identity missing any field or with a field of the wrong type', () => {
    for (const field of FIELDS) {
      const { [field]: value, ...missing } = identity as Record<string, unknown>;
      expect(isUid2Identity(missing), `without ${field}`).to.equal(false);
      expect(isUid2Identity({ ...identity, [field]: typeof value === 'string' ? 1 : '1' }), `${field} mistyped`).to.equal(false);
    }
  });

  it('refuses non-objects', () => {
    for (const value of [null, undefined, 'optout', 42, []]) expect(isUid2Identity(value)).to.equal(false);
  });
});
