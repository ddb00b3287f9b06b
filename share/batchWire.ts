// How a batch crosses between the main thread and a sharing worker. postMessage clones an array of strings one
// string at a time, in the worker as much as on the main thread, and the workers are the busy side: for 500 rows
// the added columns' clone cost a worker about a tenth of its time. A string joined by line breaks clones as one copy, and
// splitting it again is quick work for the main thread, which mostly waits for its workers.
import type { AddedColumns } from './shareValues.js';

const SEPARATOR = '\n';

/** The values of a batch as they cross: joined, or as they were when one is not a string or holds a line break. */
export type PackedValues = string | unknown[];
/** The added columns of a batch as they cross, each joined. */
export type PackedColumns = Record<string, string>;

export function packValues(values: unknown[]): PackedValues {
  // an empty batch would come back as one empty value; a JSON Lines value may be anything
  if (values.length === 0) return values;
  for (const value of values) if (typeof value !== 'string' || value.includes(SEPARATOR)) return values;
  return values.join(SEPARATOR);
}

export function unpackValues(packed: PackedValues): unknown[] {
  return typeof packed === 'string' ? packed.split(SEPARATOR) : packed;
}

/**
 * Every added column is made here and holds no line break (base64 and base64url tokens and raw UIDs, status words,
 * site ids, ISO 8601 times), so each is joined whole. A batch is never empty.
 */
export function packColumns(columns: AddedColumns): PackedColumns {
  const packed: PackedColumns = {};
  for (const name of Object.keys(columns)) packed[name] = columns[name]!.join(SEPARATOR);
  return packed;
}

export function unpackColumns(packed: PackedColumns): AddedColumns {
  const columns: AddedColumns = {};
  for (const name of Object.keys(packed)) columns[name] = packed[name]!.split(SEPARATOR);
  return columns;
}
