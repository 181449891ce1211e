/**
 * Training curves from a JSON-lines metrics log: one object per logged iteration, such as
 * `{"iteration": 120, "total_loss": 1.23, "loss_cls": 0.4, ..., "lr": 0.001}`, with evaluation
 * iterations adding `map_iou`, `segm_AP` and `bbox_AP` (fractions, 0 to 1). Three charts: the
 * loss terms on a log axis, the learning rate, and the validation metrics.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../data/atomic.js';
import { describe } from '../utils/describe.js';
import { type LineChart, type LineChartOptions, type LineSeries, lineChartPng } from './line-chart.js';

/** One logged iteration: `iteration` and the numbers logged with it. */
export type TrainingMetrics = Readonly<Record<string, number>>;

/** Detectron2's loss terms, in the order the loss chart lists them; other `loss_*` keys follow. */
export const LOSS_KEYS = ['total_loss', 'loss_cls', 'loss_box_reg', 'loss_mask', 'loss_rpn_cls', 'loss_rpn_loc'] as const;

/** The validation metrics the third chart shows, when logged. */
export const VALIDATION_KEYS = ['map_iou', 'segm_AP', 'bbox_AP'] as const;

/** File names of the three charts, in `trainingCurves`' order. */
export const TRAINING_CURVE_FILES = ['loss.png', 'lr.png', 'validation.png'] as const;

/** A series per key: (iteration, value) for each record that logged it as a number; keys never logged so are left out. */
function seriesOf(metrics: readonly TrainingMetrics[], keys: readonly string[]): LineSeries[] {
  return keys
    .map((key) => ({ name: key, points: metrics.flatMap((record) => (typeof record[key] === 'number' ? [[record.iteration, record[key]] as const] : [])) }))
    .filter((series) => series.points.length > 0);
}

/**
 * The three charts of a metrics log, in the order of `TRAINING_CURVE_FILES`: loss terms
 * (`total_loss` and every `loss_*` key; log y), learning rate (`lr`; log y when it spans a
 * factor of 100 or more, as step schedules do) and validation metrics (`VALIDATION_KEYS`).
 * A chart's series are its keys logged as a number in some record; a chart with none has no series.
 * Values that are not numbers are ignored. Throws when a record lacks a finite `iteration`.
 */
export function trainingCurves(metrics: readonly TrainingMetrics[]): LineChart[] {
  if (!Array.isArray(metrics)) throw new Error(`trainingCurves: metrics must be an array of records, got ${describe(metrics)}`);
  metrics.forEach((record, i) => {
    if (typeof record !== 'object' || record === null || !Number.isFinite(record.iteration)) {
      throw new Error(`trainingCurves: metrics[${i}] must have a finite number 'iteration', got ${describe(record?.iteration)}`);
    }
  });
  const keys = new Set(metrics.flatMap((record) => Object.keys(record)));
  const otherLosses = [...keys].filter((key) => key.startsWith('loss_') && !(LOSS_KEYS as readonly string[]).includes(key)).sort();
  const lossKeys = [...LOSS_KEYS, ...otherLosses];

  const lr = seriesOf(metrics, ['lr']);
  const rates = lr.flatMap((series) => series.points.map((point) => point[1])).filter((v) => Number.isFinite(v));
  const lowest = rates.reduce((a, b) => Math.min(a, b), Infinity);
  const highest = rates.reduce((a, b) => Math.max(a, b), -Infinity);
  const lrSpansDecades = lowest > 0 && highest >= 100 * lowest;

  return [
    { title: 'Training losses', xLabel: 'iteration', yLabel: 'loss', yScale: 'log', series: seriesOf(metrics, lossKeys) },
    { title: 'Learning rate', xLabel: 'iteration', yLabel: 'lr', yScale: lrSpansDecades ? 'log' : 'linear', series: lr },
    {
      title: 'Validation metrics',
      xLabel: 'iteration',
      yLabel: 'score',
      series: seriesOf(metrics, VALIDATION_KEYS),
    },
  ];
}

// Python's json module writes float nan and inf as these bare tokens, which JSON.parse rejects;
// strings are matched too so that tokens inside them are left alone.
const PYTHON_NON_FINITE = /"(?:[^"\\]|\\.)*"|-?\bInfinity\b|\bNaN\b/g;

/**
 * Parses a JSON-lines metrics log. Blank lines are skipped; Python's `NaN`, `Infinity` and
 * `-Infinity` tokens and `null` read as NaN; values that are not numbers are dropped. `name`
 * labels errors: a line that is not a JSON object with a finite number `iteration` throws,
 * naming `name` and the line number.
 */
export function parseTrainingMetrics(text: string, name = '<text>'): TrainingMetrics[] {
  const records: TrainingMetrics[] = [];
  text.split('\n').forEach((rawLine, index) => {
    const line = rawLine.trim();
    if (line === '') return;
    const fail = (reason: string, cause?: unknown): never => {
      throw new Error(`parseTrainingMetrics: ${name}:${index + 1}: ${reason}`, cause === undefined ? undefined : { cause });
    };
    let value: unknown;
    try {
      value = JSON.parse(line.replace(PYTHON_NON_FINITE, (token) => (token.startsWith('"') ? token : 'null')));
    } catch (error) {
      fail(`malformed JSON: ${(error as Error).message}`, error);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(`expected a JSON object, got ${describe(value)}`);
    const record: Record<string, number> = {};
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      if (typeof v === 'number') record[key] = v;
      else if (v === null) record[key] = Number.NaN;
    }
    if (!Number.isFinite(record.iteration)) fail(`expected a finite number 'iteration', got ${describe((value as Record<string, unknown>).iteration)}`);
    records.push(record);
  });
  return records;
}

/** Reads and parses a JSON-lines metrics log; see `parseTrainingMetrics`. */
export async function readTrainingMetrics(path: string): Promise<TrainingMetrics[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new Error(`readTrainingMetrics: cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  return parseTrainingMetrics(text, path);
}

/**
 * Reads the metrics log at `metricsJsonlPath` and writes `loss.png`, `lr.png` and
 * `validation.png` into `outDir` (created if missing), each atomically, skipping charts without
 * series. Returns the paths written.
 */
export async function writeTrainingCurves(metricsJsonlPath: string, outDir: string, options: LineChartOptions = {}): Promise<string[]> {
  const charts = trainingCurves(await readTrainingMetrics(metricsJsonlPath));
  await mkdir(outDir, { recursive: true });
  const written: string[] = [];
  for (const [i, chart] of charts.entries()) {
    if (chart.series.length === 0) continue;
    const path = join(outDir, TRAINING_CURVE_FILES[i]);
    await writeFileAtomic(path, lineChartPng(chart, options));
    written.push(path);
  }
  return written;
}
