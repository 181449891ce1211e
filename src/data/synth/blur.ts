/**
 * Separable filters on a row-major [H, W] `Float32Array` image, with edges handled by clamping
 * (the border pixel is repeated).
 */

/** Box filter of half-width `radius` along rows then columns; returns a new image. */
export function boxBlur(src: Float32Array, height: number, width: number, radius: number): Float32Array {
  const rows = new Float32Array(src.length);
  const n = 2 * radius + 1;
  for (let y = 0; y < height; y++) {
    const o = y * width;
    let sum = 0;
    for (let d = -radius; d <= radius; d++) sum += src[o + clamp(d, width)];
    for (let x = 0; x < width; x++) {
      rows[o + x] = sum / n;
      sum += src[o + clamp(x + radius + 1, width)] - src[o + clamp(x - radius, width)];
    }
  }
  // Columns as running sums over whole rows, so memory is read in order.
  const out = new Float32Array(src.length);
  const sum = new Float64Array(width);
  for (let d = -radius; d <= radius; d++) {
    const o = clamp(d, height) * width;
    for (let x = 0; x < width; x++) sum[x] += rows[o + x];
  }
  for (let y = 0; y < height; y++) {
    const o = y * width;
    const enter = clamp(y + radius + 1, height) * width;
    const leave = clamp(y - radius, height) * width;
    for (let x = 0; x < width; x++) {
      out[o + x] = sum[x] / n;
      sum[x] += rows[enter + x] - rows[leave + x];
    }
  }
  return out;
}

/**
 * Approximate Gaussian blur of standard deviation `sigma` as three box passes (the variance of
 * a box of half-width r is r(r+1)/3, so three give r(r+1) = sigma², rounded to whole r).
 */
export function gaussianBlur(src: Float32Array, height: number, width: number, sigma: number): Float32Array {
  const radius = Math.max(1, Math.round((-1 + Math.sqrt(1 + 4 * sigma * sigma)) / 2));
  return boxBlur(boxBlur(boxBlur(src, height, width, radius), height, width, radius), height, width, radius);
}

/** 3-tap filter `[side, centre, side]` (normalized to sum 1) along rows then columns. */
export function blur3(src: Float32Array, height: number, width: number, centre: number, side: number): Float32Array {
  const total = centre + 2 * side;
  const c = centre / total;
  const s = side / total;
  const rows = new Float32Array(src.length);
  for (let y = 0; y < height; y++) {
    const o = y * width;
    for (let x = 0; x < width; x++) {
      rows[o + x] = c * src[o + x] + s * (src[o + clamp(x - 1, width)] + src[o + clamp(x + 1, width)]);
    }
  }
  const out = new Float32Array(src.length);
  for (let y = 0; y < height; y++) {
    const up = clamp(y - 1, height) * width;
    const down = clamp(y + 1, height) * width;
    const o = y * width;
    for (let x = 0; x < width; x++) out[o + x] = c * rows[o + x] + s * (rows[up + x] + rows[down + x]);
  }
  return out;
}

function clamp(i: number, n: number): number {
  return i < 0 ? 0 : i >= n ? n - 1 : i;
}
