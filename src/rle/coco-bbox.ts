/**
 * COCO boxes: `[x, y, w, h]` with (x, y) the top-left corner, in pixels (COCO's convention, not
 * the library's x1, y1, x2, y2). pycocotools' `toBbox` of an RLE and `iou` of boxes.
 *
 * Shape shorthand: D: detections, G: ground truths.
 */

import { describe } from '../utils/describe.js';
import { type CocoRle, checkCocoRle } from './coco.js';

/** A COCO box `[x, y, width, height]`. */
export type CocoBbox = readonly [x: number, y: number, w: number, h: number];

/**
 * The tight box `[x, y, w, h]` of an RLE's foreground, computed from the runs as pycocotools
 * `toBbox` does: each run's first and last pixel give columns and rows, and a run that crosses
 * into the next column spans every row. An empty mask gives `[0, 0, 0, 0]`.
 */
export function cocoRleToBbox(rle: CocoRle): [x: number, y: number, w: number, h: number] {
  checkCocoRle(rle, 'cocoRleToBbox', 'rle');
  const [h, w] = rle.size;
  const cnts = rle.counts;
  // A trailing background run adds nothing; pycocotools drops it by rounding m down to even.
  const m = cnts.length - (cnts.length % 2);
  if (m === 0) return [0, 0, 0, 0];
  let xs = w;
  let ys = h;
  let xe = 0;
  let ye = 0;
  let xp = 0;
  let cc = 0;
  for (let j = 0; j < m; j++) {
    cc += cnts[j];
    // The first pixel of a foreground run (j even: it starts after cc), or its last (j odd).
    const t = cc - (j % 2);
    const y = t % h;
    const x = (t - y) / h;
    if (j % 2 === 0) xp = x;
    else if (xp < x) {
      ys = 0;
      ye = h - 1;
    }
    xs = Math.min(xs, x);
    xe = Math.max(xe, x);
    ys = Math.min(ys, y);
    ye = Math.max(ye, y);
  }
  return [xs, ys, xe - xs + 1, ye - ys + 1];
}

function checkBoxes(boxes: readonly CocoBbox[], arg: string): void {
  if (!Array.isArray(boxes)) throw new TypeError(`cocoBboxIou: ${arg} must be an array of [x, y, w, h] boxes, got ${describe(boxes)}`);
  boxes.forEach((b, k) => {
    if (!b || b.length !== 4 || !b.every(Number.isFinite)) {
      throw new TypeError(`cocoBboxIou: ${arg}[${k}] must be [x, y, w, h] finite numbers, got ${JSON.stringify(b)}`);
    }
  });
}

/**
 * Box IoU, row-major [D, G] (pycocotools `bbIou`): boxes that only touch score 0; for a crowd
 * ground truth (`iscrowd[g]` truthy) the union is the detection's area.
 */
export function cocoBboxIou(dt: readonly CocoBbox[], gt: readonly CocoBbox[], iscrowd?: ArrayLike<number | boolean>): Float64Array {
  checkBoxes(dt, 'dt');
  checkBoxes(gt, 'gt');
  if (iscrowd !== undefined && iscrowd.length !== gt.length) {
    throw new RangeError(`cocoBboxIou: iscrowd has length ${iscrowd.length} but there are ${gt.length} ground truths`);
  }
  const out = new Float64Array(dt.length * gt.length);
  gt.forEach((g, j) => {
    const ga = g[2] * g[3];
    const crowd = iscrowd !== undefined && Boolean(iscrowd[j]);
    dt.forEach((d, i) => {
      const iw = Math.min(d[0] + d[2], g[0] + g[2]) - Math.max(d[0], g[0]);
      if (iw <= 0) return;
      const ih = Math.min(d[1] + d[3], g[1] + g[3]) - Math.max(d[1], g[1]);
      if (ih <= 0) return;
      const inter = iw * ih;
      const da = d[2] * d[3];
      out[i * gt.length + j] = inter / (crowd ? da : da + ga - inter);
    });
  });
  return out;
}
