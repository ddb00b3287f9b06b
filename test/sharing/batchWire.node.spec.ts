// How a worker's answer crosses to the main thread: each added column joined, or as runs of equal values when most
// rows repeat the row before; either way the main thread gets the same values back, in order.
import { expect } from 'chai';
import { packColumn, unpackColumn } from '../../share/batchWire.js';

describe('prebid-uid2-share: a worker\'s added columns on the wire', () => {
  const table: Array<{ what: string; values: string[]; form: 'runs' | 'joined' }> = [
    { what: 'one value for the whole batch (status, site id)', values: Array(500).fill('success'), form: 'runs' },
    { what: 'a few runs (established times a millisecond apart)', values: [...Array(3).fill('a'), ...Array(2).fill('b'), 'c'], form: 'runs' },
    { what: 'runs of empty values (failed rows)', values: ['', '', 'x', 'x'], form: 'runs' },
    { what: 'every value different (raw UIDs, tokens)', values: ['a', 'b', 'c', 'd'], form: 'joined' },
    { what: 'more runs than half the rows', values: ['a', 'a', 'b', 'c', 'd'], form: 'joined' },
    { what: 'alternating values', values: ['a', 'b', 'a', 'b'], form: 'joined' },
    { what: 'one row', values: ['success'], form: 'joined' },
    { what: 'one empty row', values: [''], form: 'joined' },
  ];
  for (const { what, values, form } of table) {
    it(`${what}: crosses ${form}, comes back the same`, () => {
      const packed = structuredClone(packColumn(values));
      expect(typeof packed === 'string' ? 'joined' : 'runs').to.equal(form);
      expect(unpackColumn(packed)).to.deep.equal(values);
    });
  }
});
