/**
 * A training run's data: a dataset folder opened in whichever layout it has, split into a
 * training part and a held-out validation fold, and the validation images with their truth at
 * their own resolution (what the evaluation hook scores).
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';

import { type KFoldItem, groupKFold } from '../../data/kfold.js';
import { CELL_TYPES } from '../../data/sartorius.js';
import type { ValidationSample } from '../evaluate.js';
import { type TrainingDataset, livecellDataset, sartoriusDataset } from './records.js';

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

/**
 * The dataset in `dir`: `train.csv` + `train/` (the competition's layout), or `annotations.json`
 * + `images/` (COCO, as `cellmask synth --format livecell` writes LIVECell's).
 * @throws Error naming `dir` and both layouts when it has neither.
 */
export async function openDataset(dir: string): Promise<TrainingDataset> {
  if (await isFile(join(dir, 'train.csv'))) return sartoriusDataset(dir);
  if (await isFile(join(dir, 'annotations.json'))) return livecellDataset(join(dir, 'annotations.json'), join(dir, 'images'));
  throw new Error(`${dir}: expected train.csv with train/ (the competition's layout) or annotations.json with images/ (COCO)`);
}

/** The images `indices` of `dataset`, as a dataset of their own. */
export function subsetDataset(dataset: TrainingDataset, indices: readonly number[]): TrainingDataset {
  const check = (i: number): number => {
    if (!Number.isInteger(i) || i < 0 || i >= indices.length) throw new RangeError(`TrainingDataset: index ${i} is out of range [0, ${indices.length})`);
    return indices[i];
  };
  return {
    size: indices.length,
    ids: indices.map((i) => dataset.ids[i]),
    dropped: dataset.dropped,
    source: (i) => dataset.source(check(i)),
    load: (i) => dataset.load(check(i)),
  };
}

/**
 * The k-fold item of image `index`: its group is the well it was imaged in (`sample_id`) when the
 * dataset records one (time-lapse images of one well look alike, so they must not straddle
 * training and validation), else the image itself; its stratum is the class of its instances
 * when it has a single one (the competition's cell type).
 */
function foldItem(dataset: TrainingDataset, index: number): KFoldItem {
  const source = dataset.source(index);
  if (source.kind !== 'sartorius') return { group: `image:${source.id}`, stratum: '' };
  return { group: source.sampleId !== undefined ? `sample:${source.sampleId}` : `image:${source.id}`, stratum: String(source.classId) };
}

/**
 * Training images and validation fold `fold` of `folds`, as the solution split the competition's
 * data: grouped by `sample_id` (by image where there is none) and balanced by cell type, with
 * `groupKFold` (scikit-learn's `StratifiedGroupKFold`); `folds` 1 keeps every image for training.
 */
export function splitDataset(dataset: TrainingDataset, folds: number, fold: number, seed: number): { training: TrainingDataset; validation?: TrainingDataset } {
  if (folds === 1) return { training: dataset };
  const items = dataset.ids.map((_, i) => foldItem(dataset, i));
  const assignment = groupKFold(items, folds, seed);
  const training: number[] = [];
  const validation: number[] = [];
  assignment.forEach((f, i) => (f === fold ? validation : training).push(i));
  return { training: subsetDataset(dataset, training), validation: subsetDataset(dataset, validation) };
}

/** Every image of `dataset` with its ground truth, unaugmented, for evaluation. */
export async function validationSamples(dataset: TrainingDataset): Promise<ValidationSample[]> {
  const samples: ValidationSample[] = [];
  for (let i = 0; i < dataset.size; i++) {
    const record = await dataset.load(i);
    const source = dataset.source(i);
    samples.push({
      id: record.id,
      picture: record.picture,
      height: record.picture.height,
      width: record.picture.width,
      gtClasses: record.gtClasses,
      gtMasks: record.gtMasks,
      cellType: source.kind === 'sartorius' ? CELL_TYPES[source.classId] : undefined,
    });
  }
  return samples;
}
