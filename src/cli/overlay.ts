/**
 * `cellmask overlay --pred PATH [--truth train.csv] --images DIR --out DIR`: each predicted
 * image as a PNG with its predicted (and, given the truth, its true) mask outlines drawn on it.
 */
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';

import { type Command, type CommandIO, UsageError, numberOption, parseCommandArgs, requireOption } from './command.js';
import { readPredictionSource, predictedMasks, predictionIds } from '../data/prediction-files.js';
import { writeFileAtomic } from '../data/atomic.js';
import { CsvError } from '../data/csv.js';
import { readPng } from '../data/image.js';
import { type TrainImage, loadTrainCsv } from '../data/sartorius.js';
import {
  OVERLAY_STYLE,
  type OverlayStyle,
  checkFileId,
  checkImageFiles,
  checkPredictedIds,
  checkTruthSize,
  overlayImage,
  readOverlayBase,
  rgbPng,
  truthMasks,
} from '../report/index.js';
import { kaggleRleToCounts } from '../rle/index.js';

const help = `Usage: cellmask overlay --pred PATH [--truth train.csv] --images DIR --out DIR [options]

Draws each predicted image's mask outlines on the image and writes it as OUT/<id>.png:
predicted outlines magenta (their cells tinted), true outlines green, both white.

Options:
  --pred PATH      predictions: a directory of <id>.json files as cellmask predict and
                   cellmask ensemble write them, or a submission.csv (id,predicted)
  --truth FILE     ground truth in train.csv format: adds the true outlines
  --images DIR     the images, as DIR/<id>.png (8- or 16-bit grey, RGB or RGBA)
  --out DIR        output directory (created if missing)
  --ids A,B,...    only these images (default: every image with predictions)
  --fill X         opacity of the tint over predicted cells, 0 to 1 (default ${OVERLAY_STYLE.fill}; 0: none)
  -h, --help       show this help
`;

/** The `--fill` option as an overlay style, or a `UsageError` when it is outside [0, 1]. */
export function overlayStyle(fill: string | undefined): OverlayStyle {
  const value = numberOption(fill, 'fill', OVERLAY_STYLE.fill);
  if (value < 0 || value > 1) throw new UsageError(`--fill must be between 0 and 1, got "${fill}"`);
  return { ...OVERLAY_STYLE, fill: value };
}

async function run(argv: string[], io: CommandIO): Promise<number> {
  const parsed = parseCommandArgs(argv, {
    pred: { type: 'string' },
    truth: { type: 'string' },
    images: { type: 'string' },
    out: { type: 'string' },
    ids: { type: 'string' },
    fill: { type: 'string' },
  });
  if (parsed === undefined) {
    io.stdout(help);
    return 0;
  }
  if (parsed.positionals.length > 0) throw new UsageError(`unexpected argument "${parsed.positionals[0]}"`);
  const { values } = parsed;
  const predPath = requireOption(values, 'pred');
  const imagesDir = requireOption(values, 'images');
  const out = requireOption(values, 'out');
  const style = overlayStyle(values.fill);

  const truthImages = values.truth === undefined ? [] : await loadTrainCsv(values.truth);
  const truth = new Map(truthImages.map((image) => [image.id, image] as const));
  const source = await readPredictionSource(predPath);
  const predicted = predictionIds(source);
  if (values.truth !== undefined) checkPredictedIds(predicted, truth, predPath, values.truth);
  let ids = predicted;
  if (values.ids !== undefined) {
    ids = values.ids.split(',').map((id) => id.trim()).filter((id) => id !== '');
    if (ids.length === 0) throw new UsageError('--ids must list at least one image id');
    const known = new Set(predicted);
    const unknown = ids.filter((id) => !known.has(id) && !truth.has(id));
    if (unknown.length > 0) {
      throw new Error(`--ids: no predictions${values.truth === undefined ? '' : ' or truth'} for image(s) ${unknown.slice(0, 5).join(', ')}${unknown.length > 5 ? ', ...' : ''}`);
    }
  }
  for (const id of ids) checkFileId(id, predPath);
  await checkImageFiles(imagesDir, ids);

  await mkdir(out, { recursive: true });
  for (const id of ids) {
    const base = await readOverlayBase(imagesDir, id);
    const image = truth.get(id);
    if (image !== undefined) checkTruthSize(base, image, imagesDir);
    const trueMasks = image === undefined ? [] : truthMasks(image);
    const predMasks = predictedMasks(source, id, base.height, base.width);
    await writeFileAtomic(join(out, `${id}.png`), rgbPng(overlayImage(base, trueMasks, predMasks, style)));
  }
  io.stdout(`wrote ${ids.length} overlay${ids.length === 1 ? '' : 's'} (${values.truth === undefined ? 'predictions only' : 'predictions and truth'}) to ${out}\n`);
  return 0;
}

/** `cellmask overlay`: PNGs of images with their predicted and true mask outlines. */
export const command: Command = {
  name: 'overlay',
  summary: 'draw predicted (and true) mask outlines on the images, as PNGs',
  help,
  run,
};
