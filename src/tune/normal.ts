/**
 * The standard normal distribution as the Parzen estimator needs it: log Φ accurate far into the
 * left tail, the log of the mass between two points, and samples truncated to an interval.
 *
 * Written here rather than taken from npm: `@stdlib/math-base-special-erfc` (the well-kept
 * choice) installs 137 packages (15 MB, its native-addon machinery) for one function.
 * erfc comes from two textbook expansions (Abramowitz & Stegun 7.1.5 and 7.1.14):
 * - |x| < 1.5: the Maclaurin series erf(x) = 2/√π Σ (-1)^n x^(2n+1) / (n! (2n+1)), erfc = 1 - erf;
 * - x >= 1.5: the continued fraction erfc(x) = e^(-x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))),
 *   evaluated with the modified Lentz method and kept in log space so that it never underflows;
 * - x <= -1.5: erfc(x) = 2 - erfc(-x).
 */
import type { Random } from '../utils/random.js';

const LOG_SQRT_PI = 0.5 * Math.log(Math.PI);
/** Where erfc switches from the series to the continued fraction. */
const SERIES_BELOW = 1.5;

/** log erfc(x) for x >= 1.5, from the continued fraction (A&S 7.1.14) by modified Lentz. */
function logErfcContinuedFraction(x: number): number {
  // erfc(x) = e^(-x²)/√π · 1/(x + a1/(x + a2/(x + ...))), a_k = k/2.
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let k = 1; k < 500; k++) {
    const a = k / 2;
    d = x + a * d;
    d = Math.abs(d) < tiny ? tiny : d;
    c = x + a / c;
    c = Math.abs(c) < tiny ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return -x * x - LOG_SQRT_PI - Math.log(f);
}

/** erf(x) for |x| < 1.5 by its Maclaurin series (A&S 7.1.5). */
function erfSeries(x: number): number {
  const x2 = x * x;
  let term = x; // (-1)^n x^(2n+1) / n!
  let sum = x;
  for (let n = 1; n < 100; n++) {
    term *= -x2 / n;
    const add = term / (2 * n + 1);
    sum += add;
    if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

/** The complementary error function, to about 1e-15 relative (see the module comment). */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (Math.abs(x) < SERIES_BELOW) return 1 - erfSeries(x);
  if (x > 0) return Math.exp(logErfcContinuedFraction(x));
  return 2 - Math.exp(logErfcContinuedFraction(-x));
}

/** log Φ(z), Φ the standard normal CDF; finite far into the left tail (z = -1000 gives -500007.8). */
export function logNormalCdf(z: number): number {
  if (z === -Infinity) return -Infinity;
  if (z === Infinity) return 0;
  // Φ(z) = erfc(-z/√2)/2.
  const x = -z / Math.SQRT2;
  if (x >= SERIES_BELOW) return logErfcContinuedFraction(x) - Math.LN2;
  return Math.log(erfc(x) / 2);
}

/**
 * log(Φ(b) - Φ(a)) for a <= b: the log of the standard normal mass between a and b, worked in
 * the left tail by symmetry so that neither tail loses it to cancellation (as Optuna's
 * `_log_gauss_mass`). -Infinity when a == b.
 */
export function logGaussMass(a: number, b: number): number {
  if (!(a <= b)) throw new Error(`logGaussMass: expected a <= b, got a=${a}, b=${b}`);
  if (b <= 0) return logDiff(logNormalCdf(b), logNormalCdf(a));
  if (a > 0) return logDiff(logNormalCdf(-a), logNormalCdf(-b));
  // Straddling 0: 1 - Φ(a) - Φ(-b), both terms at most 1/2.
  return Math.log1p(-Math.exp(logNormalCdf(a)) - Math.exp(logNormalCdf(-b)));
}

/** log(e^p - e^q) for p >= q. */
function logDiff(p: number, q: number): number {
  if (q === -Infinity) return p;
  return p + Math.log1p(-Math.exp(q - p));
}

/** log of the standard normal density at z. */
export function logNormalPdf(z: number): number {
  return -0.5 * z * z - 0.5 * Math.log(2 * Math.PI);
}

/**
 * A sample of N(mu, sigma²) truncated to [low, high], by rejection from the untruncated normal.
 * The Parzen estimator's kernels all have low <= mu <= high and sigma <= high - low, so at least
 * Φ(1) - Φ(0) ≈ 0.34 of their mass lies inside and a draw takes three tries on average; the
 * bound of 1000 tries is only a guard for a caller outside that contract.
 * @throws Error when sigma is not positive, the interval is empty, or no draw landed inside.
 */
export function sampleTruncatedNormal(rng: Random, mu: number, sigma: number, low: number, high: number): number {
  if (!(sigma > 0) || !(low < high)) throw new Error(`sampleTruncatedNormal: need sigma > 0 and low < high, got sigma=${sigma}, [${low}, ${high}]`);
  for (let tries = 0; tries < 1000; tries++) {
    const x = rng.normal(mu, sigma);
    if (x >= low && x <= high) return x;
  }
  throw new Error(`sampleTruncatedNormal: N(${mu}, ${sigma}²) has almost no mass in [${low}, ${high}]`);
}
