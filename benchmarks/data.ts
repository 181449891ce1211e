/**
 * Deterministic benchmark inputs: cell-like ellipses in a 520 x 704 image, written as Kaggle
 * RLE text (row-major, 1-indexed `start length` pairs) without going through the library, so
 * the inputs do not depend on the code being timed.
 */
import { Random } from '../src/utils/random.js';

export const HEIGHT = 520;
export const WIDTH = 704;

/**
 * An axis-aligned ellipse `(x-cx)²/rx² + (y-cy)²/ry² <= 1` as Kaggle RLE text. Pixels already set
 * in `claimed` ([H, W], when given) are left out and the ellipse's are then claimed, so a sequence
 * of calls gives non-overlapping masks, as in a valid submission.
 */
export function ellipseRle(
  cx: number,
  cy: number,
  rx: number,
  ry: number,
  claimed?: Uint8Array,
  height = HEIGHT,
  width = WIDTH,
): string {
  const parts: number[] = [];
  for (let y = Math.max(0, Math.ceil(cy - ry)); y <= Math.min(height - 1, Math.floor(cy + ry)); y++) {
    const dy = (y - cy) / ry;
    const half = rx * Math.sqrt(Math.max(0, 1 - dy * dy));
    const row = y * width;
    let start = -1;
    for (let x = Math.max(0, Math.ceil(cx - half)); x <= Math.min(width, Math.floor(cx + half) + 1); x++) {
      const inside = x <= Math.min(width - 1, Math.floor(cx + half)) && (claimed === undefined || claimed[row + x] === 0);
      if (inside && start < 0) start = x;
      if (!inside && start >= 0) {
        parts.push(row + start + 1, x - start);
        if (claimed !== undefined) claimed.fill(1, row + start, row + x);
        start = -1;
      }
    }
  }
  return parts.join(' ');
}

/** A random cell: centre anywhere, radii 4-14 px, as `[cx, cy, rx, ry]`. */
export function randomCell(rng: Random, height = HEIGHT, width = WIDTH): [number, number, number, number] {
  return [rng.uniform(0, width), rng.uniform(0, height), rng.uniform(4, 14), rng.uniform(4, 14)];
}

/**
 * One image's truth and predictions: predictions are jittered truths, some missed, some spurious,
 * and do not overlap each other (truths may).
 */
export function mapIouImage(rng: Random, numTruth: number, numPred: number): { truth: string[]; pred: string[] } {
  const cells = Array.from({ length: numTruth }, () => randomCell(rng));
  const truth = cells.map(([cx, cy, rx, ry]) => ellipseRle(cx, cy, rx, ry)).filter((t) => t.length > 0);
  const pred: string[] = [];
  const claimed = new Uint8Array(HEIGHT * WIDTH);
  for (let i = 0; i < numPred; i++) {
    const [cx, cy, rx, ry] = i < cells.length && rng.next() < 0.85 ? cells[i] : randomCell(rng);
    const rle = ellipseRle(cx + rng.normal(0, 1.5), cy + rng.normal(0, 1.5), rx * rng.uniform(0.8, 1.2), ry * rng.uniform(0.8, 1.2), claimed);
    if (rle.length > 0) pred.push(rle);
  }
  return { truth, pred };
}

/** A mask of many cells (their union) as a row-major [H, W] Uint8Array. */
export function cellsMask(rng: Random, count: number, height = HEIGHT, width = WIDTH): Uint8Array {
  const mask = new Uint8Array(height * width);
  for (let i = 0; i < count; i++) {
    const [cx, cy, rx, ry] = randomCell(rng, height, width);
    const nums = ellipseRle(cx, cy, rx, ry, undefined, height, width).split(' ').filter(Boolean).map(Number);
    for (let k = 0; k < nums.length; k += 2) mask.fill(1, nums[k] - 1, nums[k] - 1 + nums[k + 1]);
  }
  return mask;
}

/** N cell-sized boxes `x1, y1, x2, y2` clustered around `N / 8` cells (heavy overlap) and distinct scores. */
export function clusteredBoxes(rng: Random, n: number): { boxes: Float32Array; scores: Float32Array } {
  const centres = Array.from({ length: Math.max(1, Math.floor(n / 8)) }, () => randomCell(rng));
  const boxes = new Float32Array(4 * n);
  for (let i = 0; i < n; i++) {
    const [cx, cy, rx, ry] = rng.pick(centres);
    const x = cx + rng.normal(0, 3);
    const y = cy + rng.normal(0, 3);
    const w = rx * rng.uniform(0.7, 1.3);
    const h = ry * rng.uniform(0.7, 1.3);
    boxes.set([x - w, y - h, x + w, y + h], 4 * i);
  }
  const rank = rng.shuffle(Array.from({ length: n }, (_, i) => i));
  const scores = Float32Array.from(rank, (r) => (r + 0.5) / n);
  return { boxes, scores };
}
