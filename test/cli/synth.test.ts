import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import type { CommandIO } from '../../src/cli/command.js';
import { UsageError } from '../../src/cli/command.js';
import { command } from '../../src/cli/synth.js';

function capture(): CommandIO & { out: string[] } {
  const out: string[] = [];
  return { out, stdout: (t) => out.push(t), stderr: (t) => out.push(t) };
}

describe('cellmask synth', () => {
  it('lists every option in --help', async () => {
    const io = capture();
    assert.equal(await command.run(['--help'], io), 0);
    for (const option of ['--out', '--images', '--seed', '--format', '--height', '--width', '--cell-types']) {
      assert.ok(io.out.join('').includes(option), `help lacks ${option}`);
    }
  });

  it('writes a livecell dataset of the cell types asked for', async () => {
    const out = await mkdtemp(join(tmpdir(), 'cellmask-cli-synth-'));
    const io = capture();
    const argv = ['--out', out, '--images', '2', '--seed', '3', '--format', 'livecell', '--height', '64', '--width', '96', '--cell-types', 'cort'];
    assert.equal(await command.run(argv, io), 0);
    assert.match(io.out.join(''), /wrote 2 images with \d+ instances \(livecell\)/);
    const tifs = await readdir(join(out, 'images'));
    assert.equal(tifs.length, 2);
    assert.ok(tifs.every((f) => /^CORT_Phase_[A-H]\d+_\d_\d{2}d\d{2}h\d{2}m_[0-9a-f]{12}\.tif$/.test(f)), tifs.join(' '));
    const coco = JSON.parse(await readFile(join(out, 'annotations.json'), 'utf8'));
    assert.ok(coco.annotations.every((a: { category_id: number }) => a.category_id === 3));
    assert.match(await readFile(join(out, 'README.txt'), 'utf8'), /--seed 3 --format livecell --height 64 --width 96 --cell-types cort/);
  });

  it('refuses bad arguments with a UsageError naming the option', async () => {
    await assert.rejects(command.run(['--images', '2'], capture()), (e: Error) => e instanceof UsageError && /--out/.test(e.message));
    await assert.rejects(command.run(['--out', 'x', '--format', 'png'], capture()), /--format must be one of sartorius, livecell, got "png"/);
    await assert.rejects(command.run(['--out', 'x', '--cell-types', 'hela'], capture()), /--cell-types: unknown cell type "hela"/);
    await assert.rejects(command.run(['--out', 'x', '--images', '0'], capture()), /--images must be an integer >= 1, got "0"/);
  });
});
