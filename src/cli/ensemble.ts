/**
 * `cellmask ensemble --inputs DIR... --out DIR`: the solution's post-processing over files.
 * Each input directory holds one model's predictions, one JSON file per image (same file name =
 * same image); per image: class thresholds by each model's majority class, pooling, NMS (or mask
 * NMS, or WBF), overlap removal by the pooled majority class; written as per-image JSON in the
 * same shape, or one submission.csv.
 */
import { mkdir, readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';

import { type Command, UsageError, numberListOption, numberOption, parseCommandArgs, requireOption } from './command.js';
import { writeFileAtomic } from '../data/atomic.js';
import { writeSubmissionCsv } from '../data/submission.js';
import { predictionJson, readPredictionFile, submissionRows } from '../data/prediction-files.js';
import { ENSEMBLE_METHODS, type EnsembleMethod, SOLUTION_MIN_PIXELS, solutionEnsemble } from '../ensemble/index.js';

const help = `Usage: cellmask ensemble --inputs DIR [DIR...] --out DIR [options]

Ensembles the predictions of several models the way the Sartorius solution did. Each input
directory is one model: one JSON file per image, the same file name for the same image:
  {"boxes": [[x1, y1, x2, y2], ...], "scores": [...], "classes": [...],
   "masks": ["<Kaggle RLE>", ...], "height": h, "width": w}
(boxes in absolute pixels; classes 0 shsy5y, 1 astro, 2 cort; masks optional).

Per image: each model's detections below the threshold of that model's majority class are
dropped (--class-thresholds), the models' detections are pooled, duplicates are suppressed
(--method), and, when there are masks, overlaps are removed in descending score order, keeping
a mask when at least --min-pixels of the pooled majority class remain.

Options:
  --inputs DIR...             model directories (repeat --inputs or list several)
  --out DIR                   output directory (created if missing)
  --iou X                     IoU threshold of the NMS or WBF (default 0.4, the solution's)
  --method nms|mask-nms|wbf   box NMS (default), mask-IoU NMS, or weighted boxes fusion
  --class-agnostic            let detections of different classes suppress each other
                              (default: class-aware, as the solution's ensemble_boxes.nms)
  --class-thresholds A,B,C    per-class score thresholds (the solution: 0.17,0.30,0.60;
                              default: none)
  --min-pixels A,B,C          per-class minimum mask size after overlap removal (default 75,150,75)
  --format json|csv           per-image JSON files in the input shape (default), or one
                              submission.csv (id = file name without .json; one row per mask,
                              an image without masks gets one row with empty predicted)
  -h, --help                  show this help
`;

export const command: Command = {
  name: 'ensemble',
  summary: 'pool several models\' predictions: NMS/WBF, class thresholds, overlap removal',
  help,
  async run(argv, io) {
    const parsed = parseCommandArgs(
      argv,
      {
        inputs: { type: 'string', multiple: true },
        out: { type: 'string' },
        iou: { type: 'string' },
        method: { type: 'string' },
        'class-agnostic': { type: 'boolean' },
        'class-thresholds': { type: 'string' },
        'min-pixels': { type: 'string' },
        format: { type: 'string' },
      },
      true,
    );
    if (parsed === undefined) {
      io.stdout(help);
      return 0;
    }
    const { values } = parsed;
    const inputs = [...(values.inputs ?? []), ...parsed.positionals];
    if (inputs.length === 0) throw new UsageError('missing required option --inputs');
    const out = requireOption(values, 'out');
    const iou = numberOption(values.iou, 'iou', 0.4);
    const method = (values.method ?? 'nms') as EnsembleMethod;
    if (!ENSEMBLE_METHODS.includes(method)) throw new UsageError(`--method must be ${ENSEMBLE_METHODS.join(', ')}, got "${method}"`);
    const format = values.format ?? 'json';
    if (format !== 'json' && format !== 'csv') throw new UsageError(`--format must be json or csv, got "${format}"`);
    const thresholds = values['class-thresholds'] === undefined ? null : numberListOption(values['class-thresholds'], 'class-thresholds');
    const minPixels = values['min-pixels'] === undefined ? SOLUTION_MIN_PIXELS : numberListOption(values['min-pixels'], 'min-pixels');

    const files = await imageFiles(inputs);
    await mkdir(out, { recursive: true });
    const rows: { id: string; predicted: string }[] = [];
    let kept = 0;
    for (const name of [...files.keys()].sort()) {
      const perModel = await Promise.all(files.get(name)!.map((path) => readPredictionFile(path)));
      const result = solutionEnsemble(perModel, { method, iouThreshold: iou, classAware: values['class-agnostic'] !== true, classThresholds: thresholds, minPixels });
      kept += result.scores.length;
      if (format === 'json') {
        await writeFileAtomic(join(out, name), `${JSON.stringify(predictionJson(result))}\n`);
      } else {
        if (result.masks === undefined) throw new Error(`${files.get(name)![0]}: --format csv needs masks, this image has none`);
        rows.push(...submissionRows(basename(name, '.json'), result));
      }
    }
    if (format === 'csv') await writeSubmissionCsv(join(out, 'submission.csv'), rows);
    io.stdout(`ensembled ${files.size} images from ${inputs.length} models (${method}, IoU ${iou}): ${kept} detections -> ${format === 'csv' ? join(out, 'submission.csv') : out}\n`);
    return 0;
  },
};

/** JSON file name -> its path in each input directory that has it, in input order. */
async function imageFiles(inputs: readonly string[]): Promise<Map<string, string[]>> {
  const files = new Map<string, string[]>();
  for (const dir of inputs) {
    let names: string[];
    try {
      names = (await readdir(dir)).filter((n) => n.endsWith('.json'));
    } catch (error) {
      throw new Error(`cannot read input directory ${dir}: ${(error as Error).message}`);
    }
    if (names.length === 0) throw new Error(`input directory ${dir} has no .json prediction files`);
    for (const n of names) files.set(n, [...(files.get(n) ?? []), join(dir, n)]);
  }
  return files;
}
