/**
 * Polygon -> COCO RLE with the same pixels as pycocotools (`rleFrPoly` in `maskApi.c`, reached
 * through `frPyObjects`). LIVECell's annotations are such polygons.
 *
 * Coordinates are COCO's: x to the right, y down, in pixels; the polygon is implicitly closed.
 *
 * The algorithm, in three steps:
 * 1. Scale the vertices by 5 and round (`(int)(5 v + 0.5)`, truncating toward zero), then walk
 *    every edge one fine-grid step at a time along its longer axis, giving the boundary points
 *    (u, v) in order.
 * 2. Wherever consecutive boundary points change fine column u, the crossing lies at the fine
 *    column boundary min(u) + 0.5 (scaled back: (u' + 0.5) / 5 - 0.5). Only crossings that land
 *    exactly on an image column x in [0, W - 1] count; each gives a row ceil(((min v) + 0.5) / 5 -
 *    0.5) clamped to [0, H], where the column's inside/outside state toggles.
 * 3. The toggles, as column-major pixel indices x * H + y, sorted, are the RLE boundaries: their
 *    differences are the counts, with pairs of toggles at one index cancelling.
 *
 * Shape shorthand: K: vertices, H, W: image height and width.
 */

import { describe } from '../utils/describe.js';
import type { CocoRle } from './coco.js';
import { checkImageSize } from './kaggle.js';
import { rleMerge } from './merge.js';

const SCALE = 5;

function checkPolygon(polygon: ArrayLike<number>, fn: string, arg: string): void {
  if (polygon === null || typeof polygon !== 'object' || typeof polygon.length !== 'number') {
    throw new TypeError(`${fn}: ${arg} must be an array-like of x0, y0, x1, y1, ... coordinates, got ${describe(polygon)}`);
  }
  if (polygon.length % 2 !== 0 || polygon.length < 6) {
    // pycocotools reads a 4-number "polygon" as an [x, y, w, h] box; refuse the ambiguity.
    throw new RangeError(`${fn}: ${arg} must hold an even number (at least 6) of coordinates, got ${polygon.length}`);
  }
  for (let i = 0; i < polygon.length; i++) {
    if (!Number.isFinite(polygon[i]) || Math.abs(polygon[i]) > 1e8) {
      throw new RangeError(`${fn}: ${arg}[${i}] must be a finite coordinate within +-1e8, got ${polygon[i]}`);
    }
  }
}

/** Step 1: boundary points (u, v) on the 5x grid, edge after edge, both ends of each edge included. */
function traceBoundary(polygon: ArrayLike<number>): { u: Int32Array; v: Int32Array } {
  const k = polygon.length / 2;
  // Vertices on the fine grid, the first repeated at the end to close the outline: [K + 1].
  const x = new Int32Array(k + 1);
  const y = new Int32Array(k + 1);
  for (let j = 0; j < k; j++) {
    x[j] = Math.trunc(SCALE * polygon[2 * j] + 0.5);
    y[j] = Math.trunc(SCALE * polygon[2 * j + 1] + 0.5);
  }
  x[k] = x[0];
  y[k] = y[0];
  let m = 0;
  for (let j = 0; j < k; j++) m += Math.max(Math.abs(x[j] - x[j + 1]), Math.abs(y[j] - y[j + 1])) + 1;
  const u = new Int32Array(m);
  const v = new Int32Array(m);
  m = 0;
  for (let j = 0; j < k; j++) {
    let xs = x[j];
    let xe = x[j + 1];
    let ys = y[j];
    let ye = y[j + 1];
    const dx = Math.abs(xe - xs);
    const dy = Math.abs(ys - ye);
    // Interpolate from the lower end so that rounding is the same whichever way the edge runs.
    const flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
    if (flip) {
      [xs, xe] = [xe, xs];
      [ys, ye] = [ye, ys];
    }
    if (dx >= dy) {
      // A zero-length edge (dx = dy = 0) gives one point whose v pycocotools computes as 0/0;
      // its u equals both neighbours' u, so step 2 never reads that v. Slope 0 keeps it finite.
      const slope = dx === 0 ? 0 : (ye - ys) / dx;
      for (let d = 0; d <= dx; d++) {
        const t = flip ? dx - d : d;
        u[m] = t + xs;
        v[m] = Math.trunc(ys + slope * t + 0.5);
        m++;
      }
    } else {
      const slope = (xe - xs) / dy;
      for (let d = 0; d <= dy; d++) {
        const t = flip ? dy - d : d;
        v[m] = t + ys;
        u[m] = Math.trunc(xs + slope * t + 0.5);
        m++;
      }
    }
  }
  return { u, v };
}

/**
 * The COCO RLE of one polygon `[x0, y0, x1, y1, ...]` (K >= 3 vertices, float pixel coordinates,
 * implicitly closed) on an H x W image, pixel for pixel as pycocotools `frPyObjects([polygon], H, W)`.
 * Parts outside the image are clipped.
 */
export function cocoPolygonToRle(polygon: ArrayLike<number>, height: number, width: number): CocoRle {
  checkImageSize(height, width, 'cocoPolygonToRle');
  if (height === 0 || width === 0) throw new RangeError(`cocoPolygonToRle: image must be at least 1 x 1, got ${height} x ${width}`);
  checkPolygon(polygon, 'cocoPolygonToRle', 'polygon');
  const { u, v } = traceBoundary(polygon);
  // Step 2: column toggles as column-major indices x * H + y, plus the end H * W: [T + 1].
  const toggles = new Uint32Array(u.length + 1);
  let n = 0;
  for (let j = 1; j < u.length; j++) {
    if (u[j] === u[j - 1]) continue;
    const xd = ((u[j] < u[j - 1] ? u[j] : u[j] - 1) + 0.5) / SCALE - 0.5;
    if (Math.floor(xd) !== xd || xd < 0 || xd > width - 1) continue;
    let yd = ((v[j] < v[j - 1] ? v[j] : v[j - 1]) + 0.5) / SCALE - 0.5;
    yd = Math.ceil(Math.min(Math.max(yd, 0), height));
    toggles[n++] = xd * height + yd;
  }
  toggles[n++] = height * width;
  // Step 3: sorted toggles -> run lengths; a zero difference means two toggles at one pixel,
  // which cancel: drop it and fold the following difference into the previous run.
  const sorted = toggles.subarray(0, n).sort();
  const counts = new Uint32Array(n);
  let m = 0;
  counts[m++] = sorted[0];
  let prev = sorted[0];
  for (let j = 1; j < n; j++) {
    const diff = sorted[j] - prev;
    prev = sorted[j];
    if (diff > 0) {
      counts[m++] = diff;
    } else if (j + 1 < n) {
      j++;
      counts[m - 1] += sorted[j] - prev;
      prev = sorted[j];
    }
  }
  return { size: [height, width], counts: counts.slice(0, m) };
}

/**
 * The union of several polygons of one object (what COCO's `annToRLE` does for a polygon
 * segmentation: `merge(frPyObjects(polygons, H, W))`).
 */
export function cocoPolygonsToRle(polygons: readonly ArrayLike<number>[], height: number, width: number): CocoRle {
  if (!Array.isArray(polygons) || polygons.length === 0) {
    throw new RangeError(`cocoPolygonsToRle: polygons must be a non-empty array of polygons, got ${describe(polygons)}`);
  }
  const counts = polygons.map((p, k) => {
    checkPolygon(p, 'cocoPolygonsToRle', `polygons[${k}]`);
    return cocoPolygonToRle(p, height, width).counts;
  });
  return { size: [height, width], counts: rleMerge(counts) };
}

/** The RLE of a COCO box `[x, y, w, h]` (pycocotools `frPyObjects` on boxes: its 4-corner polygon). */
export function cocoBboxToRle(bbox: ArrayLike<number>, height: number, width: number): CocoRle {
  if (bbox === null || typeof bbox !== 'object' || bbox.length !== 4) {
    throw new TypeError(`cocoBboxToRle: bbox must be [x, y, w, h], got ${describe(bbox)}`);
  }
  const [x, y, w, h] = [bbox[0], bbox[1], bbox[2], bbox[3]];
  return cocoPolygonToRle([x, y, x, y + h, x + w, y + h, x + w, y], height, width);
}
