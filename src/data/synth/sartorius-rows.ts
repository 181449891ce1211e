/**
 * The competition's `train.csv` rows of a synthetic image: one per instance, `annotation`
 * being the instance's Kaggle RLE (row-major, 1-indexed `start length` pairs).
 */
import { intervalsToCounts, maskToIntervals } from '../../rle/counts.js';
import { countsToKaggleRle } from '../../rle/kaggle.js';
import type { TrainCsvRow } from '../sartorius.js';
import { formatElapsed, formatPlateTime, type SynthImageInfo } from './metadata.js';
import type { SynthImage } from './synthesize.js';

/**
 * Kaggle RLE of mask `i`, scanning only the rows its box spans: the runs of that band, shifted
 * by the pixels above it, are the runs of the whole mask. (A cell spans a few dozen of the
 * 520 rows, so this is what makes writing `train.csv` fast.)
 */
function maskRle(synth: SynthImage, i: number): string {
  const { height, width, masks, boxes } = synth;
  const mask = masks.get(i);
  const top = boxes[4 * i + 1];
  const bottom = boxes[4 * i + 3];
  const intervals = maskToIntervals(mask.subarray(top * width, bottom * width));
  for (let k = 0; k < intervals.length; k++) intervals[k] += top * width;
  return countsToKaggleRle(intervalsToCounts(intervals, height * width));
}

/** One `train.csv` row per mask of `synth`, in mask order. */
export function trainCsvRows(info: SynthImageInfo, synth: SynthImage): TrainCsvRow[] {
  const { height, width, masks } = synth;
  const rows: TrainCsvRow[] = [];
  for (let i = 0; i < masks.length; i++) {
    rows.push({
      id: info.id,
      annotation: maskRle(synth, i),
      width,
      height,
      cell_type: info.cellType,
      plate_time: formatPlateTime(info.minutes),
      sample_date: info.sampleDate,
      sample_id: info.sampleId,
      elapsed_timedelta: formatElapsed(info.minutes),
    });
  }
  return rows;
}
