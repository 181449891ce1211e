/**
 * `cellmask validate submission.csv [--height 520 --width 704] [--json]`: checks a submission
 * as the competition's scorer does and says where each problem is.
 */
import { type Command, UsageError, intOption, parseCommandArgs } from './command.js';
import { readSubmissionCsv } from '../data/submission.js';
import { validateSubmission } from '../ensemble/index.js';

const help = `Usage: cellmask validate submission.csv [--height 520] [--width 704] [--json]

Checks a submission.csv (id,predicted) as the competition's scorer does: every predicted
run-length text parses (sorted, positive, non-duplicated start/length pairs inside the image)
and no two masks of an image overlap. Prints one line per problem (file:line, id, what is
wrong; for an overlap, both lines) and exits 1, or prints a one-line summary and exits 0.

Options:
  --height N   image height in pixels (default 520)
  --width N    image width in pixels (default 704)
  --json       print {"ok", "rows", "images", "masks", "problems": [...]} as JSON
  -h, --help   show this help
`;

export const command: Command = {
  name: 'validate',
  summary: 'check a submission.csv: valid run-length text, no overlapping masks',
  help,
  async run(argv, io) {
    const parsed = parseCommandArgs(
      argv,
      { height: { type: 'string' }, width: { type: 'string' }, json: { type: 'boolean' } },
      true,
    );
    if (parsed === undefined) {
      io.stdout(help);
      return 0;
    }
    if (parsed.positionals.length !== 1) {
      throw new UsageError(`expected one submission file, got ${parsed.positionals.length}`);
    }
    const file = parsed.positionals[0];
    const height = intOption(parsed.values.height, 'height', 520, 1);
    const width = intOption(parsed.values.width, 'width', 704, 1);
    const rows = await readSubmissionCsv(file);
    const problems = validateSubmission(rows, { height, width });
    const images = new Set(rows.map((r) => r.id)).size;
    const masks = rows.filter((r) => r.predicted.trim() !== '').length;
    if (parsed.values.json === true) {
      io.stdout(`${JSON.stringify({ ok: problems.length === 0, rows: rows.length, images, masks, problems })}\n`);
    } else if (problems.length > 0) {
      for (const p of problems) io.stdout(`${file}:${p.message}\n`);
      io.stderr(`${problems.length} problem${problems.length === 1 ? '' : 's'} in ${file}\n`);
    } else {
      io.stdout(`OK: ${file}: ${rows.length} rows, ${images} images, ${masks} masks, no problems (${height} x ${width})\n`);
    }
    return problems.length === 0 ? 0 : 1;
  },
};
