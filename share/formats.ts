// The two file formats of the sharing command, as streams of rows (plain objects, one key per column):
// CSV with a header line, through csv-parse and csv-stringify (quoted fields, commas and newlines inside quotes go
// through untouched), and JSON Lines (one object per line, every value passed through as it was).
import { Transform, type TransformCallback } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { parse, CsvError } from 'csv-parse';
import { stringify } from 'csv-stringify/sync';

export type Row = Record<string, unknown>;
export type ShareFormat = 'csv' | 'jsonl';

/**
 * The longest record (CSV, quoted newlines included) or line (JSON Lines) read: a file without line breaks must not
 * make the whole input one string in memory. A row of a sharing file is a few hundred bytes.
 */
export const MAX_RECORD_BYTES = 1 << 20;

/** A fault in the input that stops the run: what and where, never the content (it may be a raw UID). */
export class MalformedInputError extends Error {}

/** `--format`, or the extension of the file or S3 key; undefined when neither says. */
export function formatOf(explicit: string | undefined, location: string | undefined): ShareFormat | undefined {
  if (explicit !== undefined) {
    if (explicit !== 'csv' && explicit !== 'jsonl') throw new MalformedInputError(`--format must be csv or jsonl, not "${explicit}"`);
    return explicit;
  }
  const extension = /\.([a-z0-9]+)$/i.exec(location ?? '')?.[1]?.toLowerCase();
  if (extension === 'csv') return 'csv';
  if (extension === 'jsonl' || extension === 'ndjson') return 'jsonl';
  return undefined;
}

export interface RowReader {
  /** bytes in, rows out */
  stream: Transform;
  /** the input's columns once read: the CSV header, or the keys of the first JSON Lines row */
  columns(): readonly string[] | undefined;
  /** how the rows' text was decoded, once the first bytes are read: `latin1` when each character is one input byte */
  textEncoding(): BufferEncoding;
}

/**
 * The first name a header repeats, if any: rows are objects keyed by column name, so a second column of one name
 * would overwrite the first.
 */
function repeatedName(names: readonly string[]): string | undefined {
  return names.find((name, index) => names.indexOf(name) !== index);
}

/**
 * Parses CSV with a header line. `requiredColumn` must be in the header, and no name may be in it twice, else the run
 * stops before the first row. Blank lines, and lines of whitespace only, are skipped, as in JSON Lines: they hold no
 * record (csv-parse reads such a line as a one-field record, a short row that would stop the run). A malformed line
 * stops the run: see describeCsvError.
 *
 * `byteForByte` (CSV written back as CSV): the text is read as latin1, one character per byte, and written back the
 * same way (csvRowWriter with textEncoding), so the other columns pass through byte for byte whatever the file's
 * encoding (a Windows-1252 export, UTF-8, stray bytes), where decoding them as UTF-8 would turn every byte that is not
 * UTF-8 into U+FFFD. The raw UID and token columns are ASCII either way. A byte order mark still says how the file
 * is encoded (csv-parse then decodes it so), as does JSON Lines on the other side (its text is UTF-8).
 */
export function csvRowReader(requiredColumn: string, { byteForByte }: { byteForByte: boolean }): RowReader {
  let header: string[] | undefined;
  const stream = parse({
    encoding: byteForByte ? 'latin1' : 'utf8',
    bom: true,
    skip_empty_lines: true,
    max_record_size: MAX_RECORD_BYTES,
    // a short or long row comes to on_record with the error it would have stopped the run with
    relax_column_count: true,
    on_record: (record: Record<string, string>, { error }: { error?: CsvError }) => {
      // such a line has one field: a short row, unless the header has one column too
      if ((error || header!.length === 1) && isWhitespaceLine(record)) return null;
      if (error) throw error;
      return record;
    },
    columns: (names: string[]) => {
      if (!names.includes(requiredColumn)) throw new MalformedInputError(`the CSV header has no ${requiredColumn} column`);
      const repeated = repeatedName(names);
      // a header that names the required column is a header, not a row of raw UIDs: its names may be said
      if (repeated !== undefined) {
        throw new MalformedInputError(`the CSV header names ${JSON.stringify(repeated.slice(0, 64))} twice: a row keeps one value per column name`);
      }
      header = names;
      return names;
    },
  });
  return { stream, columns: () => header, textEncoding: () => (stream.options.encoding === 'latin1' ? 'latin1' : 'utf8') };
}

/** A record read from a line of spaces or tabs only: one field, of whitespace (no delimiter on the line). */
function isWhitespaceLine(record: Record<string, string>): boolean {
  const values = Object.values(record);
  return values.length === 1 && values[0]!.trim() === '';
}

/**
 * csv-parse's messages quote the offending field, which may hold a raw UID: only the code and the line number (it
 * counts physical lines, from 1 for the header) leave this module.
 */
export function describeCsvError(error: unknown): unknown {
  return error instanceof CsvError ? new MalformedInputError(`malformed CSV at line ${error.lines} (${error.code})`) : error;
}

/**
 * The deepest nesting of arrays and objects a JSON Lines row may have: the row is written back with JSON.stringify,
 * which recurses, and about 5,000 levels overflow Node's stack where JSON.parse read them without complaint.
 */
export const MAX_JSON_DEPTH = 1000;

const [QUOTE, BACKSLASH, OPEN_BRACKET, CLOSE_BRACKET, OPEN_BRACE, CLOSE_BRACE] = [...'"\\[]{}'].map((char) => char.charCodeAt(0));

/** Whether JSON text nests arrays and objects deeper than MAX_JSON_DEPTH (brackets inside strings do not count). */
function nestsTooDeeply(json: string): boolean {
  // each level takes an opening and a closing character: a shorter line cannot be too deep
  if (json.length <= 2 * MAX_JSON_DEPTH) return false;
  let depth = 0;
  let inString = false;
  for (let index = 0; index < json.length; index++) {
    const char = json.charCodeAt(index);
    if (inString) {
      if (char === BACKSLASH) index++;
      else if (char === QUOTE) inString = false;
    } else if (char === QUOTE) inString = true;
    else if (char === OPEN_BRACKET || char === OPEN_BRACE) {
      if (++depth > MAX_JSON_DEPTH) return true;
    } else if (char === CLOSE_BRACKET || char === CLOSE_BRACE) depth--;
  }
  return false;
}

/**
 * Parses JSON Lines: one object per line, blank lines skipped; anything else stops the run with its line number. A
 * byte order mark at the start is dropped, as CSV's. Rows have no prototype, so that a key a row lacks reads as
 * missing, never as an Object method (`constructor`, `toString`) that a CSV writer would then be handed.
 */
export function jsonlRowReader(): RowReader {
  let firstKeys: string[] | undefined;
  let pending = '';
  let lineNumber = 0;
  let started = false;
  // a multi-byte character split across chunks is decoded whole
  const decoder = new StringDecoder('utf8');
  const decode = (text: string): string => {
    if (started || text === '') return text;
    started = true;
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  };
  const tooLong = () => new MalformedInputError(`malformed JSON Lines at line ${lineNumber + 1} (longer than ${MAX_RECORD_BYTES} bytes)`);
  const pushLines = (stream: Transform, text: string): void => {
    const lines = text.split('\n');
    for (const line of lines) {
      if (line.length > MAX_RECORD_BYTES) throw tooLong();
      lineNumber += 1;
      if (line.trim() === '') continue;
      if (nestsTooDeeply(line)) {
        throw new MalformedInputError(`malformed JSON Lines at line ${lineNumber} (nested deeper than ${MAX_JSON_DEPTH} levels)`);
      }
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        throw new MalformedInputError(`malformed JSON Lines at line ${lineNumber} (not JSON)`);
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new MalformedInputError(`malformed JSON Lines at line ${lineNumber} (not an object)`);
      }
      firstKeys ??= Object.keys(value);
      stream.push(Object.assign(Object.create(null), value));
    }
  };
  const stream = new Transform({
    readableObjectMode: true,
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      const text = pending + decode(decoder.write(chunk));
      const lastBreak = text.lastIndexOf('\n');
      pending = text.slice(lastBreak + 1);
      try {
        if (lastBreak >= 0) pushLines(this, text.slice(0, lastBreak));
        if (pending.length > MAX_RECORD_BYTES) throw tooLong();
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
    flush(callback) {
      try {
        pushLines(this, pending + decode(decoder.end()));
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
  });
  return { stream, columns: () => firstKeys, textEncoding: () => 'utf8' };
}

/** A JSON Lines row's true and false as they read, where csv-stringify would write 1 and an empty field. */
const CSV_CAST = { boolean: (value: boolean) => String(value) };

/** Rows per csv-stringify call: one call per row would spend more time setting up than writing. */
const CSV_WRITE_BATCH = 256;

/**
 * Writes rows as CSV. `columns` is asked for when the first line is written, after the reader has read the input's
 * columns; `textEncoding` then, too: the encoding the reader decoded the rows' text with (see csvRowReader). A run
 * without rows writes the header line alone, or nothing when `columns` does not know them (an empty input).
 */
export function csvRowWriter(columns: () => readonly string[] | undefined, textEncoding: () => BufferEncoding): Transform {
  let batch: Row[] = [];
  let headerWritten = false;
  const write = (stream: Transform): void => {
    const names = columns();
    if (names) stream.push(stringify(batch, { header: !headerWritten, columns: [...names], cast: CSV_CAST }), textEncoding());
    headerWritten = true;
    batch = [];
  };
  return new Transform({
    writableObjectMode: true,
    transform(row: Row, _encoding, callback) {
      batch.push(row);
      if (batch.length >= CSV_WRITE_BATCH) write(this);
      callback();
    },
    flush(callback) {
      write(this);
      callback();
    },
  });
}

/** Writes rows as JSON Lines; `dropped`: a key left out of every row (the raw UID column, see ShareRunOptions.dropRawUid). */
export function jsonlRowWriter(dropped?: string): Transform {
  return new Transform({
    writableObjectMode: true,
    transform(row: Row, _encoding, callback) {
      const written = dropped === undefined ? row : Object.fromEntries(Object.entries(row).filter(([key]) => key !== dropped));
      callback(null, JSON.stringify(written) + '\n');
    },
  });
}
