/**
 * RFC 4180 CSV: a streaming reader and a writer.
 *
 * The reader takes a file path or a Node `Readable`, decodes UTF-8 (a leading byte-order mark is
 * dropped), accepts CRLF, LF or lone CR line ends, quoted fields with `""` escapes and line
 * breaks inside quotes, and yields one record at a time with the 1-based line on which it
 * starts. Every record must have as many fields as the first one. Completely empty lines are
 * skipped. Text is scanned with `indexOf`/regex jumps and cut with `slice`, so a long field
 * (a Kaggle RLE string) costs one slice, not one concatenation per character.
 */
import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';
import { writeFileAtomic } from './atomic.js';

/** One CSV record: its fields and the 1-based line on which it starts. */
export interface CsvRecord {
  readonly fields: string[];
  readonly line: number;
}

/**
 * A problem in CSV text, located by source name, 1-based line and 1-based column. `column` is
 * undefined for problems with a field's value (the reason then names the column).
 */
export class CsvError extends Error {
  override readonly name = 'CsvError';
  readonly file: string;
  readonly line: number;
  readonly column: number | undefined;
  readonly reason: string;

  constructor(file: string, line: number, column: number | undefined, reason: string) {
    super(`${file}:${line}${column === undefined ? '' : `:${column}`}: ${reason}`);
    this.file = file;
    this.line = line;
    this.column = column;
    this.reason = reason;
  }
}

/** Options of `readCsv`. */
export interface CsvReadOptions {
  /** Name used in error messages; defaults to the path, or `<stream>` for a `Readable`. */
  readonly name?: string;
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const CR = 0x0d;
const LF = 0x0a;
const UNQUOTED_SPECIAL = /[",\r\n]/g;

const enum State {
  FieldStart,
  Unquoted,
  Quoted,
  AfterQuote,
}

/** The incremental parser behind `readCsv`: feed text with `push`, finish with `end`. */
class CsvParser {
  private state = State.FieldStart;
  private fields: string[] = [];
  private piece = '';
  private fieldQuoted = false;
  private quoteLine = 0;
  private quoteColumn = 0;
  private skipLf = false;
  private firstChunk = true;
  private expectedFields = -1;
  private firstRecordLine = 0;
  /** Absolute character offset of the start of the current chunk. */
  private base = 0;
  private line = 1;
  private lineStart = 0;
  private recordLine = 1;

  constructor(private readonly name: string) {}

  push(text: string, out: CsvRecord[]): void {
    let i = 0;
    const n = text.length;
    if (this.firstChunk && n > 0) {
      this.firstChunk = false;
      if (text.charCodeAt(0) === 0xfeff) {
        i = 1;
        this.lineStart = 1;
      }
    }
    while (i < n) {
      if (this.skipLf) {
        this.skipLf = false;
        if (text.charCodeAt(i) === LF) {
          i++;
          this.lineStart = this.base + i;
          continue;
        }
      }
      switch (this.state) {
        case State.FieldStart:
          if (text.charCodeAt(i) === QUOTE) {
            this.state = State.Quoted;
            this.fieldQuoted = true;
            this.quoteLine = this.line;
            this.quoteColumn = this.column(i);
            i++;
            break;
          }
          this.state = State.Unquoted;
          break;
        case State.Unquoted: {
          UNQUOTED_SPECIAL.lastIndex = i;
          const match = UNQUOTED_SPECIAL.exec(text);
          const j = match === null ? n : match.index;
          this.piece += text.slice(i, j);
          if (j === n) {
            i = n;
            break;
          }
          const c = text.charCodeAt(j);
          if (c === QUOTE) {
            throw this.error(this.line, this.column(j), 'quote inside an unquoted field (quote the whole field and double inner quotes)');
          }
          i = j + 1;
          if (c === COMMA) this.endField();
          else this.endRecord(out, i, c === CR);
          break;
        }
        case State.Quoted: {
          const j = text.indexOf('"', i);
          const end = j === -1 ? n : j;
          const part = text.slice(i, end);
          for (let k = part.indexOf('\n'); k !== -1; k = part.indexOf('\n', k + 1)) {
            this.line++;
            this.lineStart = this.base + i + k + 1;
          }
          this.piece += part;
          if (j === -1) {
            i = n;
            break;
          }
          this.state = State.AfterQuote;
          i = j + 1;
          break;
        }
        case State.AfterQuote: {
          const c = text.charCodeAt(i);
          if (c === QUOTE) {
            this.piece += '"';
            this.state = State.Quoted;
            i++;
          } else if (c === COMMA) {
            i++;
            this.endField();
          } else if (c === CR || c === LF) {
            i++;
            this.endRecord(out, i, c === CR);
          } else {
            throw this.error(this.line, this.column(i), `unexpected ${JSON.stringify(text[i])} after the closing quote of a field`);
          }
          break;
        }
      }
    }
    this.base += n;
  }

  end(out: CsvRecord[]): void {
    if (this.state === State.Quoted) {
      throw this.error(this.quoteLine, this.quoteColumn, 'unterminated quoted field (no closing quote before the end of the input)');
    }
    if (this.fields.length > 0 || this.piece !== '' || this.fieldQuoted) this.endRecord(out, 0, false);
  }

  private column(indexInChunk: number): number {
    return this.base + indexInChunk - this.lineStart + 1;
  }

  private endField(): void {
    this.fields.push(this.piece);
    this.piece = '';
    this.fieldQuoted = false;
    this.state = State.FieldStart;
  }

  /** Ends the record at a line break; `next` is the chunk index just after the break. */
  private endRecord(out: CsvRecord[], next: number, brokeOnCr: boolean): void {
    const blank = this.fields.length === 0 && this.piece === '' && !this.fieldQuoted;
    if (!blank) {
      this.endField();
      const fields = this.fields;
      this.fields = [];
      if (this.expectedFields === -1) {
        this.expectedFields = fields.length;
        this.firstRecordLine = this.recordLine;
      } else if (fields.length !== this.expectedFields) {
        throw this.error(
          this.recordLine,
          undefined,
          `expected ${this.expectedFields} fields (as on line ${this.firstRecordLine}), got ${fields.length}`,
        );
      }
      out.push({ fields, line: this.recordLine });
    }
    this.state = State.FieldStart;
    this.line++;
    this.lineStart = this.base + next;
    this.recordLine = this.line;
    this.skipLf = brokeOnCr;
  }

  private error(line: number, column: number | undefined, reason: string): CsvError {
    return new CsvError(this.name, line, column, reason);
  }
}

/**
 * Streams the records of CSV text from a file path or a `Readable` (bytes as UTF-8, or strings).
 * Throws `CsvError` (file:line:column) on an unterminated quote, a stray quote, or a record
 * whose field count differs from the first record's.
 */
export async function* readCsv(source: string | Readable, options: CsvReadOptions = {}): AsyncGenerator<CsvRecord> {
  if (typeof source !== 'string' && (typeof source !== 'object' || source === null || !(Symbol.asyncIterator in source))) {
    throw new Error(`readCsv: source must be a file path or a Readable, got ${source === null ? 'null' : typeof source}`);
  }
  const name = options.name ?? (typeof source === 'string' ? source : '<stream>');
  const stream = typeof source === 'string' ? createReadStream(source, { highWaterMark: 1 << 20 }) : source;
  const parser = new CsvParser(name);
  const decoder = new StringDecoder('utf8');
  const out: CsvRecord[] = [];
  try {
    for await (const chunk of stream as AsyncIterable<string | Uint8Array>) {
      parser.push(typeof chunk === 'string' ? chunk : decoder.write(chunk as Buffer), out);
      yield* out;
      out.length = 0;
    }
  } catch (error) {
    if (error instanceof CsvError) throw error;
    throw new Error(`readCsv: could not read ${name}: ${(error as Error).message}`, { cause: error });
  } finally {
    if (typeof source === 'string') stream.destroy();
  }
  parser.push(decoder.end(), out);
  parser.end(out);
  yield* out;
}

/** One data row of a CSV file with a header: its values by column name and its line. */
export interface CsvTableRow {
  readonly values: Readonly<Record<string, string>>;
  readonly line: number;
}

/** Options of `readCsvTable`. */
export interface CsvTableOptions extends CsvReadOptions {
  /** Columns the header must contain (in any order); others are kept too. */
  readonly required?: readonly string[];
}

/**
 * Streams the data rows of a CSV file whose first record is a header of unique column names.
 * Throws `CsvError` for an empty input, duplicate column names or missing `required` columns.
 */
export async function* readCsvTable(source: string | Readable, options: CsvTableOptions = {}): AsyncGenerator<CsvTableRow> {
  const name = options.name ?? (typeof source === 'string' ? source : '<stream>');
  const required = options.required ?? [];
  let header: string[] | undefined;
  for await (const record of readCsv(source, { name })) {
    if (header === undefined) {
      header = record.fields;
      const seen = new Set<string>();
      for (const column of header) {
        if (seen.has(column)) throw new CsvError(name, record.line, undefined, `duplicate column ${JSON.stringify(column)} in the header`);
        seen.add(column);
      }
      const missing = required.filter((column) => !seen.has(column));
      if (missing.length > 0) {
        throw new CsvError(
          name,
          record.line,
          undefined,
          `header lacks column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (header: ${header.join(',')})`,
        );
      }
      continue;
    }
    const values: Record<string, string> = {};
    for (let c = 0; c < header.length; c++) values[header[c]] = record.fields[c];
    yield { values, line: record.line };
  }
  if (header === undefined) {
    throw new CsvError(name, 1, undefined, `empty input, expected a header${required.length > 0 ? ` with ${required.join(',')}` : ''}`);
  }
}

const NEEDS_QUOTES = /[",\r\n]/;

/** One field as CSV: quoted (inner quotes doubled) when it holds a quote, comma or line break. */
export function formatCsvField(value: string | number): string {
  const text = String(value);
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One record as a CSV line, without the line break. */
export function formatCsvRow(fields: readonly (string | number)[]): string {
  return fields.map(formatCsvField).join(',');
}

/**
 * Writes records as CSV (LF line ends, a final line break) to `path`, atomically: on error the
 * file that was there stays as it was. Every record must have as many fields as the first.
 */
export async function writeCsv(path: string, records: Iterable<readonly (string | number)[]>): Promise<void> {
  const lines: string[] = [];
  let width = -1;
  let index = 0;
  for (const record of records) {
    if (width === -1) width = record.length;
    else if (record.length !== width) {
      throw new Error(`writeCsv: record ${index} has ${record.length} fields, the first has ${width} (writing ${path})`);
    }
    lines.push(formatCsvRow(record));
    index++;
  }
  lines.push('');
  await writeFileAtomic(path, lines.join('\n'));
}
