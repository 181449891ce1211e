/**
 * Score ordering shared by the suppression ops.
 *
 * Shape shorthand: N: detections.
 */

/** Largest N for which an index fits beside a 32-bit key in a float64's 53-bit mantissa. */
const PACKED_MAX = 2 ** 21;

/**
 * Indices of `scores` [N] in descending score order; equal scores keep their input order
 * (a stable sort), and -0 equals 0. torchvision leaves the order of ties unspecified; fixing it
 * makes results reproducible. Scores must not be NaN.
 *
 * Each float32 score becomes a 32-bit key that sorts like the score, descending, and
 * `key * 2^21 + index` is sorted as plain float64s (no comparator calls).
 */
export function argsortDescending(scores: Float32Array): Int32Array {
  const n = scores.length;
  const order = new Int32Array(n);
  if (n > PACKED_MAX) {
    for (let i = 0; i < n; i++) order[i] = i;
    return order.sort((a, b) => scores[b] - scores[a] || a - b);
  }
  const bits = new Uint32Array(1);
  const value = new Float32Array(bits.buffer);
  const packed = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    value[0] = scores[i] + 0;
    const u = bits[0];
    // IEEE order: flip all bits of negatives, set the sign bit of positives; then invert for descending.
    const ascending = u & 0x80000000 ? ~u >>> 0 : (u | 0x80000000) >>> 0;
    packed[i] = (0xffffffff - ascending) * PACKED_MAX + i;
  }
  packed.sort();
  for (let k = 0; k < n; k++) order[k] = packed[k] % PACKED_MAX;
  return order;
}
