// Shared by the property-based fuzzing specs: how many runs each property gets (bounded so `npm test` spends
// seconds here), the value generators, and the one outcome every parser may have besides success.
import * as fc from 'fast-check';
import { Uid2OperatorError } from '../../libraries/uid2/receiver/operatorError.js';

/** runs of a property over a pure codec or parser (in-process, a few ms each) */
export const CODEC_RUNS = 1000;
/** runs of a property over HTTP (a request to a local server each) */
export const HTTP_RUNS = 150;

/** Any JSON value, nested up to 6 deep: what a hostile body can put in any field. */
export const anyJson = fc.jsonValue({ maxDepth: 6 });

/** Arrays nested `depth` deep around a value, as JSON text (too deep for fc.jsonValue, deep enough to break recursion). */
export const deepJsonText = fc.integer({ min: 1000, max: 20_000 }).map((depth) => `${'['.repeat(depth)}1${']'.repeat(depth)}`);

/** `bytes` with one byte changed at a random place (index and XOR mask drawn). */
export function flipOneByte(bytes: Uint8Array): fc.Arbitrary<Uint8Array<ArrayBuffer>> {
  return fc.tuple(fc.nat({ max: bytes.length - 1 }), fc.integer({ min: 1, max: 255 })).map(([index, mask]) => {
    const copy = new Uint8Array(bytes);
    copy[index]! ^= mask;
    return copy;
  });
}

/** Whether a refusal is a 4xx the operator answers with its JSON body, as opposed to a crash. */
export function isClientRefusal(error: unknown): boolean {
  return error instanceof Uid2OperatorError && error.httpStatus >= 400 && error.httpStatus < 500;
}

/** Runs an async property `runs` times; a failure reports its seed and the shrunk counterexample. */
export function checkAsync<T>(arbitrary: fc.Arbitrary<T>, property: (value: T) => Promise<void>, runs: number): Promise<void> {
  return fc.assert(fc.asyncProperty(arbitrary, property), { numRuns: runs });
}
