/**
 * `cellmask report --pred PATH --truth train.csv --images DIR --out DIR`: a static HTML page of
 * how predictions score against the truth (per image, per cell type, worst images first), each
 * image shown with its true and predicted outlines: OUT/index.html and OUT/overlays/<id>.png.
 */
import { type Command, type CommandIO, UsageError, parseCommandArgs, requireOption } from './command.js';
import { overlayStyle } from './overlay.js';
import { OVERLAY_STYLE, writeReport } from '../report/index.js';

const help = `Usage: cellmask report --pred PATH --truth train.csv --images DIR --out DIR [options]

Writes a static HTML report (open OUT/index.html in a browser; no server needed): the
competition's MAP-IoU overall, per cell type and per image with TP/FP/FN at IoU 0.5 and the
precision at every threshold, the images worst first, and each image with its true outlines
(green) and predicted outlines (magenta, cells tinted; white where both coincide), written
as OUT/overlays/<id>.png.

Options:
  --pred PATH      predictions: a directory of <id>.json files as cellmask predict and
                   cellmask ensemble write them, or a submission.csv (id,predicted)
  --truth FILE     ground truth in the competition's train.csv format (the cell_type column
                   gives each image's cell type)
  --images DIR     the images, as DIR/<id>.png, one for each image of the truth
  --out DIR        output directory (created if missing)
  --title TEXT     the page's title (default "cellmask report")
  --fill X         opacity of the tint over predicted cells, 0 to 1 (default ${OVERLAY_STYLE.fill}; 0: none)
  -h, --help       show this help

Images of the truth without predictions score 0 and are shown. Predictions for an image that
is not in the truth are an error.
`;

async function run(argv: string[], io: CommandIO): Promise<number> {
  const parsed = parseCommandArgs(argv, {
    pred: { type: 'string' },
    truth: { type: 'string' },
    images: { type: 'string' },
    out: { type: 'string' },
    title: { type: 'string' },
    fill: { type: 'string' },
  });
  if (parsed === undefined) {
    io.stdout(help);
    return 0;
  }
  if (parsed.positionals.length > 0) throw new UsageError(`unexpected argument "${parsed.positionals[0]}"`);
  const { values } = parsed;
  const predPath = requireOption(values, 'pred');
  const truthPath = requireOption(values, 'truth');
  const imagesDir = requireOption(values, 'images');
  const out = requireOption(values, 'out');
  const style = overlayStyle(values.fill);

  const { index, scores: report } = await writeReport({
    pred: predPath,
    truth: truthPath,
    images: imagesDir,
    out,
    style,
    ...(values.title === undefined ? {} : { title: values.title }),
  });
  const perType = report.perCellType.map((group) => `${group.cellType} ${group.score.toFixed(4)}`).join(', ');
  const worst = report.images[0];
  io.stdout(`MAP-IoU ${report.mapIou.toFixed(4)} over ${report.images.length} images (${perType}); worst ${worst.id} ${worst.score.toFixed(4)} -> ${index}\n`);
  return 0;
}

/** `cellmask report`: a static HTML report of predictions against train.csv, with overlays. */
export const command: Command = {
  name: 'report',
  summary: 'an HTML report (per image and per cell type MAP-IoU, worst first, overlays) of predictions against a train.csv',
  help,
  run,
};
