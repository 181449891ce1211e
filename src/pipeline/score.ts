/**
 * The competition's score of a `submission.csv` against truth in `train.csv`'s format: MAP-IoU
 * per image, per cell type and overall (`cellmask evaluate`, and the pipeline's scoring stage).
 */
import { CsvError } from '../data/csv.js';
import { type TrainImage, loadTrainCsv } from '../data/sartorius.js';
import { type SubmissionRecord, readSubmissionCsv } from '../data/submission.js';
import { type MapIouDatasetResult, evaluateMapIou } from '../metrics/index.js';
import { truthMasks } from '../report/files.js';
import { kaggleRleToCounts } from '../rle/index.js';

/** Row-major counts of every predicted object, keyed by image id; empty `predicted` rows add nothing. */
function predictionCounts(
  records: readonly SubmissionRecord[],
  truth: ReadonlyMap<string, TrainImage>,
  file: string,
): Map<string, Uint32Array[]> {
  const unknown = [...new Set(records.map((r) => r.id).filter((id) => !truth.has(id)))];
  if (unknown.length > 0) {
    const shown = unknown.slice(0, 5).join(', ');
    throw new Error(
      `${file}: predictions for ${unknown.length} image id(s) not in the truth: ${shown}${unknown.length > 5 ? ', ...' : ''}`,
    );
  }
  const out = new Map<string, Uint32Array[]>();
  for (const record of records) {
    const image = truth.get(record.id)!;
    const masks = out.get(record.id) ?? [];
    out.set(record.id, masks);
    if (record.predicted.trim() === '') continue;
    masks.push(decodeRow(record.predicted, image, file, record.line, 'predicted'));
  }
  return out;
}

function decodeRow(text: string, image: TrainImage, file: string, line: number, column: string): Uint32Array {
  try {
    return kaggleRleToCounts(text, image.height, image.width);
  } catch (error) {
    throw new CsvError(file, line, undefined, `image ${image.id}: column ${column}: ${(error as Error).message}`);
  }
}

/**
 * MAP-IoU of the submission at `submissionPath` against the truth at `truthPath`. Images of the
 * truth without prediction rows score 0.
 * @throws CsvError naming the file and line of a malformed row or run-length text; Error for
 *   predictions of images that are not in the truth.
 */
export async function scoreSubmission(truthPath: string, submissionPath: string): Promise<MapIouDatasetResult> {
  const images = await loadTrainCsv(truthPath);
  const byId = new Map(images.map((image) => [image.id, image] as const));
  // The truth is checked before the predictions, so a broken truth file is named first.
  const truth = new Map(images.map((image) => [image.id, truthMasks(image)] as const));
  const pred = predictionCounts(await readSubmissionCsv(submissionPath), byId, submissionPath);
  return evaluateMapIou(
    images.map((image) => ({
      id: image.id,
      cellType: image.cellType,
      truth: truth.get(image.id)!,
      pred: pred.get(image.id) ?? [],
    })),
  );
}
