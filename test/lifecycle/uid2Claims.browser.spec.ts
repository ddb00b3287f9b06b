// The cross-tab claim cookies (libraries/uid2Module/claim.ts): each lasts at least as long as the claim it carries.
import { expect } from 'chai';
import type { StorageManager } from 'prebid.js/src/storageManager.js';
import { createClaims } from '../../libraries/uid2Module/claim.js';

/** a StorageManager that keeps what the claims write, with the expiry each write asked for */
function recordingCookies() {
  const jar = new Map<string, { value: string; expires: string }>();
  const sm = {
    cookiesAreEnabled: () => true,
    setCookie: (name: string, value: string, expires: string) => { jar.set(name, { value, expires }); },
    findSimilarCookies: (prefix: string) => [...jar].filter(([name, { value }]) => name.startsWith(prefix) && value).map(([, { value }]) => value),
  } as unknown as StorageManager;
  return { sm, jar };
}

describe('uid2 cross-tab claims', () => {
  // a cookie's expires date has whole seconds: truncated, a claim's cookie ended up to a second before the claim,
  // under a call still running, and other pages (or the same one) took the refresh over
  it("keeps a claim's cookie until the claim ends", async () => {
    const { sm, jar } = recordingCookies();
    const claims = createClaims(sm, '__uid2_advertising_token', { lifetime: () => 1030, domain: () => undefined, pollMs: 5, handoverMs: 50 });
    let seen: { value: string; expires: string } | undefined;
    await claims.run('subject', async () => { seen = [...jar.values()][0]; }, () => undefined, () => undefined);
    const until = Number(seen!.value.split('.')[2]);
    expect(Date.parse(seen!.expires)).to.be.at.least(until);
    expect(Date.parse(seen!.expires) - until).to.be.below(1000);
  });
});
