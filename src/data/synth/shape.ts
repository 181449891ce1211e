/**
 * Star-shaped cell outlines with smooth radial noise.
 *
 * A shape is a radius function r(θ) around a centre, sampled at K equally spaced angles, then
 * stretched along one axis and rotated. Every ray from the centre crosses the outline once, so
 * the polygon through the K samples never intersects itself.
 *
 * Coordinates: pixel frame, x to the right and y down, pixel (x, y) sampled at its centre
 * (x + 0.5, y + 0.5) (the convention of pycocotools' polygon rasterizer).
 */
import type { Random } from '../../utils/random.js';

/** What a cell outline is drawn from; lengths in pixels, angles in radians. */
export interface StarShapeParams {
  /** Centre x. */
  readonly cx: number;
  /** Centre y. */
  readonly cy: number;
  /** Mean radius before stretching (the shape's area is about π·radius²). */
  readonly radius: number;
  /** Ratio of the long axis to the short one, >= 1. */
  readonly elongation: number;
  /** Orientation of the long axis. */
  readonly rotation: number;
  /** Standard deviation of the log-radius noise at the lowest harmonic; 0 gives an ellipse. */
  readonly roughness: number;
  /** Number of lobes (processes) added as bumps of the radius; 0 for none. */
  readonly lobes: number;
  /** Number K of polygon vertices. */
  readonly vertices: number;
}

/** A sampled star shape: the polygon and what shading needs to find a pixel's relative radius. */
export interface StarShape {
  readonly cx: number;
  readonly cy: number;
  /** [K] radius at angle 2πk/K in the shape's own (unstretched, unrotated) frame. */
  readonly radii: Float64Array;
  /** Stretch along the long axis (√elongation) and across it (1/√elongation). */
  readonly stretchLong: number;
  readonly stretchShort: number;
  readonly cosRotation: number;
  readonly sinRotation: number;
  /** Flat [K, 2] outline vertices `x, y` in image pixels, counter-clockwise in the shape frame. */
  readonly polygon: Float64Array;
}

/** The highest harmonic of the radial noise; higher ones would make the outline jagged. */
const MAX_HARMONIC = 8;

/**
 * Draws a star shape. Log-radius = Σ_k a_k cos(kθ + φ_k) for k = 2..8 with
 * a_k ~ N(0, roughness / (k - 1)) (a smooth 1/f spectrum), plus `lobes` Gaussian bumps of
 * height 0.4-0.9 and width 0.12-0.3 rad. The mean log-radius is then set to log(radius).
 */
export function starShape(rng: Random, params: StarShapeParams): StarShape {
  const { cx, cy, radius, elongation, rotation, roughness, lobes, vertices } = params;
  if (!(radius > 0) || !(elongation >= 1) || !(roughness >= 0) || !(vertices >= 3) || !(lobes >= 0)) {
    throw new Error(
      `starShape: expected radius > 0, elongation >= 1, roughness >= 0, lobes >= 0, vertices >= 3; ` +
        `got radius ${radius}, elongation ${elongation}, roughness ${roughness}, lobes ${lobes}, vertices ${vertices}`,
    );
  }
  const amplitude = new Float64Array(MAX_HARMONIC + 1);
  const phase = new Float64Array(MAX_HARMONIC + 1);
  for (let k = 2; k <= MAX_HARMONIC; k++) {
    amplitude[k] = rng.normal(0, roughness / (k - 1));
    phase[k] = rng.uniform(0, 2 * Math.PI);
  }
  const lobeAngle: number[] = [];
  const lobeHeight: number[] = [];
  const lobeWidth: number[] = [];
  for (let j = 0; j < lobes; j++) {
    lobeAngle.push(rng.uniform(0, 2 * Math.PI));
    lobeHeight.push(rng.uniform(0.4, 0.9));
    lobeWidth.push(rng.uniform(0.12, 0.3));
  }

  const logRadius = new Float64Array(vertices);
  let meanLog = 0;
  for (let i = 0; i < vertices; i++) {
    const theta = (2 * Math.PI * i) / vertices;
    let v = 0;
    for (let k = 2; k <= MAX_HARMONIC; k++) v += amplitude[k] * Math.cos(k * theta + phase[k]);
    for (let j = 0; j < lobes; j++) {
      // Wrapped angular distance to the lobe's axis, in [-π, π).
      const d = ((theta - lobeAngle[j] + 3 * Math.PI) % (2 * Math.PI)) - Math.PI;
      v += lobeHeight[j] * Math.exp(-(d * d) / (2 * lobeWidth[j] * lobeWidth[j]));
    }
    logRadius[i] = v;
    meanLog += v / vertices;
  }
  const radii = new Float64Array(vertices);
  for (let i = 0; i < vertices; i++) radii[i] = radius * Math.exp(logRadius[i] - meanLog);

  const stretchLong = Math.sqrt(elongation);
  const stretchShort = 1 / stretchLong;
  const cosRotation = Math.cos(rotation);
  const sinRotation = Math.sin(rotation);
  const polygon = new Float64Array(2 * vertices);
  for (let i = 0; i < vertices; i++) {
    const theta = (2 * Math.PI * i) / vertices;
    const u = radii[i] * Math.cos(theta) * stretchLong;
    const v = radii[i] * Math.sin(theta) * stretchShort;
    polygon[2 * i] = cx + u * cosRotation - v * sinRotation;
    polygon[2 * i + 1] = cy + u * sinRotation + v * cosRotation;
  }
  return { cx, cy, radii, stretchLong, stretchShort, cosRotation, sinRotation, polygon };
}

/**
 * How far the point (x, y) lies from the centre relative to the outline along the same ray:
 * 0 at the centre, 1 on the outline (with r(θ) linearly interpolated between samples).
 */
export function relativeRadius(shape: StarShape, x: number, y: number): number {
  const dx = x - shape.cx;
  const dy = y - shape.cy;
  // Image frame -> shape frame: undo the rotation, then the stretch.
  const u = (dx * shape.cosRotation + dy * shape.sinRotation) / shape.stretchLong;
  const v = (-dx * shape.sinRotation + dy * shape.cosRotation) / shape.stretchShort;
  const k = shape.radii.length;
  let t = (Math.atan2(v, u) / (2 * Math.PI)) * k;
  if (t < 0) t += k;
  const i0 = Math.floor(t) % k;
  const i1 = (i0 + 1) % k;
  const f = t - Math.floor(t);
  const r = shape.radii[i0] * (1 - f) + shape.radii[i1] * f;
  return Math.hypot(u, v) / r;
}
