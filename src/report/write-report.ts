/**
 * A report on disk: predictions scored against train.csv, each image's overlay written as
 * `<out>/overlays/<id>.png` and the page as `<out>/index.html` (static: open it from the file
 * system). What `cellmask report` and the pipeline's report stage write.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

import { writeFileAtomic } from '../data/atomic.js';
import { predictedMasks, predictionIds, readPredictionSource } from '../data/prediction-files.js';
import { loadTrainCsv } from '../data/sartorius.js';
import { checkFileId, checkImageFiles, checkPredictedIds, checkTruthSize, readOverlayBase, truthMasks } from './files.js';
import { OVERLAY_DIR, overlayPath, reportHtml } from './html.js';
import { OVERLAY_STYLE, type OverlayStyle, overlayImage, rgbPng } from './overlay.js';
import { type ImageScore, type ReportScores, scoreImage, summarizeScores } from './scores.js';

export interface WriteReportOptions {
  /** A directory of `<id>.json` predictions (as `cellmask predict` writes them) or a submission.csv. */
  readonly pred: string;
  /** Truth in train.csv's format; its `cell_type` column groups the images. */
  readonly truth: string;
  /** Holds `<id>.png` for each image of the truth. */
  readonly images: string;
  /** Created if missing. */
  readonly out: string;
  /** The page's title (default "cellmask report"). */
  readonly title?: string;
  readonly style?: OverlayStyle;
}

/**
 * Scores every image of the truth (those without predictions score 0), writes the overlays and
 * the page; resolves to the scores and the page's path.
 * @throws Error naming the file at fault: predictions of images not in the truth, a missing or
 *   unreadable image, an image whose size is not the truth's, malformed predictions or truth.
 */
export async function writeReport(options: WriteReportOptions): Promise<{ readonly index: string; readonly scores: ReportScores }> {
  const { pred, images, out, style = OVERLAY_STYLE } = options;
  const truth = await loadTrainCsv(options.truth);
  if (truth.length === 0) throw new Error(`${options.truth}: no images (the file has a header and no rows)`);
  for (const image of truth) checkFileId(image.id, options.truth);
  const source = await readPredictionSource(pred);
  checkPredictedIds(predictionIds(source), new Map(truth.map((image) => [image.id, image] as const)), pred, options.truth);
  await checkImageFiles(images, truth.map((image) => image.id));

  await mkdir(join(out, OVERLAY_DIR), { recursive: true });
  const perImage: ImageScore[] = [];
  for (const image of truth) {
    const base = await readOverlayBase(images, image.id);
    checkTruthSize(base, image, images);
    const trueMasks = truthMasks(image);
    const predMasks = predictedMasks(source, image.id, image.height, image.width);
    perImage.push(scoreImage({ id: image.id, cellType: image.cellType, height: image.height, width: image.width, truth: trueMasks, pred: predMasks }));
    await writeFileAtomic(join(out, overlayPath(image.id)), rgbPng(overlayImage(base, trueMasks, predMasks, style)));
  }
  const scores = summarizeScores(perImage);
  const page = reportHtml(scores, {
    ...(options.title === undefined ? {} : { title: options.title }),
    sources: [
      ['predictions', pred],
      ['truth', options.truth],
      ['images', images],
    ],
    style,
  });
  const index = join(out, 'index.html');
  await writeFileAtomic(index, page);
  return { index, scores };
}
