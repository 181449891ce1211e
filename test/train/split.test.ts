/**
 * The folds of `splitDataset` as the solution made them: no well (`sample_id`) in two folds,
 * every image validated exactly once, each cell type in the validation folds.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { writeSynthDataset } from '../../src/data/synth/write-dataset.js';
import { openDataset, splitDataset } from '../../src/train/data/split.js';
import type { TrainingDataset } from '../../src/train/data/records.js';

/** sample_id of each image id, read back from the CSV (column 7 of 9). */
function sampleIds(csv: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of readFileSync(csv, 'utf8').trim().split('\n').slice(1)) {
    const cells = line.split(',');
    map.set(cells[0], cells[7]);
  }
  return map;
}

function validationIds(dataset: TrainingDataset, folds: number, seed: number): string[][] {
  return Array.from({ length: folds }, (_, fold) => [...splitDataset(dataset, folds, fold, seed).validation!.ids]);
}

describe('splitDataset', () => {
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cellmask-split-'));
    await writeSynthDataset({ out: join(dir, 'data'), images: 24, seed: 5, format: 'sartorius', height: 48, width: 64 });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps each well in one fold and validates every image once', async () => {
    const dataset = await openDataset(join(dir, 'data'));
    const wells = sampleIds(join(dir, 'data', 'train.csv'));
    assert.ok(new Set(wells.values()).size < wells.size, 'the synthetic data has wells of several images');
    const folds = validationIds(dataset, 5, 0);
    assert.deepEqual(folds.flat().sort(), [...dataset.ids].sort());
    const foldOfWell = new Map<string, number>();
    folds.forEach((ids, fold) => {
      assert.ok(ids.length > 0, `fold ${fold} is empty`);
      for (const id of ids) {
        const well = wells.get(id)!;
        assert.equal(foldOfWell.get(well) ?? fold, fold, `well ${well} is in folds ${foldOfWell.get(well)} and ${fold}`);
        foldOfWell.set(well, fold);
      }
    });
    for (let fold = 0; fold < 5; fold++) {
      const { training, validation } = splitDataset(dataset, 5, fold, 0);
      assert.equal(training.size + validation!.size, dataset.size);
      assert.ok(!training.ids.some((id) => validation!.ids.includes(id)));
    }
  });

  it('groups by image when train.csv has no sample_id column', async () => {
    const csv = readFileSync(join(dir, 'data', 'train.csv'), 'utf8').trim().split('\n');
    const header = csv[0].split(',');
    const keep = header.map((name, k) => (name === 'sample_id' ? -1 : k)).filter((k) => k >= 0);
    const noWells = join(dir, 'no-wells.csv');
    writeFileSync(noWells, `${csv.map((line) => keep.map((k) => line.split(',')[k]).join(',')).join('\n')}\n`);
    const { sartoriusDataset } = await import('../../src/train/data/records.js');
    const dataset = await sartoriusDataset(join(dir, 'data'), { csv: noWells });
    const wells = sampleIds(join(dir, 'data', 'train.csv'));
    const folds = validationIds(dataset, 5, 0);
    assert.deepEqual(folds.flat().sort(), [...dataset.ids].sort());
    // Grouped by image, some well of the synthetic data now straddles two folds.
    const foldsOfWell = new Map<string, Set<number>>();
    folds.forEach((ids, fold) => ids.forEach((id) => foldsOfWell.set(wells.get(id)!, (foldsOfWell.get(wells.get(id)!) ?? new Set()).add(fold))));
    assert.ok([...foldsOfWell.values()].some((s) => s.size > 1));
  });
});
