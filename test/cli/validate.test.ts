import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { UsageError } from '../../src/cli/command.js';
import { command } from '../../src/cli/validate.js';
import { capture } from './capture.js';

describe('cellmask validate', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'cellmask-validate-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, lines: string[]) => {
    const path = join(dir, name);
    writeFileSync(path, `${lines.join('\n')}\n`);
    return path;
  };

  it('prints a one-line summary and exits 0 for a valid file', async () => {
    const path = write('ok.csv', ['id,predicted', 'a,1 5', 'a,6 5', 'b,']);
    const { io, out } = capture();
    assert.equal(await command.run([path, '--height', '4', '--width', '5'], io), 0);
    assert.deepEqual(out, [`OK: ${path}: 3 rows, 2 images, 2 masks, no problems (4 x 5)\n`]);
  });

  it('prints each problem with file:line and exits 1', async () => {
    const path = write('bad.csv', ['id,predicted', 'a,1 5', 'a,3 4', 'b,5 1 2 1']);
    const { io, out, err } = capture();
    assert.equal(await command.run([path, '--height', '4', '--width', '5'], io), 1);
    assert.equal(out.length, 2);
    assert.equal(out[0], `${path}:line 3 (id a): mask overlaps the mask of line 2 in 3 pixels; masks may not overlap\n`);
    assert.match(out[1], new RegExp(`^${path}:line 4 \\(id b\\): invalid run-length text: .*sorted`));
    assert.deepEqual(err, [`2 problems in ${path}\n`]);
  });

  it('prints JSON with --json', async () => {
    const path = write('json.csv', ['id,predicted', 'a,1 5', 'a,3 4']);
    const { io, out } = capture();
    assert.equal(await command.run([path, '--json', '--height', '4', '--width', '5'], io), 1);
    const report = JSON.parse(out.join(''));
    assert.equal(report.ok, false);
    assert.deepEqual(report.problems.map((p: { line: number; otherLine: number }) => [p.line, p.otherLine]), [[3, 2]]);
  });

  it('needs exactly one file', async () => {
    await assert.rejects(command.run([], capture().io), UsageError);
  });
});
