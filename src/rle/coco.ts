/**
 * COCO RLE as pycocotools writes it: counts over the pixels in column-major (Fortran) order,
 * pixel (y, x) of an H x W image at `x * H + y`, with the image size beside them.
 * Masks given or returned here are row-major [H, W] arrays (pixel (y, x) at `y * W + x`),
 * nonzero = foreground; the transposition happens inside.
 *
 * Shape shorthand: H, W: image height and width, D: detections, G: ground truths.
 */
import { checkCounts, rleArea, rleTotal } from './counts.js';
import { describe } from '../utils/describe.js';
import { cocoRleFromString, cocoRleToString } from './coco-string.js';
import { rleIou } from './iou.js';
import { checkImageSize, kaggleRleDecode, kaggleRleEncode } from './kaggle.js';
import { rleMerge } from './merge.js';

/** A COCO RLE: column-major counts of an image of `size` = [height, width]. */
export interface CocoRle {
  /** `[height, width]`, as in COCO JSON. */
  readonly size: readonly [height: number, width: number];
  /** Column-major run lengths starting with background; they add up to height * width. */
  readonly counts: Uint32Array;
}

/** A COCO JSON segmentation in RLE form: `counts` compressed (string) or not (numbers). */
export interface CocoRleJson {
  size: [number, number];
  counts: string | number[];
}

/** Checks an RLE's shape; the error names `fn` and `arg`. */
export function checkCocoRle(rle: CocoRle, fn: string, arg: string): void {
  if (rle === null || typeof rle !== 'object' || !Array.isArray(rle.size) || rle.size.length !== 2) {
    throw new TypeError(`${fn}: ${arg} must be a CocoRle {size: [height, width], counts}, got ${describe(rle)}`);
  }
  const [height, width] = rle.size;
  checkImageSize(height, width, `${fn} (${arg}.size)`);
  checkCounts(rle.counts, fn, `${arg}.counts`);
  const total = rleTotal(rle.counts);
  if (total !== height * width) {
    throw new RangeError(`${fn}: ${arg}.counts cover ${total} pixels but size is ${height} x ${width} = ${height * width}`);
  }
}

/** Encodes a row-major [H, W] mask (nonzero = foreground) as COCO RLE (pycocotools `encode`). */
export function cocoRleEncode(mask: ArrayLike<number>, height: number, width: number): CocoRle {
  checkImageSize(height, width, 'cocoRleEncode');
  if (mask === null || typeof mask !== 'object' || mask.length !== height * width) {
    throw new RangeError(`cocoRleEncode: mask must hold height x width = ${height} x ${width} pixels, got ${describe(mask)}`);
  }
  const counts = new Uint32Array(height * width + 1);
  let m = 0;
  let run = 0;
  let value = false;
  for (let x = 0; x < width; x++) {
    for (let p = x; p < height * width; p += width) {
      if ((mask[p] !== 0) !== value) {
        counts[m++] = run;
        run = 0;
        value = !value;
      }
      run++;
    }
  }
  counts[m++] = run;
  return { size: [height, width], counts: counts.slice(0, m) };
}

/** Decodes a COCO RLE into a row-major [H, W] 0/1 mask (pycocotools `decode`, transposed). */
export function cocoRleDecode(rle: CocoRle): Uint8Array {
  checkCocoRle(rle, 'cocoRleDecode', 'rle');
  const [height, width] = rle.size;
  const mask = new Uint8Array(height * width);
  let q = 0;
  for (let i = 0; i < rle.counts.length; i++) {
    const end = q + rle.counts[i];
    if (i % 2 === 1) {
      // Column-major q = x * H + y -> row-major y * W + x, one column segment at a time.
      while (q < end) {
        const x = Math.floor(q / height);
        const stop = Math.min(end, (x + 1) * height);
        for (let y = q - x * height, p = y * width + x; q < stop; q++, p += width) mask[p] = 1;
      }
    }
    q = end;
  }
  return mask;
}

/** Reads a COCO JSON RLE segmentation `{size, counts}` (compressed string or number list). */
export function cocoRleFromJson(json: CocoRleJson): CocoRle {
  if (json === null || typeof json !== 'object' || !Array.isArray(json.size) || json.size.length !== 2) {
    throw new TypeError(`cocoRleFromJson: expected {size: [height, width], counts}, got ${JSON.stringify(json)?.slice(0, 80)}`);
  }
  let counts: Uint32Array;
  if (typeof json.counts === 'string') {
    counts = cocoRleFromString(json.counts);
  } else if (Array.isArray(json.counts)) {
    json.counts.forEach((c, i) => {
      if (!Number.isInteger(c) || c < 0 || c > 0xffffffff) {
        throw new RangeError(`cocoRleFromJson: counts[${i}] must be a non-negative integer, got ${JSON.stringify(c)}`);
      }
    });
    counts = Uint32Array.from(json.counts);
  } else {
    throw new TypeError(`cocoRleFromJson: counts must be a string or a number array, got ${describe(json.counts)}`);
  }
  const rle: CocoRle = { size: [json.size[0], json.size[1]], counts };
  checkCocoRle(rle, 'cocoRleFromJson', 'json');
  return rle;
}

/** The COCO JSON form of an RLE, with the compressed string (what pycocotools `encode` returns). */
export function cocoRleToJson(rle: CocoRle): CocoRleJson {
  checkCocoRle(rle, 'cocoRleToJson', 'rle');
  return { size: [rle.size[0], rle.size[1]], counts: cocoRleToString(rle.counts) };
}

/** Foreground pixel count (pycocotools `area`). */
export function cocoRleArea(rle: CocoRle): number {
  checkCocoRle(rle, 'cocoRleArea', 'rle');
  return rleArea(rle.counts);
}

/** Union (or intersection) of RLEs of one image size (pycocotools `merge`); needs at least one. */
export function cocoRleMerge(rles: readonly CocoRle[], intersect = false): CocoRle {
  if (!Array.isArray(rles) || rles.length === 0) {
    throw new RangeError(`cocoRleMerge: rles must be a non-empty array of CocoRle, got ${describe(rles)}`);
  }
  rles.forEach((r, k) => checkSameSize(r, rles[0], 'cocoRleMerge', `rles[${k}]`, 'rles[0]'));
  return { size: [rles[0].size[0], rles[0].size[1]], counts: rleMerge(rles.map((r) => r.counts), intersect) };
}

function checkSameSize(rle: CocoRle, first: CocoRle, fn: string, arg: string, firstArg: string): void {
  checkCocoRle(rle, fn, arg);
  if (rle.size[0] !== first.size[0] || rle.size[1] !== first.size[1]) {
    throw new RangeError(`${fn}: ${arg} is ${rle.size[0]} x ${rle.size[1]} but ${firstArg} is ${first.size[0]} x ${first.size[1]}`);
  }
}

/**
 * Mask IoU, row-major [D, G] (pycocotools `iou` on RLEs); a crowd ground truth divides the
 * intersection by the detection's area. Unlike pycocotools (which scores -1), RLEs of different
 * image sizes are an error.
 */
export function cocoRleIou(dt: readonly CocoRle[], gt: readonly CocoRle[], iscrowd?: ArrayLike<number | boolean>): Float64Array {
  const all = [...dt, ...gt];
  all.forEach((r, k) =>
    checkSameSize(r, all[0], 'cocoRleIou', k < dt.length ? `dt[${k}]` : `gt[${k - dt.length}]`, dt.length > 0 ? 'dt[0]' : 'gt[0]'),
  );
  return rleIou(dt.map((r) => r.counts), gt.map((r) => r.counts), iscrowd);
}

/** Kaggle text (row-major, 1-indexed pairs) of an H x W image -> COCO RLE. */
export function kaggleRleToCoco(text: string, height: number, width: number): CocoRle {
  return cocoRleEncode(kaggleRleDecode(text, height, width), height, width);
}

/** COCO RLE -> Kaggle text (row-major, 1-indexed pairs). */
export function cocoToKaggleRle(rle: CocoRle): string {
  return kaggleRleEncode(cocoRleDecode(rle), rle.size[0], rle.size[1]);
}
