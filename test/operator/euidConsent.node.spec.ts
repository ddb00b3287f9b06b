// EUID's TCF rule on /v2/token/generate, over real HTTP (sdkWire.ts), with the operator's own test strings
// (EUIDOperatorVerticleTest) and TC strings this spec encodes bit by bit from the IAB TCF v2 core-string layout.
import { expect } from 'chai';
import type { OperatorConfig } from '../../devstack/operator/config.js';
import { clientNamed, localConfig, startOperator, type RunningOperator } from '../helpers/operatorHarness.js';
import { callAsSdk } from '../helpers/sdkWire.js';

/** EUIDOperatorVerticleTest: vendor 21 with consent to 1, 3, 4 and legitimate interest for 2, 7, 10 */
const OPERATOR_TEST_SUFFICIENT = 'CPehNtWPehNtWABAMBFRACBoALAAAEJAAIYgAKwAQAKgArABAAqAAA';
/** the same without purpose 1 ("this TCString is missing consent for purpose #1") */
const OPERATOR_TEST_NO_PURPOSE_1 = 'CPehXK9PehXK9ABAMBFRACBoADAAAEJAAIYgAKwAQAKgArABAAqAAA';

class BitWriter {
  private bits = '';

  write(value: number, width: number): this {
    this.bits += value.toString(2).padStart(width, '0');
    return this;
  }

  ids(ids: readonly number[], width: number): this {
    for (let id = 1; id <= width; id++) this.bits += ids.includes(id) ? '1' : '0';
    return this;
  }

  base64url(): string {
    const padded = this.bits.padEnd(Math.ceil(this.bits.length / 8) * 8, '0');
    const bytes = Buffer.from(padded.match(/.{8}/g)!.map((byte) => parseInt(byte, 2)));
    return bytes.toString('base64url');
  }
}

interface TcString {
  purposeConsents: number[];
  purposeLegitimateInterests: number[];
  vendorConsents: number[];
  vendorLegitimateInterests: number[];
  /** write the vendor consent section as ranges instead of a bit field */
  ranges?: boolean;
}

function vendorSection(writer: BitWriter, vendors: number[], ranges: boolean): void {
  const max = Math.max(0, ...vendors);
  writer.write(max, 16).write(ranges ? 1 : 0, 1);
  if (!ranges) return void writer.ids(vendors, max);
  writer.write(vendors.length, 12);
  for (const vendor of vendors) writer.write(1, 1).write(vendor, 16).write(vendor, 16); // each as a one-id range
}

/** A TCF v2 core segment (a CMP's consent string) with the given consents. */
function tcString(tc: TcString): string {
  const deciseconds = Math.floor(Date.UTC(2029, 11, 1) / 100);
  const writer = new BitWriter()
    .write(2, 6) // version
    .write(deciseconds, 36) // created
    .write(deciseconds, 36) // last updated
    .write(7, 12) // CMP id
    .write(1, 12) // CMP version
    .write(1, 6) // consent screen
    .write(4, 6).write(13, 6) // consent language "EN"
    .write(150, 12) // vendor list version
    .write(4, 6) // TCF policy version
    .write(1, 1) // service specific
    .write(0, 1) // non-standard texts
    .write(0, 12) // special feature opt-ins
    .ids(tc.purposeConsents, 24)
    .ids(tc.purposeLegitimateInterests, 24)
    .write(0, 1) // purpose one treatment
    .write(4, 6).write(4, 6); // publisher country "EE"
  vendorSection(writer, tc.vendorConsents, tc.ranges ?? false);
  vendorSection(writer, tc.vendorLegitimateInterests, false);
  return writer.base64url();
}

const ALL_BY_CONSENT: TcString = { purposeConsents: [1, 2, 3, 4, 7, 10], purposeLegitimateInterests: [], vendorConsents: [21], vendorLegitimateInterests: [] };

describe('local operator: EUID consent on /v2/token/generate', () => {
  let op: RunningOperator;
  let euid: OperatorConfig;
  before(async () => {
    euid = { ...(await localConfig()), identity_scope: 'EUID' };
  });
  afterEach(() => op.close());

  const generate = (json: Record<string, unknown>) => callAsSdk(op, '/v2/token/generate', clientNamed(op.config, 'local-publisher'), json);

  describe('an EUID operator', () => {
    beforeEach(async () => {
      op = await startOperator({ config: euid });
    });

    it('issues EUID tokens with the operator\'s sufficient test string, and without any string (it is optional)', async () => {
      for (const json of [{ email: 'user@example.com', tcf_consent_string: OPERATOR_TEST_SUFFICIENT }, { email: 'user@example.com' }]) {
        const answer = await generate(json);
        expect(answer.status).to.equal(200);
        expect(answer.json.status).to.equal('success');
        expect(answer.json.body.advertising_token.slice(0, 2)).to.equal('E4');
      }
    });

    it('answers 200 insufficient_user_consent, no body, without purpose 1 for vendor 21', async () => {
      const answer = await generate({ email: 'user@example.com', tcf_consent_string: OPERATOR_TEST_NO_PURPOSE_1 });
      expect(answer.status).to.equal(200);
      expect(answer.text).to.equal('{"status":"insufficient_user_consent"}');
    });

    it('needs all of purposes 1, 2, 3, 4, 7, 10 for vendor 21, each by consent or by legitimate interest', async () => {
      const cases: Array<[string, TcString, 'success' | 'insufficient_user_consent']> = [
        ['all by consent', ALL_BY_CONSENT, 'success'],
        ['all by consent, vendors as ranges', { ...ALL_BY_CONSENT, ranges: true }, 'success'],
        ['consent and legitimate interest', { purposeConsents: [1, 3, 4], purposeLegitimateInterests: [2, 7, 10], vendorConsents: [21], vendorLegitimateInterests: [21] }, 'success'],
        ['purpose 4 missing', { ...ALL_BY_CONSENT, purposeConsents: [1, 2, 3, 7, 10] }, 'insufficient_user_consent'],
        ['purpose 7 by LI, vendor without LI', { ...ALL_BY_CONSENT, purposeConsents: [1, 2, 3, 4, 10], purposeLegitimateInterests: [7] }, 'insufficient_user_consent'],
        ['another vendor only', { ...ALL_BY_CONSENT, vendorConsents: [17] }, 'insufficient_user_consent'],
        ['another vendor only, as ranges', { ...ALL_BY_CONSENT, vendorConsents: [17, 22], ranges: true }, 'insufficient_user_consent'],
        ['purpose 1 only by legitimate interest', { purposeConsents: [2, 3, 4, 7, 10], purposeLegitimateInterests: [1], vendorConsents: [21], vendorLegitimateInterests: [21] }, 'success'],
      ];
      for (const [name, tc, status] of cases) {
        expect((await generate({ email: 'user@example.com', tcf_consent_string: tcString(tc) })).json.status, name).to.equal(status);
      }
    });

    it('refuses a string it cannot read with 400 "User consent is invalid"', async () => {
      const truncated = tcString(ALL_BY_CONSENT).slice(0, 30);
      for (const bad of ['invalid_consent_string', '', null, 42, ['CP'], truncated]) {
        const answer = await generate({ email: 'user@example.com', tcf_consent_string: bad });
        expect(answer, JSON.stringify(bad)).to.deep.include({ status: 400, json: { status: 'client_error', message: 'User consent is invalid' } });
      }
    });

    it('reads TCF v1.1 strings too, as the operator\'s decoder does: consents only, no legitimate interest', async () => {
      // the IAB's v1.1 example: purposes 1-3 allowed, so not enough
      const answer = await generate({ email: 'user@example.com', tcf_consent_string: 'BOEFEAyOEFEAyAHABDENAI4AAAB9vABAASA' });
      expect(answer.text).to.equal('{"status":"insufficient_user_consent"}');
    });

    it('checks the DII before the consent, as the operator does', async () => {
      const answer = await generate({ email: 'not an email', tcf_consent_string: 'invalid_consent_string' });
      expect(answer.json).to.deep.equal({ status: 'client_error', message: 'Invalid Identifier' });
    });

    it('still answers optout for an opted-out user with sufficient consent', async () => {
      expect((await generate({ email: 'optout@example.com', tcf_consent_string: OPERATOR_TEST_SUFFICIENT })).text).to.equal('{"status":"optout"}');
    });
  });

  it('a UID2 operator ignores tcf_consent_string', async () => {
    op = await startOperator();
    for (const tcf of [OPERATOR_TEST_NO_PURPOSE_1, 'invalid_consent_string']) {
      const answer = await generate({ email: 'user@example.com', tcf_consent_string: tcf });
      expect(answer.json.status).to.equal('success');
      expect(answer.json.body.advertising_token.slice(0, 2)).to.equal('A4');
    }
  });
});
