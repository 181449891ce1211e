/**
 * The greedy NMS kernel behind `nms` and `batchedNms`: torchvision's algorithm and arithmetic,
 * with a spatial index so that each kept box only tests the boxes that could overlap it.
 *
 * Shape shorthand: N: boxes, K: boxes taken part (`order`), P: a position in `order`
 * (the score rank inside the part), L: a size level.
 *
 * torchvision's CPU kernel visits boxes by descending score; each box that is still unsuppressed
 * is kept and suppresses every later box whose IoU with it exceeds the threshold. IoU is computed
 * in float32: `inter / (area_i + area_j - inter)` with `area = (x2 - x1) * (y2 - y1)` (no +1).
 * `Math.fround` after each operation reproduces float32 arithmetic exactly (double rounding is
 * innocuous for +, -, *, / of float32 operands), so decisions at the threshold agree bit for bit.
 *
 * Pruning (a pair it skips can never be suppressed): with threshold t >= 0,
 *  - IoU > t needs a positive intersection, so centres differ by less than (w_i + w_j) / 2 in x
 *    (and likewise in y);
 *  - IoU > t needs inter > t * area_i, and inter <= iw * h_i, so iw > t * w_i and hence
 *    w_j > t * w_i (likewise h_j > t * h_i, and the same with i and j swapped). So the larger
 *    side s = max(w, h) satisfies t * s_i < s_j < s_i / t.
 *  - For overlapping spans |cx_i - cx_j| <= (w_i + w_j) / 2 - iw < (w_i + w_j) / 2 - t * w_i.
 * Boxes are bucketed by level L = floor(log2(s)), and each level has a uniform grid of centre
 * cells. A kept box visits the levels its size allows and, in each, the cells of its centre
 * window; levels with fewer boxes than window cells are scanned whole. Boxes with a side <= 0 have no intersection with anything,
 * so they are never suppressed nor suppress (for t >= 0) and are left out of the index.
 * A negative threshold suppresses disjoint boxes too; it takes the plain quadratic scan.
 */

/** Relative slack on the size bound, far above float32's rounding of IoU (about 2.4e-7). */
const SIZE_SLACK = 1e-5;

/** Grid cell side as a fraction of the level's largest box side. */
const CELL_FRACTION = 0.5;

/** Below this many boxes the quadratic scan is cheaper than building the index. */
const SMALL = 64;

/** One size level of the index: boxes with 2^L <= max side < 2^(L+1), by centre cell. */
interface Level {
  /** 2^L and 2^(L+1): the range of the larger side of the boxes here. */
  readonly low: number;
  readonly high: number;
  readonly count: number;
  /** Cell side, grid origin (the smallest centre) and number of cells in x and y. */
  readonly cell: number;
  readonly originX: number;
  readonly originY: number;
  readonly cellsX: number;
  readonly cellsY: number;
  /** CSR lists: positions of cell c are `entries[start[c] .. start[c + 1])`, ascending. */
  readonly start: Int32Array;
  readonly entries: Int32Array;
  /** Per cell, the first entry not yet passed: positions before the current one are decided. */
  readonly head: Int32Array;
}

/**
 * Greedy NMS over the boxes `order` picks from [N, 4] `boxes`, visited in `order`'s sequence
 * (descending score). Returns the kept box indices (values of `order`) in that sequence.
 */
export function greedyNms(boxes: Float32Array, order: Int32Array, iouThreshold: number): Int32Array {
  const k = order.length;
  // (N, 4) in input order -> (K, 4) in score order, so the hot loops read memory in sequence.
  const b = new Float32Array(4 * k);
  const area = new Float32Array(k);
  for (let p = 0; p < k; p++) {
    const o = 4 * order[p];
    b[4 * p] = boxes[o];
    b[4 * p + 1] = boxes[o + 1];
    b[4 * p + 2] = boxes[o + 2];
    b[4 * p + 3] = boxes[o + 3];
    area[p] = Math.fround(Math.fround(boxes[o + 2] - boxes[o]) * Math.fround(boxes[o + 3] - boxes[o + 1]));
  }
  const suppressed = new Uint8Array(k);
  const kept = new Int32Array(k);
  let numKept = 0;
  if (k <= SMALL || iouThreshold < 0) {
    for (let p = 0; p < k; p++) {
      if (suppressed[p] !== 0) continue;
      kept[numKept++] = order[p];
      for (let q = p + 1; q < k; q++) {
        if (suppressed[q] === 0 && iouAbove(b, area, p, q, iouThreshold)) suppressed[q] = 1;
      }
    }
    return kept.slice(0, numKept);
  }
  const levels = buildLevels(b, k);
  for (let p = 0; p < k; p++) {
    if (suppressed[p] !== 0) continue;
    kept[numKept++] = order[p];
    const w = b[4 * p + 2] - b[4 * p];
    const h = b[4 * p + 3] - b[4 * p + 1];
    if (!(w > 0 && h > 0)) continue;
    const side = Math.max(w, h);
    const cx = (b[4 * p] + b[4 * p + 2]) / 2;
    const cy = (b[4 * p + 1] + b[4 * p + 3]) / 2;
    for (const level of levels) {
      if (level.high <= iouThreshold * side * (1 - SIZE_SLACK)) continue;
      if (iouThreshold > 0 && level.low >= side / (iouThreshold * (1 - SIZE_SLACK))) continue;
      suppressInLevel(level, b, area, suppressed, p, cx, cy, w, h, iouThreshold);
    }
  }
  return kept.slice(0, numKept);
}

/** True when the float32 IoU of boxes at positions p and q of `b` exceeds `threshold`. */
function iouAbove(b: Float32Array, area: Float32Array, p: number, q: number, threshold: number): boolean {
  const w = Math.fround(Math.min(b[4 * p + 2], b[4 * q + 2]) - Math.max(b[4 * p], b[4 * q]));
  const h = Math.fround(Math.min(b[4 * p + 3], b[4 * q + 3]) - Math.max(b[4 * p + 1], b[4 * q + 1]));
  // No intersection: 0 / (area_p + area_q), which is NaN (never above) when both areas are 0.
  if (!(w > 0 && h > 0)) return 0 / Math.fround(area[p] + area[q]) > threshold;
  const inter = Math.fround(w * h);
  return Math.fround(inter / Math.fround(Math.fround(area[p] + area[q]) - inter)) > threshold;
}

/** Suppresses, among the boxes of `level` after position p, those whose IoU with p exceeds t. */
function suppressInLevel(
  level: Level,
  b: Float32Array,
  area: Float32Array,
  suppressed: Uint8Array,
  p: number,
  cx: number,
  cy: number,
  w: number,
  h: number,
  t: number,
): void {
  const { cell, start, entries, head } = level;
  // Overlapping spans satisfy |cx_j - cx| <= (w + w_j) / 2 - iw, and IoU > t needs iw > t * w
  // (module comment); w_j < level.high. Likewise in y.
  const shrink = Math.max(0, t) * (1 - SIZE_SLACK);
  const reachX = (w + level.high) / 2 - shrink * w;
  const reachY = (h + level.high) / 2 - shrink * h;
  const x0 = Math.max(0, Math.floor((cx - reachX - level.originX) / cell));
  const x1 = Math.min(level.cellsX - 1, Math.floor((cx + reachX - level.originX) / cell));
  const y0 = Math.max(0, Math.floor((cy - reachY - level.originY) / cell));
  const y1 = Math.min(level.cellsY - 1, Math.floor((cy + reachY - level.originY) / cell));
  if (x0 > x1 || y0 > y1) return;
  if ((x1 - x0 + 1) * (y1 - y0 + 1) > level.count) {
    for (let e = 0; e < entries.length; e++) {
      const q = entries[e];
      if (q > p && suppressed[q] === 0 && iouAbove(b, area, p, q, t)) suppressed[q] = 1;
    }
    return;
  }
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const c = y * level.cellsX + x;
      const end = start[c + 1];
      let e = head[c];
      while (e < end && entries[e] <= p) e++;
      head[c] = e;
      for (; e < end; e++) {
        const q = entries[e];
        if (suppressed[q] === 0 && iouAbove(b, area, p, q, t)) suppressed[q] = 1;
      }
    }
  }
}

/** Buckets the boxes with positive sides by size level and, per level, by centre cell. */
function buildLevels(b: Float32Array, k: number): Level[] {
  const byLevel = new Map<number, number[]>();
  for (let p = 0; p < k; p++) {
    const w = b[4 * p + 2] - b[4 * p];
    const h = b[4 * p + 3] - b[4 * p + 1];
    if (!(w > 0 && h > 0)) continue;
    const level = Math.floor(Math.log2(Math.max(w, h)));
    const members = byLevel.get(level);
    if (members === undefined) byLevel.set(level, [p]);
    else members.push(p);
  }
  const levels: Level[] = [];
  for (const [level, members] of byLevel) levels.push(buildLevel(b, level, members));
  return levels;
}

function buildLevel(b: Float32Array, level: number, members: readonly number[]): Level {
  const m = members.length;
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const p of members) {
    const cx = (b[4 * p] + b[4 * p + 2]) / 2;
    const cy = (b[4 * p + 1] + b[4 * p + 3]) / 2;
    minX = Math.min(minX, cx);
    maxX = Math.max(maxX, cx);
    minY = Math.min(minY, cy);
    maxY = Math.max(maxY, cy);
  }
  const low = 2 ** level;
  const high = 2 ** (level + 1);
  const spanX = maxX - minX;
  const spanY = maxY - minY;
  // Cells at least as wide as the boxes, and few enough (about m + 8m) for sparse levels.
  const cell = Math.max(CELL_FRACTION * high, Math.sqrt((spanX * spanY) / m), Math.max(spanX, spanY) / (4 * m));
  const cellsX = Math.floor(spanX / cell) + 1;
  const cellsY = Math.floor(spanY / cell) + 1;
  const cellOf = new Int32Array(m);
  const start = new Int32Array(cellsX * cellsY + 1);
  for (let i = 0; i < m; i++) {
    const p = members[i];
    const x = Math.floor(((b[4 * p] + b[4 * p + 2]) / 2 - minX) / cell);
    const y = Math.floor(((b[4 * p + 1] + b[4 * p + 3]) / 2 - minY) / cell);
    cellOf[i] = y * cellsX + x;
    start[cellOf[i] + 1]++;
  }
  for (let c = 0; c < cellsX * cellsY; c++) start[c + 1] += start[c];
  const fill = start.slice(0, cellsX * cellsY);
  const entries = new Int32Array(m);
  // Members are in ascending position, so each cell's list comes out ascending.
  for (let i = 0; i < m; i++) entries[fill[cellOf[i]]++] = members[i];
  return {
    low,
    high,
    count: m,
    cell,
    originX: minX,
    originY: minY,
    cellsX,
    cellsY,
    start,
    entries,
    head: start.slice(0, cellsX * cellsY),
  };
}
