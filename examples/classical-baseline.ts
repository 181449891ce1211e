/**
 * A CLASSICAL, deliberately weak segmentation baseline: no neural network, no training. It
 * stands in for a Mask R-CNN in `toolkit-demo.ts`, so that the solution's post-processing
 * (class thresholds, ensemble NMS, overlap removal, RLE, MAP-IoU) runs end to end on data the
 * demo makes itself. Expect MAP-IoU far below the solution's 0.34: touching cells merge, thin
 * processes are cut off, and the score is a hand-made contrast measure, not a learned one.
 *
 * Phase-contrast cells are dark bodies on a grey background (with a bright halo around them).
 * Per image [H, W] (row-major, 8-bit grey; x right, y down):
 *   1. background B = box blur of the image with a large radius (cells are small next to it);
 *   2. darkness D = box blur (small radius) of B - image, so noise averages out;
 *   3. foreground = D > threshold; a morphological opening cuts the thin neurites, a closing
 *      and hole filling mend the pale interiors of large cells;
 *   4. connected components (8-connected, two-pass union-find) -> instances; components below
 *      `minArea` pixels are dropped;
 *   5. box = the component's pixel extent (absolute x1, y1, x2, y2, x2/y2 exclusive);
 *      score = 1 - exp(-mean D / contrastScale), so darker bodies score higher;
 *   6. class = the image's most plausible cell type from the size and elongation of its
 *      components (`guessCellType`); every detection of the image gets it, as the competition's
 *      images hold one cell type each. The true type is never looked at.
 */
import type { Detections } from '../src/ensemble/index.js';
import { intervalsToCounts } from '../src/rle/index.js';

/** Parameters of `segmentClassical`; lengths in pixels, grey levels of the 8-bit image. */
export interface ClassicalBaselineOptions {
  /** Half-size of the square window of the background estimate (window 2r+1). */
  readonly backgroundRadius: number;
  /** Half-size of the box blur applied to the darkness B - image. */
  readonly smoothRadius: number;
  /** A pixel is foreground when its smoothed darkness exceeds this many grey levels. */
  readonly threshold: number;
  /** Radius of the square opening (0: none); removes structures thinner than 2r+1. */
  readonly openRadius: number;
  /** Radius of the square closing (0: none), applied after the opening. */
  readonly closeRadius: number;
  /** Background holes inside a component up to this many pixels are filled. */
  readonly maxHoleArea: number;
  /** Components with fewer pixels are dropped. */
  readonly minArea: number;
  /** Darkness (grey levels) at which the score reaches 1 - 1/e. */
  readonly contrastScale: number;
}

/**
 * Model A: a large background window, 5 x 5 smoothing and a low threshold, so the pale bodies
 * of large cells (astrocytes) come out whole. Tuned by hand on synthetic images (seed 7).
 */
export const BASELINE_A: ClassicalBaselineOptions = {
  backgroundRadius: 60,
  smoothRadius: 2,
  threshold: 2.5,
  openRadius: 2,
  closeRadius: 1,
  maxHoleArea: 2000,
  minArea: 80,
  contrastScale: 6,
};

/**
 * Model B: 3 x 3 smoothing, a higher threshold and no closing: tighter outlines of small dark
 * cells (cortical neurons, SH-SY5Y), at the cost of breaking up large pale ones.
 */
export const BASELINE_B: ClassicalBaselineOptions = {
  backgroundRadius: 60,
  smoothRadius: 1,
  threshold: 3,
  openRadius: 2,
  closeRadius: 0,
  maxHoleArea: 2000,
  minArea: 80,
  contrastScale: 8,
};

/**
 * Mean of `src` [H, W] over the (2r+1) x (2r+1) window around each pixel, the window clipped to
 * the image (so borders average fewer pixels). Two separable running-sum passes: O(H W).
 */
export function boxBlur(src: ArrayLike<number>, height: number, width: number, radius: number): Float32Array {
  checkImage(src, height, width, 'boxBlur');
  checkRadius(radius, 'boxBlur');
  const rows = new Float32Array(height * width);
  for (let y = 0; y < height; y++) runningMean(src, y * width, 1, width, radius, rows);
  const out = new Float32Array(height * width);
  for (let x = 0; x < width; x++) runningMean(rows, x, width, height, radius, out);
  return out;
}

/** Mean over a clipped window of the n values src[offset + k * stride], written to out likewise. */
function runningMean(src: ArrayLike<number>, offset: number, stride: number, n: number, radius: number, out: Float32Array): void {
  let sum = 0;
  for (let k = 0; k < Math.min(radius, n); k++) sum += src[offset + k * stride];
  for (let k = 0; k < n; k++) {
    if (k + radius < n) sum += src[offset + (k + radius) * stride];
    if (k - radius - 1 >= 0) sum -= src[offset + (k - radius - 1) * stride];
    const count = Math.min(n - 1, k + radius) - Math.max(0, k - radius) + 1;
    out[offset + k * stride] = sum / count;
  }
}

/**
 * Binary dilation of `mask` [H, W] (0/1) by a (2r+1) x (2r+1) square: a pixel is set when any
 * pixel of its window is. Pixels outside the image count as unset.
 */
export function dilate(mask: Uint8Array, height: number, width: number, radius: number): Uint8Array {
  return squareFilter(mask, height, width, radius, (count) => count > 0, 'dilate');
}

/**
 * Binary erosion by a (2r+1) x (2r+1) square: a pixel stays set when every pixel of its window
 * inside the image is set (the image border does not erode).
 */
export function erode(mask: Uint8Array, height: number, width: number, radius: number): Uint8Array {
  return squareFilter(mask, height, width, radius, (count, size) => count === size, 'erode');
}

/** Counts set pixels of each clipped window along rows then columns; `keep(count, size)` decides. */
function squareFilter(
  mask: Uint8Array,
  height: number,
  width: number,
  radius: number,
  keep: (count: number, size: number) => boolean,
  fn: string,
): Uint8Array {
  checkImage(mask, height, width, fn);
  checkRadius(radius, fn);
  if (radius === 0) return mask.slice();
  const pass = (src: Uint8Array, lines: number, n: number, lineStep: number, stride: number): Uint8Array => {
    const out = new Uint8Array(src.length);
    for (let line = 0; line < lines; line++) {
      const offset = line * lineStep;
      let count = 0;
      for (let k = 0; k < Math.min(radius, n); k++) count += src[offset + k * stride];
      for (let k = 0; k < n; k++) {
        if (k + radius < n) count += src[offset + (k + radius) * stride];
        if (k - radius - 1 >= 0) count -= src[offset + (k - radius - 1) * stride];
        const size = Math.min(n - 1, k + radius) - Math.max(0, k - radius) + 1;
        out[offset + k * stride] = keep(count, size) ? 1 : 0;
      }
    }
    return out;
  };
  // A square is the product of a row segment and a column segment, for dilation and erosion alike.
  return pass(pass(mask, height, width, width, 1), width, height, 1, width);
}

/** The result of `labelComponents`. */
export interface ComponentLabels {
  /** [H, W] 0 for background, 1..count for the components, numbered in raster order of their first pixel. */
  readonly labels: Int32Array;
  /** Number of components. */
  readonly count: number;
}

/**
 * Connected components of the set pixels of `mask` [H, W] by the classical two-pass algorithm
 * (Rosenfeld & Pfaltz 1966) with a union-find of provisional labels: the first pass gives each
 * pixel the smallest label of its already-visited neighbours (W, NW, N, NE for 8-connectivity;
 * W, N for 4) and records that those labels are equivalent; the second pass replaces each label
 * by its class's final number. Components are numbered 1..count in raster order of their first
 * (top-most, then left-most) pixel.
 */
export function labelComponents(mask: ArrayLike<number>, height: number, width: number, connectivity: 4 | 8 = 8): ComponentLabels {
  checkImage(mask, height, width, 'labelComponents');
  if (connectivity !== 4 && connectivity !== 8) throw new RangeError(`labelComponents: connectivity must be 4 or 8, got ${connectivity}`);
  const labels = new Int32Array(height * width);
  // parent[l] of provisional label l (1-based; parent[0] unused); roots are their own parent.
  let parent = new Int32Array(256);
  let next = 1;
  const find = (l: number): number => {
    let root = l;
    while (parent[root] !== root) root = parent[root];
    while (parent[l] !== root) {
      const up = parent[l];
      parent[l] = root;
      l = up;
    }
    return root;
  };
  // The smaller root wins, so each class's root is its earliest (raster-order) label.
  const union = (a: number, b: number): number => {
    const ra = find(a);
    const rb = find(b);
    if (ra < rb) parent[rb] = ra;
    else if (rb < ra) parent[ra] = rb;
    return Math.min(ra, rb);
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      if (mask[p] === 0) continue;
      let label = 0;
      const visit = (q: number): void => {
        const l = labels[q];
        if (l !== 0) label = label === 0 ? find(l) : union(label, l);
      };
      if (x > 0) visit(p - 1);
      if (y > 0) {
        visit(p - width);
        if (connectivity === 8) {
          if (x > 0) visit(p - width - 1);
          if (x + 1 < width) visit(p - width + 1);
        }
      }
      if (label === 0) {
        if (next === parent.length) {
          const grown = new Int32Array(parent.length * 2);
          grown.set(parent);
          parent = grown;
        }
        parent[next] = next;
        label = next++;
      }
      labels[p] = label;
    }
  }
  // Final numbers in order of the roots, i.e. of each component's first pixel.
  const final = new Int32Array(next);
  let count = 0;
  for (let l = 1; l < next; l++) {
    const root = find(l);
    final[l] = root === l ? ++count : final[root];
  }
  for (let p = 0; p < labels.length; p++) labels[p] = final[labels[p]];
  return { labels, count };
}

/**
 * Sets the background components of `mask` [H, W] that do not touch the image border and have
 * at most `maxArea` pixels (holes, 4-connected as the dual of 8-connected foreground).
 */
export function fillHoles(mask: Uint8Array, height: number, width: number, maxArea: number): Uint8Array {
  const inverse = mask.map((v) => (v === 0 ? 1 : 0));
  const { labels, count } = labelComponents(inverse, height, width, 4);
  const area = new Int32Array(count + 1);
  const touchesBorder = new Uint8Array(count + 1);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const l = labels[y * width + x];
      area[l]++;
      if (x === 0 || y === 0 || x === width - 1 || y === height - 1) touchesBorder[l] = 1;
    }
  }
  const out = mask.slice();
  for (let p = 0; p < out.length; p++) {
    const l = labels[p];
    if (l !== 0 && touchesBorder[l] === 0 && area[l] <= maxArea) out[p] = 1;
  }
  return out;
}

/** Size and shape of one component, what `guessCellType` reads. */
export interface ComponentShape {
  /** Pixels. */
  readonly area: number;
  /** sqrt of the ratio of the principal second moments, >= 1 (1 for a disc). */
  readonly elongation: number;
}

/**
 * The most plausible cell type (class id: 0 shsy5y, 1 astro, 2 cort) of an image from its
 * components: astrocytes are large (median area over `ASTRO_MIN_MEDIAN_AREA` px), SH-SY5Y
 * bodies are elongated (median elongation over `SHSY5Y_MIN_MEDIAN_ELONGATION`), cortical
 * neurons small and round. The cut-offs come from the synthetic generator's morphologies
 * (`MORPHOLOGIES` in cellmask/data): astro radius 13-24 px, shsy5y elongation 1.4-3, cort
 * 1-1.25. An image without components gets 0.
 */
export function guessCellType(components: readonly ComponentShape[]): number {
  if (components.length === 0) return 0;
  if (median(components.map((c) => c.area)) > ASTRO_MIN_MEDIAN_AREA) return 1;
  return median(components.map((c) => c.elongation)) > SHSY5Y_MIN_MEDIAN_ELONGATION ? 0 : 2;
}

const ASTRO_MIN_MEDIAN_AREA = 400;
const SHSY5Y_MIN_MEDIAN_ELONGATION = 1.45;

function median(values: number[]): number {
  const sorted = values.sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** What `segmentClassical` found besides the detections, for reports and tests. */
export interface ClassicalSegmentation {
  /** N detections, one per kept component, in raster order of their first pixel; masks as counts RLE. */
  readonly detections: Detections;
  /** Class id given to every detection (`guessCellType`). */
  readonly cellType: number;
}

/**
 * Segments one 8-bit grey image [H, W] (row-major) into instances with the steps in this file's
 * header. Deterministic; no randomness.
 */
export function segmentClassical(
  image: ArrayLike<number>,
  height: number,
  width: number,
  options: ClassicalBaselineOptions,
): ClassicalSegmentation {
  checkImage(image, height, width, 'segmentClassical');
  const o = options;
  const background = boxBlur(image, height, width, o.backgroundRadius);
  const rawDarkness = new Float32Array(height * width);
  for (let p = 0; p < rawDarkness.length; p++) rawDarkness[p] = background[p] - image[p];
  const darkness = boxBlur(rawDarkness, height, width, o.smoothRadius);

  let mask: Uint8Array = new Uint8Array(height * width);
  for (let p = 0; p < mask.length; p++) mask[p] = darkness[p] > o.threshold ? 1 : 0;
  if (o.openRadius > 0) mask = dilate(erode(mask, height, width, o.openRadius), height, width, o.openRadius);
  if (o.closeRadius > 0) mask = erode(dilate(mask, height, width, o.closeRadius), height, width, o.closeRadius);
  if (o.maxHoleArea > 0) mask = fillHoles(mask, height, width, o.maxHoleArea);

  const { labels, count } = labelComponents(mask, height, width, 8);
  const stats = componentStats(labels, count, darkness, height, width);
  const kept: number[] = [];
  for (let l = 1; l <= count; l++) if (stats.area[l] >= o.minArea) kept.push(l);

  const shapes = kept.map((l) => ({ area: stats.area[l], elongation: elongation(stats, l) }));
  const cellType = guessCellType(shapes);
  const boxes = new Float32Array(4 * kept.length);
  const scores = new Float32Array(kept.length);
  kept.forEach((l, k) => {
    boxes.set([stats.x1[l], stats.y1[l], stats.x2[l] + 1, stats.y2[l] + 1], 4 * k);
    scores[k] = 1 - Math.exp(-stats.darkness[l] / stats.area[l] / o.contrastScale);
  });
  const detections: Detections = {
    height,
    width,
    boxes,
    scores,
    classes: new Int32Array(kept.length).fill(cellType),
    masks: componentCounts(labels, kept, count),
  };
  return { detections, cellType };
}

/** Per component (index = label): area, pixel extent, summed darkness and second moments. */
interface ComponentStats {
  readonly area: Int32Array;
  readonly x1: Int32Array;
  readonly y1: Int32Array;
  readonly x2: Int32Array;
  readonly y2: Int32Array;
  readonly darkness: Float64Array;
  readonly sx: Float64Array;
  readonly sy: Float64Array;
  readonly sxx: Float64Array;
  readonly syy: Float64Array;
  readonly sxy: Float64Array;
}

function componentStats(labels: Int32Array, count: number, darkness: Float32Array, height: number, width: number): ComponentStats {
  const n = count + 1;
  const s: ComponentStats = {
    area: new Int32Array(n),
    x1: new Int32Array(n).fill(width),
    y1: new Int32Array(n).fill(height),
    x2: new Int32Array(n).fill(-1),
    y2: new Int32Array(n).fill(-1),
    darkness: new Float64Array(n),
    sx: new Float64Array(n),
    sy: new Float64Array(n),
    sxx: new Float64Array(n),
    syy: new Float64Array(n),
    sxy: new Float64Array(n),
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      const l = labels[p];
      if (l === 0) continue;
      s.area[l]++;
      if (x < s.x1[l]) s.x1[l] = x;
      if (x > s.x2[l]) s.x2[l] = x;
      if (y < s.y1[l]) s.y1[l] = y;
      s.y2[l] = y;
      s.darkness[l] += darkness[p];
      s.sx[l] += x;
      s.sy[l] += y;
      s.sxx[l] += x * x;
      s.syy[l] += y * y;
      s.sxy[l] += x * y;
    }
  }
  return s;
}

/** sqrt(λ1 / λ2) of the component's pixel covariance (eigenvalues of a 2 x 2 symmetric matrix). */
function elongation(s: ComponentStats, l: number): number {
  const a = s.area[l];
  const mx = s.sx[l] / a;
  const my = s.sy[l] / a;
  // A single pixel row or column has zero variance across it; 1/12 is a unit pixel's own variance.
  const cxx = s.sxx[l] / a - mx * mx + 1 / 12;
  const cyy = s.syy[l] / a - my * my + 1 / 12;
  const cxy = s.sxy[l] / a - mx * my;
  const half = Math.sqrt(((cxx - cyy) / 2) ** 2 + cxy * cxy);
  const mean = (cxx + cyy) / 2;
  return Math.sqrt((mean + half) / (mean - half));
}

/**
 * Counts RLE (row-major, `[bg, fg, bg, ...]` over H*W pixels) of each label in `kept`, from one
 * raster scan collecting every label's [start, end) runs.
 */
function componentCounts(labels: Int32Array, kept: readonly number[], count: number): Uint32Array[] {
  const runs: number[][] = Array.from({ length: count + 1 }, () => []);
  let p = 0;
  while (p < labels.length) {
    const l = labels[p];
    const start = p;
    while (p < labels.length && labels[p] === l) p++;
    if (l !== 0) runs[l].push(start, p);
  }
  return kept.map((l) => intervalsToCounts(runs[l], labels.length));
}

function checkImage(image: ArrayLike<number>, height: number, width: number, fn: string): void {
  if (!Number.isSafeInteger(height) || height <= 0 || !Number.isSafeInteger(width) || width <= 0) {
    throw new RangeError(`${fn}: height and width must be positive integers, got ${height} x ${width}`);
  }
  if (image === null || typeof image !== 'object' || image.length !== height * width) {
    throw new RangeError(`${fn}: expected an image of ${height} x ${width} = ${height * width} pixels, got ${image === null || typeof image !== 'object' ? String(image) : `length ${image.length}`}`);
  }
}

function checkRadius(radius: number, fn: string): void {
  if (!Number.isSafeInteger(radius) || radius < 0) throw new RangeError(`${fn}: radius must be a non-negative integer, got ${radius}`);
}
