// The lifecycle's decisions (libraries/uid2Module/decide.ts) as a table: stored record × what the publisher supplies ×
// time → action, reasons and the next point to look again. The shell that carries them out is covered through pbjs in
// uid2IdSystem.spec.ts.
import { expect } from 'chai';
import { cyrb53Hash } from 'prebid.js/src/utils.js';
import { decide, type Action, type Reason, type Supplied } from '../../libraries/uid2Module/decide.js';
import type { ModuleIdentity } from '../../libraries/uid2Module/moduleIdentity.js';
import type { StoredValue } from '../../libraries/uid2Module/storage.js';

const NOW = 1_700_000_000_000;
const MIN = 60_000;
/** a token with refresh_from, identity_expires and refresh_expires in minutes from NOW */
const token = (name: string, [refreshFrom, expires, refreshExpires]: [number, number, number]): ModuleIdentity => ({
  advertising_token: name,
  refresh_token: `refresh-${name}`,
  refresh_from: NOW + refreshFrom * MIN,
  identity_expires: NOW + expires * MIN,
  refresh_expires: NOW + refreshExpires * MIN,
  refresh_response_key: 'key',
});
const VALID = token('valid', [10, 60, 600]);
const DUE = token('due', [-1, 60, 600]);
const EXPIRED = token('expired', [-20, -1, 600]);
const DEAD = token('dead', [-600, -60, -1]);
/** refused by the operator: refresh_expires set to the refusal's time, the advertising token not expired */
const REFUSED = { ...VALID, refresh_expires: NOW - 1 };
const OLDER = token('older', [-5, 30, 600]);
const fromDii = (latestToken: ModuleIdentity | 'optout', dii = 'user@example.com', optoutUntil?: number) =>
  ({ originalIdentity: { identity: cyrb53Hash(dii, 5), salt: 5 }, latestToken, ...(optoutUntil && { optoutUntil }) });
const fromToken = (originalToken: ModuleIdentity, latestToken: ModuleIdentity | 'optout' = originalToken, optoutUntil?: number) =>
  ({ originalToken, latestToken, ...(optoutUntil && { optoutUntil }) });
const DII: Supplied = { dii: 'user@example.com' };

const table: Array<[string, StoredValue | undefined, Supplied, Action, Reason[], number?]> = [
  ['nothing stored or supplied', undefined, {}, 'none', ['nothing']],
  ['a stored record, nothing supplied', fromToken(VALID), {}, 'use', ['stored', 'valid'], VALID.refresh_from],
  ['a bare token of an older integration', 'A4-bare', {}, 'use', ['bare']],
  ['a supplied token, nothing stored', undefined, { token: VALID }, 'use', ['supplied', 'valid'], VALID.refresh_from],
  ['a supplied token past refresh_from', undefined, { token: DUE }, 'background', ['supplied', 'due'], DUE.identity_expires - 1000],
  ['a supplied expired token', undefined, { token: EXPIRED }, 'refresh', ['supplied', 'expired']],
  ['a supplied token whose refresh token expired', undefined, { token: DEAD }, 'none', ['supplied', 'dead']],
  ['a record from another token', fromToken(OLDER), { token: VALID }, 'use', ['otherToken', 'valid'], VALID.refresh_from],
  ['a record refreshed from the supplied token', fromToken(OLDER, VALID), { token: OLDER }, 'use', ['refreshedSupplied', 'valid'], VALID.refresh_from],
  ['a supplied token newer than the record from it', fromToken(VALID, OLDER), { token: VALID }, 'use', ['newerSupplied', 'valid'], VALID.refresh_from],
  ['a remembered opt-out of the supplied token', fromToken(VALID, 'optout', NOW + MIN), { token: VALID }, 'use', ['optout'], NOW + MIN],
  // the operator is asked about an opted-out user's token before it goes into a bid request again
  ['a lapsed opt-out of the supplied token', fromToken(VALID, 'optout', NOW - 1), { token: VALID }, 'refresh', ['optoutLapsed']],
  ['a lapsed opt-out of a supplied token whose refresh token expired', fromToken(DEAD, 'optout', NOW - 1), { token: DEAD }, 'none', ['optoutLapsed', 'dead']],
  // Prebid's official module keeps no optoutUntil: the operator is asked again before the token is used
  ['an opt-out the official module stored for the supplied token', fromToken(VALID, 'optout'), { token: VALID }, 'refresh', ['optoutLapsed']],
  ['an opt-out stored, nothing supplied', fromToken(VALID, 'optout', NOW + MIN), {}, 'use', ['stored', 'optout'], NOW + MIN],
  // nothing to ask again with: the opt-out stands, and nothing is looked at again
  ['a lapsed opt-out stored, nothing supplied', fromToken(VALID, 'optout', NOW - 1), {}, 'use', ['stored', 'optout']],
  ['a refused refresh: the ID ends, the supplied token is not taken again', fromToken(VALID, REFUSED), { token: VALID }, 'none', ['refreshedSupplied', 'dead']],
  ['CSTG, nothing stored', undefined, DII, 'generate', ['noDiiRecord']],
  ['CSTG, a record of another DII', fromDii(VALID, 'other@example.com'), DII, 'generate', ['otherDii']],
  ['CSTG, a record of this DII', fromDii(VALID), DII, 'use', ['diiRecord', 'valid'], VALID.refresh_from],
  ['CSTG, an expired token of this DII', fromDii(EXPIRED), DII, 'refresh', ['diiRecord', 'expired']],
  ['CSTG, a dead record of this DII', fromDii(DEAD), DII, 'generate', ['diiDead']],
  ['CSTG, a remembered opt-out of this DII', fromDii('optout', undefined, NOW + MIN), DII, 'use', ['diiRecord', 'optout'], NOW + MIN],
  ['CSTG, a lapsed opt-out of this DII', fromDii('optout', undefined, NOW - 1), DII, 'generate', ['optoutLapsed']],
  ['CSTG, an opt-out the official module stored for this DII', fromDii('optout'), DII, 'generate', ['optoutLapsed']],
  ['CSTG without a valid DII, a lapsed opt-out stored', fromDii('optout', undefined, NOW - 1), { dii: null }, 'use', ['cstgNoDii', 'optout']],
  ['CSTG without a valid DII: the stored record, supplied token ignored', fromDii(DUE), { dii: null }, 'background', ['cstgNoDii', 'due'], DUE.identity_expires - 1000],
];

describe('uid2 lifecycle decisions (decide)', () => {
  table.forEach(([what, stored, supplied, action, why, next]) => {
    it(`${what}: ${action} (${why.join(', ')})`, () => {
      const decision = decide(stored, supplied, NOW);
      expect([decision.action, decision.why, decision.next]).to.deep.equal([action, why, next]);
      if (action === 'use' || action === 'background' || action === 'refresh') expect(decision.record).to.not.equal(undefined);
    });
  });

  it('never looks again at a time already past: the shell would look again at once, in a loop', () => {
    const stored = [undefined, 'A4-bare', ...table.map(([, record]) => record)];
    const supplied: Supplied[] = [{}, { token: VALID }, { token: DUE }, { token: EXPIRED }, { token: DEAD }, { token: OLDER }, DII, { dii: null }];
    // every point in the tokens' and opt-outs' lives, and a ms either side
    const points = [...new Set([VALID, DUE, EXPIRED, DEAD, OLDER].flatMap((t) => [t.refresh_from, t.identity_expires - 1000, t.refresh_expires]).concat(NOW, NOW + MIN))];
    const times = points.flatMap((point) => [point - 1, point, point + 1]);
    let checked = 0;
    for (const record of stored) {
      for (const given of supplied) {
        for (const now of times) {
          const { next, action, why } = decide(record, given, now);
          expect(next === undefined || next > now, `${JSON.stringify(record)} ${JSON.stringify(given)} at ${now}: ${action} ${why} next ${next}`).to.equal(true);
          checked++;
        }
      }
    }
    expect(checked).to.be.above(1000);
  });

  it('from a second before identity_expires on, a token is never used as it is', () => {
    // its bid requests would reach the SSP's and bidders' decryption after identity_expires
    expect(decide(undefined, { token: VALID }, VALID.identity_expires - 1001).action).to.equal('background');
    expect(decide(undefined, { token: VALID }, VALID.identity_expires - 1000).action).to.equal('refresh');
  });
});
