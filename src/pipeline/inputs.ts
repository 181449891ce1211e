/**
 * Where a reproduction's data comes from: the competition's folder (`train.csv`, `train/`,
 * `test/`), LIVECell's COCO files, or, at toy scale, synthetic stand-ins for all three that the
 * pipeline writes itself.
 */
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

import { pathExists } from '../data/atomic.js';
import { writeSynthDataset } from '../data/synth/write-dataset.js';
import { type TrainingDataset, livecellDataset } from '../train/data/records.js';
import type { ToyDataPlan } from './plan.js';

/** The competition's files as the pipeline reads them. */
export interface CompetitionInputs {
  /** Holds `train.csv` and `train/<id>.png`. */
  readonly data: string;
  /** The PNG images to predict and submit (Kaggle's `test/`). */
  readonly testImages: string;
  /** Truth of the test images in `train.csv`'s format, when known (it is at toy scale). */
  readonly testTruth?: string;
}


/**
 * LIVECell's pretraining data in `dir`: `livecell_coco_train.json` (and `livecell_coco_val.json`,
 * evaluated on when present) with the images in `images/` or `images/livecell_train_val_images/`
 * (the layout of LIVECell's release), or `annotations.json` with `images/` (what
 * `cellmask synth --format livecell` writes; no validation set).
 * @throws Error naming `dir` and the layouts looked for.
 */
export async function livecellInputs(dir: string): Promise<{ training: TrainingDataset; validation?: TrainingDataset }> {
  const releaseImages = join(dir, 'images', 'livecell_train_val_images');
  const imageDir = (await pathExists(releaseImages)) ? releaseImages : join(dir, 'images');
  if (await pathExists(join(dir, 'livecell_coco_train.json'))) {
    const training = await livecellDataset(join(dir, 'livecell_coco_train.json'), imageDir);
    const val = join(dir, 'livecell_coco_val.json');
    return (await pathExists(val)) ? { training, validation: await livecellDataset(val, imageDir) } : { training };
  }
  if (await pathExists(join(dir, 'annotations.json'))) return { training: await livecellDataset(join(dir, 'annotations.json'), imageDir) };
  throw new Error(
    `--livecell ${dir}: expected livecell_coco_train.json (+ livecell_coco_val.json) with images/ or ` +
      'images/livecell_train_val_images/ (LIVECell\'s release, images in one folder), or annotations.json with images/',
  );
}

/**
 * The competition's folder `dir`: `train.csv` and `train/` for training; the images to predict
 * from `testImages` or else `dir/test/`.
 * @throws Error naming what is missing.
 */
export async function competitionInputs(dir: string, testImages?: string, testTruth?: string): Promise<CompetitionInputs> {
  if (!(await pathExists(join(dir, 'train.csv')))) throw new Error(`--data ${dir}: no train.csv (expected the competition's folder: train.csv, train/, test/)`);
  const test = testImages ?? join(dir, 'test');
  if (!(await pathExists(test))) throw new Error(`no test images: ${test} does not exist (give the folder of PNGs to predict with --test DIR)`);
  if (testTruth !== undefined && !(await pathExists(testTruth))) throw new Error(`--test-truth ${testTruth}: no such file`);
  return { data: dir, testImages: test, ...(testTruth !== undefined ? { testTruth } : {}) };
}

/** The folders `writeToyData` fills under its root. */
export function toyDataLayout(root: string): CompetitionInputs & { readonly livecell: string } {
  return {
    data: join(root, 'competition'),
    testImages: join(root, 'test', 'train'),
    testTruth: join(root, 'test', 'train.csv'),
    livecell: join(root, 'livecell'),
  };
}

/**
 * Writes the toy run's synthetic data under `root` (see `toyDataLayout`): a competition-format
 * training set, a held-out test set of other wells with its truth, and a LIVECell-format set.
 * Everything is written under `root.partial` and renamed at the end, so `root` exists only
 * complete.
 */
export async function writeToyData(root: string, plan: ToyDataPlan): Promise<void> {
  const partial = `${root}.partial`;
  await rm(partial, { recursive: true, force: true });
  const size = { height: plan.height, width: plan.width };
  const layout = toyDataLayout(partial);
  await writeSynthDataset({ out: layout.data, images: plan.trainImages, seed: plan.seed, format: 'sartorius', ...size });
  await writeSynthDataset({ out: join(partial, 'test'), images: plan.testImages, seed: plan.seed + 1, format: 'sartorius', ...size });
  await writeSynthDataset({ out: layout.livecell, images: plan.livecellImages, seed: plan.seed + 2, format: 'livecell', ...size });
  await rename(partial, root);
}
