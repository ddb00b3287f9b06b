// Big-endian writer/reader for the fixed token and envelope layouts (all UID2 integers are big-endian).
import { blockCutter } from './bytes.js';

const TWO_32 = 2 ** 32;

/**
 * A writer's bytes are cut from shared 8 KiB blocks, one ArrayBuffer per block instead of one per writer: V8
 * allocates, tracks and sweeps every ArrayBuffer apart, which cost a sharer encrypting in bulk (three writers a token)
 * more than the AES.
 */
const allocBytes = blockCutter(8192, 512, (size) => new Uint8Array(size));

export class ByteWriter {
  private readonly bytes: Uint8Array<ArrayBuffer>;
  private readonly view: DataView;
  private offset = 0;

  constructor(length: number) {
    this.bytes = allocBytes(length);
    this.view = new DataView(this.bytes.buffer, this.bytes.byteOffset, length);
  }

  u8(value: number): this {
    this.view.setUint8(this.offset, value);
    this.offset += 1;
    return this;
  }

  i32(value: number): this {
    this.view.setInt32(this.offset, value);
    this.offset += 4;
    return this;
  }

  /** int64 from a safe integer (epoch milliseconds, publisher ids) without going through BigInt */
  i64(value: number): this {
    const high = Math.floor(value / TWO_32);
    this.view.setInt32(this.offset, high);
    this.view.setUint32(this.offset + 4, value - high * TWO_32);
    this.offset += 8;
    return this;
  }

  raw(bytes: Uint8Array): this {
    this.bytes.set(bytes, this.offset);
    this.offset += bytes.length;
    return this;
  }

  /** The written bytes; throws if the layout was not filled exactly, which would be a codec bug. */
  done(): Uint8Array<ArrayBuffer> {
    if (this.offset !== this.bytes.length) throw new Error(`layout wrote ${this.offset} of ${this.bytes.length} bytes`);
    return this.bytes;
  }
}

/** The big-endian int32 at `offset` (the caller has checked that its four bytes are there). */
export function int32At(bytes: Uint8Array, offset: number): number {
  return (bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!;
}

/**
 * The big-endian int64 at `offset`, as a number (epoch milliseconds are safe integers); the caller has checked that its
 * eight bytes are there, as for int32At.
 */
export function int64At(bytes: Uint8Array, offset: number): number {
  return int32At(bytes, offset) * TWO_32 + (int32At(bytes, offset + 4) >>> 0);
}

/**
 * Reads fields in order; throws RangeError when the input is shorter than the layout. No DataView: a reader is
 * made per token layer on the decryption path, and plain index reads allocate nothing.
 */
export class ByteReader {
  private offset = 0;

  constructor(private readonly bytes: Uint8Array) {}

  private need(length: number): number {
    const at = this.offset;
    if (at + length > this.bytes.length) throw new RangeError('layout longer than input');
    this.offset = at + length;
    return at;
  }

  u8(): number {
    return this.bytes[this.need(1)]!;
  }

  i32(): number {
    return int32At(this.bytes, this.need(4));
  }

  i64(): number {
    return int64At(this.bytes, this.need(8));
  }

  skip(length: number): void {
    this.need(length);
  }

  take(length: number): Uint8Array {
    const at = this.need(length);
    return this.bytes.subarray(at, at + length);
  }

  rest(): Uint8Array {
    return this.take(this.bytes.length - this.offset);
  }
}
