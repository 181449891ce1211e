/**
 * `writeSynthDataset`: a folder of synthetic images and their truth, in the competition's
 * layout or LIVECell's, plus a README.txt saying how it was made. The same options give
 * byte-identical files.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import ndarray from 'ndarray';
import { Random } from '../../utils/random.js';
import { writeFileAtomic } from '../atomic.js';
import { writePng, writeTiff } from '../image.js';
import { CELL_TYPES, type CellType, type TrainCsvRow, writeTrainCsv } from '../sartorius.js';
import { planImages } from './metadata.js';
import { synthesizeImage, SARTORIUS_HEIGHT, SARTORIUS_WIDTH } from './synthesize.js';
import { addCocoImage, emptyCocoDataset, livecellFileName } from './livecell.js';
import { trainCsvRows } from './sartorius-rows.js';

/** The layouts `writeSynthDataset` writes. */
export const SYNTH_FORMATS = ['sartorius', 'livecell'] as const;
export type SynthFormat = (typeof SYNTH_FORMATS)[number];

/** Options of `writeSynthDataset`. */
export interface SynthDatasetOptions {
  /** Folder to write into (created if missing). */
  readonly out: string;
  /** Number of images, >= 1. */
  readonly images: number;
  /** Seed of everything drawn (an integer). */
  readonly seed: number;
  /**
   * `sartorius` (default): `train/<id>.png` and `train.csv` (Kaggle RLE per instance).
   * `livecell`: `images/<name>.tif` and `annotations.json` (COCO, polygon per instance).
   */
  readonly format?: SynthFormat;
  /** Image height in pixels; default 520. */
  readonly height?: number;
  /** Image width in pixels; default 704. */
  readonly width?: number;
  /** Cell types to draw, taking turns well by well; default all three. */
  readonly cellTypes?: readonly CellType[];
}

/** What was written. */
export interface SynthDatasetResult {
  readonly format: SynthFormat;
  /** Per image: its id, cell type, number of instances and file (relative to `out`). */
  readonly images: readonly { id: string; cellType: CellType; instances: number; file: string }[];
  /** Files written, relative to `out`, besides the images. */
  readonly files: readonly string[];
}

function checkOptions(options: SynthDatasetOptions): Required<SynthDatasetOptions> {
  const fn = 'writeSynthDataset';
  const {
    out,
    images,
    seed,
    format = 'sartorius',
    height = SARTORIUS_HEIGHT,
    width = SARTORIUS_WIDTH,
    cellTypes = CELL_TYPES,
  } = options;
  if (typeof out !== 'string' || out.length === 0) throw new Error(`${fn}: out must be a non-empty path, got ${JSON.stringify(out)}`);
  if (!Number.isInteger(images) || images < 1) throw new Error(`${fn}: images must be an integer >= 1, got ${images}`);
  if (!Number.isInteger(seed)) throw new Error(`${fn}: seed must be an integer, got ${seed}`);
  if (!(SYNTH_FORMATS as readonly string[]).includes(format)) {
    throw new Error(`${fn}: format must be one of ${SYNTH_FORMATS.join(', ')}, got ${JSON.stringify(format)}`);
  }
  if (cellTypes.length === 0 || cellTypes.some((t) => !(CELL_TYPES as readonly string[]).includes(t))) {
    throw new Error(`${fn}: cellTypes must be a non-empty list of ${CELL_TYPES.join(', ')}, got ${JSON.stringify(cellTypes)}`);
  }
  return { out, images, seed, format, height, width, cellTypes };
}

/** The `cellmask synth` command line that makes the same dataset. */
function commandLine(o: Required<SynthDatasetOptions>): string {
  return (
    `cellmask synth --out ${o.out} --images ${o.images} --seed ${o.seed} --format ${o.format} ` +
    `--height ${o.height} --width ${o.width} --cell-types ${o.cellTypes.join(',')}`
  );
}

function readme(o: Required<SynthDatasetOptions>, files: readonly string[]): string {
  return [
    'Synthetic phase-contrast cell images with instance masks, made by cellmask\'s generator',
    '(src/data/synth). Nothing here is real data.',
    '',
    `Command: ${commandLine(o)}`,
    `Seed: ${o.seed}. The same command writes byte-identical files.`,
    `Images: ${o.images}, ${o.width} x ${o.height} (width x height), 8-bit grey; cell types: ${o.cellTypes.join(', ')}.`,
    `Layout (${o.format}): ${files.join(', ')}.`,
    '',
  ].join('\n');
}

/**
 * Generates `images` synthetic images and writes them with their truth to `out`. Each image
 * has its own generator seeded from the plan, so images do not depend on one another's
 * contents; they are made one at a time to keep memory to one image's masks.
 */
export async function writeSynthDataset(options: SynthDatasetOptions): Promise<SynthDatasetResult> {
  const o = checkOptions(options);
  const plan = planImages(new Random(o.seed), o.images, o.cellTypes);
  const imageDir = o.format === 'sartorius' ? 'train' : 'images';
  await mkdir(join(o.out, imageDir), { recursive: true });

  const written: { id: string; cellType: CellType; instances: number; file: string }[] = [];
  const rows: TrainCsvRow[] = [];
  const coco = emptyCocoDataset();
  for (const info of plan) {
    const synth = synthesizeImage(new Random(info.seed), { cellType: info.cellType, height: o.height, width: o.width });
    let file: string;
    if (o.format === 'sartorius') {
      file = `train/${info.id}.png`;
      await writePng(join(o.out, file), ndarray(synth.image, [o.height, o.width]));
      rows.push(...trainCsvRows(info, synth));
    } else {
      file = `images/${livecellFileName(info)}`;
      await writeTiff(join(o.out, file), ndarray(synth.image, [o.height, o.width]));
      addCocoImage(coco, file.slice('images/'.length), info, synth);
    }
    written.push({ id: info.id, cellType: info.cellType, instances: synth.masks.length, file });
  }

  const files = o.format === 'sartorius' ? ['train.csv'] : ['annotations.json'];
  if (o.format === 'sartorius') await writeTrainCsv(join(o.out, 'train.csv'), rows);
  else await writeFileAtomic(join(o.out, 'annotations.json'), JSON.stringify(coco));
  await writeFileAtomic(join(o.out, 'README.txt'), readme(o, [`${imageDir}/`, ...files]));
  return { format: o.format, images: written, files: [...files, 'README.txt'] };
}
