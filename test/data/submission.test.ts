import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readSubmissionCsv, writeSubmissionCsv, type SubmissionRow } from '../../src/data/submission.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cellmask-submission-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('submission.csv', () => {
  it('writes id,predicted rows (empty predictions included) that read back with their lines', async () => {
    const path = join(dir, 'submission.csv');
    await writeSubmissionCsv(path, [
      { id: '7ae19de7bc2a', predicted: '1 2 10 4' },
      { id: '7ae19de7bc2a', predicted: '30 1' },
      { id: 'd8bfd1dafdc4', predicted: '' },
    ]);
    assert.equal(await readFile(path, 'utf8'), 'id,predicted\n7ae19de7bc2a,1 2 10 4\n7ae19de7bc2a,30 1\nd8bfd1dafdc4,\n');
    assert.deepEqual(await readSubmissionCsv(path), [
      { id: '7ae19de7bc2a', predicted: '1 2 10 4', line: 2 },
      { id: '7ae19de7bc2a', predicted: '30 1', line: 3 },
      { id: 'd8bfd1dafdc4', predicted: '', line: 4 },
    ]);
  });

  it('rejects bad rows before touching the file that is there', async () => {
    const path = join(dir, 'keep.csv');
    await writeSubmissionCsv(path, [{ id: 'a', predicted: '1 1' }]);
    const before = await readFile(path, 'utf8');
    await assert.rejects(writeSubmissionCsv(path, [{ id: 'a', predicted: '1 1' }, { id: '', predicted: '' }]), {
      message: 'writeSubmissionCsv: row 1: id must be a non-empty string, got ""',
    });
    const noPrediction = { id: 'b', predicted: 5 } as unknown as SubmissionRow;
    await assert.rejects(writeSubmissionCsv(path, [noPrediction]), {
      message: 'writeSubmissionCsv: row 0 (id b): predicted must be a string, got number',
    });
    assert.equal(await readFile(path, 'utf8'), before);
  });

  it('names file and line for a missing column, an empty id or broken CSV', async () => {
    const cases: [string, string][] = [
      ['id,prediction\na,1 1\n', ':1: header lacks column predicted (header: id,prediction)'],
      ['id,predicted\na,1 1\n,2 2\n', ':3: column id: empty image id'],
      ['id,predicted\na,"1 1\n', ':2:3: unterminated quoted field (no closing quote before the end of the input)'],
    ];
    for (const [k, [text, suffix]] of cases.entries()) {
      const path = join(dir, `bad${k}.csv`);
      await writeFile(path, text);
      await assert.rejects(readSubmissionCsv(path), { message: path + suffix });
    }
  });
});
