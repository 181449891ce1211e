/**
 * The whole solution at toy scale, on data this script makes itself, through the library's API
 * (what `cellmask reproduce --scale toy` runs):
 *
 *   1. synthesize a competition-format training set (40 images), a test set of other wells with
 *      its truth (10), and a LIVECell-format pretraining set (40), at 260 x 352 px;
 *   2. pretrain the small Mask R-CNN (`mask_rcnn_R_50_FPN_small`: a quarter-width R-50-FPN) on
 *      the LIVECell-format set with 10 classes, as the solution pretrained on LIVECell;
 *   3. finetune it 5 times, once per fold of the training set grouped by well (`sample_id`),
 *      with the finetune schedule's halvings scaled to the run;
 *   4. predict the test images with each fold model (worker threads), ensemble them by NMS with
 *      the solution's per-class thresholds, remove overlaps, write submission.csv and check it;
 *   5. score each fold model alone and the ensemble against the test truth (MAP-IoU), and write
 *      an HTML report of the ensemble (`OUT/report/index.html`, overlays in `OUT/report/overlays/`).
 *
 * An interrupted run continues where it stopped when started again with the same --out.
 *
 * Usage: npm run reproduce:toy -- [--out DIR] (default toy/). About 15 minutes on 2 cores.
 */
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

import '@tensorflow/tfjs'; // tfjs's gradient functions, which training needs
import { initWasmBackendNode, registerWasmTrainingKernels } from '../src/backend/index.js';
import type { ProgressStream } from '../src/train/index.js';
import { type ReproducePlan, type ReproduceResult, reproduce, reproducePlan } from '../src/pipeline/index.js';

export interface ToyReproductionOptions {
  readonly out: string;
  /** Default: `reproducePlan('toy')`. */
  readonly plan?: ReproducePlan;
  readonly log?: (message: string) => void;
  /** Where the training progress line goes (none without). */
  readonly progress?: ProgressStream;
}

/** Runs the toy reproduction into `out` (the report of its ensemble included). */
export async function reproduceToy(options: ToyReproductionOptions): Promise<ReproduceResult> {
  const log = options.log ?? ((message: string) => process.stderr.write(`${message}\n`));
  const { threads } = await initWasmBackendNode();
  registerWasmTrainingKernels();
  log(`training on tfjs-backend-wasm with ${threads} thread(s)`);
  return reproduce({ plan: options.plan ?? reproducePlan('toy'), out: options.out, log, progress: options.progress });
}

/** The scores as a table: each fold model alone, then the ensemble. */
export function scoreTable(result: ReproduceResult): string {
  const scores = result.scores;
  if (scores === undefined) return 'no test truth, no scores\n';
  const lines = ['model            held-out fold  test MAP-IoU'];
  for (const f of scores.folds) {
    lines.push(`fold ${f.fold} alone     ${(f.validationMapIou?.toFixed(4) ?? '-').padStart(13)}  ${f.testMapIou.toFixed(4).padStart(12)}`);
  }
  lines.push(`ensemble of ${scores.folds.length}    ${'-'.padStart(13)}  ${scores.ensemble.mapIou.toFixed(4).padStart(12)}`);
  return `${lines.join('\n')}\n`;
}

async function cli(): Promise<void> {
  const { values } = parseArgs({ options: { out: { type: 'string', default: 'toy' } } });
  const out = resolve(values.out!);
  const result = await reproduceToy({ out, progress: process.stderr });
  process.stdout.write(`\n${scoreTable(result)}\nsubmission: ${result.submission}\nreport:     ${join(out, 'report', 'index.html')}\nstages:     ${join(out, 'reproduce.json')}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  cli().catch((error: unknown) => {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exitCode = 1;
  });
}
