/**
 * `cellmask synth`: writes a synthetic dataset (phase-contrast-like images with instance
 * masks) in the competition's layout or LIVECell's. See `writeSynthDataset`.
 */
import { CELL_TYPES, type CellType } from '../data/sartorius.js';
import { SYNTH_FORMATS, type SynthFormat, writeSynthDataset } from '../data/synth/write-dataset.js';
import { type Command, UsageError, intOption, parseCommandArgs, requireOption } from './command.js';

const help = `Usage: cellmask synth --out DIR [options]

Writes synthetic phase-contrast cell images with instance masks. The same options give
byte-identical files.

Options:
  --out DIR              folder to write (created if missing) (required)
  --images N             number of images (default 20)
  --seed S               integer seed (default 0)
  --format F             sartorius: DIR/train/<id>.png + DIR/train.csv (Kaggle RLE) (default)
                         livecell:  DIR/images/<name>.tif + DIR/annotations.json (COCO polygons)
  --height H             image height in pixels (default 520)
  --width W              image width in pixels (default 704)
  --cell-types LIST      comma-separated, from ${CELL_TYPES.join(',')} (default all)
  -h, --help             show this help
`;

function cellTypesOption(value: string | undefined): readonly CellType[] {
  if (value === undefined) return CELL_TYPES;
  const types = value.split(',').map((t) => t.trim());
  for (const t of types) {
    if (!(CELL_TYPES as readonly string[]).includes(t)) {
      throw new UsageError(`--cell-types: unknown cell type "${t}", expected some of ${CELL_TYPES.join(',')}`);
    }
  }
  return types as CellType[];
}

export const command: Command = {
  name: 'synth',
  summary: 'write a synthetic dataset (images + masks) in the competition\'s or LIVECell\'s format',
  help,
  async run(argv, io) {
    const parsed = parseCommandArgs(argv, {
      out: { type: 'string' },
      images: { type: 'string' },
      seed: { type: 'string' },
      format: { type: 'string' },
      height: { type: 'string' },
      width: { type: 'string' },
      'cell-types': { type: 'string' },
    });
    if (parsed === undefined) {
      io.stdout(help);
      return 0;
    }
    const v = parsed.values;
    const format = v.format ?? 'sartorius';
    if (!(SYNTH_FORMATS as readonly string[]).includes(format)) {
      throw new UsageError(`--format must be one of ${SYNTH_FORMATS.join(', ')}, got "${format}"`);
    }
    const started = performance.now();
    const result = await writeSynthDataset({
      out: requireOption(v, 'out'),
      images: intOption(v.images, 'images', 20, 1),
      seed: intOption(v.seed, 'seed', 0),
      format: format as SynthFormat,
      height: intOption(v.height, 'height', 520, 16),
      width: intOption(v.width, 'width', 704, 16),
      cellTypes: cellTypesOption(v['cell-types']),
    });
    const instances = result.images.reduce((s, i) => s + i.instances, 0);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    io.stdout(
      `wrote ${result.images.length} images with ${instances} instances (${format}) to ${v.out} in ${seconds} s: ` +
        `${result.files.join(', ')}\n`,
    );
    return 0;
  },
};
