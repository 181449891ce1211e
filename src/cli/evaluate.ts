/**
 * `cellmask evaluate --truth train.csv --pred submission.csv [--json]`: the competition's
 * MAP-IoU of a submission against ground truth in `train.csv` format, per image, per cell type
 * and overall (mean over images).
 */
import { type Command, type CommandIO, UsageError, parseCommandArgs, requireOption } from './command.js';
import { CsvError } from '../data/csv.js';
import { type TrainImage, loadTrainCsv } from '../data/sartorius.js';
import { type SubmissionRecord, readSubmissionCsv } from '../data/submission.js';
import { type MapIouDatasetResult, evaluateMapIou } from '../metrics/index.js';
import { kaggleRleToCounts } from '../rle/index.js';

const help = `Usage: cellmask evaluate --truth train.csv --pred submission.csv [--json]

Scores a submission with the Sartorius competition's metric (MAP-IoU: per image, the mean over
IoU thresholds 0.50, 0.55, ..., 0.95 of TP / (TP + FP + FN); overall, the mean over images).

Options:
  --truth FILE   ground truth in the competition's train.csv format (one row per object;
                 id, annotation (Kaggle RLE), width, height, cell_type, ...)
  --pred FILE    predictions in submission.csv format (id,predicted; one row per object; an
                 empty predicted means no objects)
  --json         print one JSON object {"map_iou", "per_cell_type", "per_image"} instead of a table
  -h, --help     show this help

Images of the truth that have no prediction rows score 0. Predictions for an image that is not
in the truth are an error.
`;

/** Row-major counts of every truth object, keyed by image id (in the truth file's order). */
function truthCounts(images: readonly TrainImage[]): Map<string, Uint32Array[]> {
  const out = new Map<string, Uint32Array[]>();
  for (const image of images) {
    out.set(
      image.id,
      image.rows.map((row) => decodeRow(row.annotation, image, image.file, row.line, 'annotation')),
    );
  }
  return out;
}

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

function formatTable(result: MapIouDatasetResult): string {
  const counts = new Map<string, number>();
  for (const { cellType } of Object.values(result.perImage)) {
    if (cellType !== undefined) counts.set(cellType, (counts.get(cellType) ?? 0) + 1);
  }
  const rows: [string, string, string][] = [['cell type', 'images', 'MAP-IoU']];
  for (const [type, score] of Object.entries(result.perCellType)) {
    rows.push([type, String(counts.get(type) ?? 0), score.toFixed(4)]);
  }
  rows.push(['all', String(Object.keys(result.perImage).length), result.mapIou.toFixed(4)]);
  const width = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c].length)));
  const line = (r: [string, string, string]) =>
    `${r[0].padEnd(width[0])}  ${r[1].padStart(width[1])}  ${r[2].padStart(width[2])}`;
  const rule = '-'.repeat(width[0] + width[1] + width[2] + 4);
  return [line(rows[0]), rule, ...rows.slice(1, -1).map(line), rule, line(rows[rows.length - 1])].join('\n') + '\n';
}

async function run(argv: string[], io: CommandIO): Promise<number> {
  const parsed = parseCommandArgs(argv, {
    truth: { type: 'string' },
    pred: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (parsed === undefined) {
    io.stdout(help);
    return 0;
  }
  if (parsed.positionals.length > 0) throw new UsageError(`unexpected argument "${parsed.positionals[0]}"`);
  const truthPath = requireOption(parsed.values, 'truth');
  const predPath = requireOption(parsed.values, 'pred');

  const images = await loadTrainCsv(truthPath);
  const byId = new Map(images.map((image) => [image.id, image] as const));
  const truth = truthCounts(images);
  const pred = predictionCounts(await readSubmissionCsv(predPath), byId, predPath);
  const result = evaluateMapIou(
    images.map((image) => ({
      id: image.id,
      cellType: image.cellType,
      truth: truth.get(image.id)!,
      pred: pred.get(image.id) ?? [],
    })),
  );

  if (parsed.values.json === true) {
    const perImage: Record<string, number> = {};
    for (const [id, { score }] of Object.entries(result.perImage)) perImage[id] = score;
    io.stdout(`${JSON.stringify({ map_iou: result.mapIou, per_cell_type: result.perCellType, per_image: perImage })}\n`);
  } else {
    io.stdout(formatTable(result));
  }
  return 0;
}

/** `cellmask evaluate`: MAP-IoU of a submission.csv against a train.csv. */
export const command: Command = {
  name: 'evaluate',
  summary: 'score a submission.csv against a train.csv with the competition metric (MAP-IoU)',
  help,
  run,
};
