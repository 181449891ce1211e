/**
 * Axis ranges and "nice" tick values, the way plotting libraries choose them: on a linear axis
 * a step of 1, 2 or 5 times a power of ten; on a log axis the 1-2-5 values of each decade, or
 * every decade (or every k-th) when that would be too many.
 */

/** An axis range widened to whole ticks, and the ticks inside it, ascending. */
export interface AxisTicks {
  /** The lowest value the axis shows, the first tick. */
  readonly min: number;
  /** The highest value the axis shows, the last tick. */
  readonly max: number;
  /** Tick values from `min` to `max`. */
  readonly values: readonly number[];
}

/** The value scale of an axis: 'log' places values by their base-10 logarithm. */
export type AxisScale = 'linear' | 'log';

/** Drops floating-point noise such as 0.30000000000000004, and turns -0 into 0. */
function clean(value: number): number {
  return Number.parseFloat(value.toPrecision(12)) + 0;
}

/** k for the last multiple k * step at or below `min` (first) and the first one at or above `max` (last). */
function stepsAcross(min: number, max: number, step: number): { first: number; last: number } {
  // The tolerance keeps a bound that is a multiple but for rounding (0.3 / 0.1 = 2.9999999999999996) one.
  return { first: Math.floor(min / step + 1e-9), last: Math.ceil(max / step - 1e-9) };
}

function linearTicks(min: number, max: number, target: number): AxisTicks {
  // Of the 1-2-5 steps near (max - min) / target, the one whose interval count is nearest
  // target; of equals, the one that widens the range least.
  const magnitude = 10 ** Math.floor(Math.log10((max - min) / target));
  let best = { step: 0, first: 0, last: 0, miss: Infinity, span: Infinity };
  for (const power of [0.1, 1, 10]) {
    for (const factor of [1, 2, 5]) {
      const step = factor * power * magnitude;
      const { first, last } = stepsAcross(min, max, step);
      const miss = Math.abs(last - first - target);
      const span = (last - first) * step;
      if (miss < best.miss || (miss === best.miss && span < best.span)) best = { step, first, last, miss, span };
    }
  }
  const values: number[] = [];
  for (let k = best.first; k <= best.last; k++) values.push(clean(k * best.step));
  return { min: values[0], max: values[values.length - 1], values };
}

/** The values m * 10^e for the mantissas given and decades lowDecade..highDecade (every `every`-th). */
function logCandidates(lowDecade: number, highDecade: number, mantissas: readonly number[], every: number): number[] {
  const values: number[] = [];
  for (let e = Math.floor(lowDecade / every) * every; e <= highDecade; e += every) {
    for (const m of mantissas) values.push(clean(m * 10 ** e));
  }
  return values;
}

/** The candidates from the last one at or below `min` to the first one at or above `max`. */
function enclosing(candidates: readonly number[], min: number, max: number): number[] {
  const tolerance = 1e-9;
  let from = 0;
  while (from + 1 < candidates.length && candidates[from + 1] <= min * (1 + tolerance)) from++;
  let to = candidates.length - 1;
  while (to - 1 >= 0 && candidates[to - 1] >= max * (1 - tolerance)) to--;
  return candidates.slice(from, to + 1);
}

function logTicks(min: number, max: number, target: number): AxisTicks {
  const lowDecade = Math.floor(Math.log10(min) + 1e-9);
  const highDecade = Math.max(lowDecade + 1, Math.ceil(Math.log10(max) - 1e-9));
  const result = (values: number[]): AxisTicks => ({ min: values[0], max: values[values.length - 1], values });
  const oneTwoFive = enclosing(logCandidates(lowDecade, highDecade, [1, 2, 5], 1), min, max);
  if (oneTwoFive.length <= target + 3) {
    if (oneTwoFive.length >= 3) return result(oneTwoFive);
    // Less than a decade: try every integer mantissa, then linear ticks.
    const allDigits = enclosing(logCandidates(lowDecade, highDecade, [1, 2, 3, 4, 5, 6, 7, 8, 9], 1), min, max);
    if (allDigits.length >= 3) return result(allDigits);
    const linear = linearTicks(min, max, target);
    return linear.min > 0 ? linear : result(oneTwoFive);
  }
  const every = Math.max(1, Math.ceil((highDecade - lowDecade) / target));
  return result(enclosing(logCandidates(lowDecade, highDecade, [1], every), min, max));
}

/**
 * Ticks for data spanning [min, max]: on a linear axis the 1-2-5 step giving the number of
 * intervals nearest `target`; on a log axis at most `target + 3` ticks. The axis range is widened to the enclosing ticks. A range of
 * one value is widened first (by 10% of it either side, or to [-1, 1] around 0; by a factor of 2
 * either side on a log axis). Throws for non-finite bounds, `min > max`, or bounds <= 0 on a log
 * axis.
 */
export function niceTicks(min: number, max: number, scale: AxisScale = 'linear', target = 6): AxisTicks {
  if (!Number.isFinite(min) || !Number.isFinite(max) || min > max) {
    throw new Error(`niceTicks: expected finite min <= max, got [${min}, ${max}]`);
  }
  if (!(Number.isInteger(target) && target >= 1)) throw new Error(`niceTicks: target must be an integer >= 1, got ${target}`);
  if (scale === 'log') {
    if (min <= 0) throw new Error(`niceTicks: a log axis needs min > 0, got [${min}, ${max}]`);
    return min === max ? logTicks(min / 2, max * 2, target) : logTicks(min, max, target);
  }
  if (min === max) {
    const half = min === 0 ? 1 : Math.abs(min) * 0.1;
    return linearTicks(min - half, max + half, target);
  }
  return linearTicks(min, max, target);
}

/** The shortest exponent form (`2e-5`, `2.5e-5`) that tells every value apart. */
function exponentLabels(values: readonly number[]): string[] {
  for (let digits = 0; digits < 6; digits++) {
    const labels = values.map((v) => (v === 0 ? '0' : v.toExponential(digits).replace('e+', 'e')));
    if (new Set(labels).size === labels.length) return labels;
  }
  return values.map((v) => v.toExponential().replace('e+', 'e'));
}

/**
 * Labels for tick values. Linear: fixed-point with the decimals the gap between ticks needs
 * (`0.0002`, `0.2`, `50`). Log: each value in its shortest form (`0.05`, `1`, `20`). Either way
 * exponent form (`2e-5`) when values below 1e-4 or from 1e6 occur.
 */
export function formatTicks(values: readonly number[], scale: AxisScale = 'linear'): string[] {
  const largest = Math.max(0, ...values.map(Math.abs));
  const smallestNonZero = Math.min(Infinity, ...values.filter((v) => v !== 0).map(Math.abs));
  let gap = Infinity;
  for (let i = 1; i < values.length; i++) gap = Math.min(gap, Math.abs(values[i] - values[i - 1]));
  const finest = Math.min(gap, smallestNonZero);
  if (largest >= 1e6 || finest < 1e-4 * (1 - 1e-9)) return exponentLabels(values);
  if (scale === 'log') return values.map((v) => String(clean(v)));
  // The decimals of the finest detail: 0.0002 -> 4, 0.05 -> 2, 0.2 -> 1, 50 -> 0.
  const decimals = Number.isFinite(finest) ? Math.max(0, -Math.floor(Math.log10(finest) + 1e-9)) : 0;
  return values.map((v) => (v === 0 ? '0' : v.toFixed(decimals)));
}
