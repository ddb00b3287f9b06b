// How a batch's answer crosses from a sharing worker to the main thread. postMessage clones an array of strings one
// string at a time, and for 500 rows the added columns' clone cost a worker about a tenth of its time; a string
// joined by line breaks clones as one copy, and splitting it again is quick work for the main thread.
// The values going to a worker cross as the array they are: the serializer copies them into its own buffer, off the
// main thread's heap; joined, they would first make a string of every batch's tokens there (about 220 bytes a row)
// for its garbage collector (see PackedColumn for why that heap matters).
import type { AddedColumns } from './shareValues.js';

const SEPARATOR = '\n';

/**
 * An added column as it crosses: its values joined, or, where most rows repeat the value of the row before (a
 * batch's status, site id and established time mostly do), one value per run of equal values and each run's length.
 * A run crosses as one string and its rows get that one string back: the main thread then allocates no string per
 * row for it, and rows are what it holds while a worker runs, so its garbage collections copy less.
 */
export type PackedColumn = string | { runs: string; lengths: number[] };
/** The added columns of a batch as they cross. */
export type PackedColumns = Record<string, PackedColumn>;

export function packColumn(values: readonly string[]): PackedColumn {
  // more runs than half the rows: joined is smaller, and splitting it is quicker than filling runs
  const maxRuns = values.length / 2;
  const runs: string[] = [];
  const lengths: number[] = [];
  let runStart = 0;
  for (let index = 1; index <= values.length; index++) {
    if (index < values.length && values[index] === values[runStart]) continue;
    if (runs.length + 1 > maxRuns) return values.join(SEPARATOR);
    runs.push(values[runStart]!);
    lengths.push(index - runStart);
    runStart = index;
  }
  return { runs: runs.join(SEPARATOR), lengths };
}

export function unpackColumn(packed: PackedColumn): string[] {
  if (typeof packed === 'string') return packed.split(SEPARATOR);
  const runs = packed.runs.split(SEPARATOR);
  const values = new Array<string>(packed.lengths.reduce((sum, length) => sum + length, 0));
  let start = 0;
  for (let run = 0; run < packed.lengths.length; run++) {
    const end = start + packed.lengths[run]!;
    values.fill(runs[run]!, start, end);
    start = end;
  }
  return values;
}

/**
 * Every added column is made here and holds no line break (base64 and base64url tokens and raw UIDs, status words,
 * site ids, ISO 8601 times), so a line break can join its values or its runs. A batch is never empty.
 */
export function packColumns(columns: AddedColumns): PackedColumns {
  const packed: PackedColumns = {};
  for (const name of Object.keys(columns)) packed[name] = packColumn(columns[name]!);
  return packed;
}

export function unpackColumns(packed: PackedColumns): AddedColumns {
  const columns: AddedColumns = {};
  for (const name of Object.keys(packed)) columns[name] = unpackColumn(packed[name]!);
  return columns;
}
