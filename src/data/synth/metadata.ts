/**
 * The per-image columns of a synthetic `train.csv`, shaped like the competition's: a 12-hex
 * image id, the well the image comes from (`sample_id`, e.g. `shsy5y[diff]_F10-4_Vessel-714`),
 * the plating date, and the time since plating (`plate_time` `11h30m00s`, `elapsed_timedelta`
 * `0 days 11:30:00`). Several images share a well, taken hours apart, so that folds grouped by
 * `sample_id` are meaningful.
 */
import type { Random } from '../../utils/random.js';
import type { CellType } from '../sartorius.js';

/** The metadata of one synthetic image. */
export interface SynthImageInfo {
  /** 12 lower-case hex characters, unique within a dataset. */
  readonly id: string;
  readonly cellType: CellType;
  readonly sampleId: string;
  /** The well (`F10`) and the site in it (1-4) that `sampleId` names. */
  readonly well: string;
  readonly site: number;
  /** `YYYY-MM-DD`. */
  readonly sampleDate: string;
  /** Whole minutes since plating. */
  readonly minutes: number;
  /** Seed of the image's own generator (drawn here so every image is reproducible alone). */
  readonly seed: number;
}

/** Culture conditions that appear in the bracket of a `sample_id`, per cell type. */
const CONDITIONS: Readonly<Record<CellType, readonly string[]>> = {
  shsy5y: ['diff', 'undiff'],
  astro: ['hippo', 'cortex'],
  cort: ['pre-treat', 'oka-low', 'oka-high'],
};

const WELL_ROWS = 'ABCDEFGH';

/** Images taken of one well, at least. */
const MIN_IMAGES_PER_SAMPLE = 2;
const MAX_IMAGES_PER_SAMPLE = 4;

function twoDigits(n: number): string {
  return String(n).padStart(2, '0');
}

/** `plate_time`: `HHhMMm00s`, hours not wrapped at a day. */
export function formatPlateTime(minutes: number): string {
  return `${twoDigits(Math.floor(minutes / 60))}h${twoDigits(minutes % 60)}m00s`;
}

/** `elapsed_timedelta` as pandas prints a Timedelta: `D days HH:MM:00`. */
export function formatElapsed(minutes: number): string {
  const days = Math.floor(minutes / 1440);
  const rest = minutes % 1440;
  return `${days} days ${twoDigits(Math.floor(rest / 60))}:${twoDigits(rest % 60)}:00`;
}

function hexId(rng: Random): string {
  let id = '';
  for (let i = 0; i < 12; i++) id += rng.int(0, 16).toString(16);
  return id;
}

/**
 * Plans `images` images: wells of 2-4 images each (fewer in the last one), the wells' cell
 * types taking turns through `cellTypes` so each type gets a share, times 2-8 h apart within a
 * well. Ids are unique.
 */
export function planImages(rng: Random, images: number, cellTypes: readonly CellType[]): SynthImageInfo[] {
  if (!Number.isInteger(images) || images < 0) throw new Error(`planImages: images must be a non-negative integer, got ${images}`);
  if (cellTypes.length === 0) throw new Error('planImages: cellTypes is empty');
  const plan: SynthImageInfo[] = [];
  const used = new Set<string>();
  for (let wellIndex = 0; plan.length < images; wellIndex++) {
    const cellType = cellTypes[wellIndex % cellTypes.length];
    const well = `${WELL_ROWS[rng.int(0, WELL_ROWS.length)]}${rng.int(1, 13)}`;
    const site = rng.int(1, 5);
    const sampleId = `${cellType}[${rng.pick(CONDITIONS[cellType])}]_${well}-${site}_Vessel-${rng.int(100, 1000)}`;
    const date = new Date(Date.UTC(2019, 5, 1) + rng.int(0, 540) * 86_400_000);
    const sampleDate = date.toISOString().slice(0, 10);
    const count = Math.min(images - plan.length, rng.int(MIN_IMAGES_PER_SAMPLE, MAX_IMAGES_PER_SAMPLE + 1));
    let minutes = 30 * rng.int(2, 48);
    for (let k = 0; k < count; k++) {
      let id = hexId(rng);
      while (used.has(id)) id = hexId(rng);
      used.add(id);
      plan.push({ id, cellType, sampleId, well, site, sampleDate, minutes, seed: rng.nextUint32() });
      minutes += 60 * rng.int(2, 9);
    }
  }
  return plan;
}
