/**
 * The twelve COCO summary numbers (AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm,
 * ARl), as pycocotools' `COCOeval.summarize`, generalised to any three detection limits the way
 * Detectron2's `COCOevalMaxDets` does: the AP entries and the per-area AR entries use the
 * largest limit, the three AR entries one limit each. With COCO's default maxDets [1, 10, 100]
 * this is pycocotools' summary exactly.
 */
import type { CocoEvalParams } from './cocoParams.js';
import type { CocoAccumulation } from './cocoAccumulate.js';

/** One summary number and the setting it was read at. */
export interface CocoStat {
  /** `AP` (average precision) or `AR` (average recall). */
  readonly kind: 'AP' | 'AR';
  /** A single IoU threshold, or `undefined` for the mean over all thresholds. */
  readonly iouThreshold: number | undefined;
  /** The area range label: `all`, `small`, `medium` or `large`. */
  readonly areaLabel: string;
  /** The detection limit per image. */
  readonly maxDets: number;
  /** The mean over the setting's entries that are not -1; -1 when all are. */
  readonly value: number;
}

/** The twelve numbers in pycocotools' `stats` order. */
export interface CocoSummary {
  /** `stats[0..11]` as pycocotools prints them. */
  readonly stats: readonly number[];
  /** The same numbers with the setting each was read at. */
  readonly entries: readonly CocoStat[];
}

/**
 * Reads the twelve summary numbers from `accumulated`. `params.maxDets` (sorted) must have three
 * limits and `params.areaRangeLabels` must name `all`, `small`, `medium` and `large`.
 */
export function cocoSummarize(accumulated: CocoAccumulation, params: CocoEvalParams): CocoSummary {
  if (params.maxDets.length !== 3) {
    throw new Error(`cocoSummarize: params.maxDets must hold 3 limits, got [${params.maxDets.join(', ')}]`);
  }
  for (const label of ['all', 'small', 'medium', 'large']) {
    if (!params.areaRangeLabels.includes(label)) {
      throw new Error(`cocoSummarize: params.areaRangeLabels must include "${label}", got ${JSON.stringify(params.areaRangeLabels)}`);
    }
  }
  const [m0, m1, m2] = params.maxDets;
  const settings: Omit<CocoStat, 'value'>[] = [
    { kind: 'AP', iouThreshold: undefined, areaLabel: 'all', maxDets: m2 },
    { kind: 'AP', iouThreshold: 0.5, areaLabel: 'all', maxDets: m2 },
    { kind: 'AP', iouThreshold: 0.75, areaLabel: 'all', maxDets: m2 },
    { kind: 'AP', iouThreshold: undefined, areaLabel: 'small', maxDets: m2 },
    { kind: 'AP', iouThreshold: undefined, areaLabel: 'medium', maxDets: m2 },
    { kind: 'AP', iouThreshold: undefined, areaLabel: 'large', maxDets: m2 },
    { kind: 'AR', iouThreshold: undefined, areaLabel: 'all', maxDets: m0 },
    { kind: 'AR', iouThreshold: undefined, areaLabel: 'all', maxDets: m1 },
    { kind: 'AR', iouThreshold: undefined, areaLabel: 'all', maxDets: m2 },
    { kind: 'AR', iouThreshold: undefined, areaLabel: 'small', maxDets: m2 },
    { kind: 'AR', iouThreshold: undefined, areaLabel: 'medium', maxDets: m2 },
    { kind: 'AR', iouThreshold: undefined, areaLabel: 'large', maxDets: m2 },
  ];
  const entries = settings.map((s) => ({ ...s, value: summarizeOne(accumulated, params, s) }));
  return { stats: entries.map((e) => e.value), entries };
}

/**
 * The mean of the accumulated entries at one setting, skipping -1. Thresholds, area labels and
 * limits are selected by equality, as pycocotools' `np.where(iouThr == p.iouThrs)` does: a
 * setting missing from `params` selects nothing and reads -1.
 */
function summarizeOne(acc: CocoAccumulation, params: CocoEvalParams, s: Omit<CocoStat, 'value'>): number {
  const [T, R, K, A, M] = acc.counts;
  const ts = range(T).filter((t) => s.iouThreshold === undefined || params.iouThresholds[t] === s.iouThreshold);
  const as = range(A).filter((a) => params.areaRangeLabels[a] === s.areaLabel);
  const ms = range(M).filter((m) => params.maxDets[m] === s.maxDets);
  // C order of pycocotools' s[t, r, k, a, m] (AP) or s[t, k, a, m] (AR).
  const rs = s.kind === 'AP' ? range(R) : [0];
  const values: number[] = [];
  for (const t of ts) {
    for (const r of rs) {
      for (let k = 0; k < K; k++) {
        for (const a of as) {
          for (const m of ms) {
            values.push(
              s.kind === 'AP'
                ? acc.precision[(((t * R + r) * K + k) * A + a) * M + m]
                : acc.recall[((t * K + k) * A + a) * M + m],
            );
          }
        }
      }
    }
  }
  const kept = values.filter((v) => v > -1);
  if (kept.length === 0) return -1;
  let sum = 0;
  for (const v of kept) sum += v;
  return sum / kept.length;
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
