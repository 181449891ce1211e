/**
 * `cellmask evaluate --truth train.csv --pred submission.csv [--json]`: the competition's
 * MAP-IoU of a submission against ground truth in `train.csv` format, per image, per cell type
 * and overall (mean over images).
 */
import { type Command, type CommandIO, UsageError, parseCommandArgs, requireOption } from './command.js';
import type { MapIouDatasetResult } from '../metrics/index.js';
import { scoreSubmission } from '../pipeline/score.js';

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

  const result = await scoreSubmission(truthPath, predPath);

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
