/**
 * Grouped, stratified k-fold splits, the algorithm of scikit-learn's `StratifiedGroupKFold`
 * (shuffle=True): groups (Sartorius: `sample_id`, the well) never straddle folds, and each
 * stratum (Sartorius: `cell_type`) is spread over the folds in proportion.
 *
 * Groups are shuffled with the seeded generator, then taken largest-spread first (stable sort by
 * the standard deviation of their per-stratum counts, descending). Each goes to the fold that
 * minimises the mean over strata of the standard deviation across folds of
 * `count[fold][stratum] / total[stratum]`; ties go to the fold with fewer items, then the lower
 * index. One addition: when the groups left are only as many as the empty folds, a group must
 * take an empty fold, so that no fold ends up empty.
 */
import { Random } from '../utils/random.js';

/** An item to split: the group it belongs to and the stratum to balance. */
export interface KFoldItem {
  readonly group: string;
  readonly stratum: string;
}

/** Standard deviation (population) of `values`. */
function std(values: ArrayLike<number>): number {
  let mean = 0;
  for (let i = 0; i < values.length; i++) mean += values[i];
  mean /= values.length;
  let s = 0;
  for (let i = 0; i < values.length; i++) s += (values[i] - mean) ** 2;
  return Math.sqrt(s / values.length);
}

/**
 * Assigns each item a fold in [0, k) -> [items.length] fold indices. Deterministic for `seed`
 * (and the order of `items`). Throws for k < 2, a non-integer k or seed, an item without a
 * group or stratum string, or fewer groups than folds.
 */
export function groupKFold(items: readonly KFoldItem[], k: number, seed: number): Int32Array {
  if (!Number.isInteger(k) || k < 2) throw new Error(`groupKFold: k must be an integer >= 2, got ${k}`);
  if (!Number.isInteger(seed)) throw new Error(`groupKFold: seed must be an integer, got ${seed}`);
  const groupIndex = new Map<string, number>();
  const strataIndex = new Map<string, number>();
  const itemGroup = new Int32Array(items.length);
  const itemStratum = new Int32Array(items.length);
  items.forEach((item, i) => {
    if (typeof item?.group !== 'string' || typeof item.stratum !== 'string') {
      throw new Error(`groupKFold: item ${i} must have string group and stratum, got ${JSON.stringify(item)}`);
    }
    if (!groupIndex.has(item.group)) groupIndex.set(item.group, groupIndex.size);
    if (!strataIndex.has(item.stratum)) strataIndex.set(item.stratum, strataIndex.size);
    itemGroup[i] = groupIndex.get(item.group)!;
    itemStratum[i] = strataIndex.get(item.stratum)!;
  });
  const groups = groupIndex.size;
  const strata = strataIndex.size;
  if (groups < k) throw new Error(`groupKFold: k = ${k} folds need at least ${k} groups, got ${groups}`);

  // countsPerGroup: [G, S] items of each stratum in each group; totals: [S].
  const countsPerGroup = new Float64Array(groups * strata);
  const totals = new Float64Array(strata);
  for (let i = 0; i < items.length; i++) {
    countsPerGroup[itemGroup[i] * strata + itemStratum[i]]++;
    totals[itemStratum[i]]++;
  }
  const groupCounts = (g: number) => countsPerGroup.subarray(g * strata, (g + 1) * strata);
  const order = new Random(seed).shuffle(Array.from({ length: groups }, (_, g) => g));
  const spread = order.map((g) => std(groupCounts(g)));
  const byOrder = order.map((g, position) => ({ g, spread: spread[position] }));
  byOrder.sort((a, b) => b.spread - a.spread); // stable: ties keep the shuffled order

  // countsPerFold: [k, S]; foldSizes: [k].
  const countsPerFold = new Float64Array(k * strata);
  const foldSizes = new Float64Array(k);
  const foldOfGroup = new Int32Array(groups);
  const column = new Float64Array(k);
  let emptyFolds = k;
  byOrder.forEach(({ g }, position) => {
    const counts = groupCounts(g);
    const mustFillEmpty = groups - position <= emptyFolds;
    let best = -1;
    let bestEval = Infinity;
    for (let f = 0; f < k; f++) {
      if (mustFillEmpty && foldSizes[f] > 0) continue;
      let evaluation = 0;
      for (let s = 0; s < strata; s++) {
        for (let h = 0; h < k; h++) column[h] = (countsPerFold[h * strata + s] + (h === f ? counts[s] : 0)) / totals[s];
        evaluation += std(column);
      }
      evaluation /= strata;
      // Compare with a tolerance, as scikit-learn's np.isclose does, so rounding cannot break ties.
      const tie = Math.abs(evaluation - bestEval) <= 1e-8 + 1e-5 * Math.abs(bestEval);
      if (best === -1 || (!tie && evaluation < bestEval) || (tie && foldSizes[f] < foldSizes[best])) {
        best = f;
        bestEval = evaluation;
      }
    }
    if (foldSizes[best] === 0) emptyFolds--;
    foldOfGroup[g] = best;
    for (let s = 0; s < strata; s++) countsPerFold[best * strata + s] += counts[s];
    for (let s = 0; s < strata; s++) foldSizes[best] += counts[s];
  });
  return Int32Array.from(itemGroup, (g) => foldOfGroup[g]);
}

/** The item indices of fold `fold` (validation) and of all other folds (training). */
export function foldIndices(folds: Int32Array, fold: number): { train: number[]; validation: number[] } {
  const train: number[] = [];
  const validation: number[] = [];
  folds.forEach((f, i) => (f === fold ? validation : train).push(i));
  if (validation.length === 0) throw new Error(`foldIndices: no item is in fold ${fold}`);
  return { train, validation };
}
