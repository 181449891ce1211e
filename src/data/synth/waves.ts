/**
 * Smooth random fields as sums of plane waves, evaluated separably:
 * cos(kx·x + ky·y + φ) = cos(kx·x + φ)·cos(ky·y) - sin(kx·x + φ)·sin(ky·y),
 * so an [H, W] field costs two multiplies per wave and pixel instead of a cosine.
 */
import type { Random } from '../../utils/random.js';

/**
 * The mean of `count` plane waves of random direction, phase and wavelength in
 * [minWavelength, maxWavelength) pixels, as a row-major [H, W] field in [-1, 1].
 */
export function planeWaves(
  rng: Random,
  height: number,
  width: number,
  count: number,
  minWavelength: number,
  maxWavelength: number,
): Float32Array {
  const field = new Float32Array(height * width);
  const cosX = new Float64Array(width);
  const sinX = new Float64Array(width);
  for (let w = 0; w < count; w++) {
    const angle = rng.uniform(0, 2 * Math.PI);
    const k = (2 * Math.PI) / rng.uniform(minWavelength, maxWavelength);
    const kx = k * Math.cos(angle);
    const ky = k * Math.sin(angle);
    const phase = rng.uniform(0, 2 * Math.PI);
    for (let x = 0; x < width; x++) {
      cosX[x] = Math.cos(kx * x + phase);
      sinX[x] = Math.sin(kx * x + phase);
    }
    for (let y = 0; y < height; y++) {
      const cy = Math.cos(ky * y) / count;
      const sy = Math.sin(ky * y) / count;
      const row = y * width;
      for (let x = 0; x < width; x++) field[row + x] += cosX[x] * cy - sinX[x] * sy;
    }
  }
  return field;
}
