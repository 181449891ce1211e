/**
 * Phase-contrast rendering. The cells define an optical thickness map φ (bodies as domes,
 * granules as small dots, neurites as thin lines). A phase-contrast microscope shows roughly
 * the high-pass part of φ, darkened where the specimen is thick: the halo artefact makes a
 * bright rim outside each edge and a dark rim inside it (Zernike phase contrast; see
 * Yin, Kanade & Chen, "Understanding the phase contrast optics to restore artifact-free
 * microscopy images", Med. Image Anal. 2012, for the imaging model this simplifies):
 *
 *   I = background + haloGain · (G_σ * φ - φ) - bodyGain · (φ - mean φ) + illumination + noise
 *
 * then a mild 3-tap blur for the optics' point spread, rounded to 8 bits. Subtracting the
 * mean keeps the grey level of a crowded image at the background's, as in the competition's
 * images (mean 128).
 *
 * Shapes: images are row-major [H, W]; coordinates are pixels, x right, y down.
 */
import type { Random } from '../../utils/random.js';
import { blur3, gaussianBlur } from './blur.js';
import type { MaskCrop } from './raster.js';
import { relativeRadius, type StarShape } from './shape.js';
import { planeWaves } from './waves.js';

/** Grey level of empty background. */
const BACKGROUND = 128;
/**
 * The halo at two scales: a sharp one (standard deviation in pixels) that outlines every edge
 * with a dark line inside and a bright one outside, and a wider, weaker glow.
 */
const EDGE_SIGMA = 1.2;
const EDGE_GAIN = 110;
const GLOW_SIGMA = 2.5;
const GLOW_GAIN = 50;
/** Grey levels per unit of φ by which thick parts darken. */
const BODY_GAIN = 6;
/** Peak amplitude (grey levels) of the smooth uneven illumination. */
const ILLUMINATION = 6;
/** Standard deviation (grey levels) of the per-pixel camera noise, before the optics' blur. */
const NOISE_STD = 6;

/** One cell body to render. */
export interface BodyToRender {
  readonly shape: StarShape;
  readonly crop: MaskCrop;
  /** Optical thickness at the centre. */
  readonly thickness: number;
  /** Fraction of the thickness at the rim (the body is a dome on a plateau). */
  readonly rimFraction: number;
  /** Number of granules (small dots) inside the body. */
  readonly granules: number;
}

/** Extra thickness of a body's outermost pixels: the membrane, seen as a thin dark outline. */
const MEMBRANE = 0.35;

/** Whether pixel (i, j) of a crop is set and has a 4-neighbour that is not (or lies outside). */
function onBoundary(crop: MaskCrop, i: number, j: number): boolean {
  const at = (a: number, b: number): boolean =>
    a >= 0 && b >= 0 && a < crop.width && b < crop.height && crop.data[b * crop.width + a] !== 0;
  return !at(i - 1, j) || !at(i + 1, j) || !at(i, j - 1) || !at(i, j + 1);
}

/** Adds a body's thickness, its membrane and its granules to `phase` ([H, W]). */
function addBody(rng: Random, phase: Float32Array, width: number, body: BodyToRender): void {
  const { shape, crop, thickness, rimFraction } = body;
  for (let j = 0; j < crop.height; j++) {
    for (let i = 0; i < crop.width; i++) {
      if (crop.data[j * crop.width + i] === 0) continue;
      const x = crop.x0 + i;
      const y = crop.y0 + j;
      const rho = Math.min(1, relativeRadius(shape, x + 0.5, y + 0.5));
      const membrane = onBoundary(crop, i, j) ? MEMBRANE : 0;
      phase[y * width + x] += thickness * (rimFraction + (1 - rimFraction) * Math.sqrt(1 - rho * rho)) + membrane;
    }
  }
  for (let g = 0; g < body.granules; g++) {
    const i = rng.int(0, crop.width);
    const j = rng.int(0, crop.height);
    if (crop.data[j * crop.width + i] === 0) continue;
    // Mostly denser than the cytoplasm (dark), some lighter (bright).
    const amplitude = rng.next() < 0.75 ? rng.uniform(0.3, 0.8) : -rng.uniform(0.2, 0.5);
    phase[(crop.y0 + j) * width + crop.x0 + i] += amplitude;
  }
}

/**
 * Renders the bodies and a neurite layer (thickness, [H, W]) to an 8-bit phase-contrast image
 * [H, W]. `rng` draws the granules, the illumination and the noise.
 */
export function renderPhaseContrast(
  rng: Random,
  bodies: readonly BodyToRender[],
  neurites: Float32Array,
  height: number,
  width: number,
): Uint8Array {
  const phase = Float32Array.from(neurites);
  for (const body of bodies) addBody(rng, phase, width, body);

  let meanPhase = 0;
  for (let p = 0; p < phase.length; p++) meanPhase += phase[p];
  meanPhase /= phase.length;

  const edge = gaussianBlur(phase, height, width, EDGE_SIGMA);
  const glow = gaussianBlur(phase, height, width, GLOW_SIGMA);
  // Three waves of at least 350 px: at most two cycles across a 704-pixel image.
  const light = planeWaves(rng, height, width, 3, 350, 1400);
  const signal = new Float32Array(height * width);
  for (let p = 0; p < signal.length; p++) {
    signal[p] =
      EDGE_GAIN * (edge[p] - phase[p]) +
      GLOW_GAIN * (glow[p] - phase[p]) -
      BODY_GAIN * (phase[p] - meanPhase) + ILLUMINATION * light[p] + rng.normal(0, NOISE_STD);
  }
  // The optics' point spread: a [1, 3, 1] blur, which gives neighbouring pixels the correlation
  // of the real images (about 0.55 at one pixel, under 0.1 at two).
  const seen = blur3(signal, height, width, 3, 1);
  const image = new Uint8Array(height * width);
  for (let p = 0; p < image.length; p++) image[p] = Math.min(255, Math.max(0, Math.round(BACKGROUND + seen[p])));
  return image;
}
