import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { CsvError, formatCsvField, formatCsvRow, readCsv, readCsvTable, writeCsv, type CsvRecord } from '../../src/data/csv.js';

async function collect(chunks: readonly (string | Uint8Array)[], name = 'mem.csv'): Promise<CsvRecord[]> {
  const out: CsvRecord[] = [];
  for await (const record of readCsv(Readable.from(chunks), { name })) out.push(record);
  return out;
}

async function csvError(chunks: readonly string[]): Promise<CsvError> {
  try {
    await collect(chunks);
  } catch (error) {
    assert.ok(error instanceof CsvError, `expected a CsvError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected readCsv to throw');
}

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cellmask-csv-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('readCsv', () => {
  it('parses quotes, doubled quotes, line breaks inside quotes and all line ends, with record lines', async () => {
    const text = '\uFEFFa,b\r\n"x ""q""","multi\nline"\r3,\n\n"",4';
    assert.deepEqual(await collect([text]), [
      { fields: ['a', 'b'], line: 1 },
      { fields: ['x "q"', 'multi\nline'], line: 2 },
      { fields: ['3', ''], line: 4 },
      // line 5 is empty and skipped; a quoted empty field is a record
      { fields: ['', '4'], line: 6 },
    ]);
  });

  it('gives the same records however the text is cut into chunks', () =>
    fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }).chain((width) =>
          fc.array(fc.array(fc.string({ unit: fc.constantFrom('a', 'é', ',', '"', '\n', '\r', ' ', '1') }), { minLength: width, maxLength: width }), {
            minLength: 1,
            maxLength: 8,
          }),
        ),
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.constantFrom('\n', '\r\n'),
        async (records, cuts, eol) => {
          // A record of one empty field is an empty line, which the reader skips.
          fc.pre(records.every((r) => r.length > 1 || r[0] !== ''));
          const text = records.map(formatCsvRow).join(eol) + eol;
          const bytes = Buffer.from(text, 'utf8');
          const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
          // Cut the bytes (not the characters) so multi-byte characters can straddle chunks.
          const chunks = [0, ...points].map((start, k) => bytes.subarray(start, k < points.length ? points[k] : bytes.length));
          const got = await collect(chunks);
          let line = 1;
          const expected = records.map((fields) => {
            const record = { fields, line };
            line += formatCsvRow(fields).split('\n').length;
            return record;
          });
          assert.deepEqual(got, expected);
        },
      ),
      { numRuns: 300 },
    ));

  it('reads a file path', async () => {
    const path = join(dir, 'plain.csv');
    await writeFile(path, 'id,v\nx,1\ny,2\n');
    const got: CsvRecord[] = [];
    for await (const r of readCsv(path)) got.push(r);
    assert.deepEqual(got.map((r) => r.fields), [['id', 'v'], ['x', '1'], ['y', '2']]);
  });

  it('names the file, line and column of an unterminated quote (where the quote opened)', async () => {
    const error = await csvError(['a,b\n1,"open\nstill open\n']);
    assert.equal(error.message, 'mem.csv:2:3: unterminated quoted field (no closing quote before the end of the input)');
  });

  it('rejects a quote inside an unquoted field and text after a closing quote', async () => {
    const stray = await csvError(['a,b\nab"c,d\n']);
    assert.equal(stray.line, 2);
    assert.equal(stray.column, 3);
    const trailing = await csvError(['a,b\r\n"x"y,1\n']);
    assert.equal(trailing.line, 2);
    assert.equal(trailing.column, 4);
    assert.match(trailing.message, /^mem\.csv:2:4: unexpected "y" after the closing quote/);
  });

  it('rejects a record whose field count differs from the first, naming its line', async () => {
    const error = await csvError(['a,b,c\n1,2,3\n"4\n5",6\n']);
    assert.equal(error.message, 'mem.csv:3: expected 3 fields (as on line 1), got 2');
  });

  it('names the file when it cannot be read', async () => {
    const missing = join(dir, 'missing.csv');
    await assert.rejects(async () => {
      for await (const _ of readCsv(missing)) assert.fail('no records expected');
    }, new RegExp(`readCsv: could not read ${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .*ENOENT`));
  });
});

describe('readCsvTable', () => {
  it('keys values by header name', async () => {
    const rows = [];
    for await (const row of readCsvTable(Readable.from(['id,v\nx,1\n']), { required: ['v'] })) rows.push(row);
    assert.deepEqual(rows, [{ values: { id: 'x', v: '1' }, line: 2 }]);
  });

  it('rejects missing and duplicate columns and an empty input', async () => {
    const read = async (text: string, required: string[]) => {
      for await (const _ of readCsvTable(Readable.from([text]), { name: 't.csv', required })) continue;
    };
    await assert.rejects(read('id,x\n', ['id', 'v', 'w']), { message: 't.csv:1: header lacks columns v, w (header: id,x)' });
    await assert.rejects(read('id,id\n', []), { message: 't.csv:1: duplicate column "id" in the header' });
    await assert.rejects(read('', ['id']), { message: 't.csv:1: empty input, expected a header with id' });
  });
});

describe('CSV writing', () => {
  it('quotes only fields that need it', () => {
    assert.equal(formatCsvField('plain text'), 'plain text');
    assert.equal(formatCsvField(12.5), '12.5');
    assert.equal(formatCsvField('a,b'), '"a,b"');
    assert.equal(formatCsvField('say "hi"'), '"say ""hi"""');
    assert.equal(formatCsvField('two\nlines'), '"two\nlines"');
    assert.equal(formatCsvRow(['x', 'y,z', 3]), 'x,"y,z",3');
  });

  it('writes a file that reads back, and leaves the old file intact when a write fails', async () => {
    const path = join(dir, 'out.csv');
    await writeCsv(path, [['id', 'text'], ['1', 'a "quoted", multi\nline value']]);
    assert.equal(await readFile(path, 'utf8'), 'id,text\n1,"a ""quoted"", multi\nline value"\n');
    const back: string[][] = [];
    for await (const r of readCsv(path)) back.push(r.fields);
    assert.deepEqual(back, [['id', 'text'], ['1', 'a "quoted", multi\nline value']]);
    await assert.rejects(writeCsv(path, [['a', 'b'], ['only one']]), /writeCsv: record 1 has 1 fields, the first has 2/);
    assert.equal(await readFile(path, 'utf8'), 'id,text\n1,"a ""quoted"", multi\nline value"\n');
  });
});
