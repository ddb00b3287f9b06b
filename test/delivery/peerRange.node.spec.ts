// The two decisions of the peer-range check (peerRange.ts, CI only), as tables: which published versions are the
// releases of the range, and which names an import statement takes.
import { expect } from 'chai';
import { importedNames, releasesInRange } from './peerRange.js';

describe('peer range check', () => {
  it('takes the releases from the lower bound up to the next major, without pre-releases', () => {
    const published = ['10.9.0', '11.2.0', '11.14.9', '11.15.0', '11.15.1-pre', '11.16.0', '11.100.0', '12.0.0', '12.0.0-rc.1'];
    const table: Array<[string, string[]]> = [
      ['11.15.0', ['11.15.0', '11.16.0', '11.100.0']],
      ['11.2.0', ['11.2.0', '11.14.9', '11.15.0', '11.16.0', '11.100.0']],
      ['11.15.1', ['11.16.0', '11.100.0']],
      ['12.1.0', []],
    ];
    for (const [lowest, releases] of table) expect(releasesInRange(published, lowest), lowest).to.deep.equal(releases);
  });

  it('reads the names of an import statement', () => {
    const table: Array<[string, string[]]> = [
      ["import { a } from 'x'", ['a']],
      ["import { a, b as c,\n  d } from 'x'", ['a', 'b', 'd']],
      ["import * as events from 'x'", ['*']],
      ["import config from 'x'", ['default']],
      ["import config, { a as b } from 'x'", ['a', 'default']],
      ["import 'x'", []],
    ];
    for (const [statement, names] of table) expect(importedNames(statement), statement).to.deep.equal(names);
  });
});
