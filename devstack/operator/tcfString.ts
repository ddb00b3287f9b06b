// The core segment of an IAB TCF consent string (the TC string an EUID publisher passes to
// /v2/token/generate), decoded as far as the operator's consent rule needs: purpose consents, purpose
// legitimate-interest transparency, and the vendor consent and legitimate-interest sections.
// Layouts: IAB "Transparency & Consent String with Global Vendor & CMP List Formats" v2 (core string), and the
// v1.1 "Consent string" (no legitimate interests), which the operator's decoder (iabtcf) still reads.
import { fromBase64 } from '../../libraries/uid2/crypto/base64.js';

export interface TcfCoreSegment {
  version: 1 | 2;
  /** purpose ids (1–24) the user consented to */
  purposeConsents: Set<number>;
  /** purpose ids the CMP disclosed legitimate interest for */
  purposeLegitimateInterests: Set<number>;
  vendorConsents: VendorSet;
  vendorLegitimateInterests: VendorSet;
}

/** Vendor ids as the string lists them: a bit field, or ranges kept as ranges (a short string can name 65,535 ids) */
export interface VendorSet {
  has(vendorId: number): boolean;
}

/** Reads big-endian bit fields; throws RangeError past the end (a truncated string). */
class BitReader {
  private position = 0;

  constructor(private readonly bytes: Uint8Array) {}

  bits(count: number): number {
    let value = 0;
    for (let i = 0; i < count; i++) {
      const bit = this.position++;
      if (bit >= this.bytes.length * 8) throw new RangeError('TC string ends early');
      value = value * 2 + ((this.bytes[bit >> 3]! >> (7 - (bit & 7))) & 1);
    }
    return value;
  }

  flag(): boolean {
    return this.bits(1) === 1;
  }

  skip(count: number): void {
    this.bits(count);
  }

  /** the ids (1-based) whose bit is set in a `count`-bit field */
  bitField(count: number): Set<number> {
    const ids = new Set<number>();
    for (let id = 1; id <= count; id++) if (this.flag()) ids.add(id);
    return ids;
  }
}

const NO_ONE: VendorSet = { has: () => false };

/** NumEntries, then single ids and ranges, each at most maxVendorId */
function readRanges(reader: BitReader, maxVendorId: number): Array<[start: number, end: number]> {
  const ranges: Array<[start: number, end: number]> = [];
  const entries = reader.bits(12);
  for (let i = 0; i < entries; i++) {
    const isRange = reader.flag();
    const start = reader.bits(16);
    const end = isRange ? reader.bits(16) : start;
    if (start < 1 || end < start || end > maxVendorId) throw new RangeError('TC string vendor range out of bounds');
    ranges.push([start, end]);
  }
  return ranges;
}

const inRanges = (ranges: Array<[number, number]>, vendorId: number) => ranges.some(([start, end]) => start <= vendorId && vendorId <= end);

/** v2: MaxVendorId, IsRangeEncoding, then a bit field or the ranges of the vendors in the set. */
function readVendorSection(reader: BitReader): VendorSet {
  const maxVendorId = reader.bits(16);
  if (!reader.flag()) return reader.bitField(maxVendorId);
  const ranges = readRanges(reader, maxVendorId);
  return { has: (vendorId) => inRanges(ranges, vendorId) };
}

/** v1: MaxVendorId, EncodingType, then a bit field or DefaultConsent and the ranges of the exceptions. */
function readV1VendorConsents(reader: BitReader): VendorSet {
  const maxVendorId = reader.bits(16);
  if (!reader.flag()) return reader.bitField(maxVendorId);
  const defaultConsent = reader.flag();
  const exceptions = readRanges(reader, maxVendorId);
  return { has: (vendorId) => vendorId >= 1 && vendorId <= maxVendorId && inRanges(exceptions, vendorId) !== defaultConsent };
}

/** v1.1 after the version: no legitimate interests, purposes "allowed" are the consents. */
function decodeV1(reader: BitReader): TcfCoreSegment {
  // Created, LastUpdated (36 each), CmpId, CmpVersion (12), ConsentScreen (6), ConsentLanguage, VendorListVersion (12)
  reader.skip(36 + 36 + 12 + 12 + 6 + 12 + 12);
  const purposeConsents = reader.bitField(24);
  const vendorConsents = readV1VendorConsents(reader);
  return { version: 1, purposeConsents, purposeLegitimateInterests: new Set(), vendorConsents, vendorLegitimateInterests: NO_ONE };
}

/** Decodes the core segment (before the first '.'); throws on anything that is not a v1 or v2 TC string. */
export function decodeTcfCoreSegment(tcString: string): TcfCoreSegment {
  const core = tcString.split('.')[0]!;
  if (core === '') throw new Error('empty TC string');
  const reader = new BitReader(fromBase64(core));
  const version = reader.bits(6);
  if (version === 1) return decodeV1(reader);
  if (version !== 2) throw new Error(`TC string version ${version} is not supported`);
  // Created, LastUpdated (36 each), CmpId, CmpVersion (12), ConsentScreen (6), ConsentLanguage (12),
  // VendorListVersion (12), TcfPolicyVersion (6), IsServiceSpecific, UseNonStandardTexts (1), SpecialFeatureOptIns (12)
  reader.skip(36 + 36 + 12 + 12 + 6 + 12 + 12 + 6 + 1 + 1 + 12);
  const purposeConsents = reader.bitField(24);
  const purposeLegitimateInterests = reader.bitField(24);
  reader.skip(1 + 12); // PurposeOneTreatment, PublisherCC
  const vendorConsents = readVendorSection(reader);
  const vendorLegitimateInterests = readVendorSection(reader);
  return { version, purposeConsents, purposeLegitimateInterests, vendorConsents, vendorLegitimateInterests };
}
