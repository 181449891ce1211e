/**
 * Instance masks as crops (`CroppedMask`): built from run-length encodings without a
 * full-image plane per instance, resized with Pillow's NEAREST tables, flipped, tightened.
 *
 * Shape shorthand: H, W: the image; h, w: a crop. Crops are row-major [h, w] 0/1.
 */
import type { CroppedMask } from './cropped-mask.js';

/** A box around pixels: columns `[x0, x1)`, rows `[y0, y1)`; empty when `x1 <= x0`. */
interface PixelBounds {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

function emptyBounds(): PixelBounds {
  return { x0: Infinity, y0: Infinity, x1: -Infinity, y1: -Infinity };
}

function include(b: PixelBounds, x0: number, x1: number, y: number): void {
  if (x0 < b.x0) b.x0 = x0;
  if (x1 > b.x1) b.x1 = x1;
  if (y < b.y0) b.y0 = y;
  if (y + 1 > b.y1) b.y1 = y + 1;
}

function blankCrop(b: PixelBounds): CroppedMask {
  const width = b.x1 - b.x0;
  const height = b.y1 - b.y0;
  return { x: b.x0, y: b.y0, width, height, data: new Uint8Array(width * height) };
}

/**
 * Row-major runs -> the crop around their pixels, or `null` when there are none.
 * `runs` is flat [R, 2] `(start, length)` with 0-based row-major starts on an H x W image (what
 * `kaggleRleRuns` returns, which checks them); a run may continue past the end of a row onto
 * the next.
 */
export function cropFromRowRuns(runs: Uint32Array, width: number): CroppedMask | null {
  // Visits each run's pieces, one per image row it touches: (row, first column, end column).
  const pieces = (visit: (y: number, x0: number, x1: number) => void): void => {
    for (let r = 0; r + 1 < runs.length; r += 2) {
      let p = runs[r];
      const end = p + runs[r + 1];
      while (p < end) {
        const y = Math.floor(p / width);
        const stop = Math.min(end, (y + 1) * width);
        visit(y, p - y * width, stop - y * width);
        p = stop;
      }
    }
  };
  const b = emptyBounds();
  pieces((y, x0, x1) => include(b, x0, x1, y));
  if (b.x1 <= b.x0) return null;
  const crop = blankCrop(b);
  pieces((y, x0, x1) => crop.data.fill(1, (y - b.y0) * crop.width + x0 - b.x0, (y - b.y0) * crop.width + x1 - b.x0));
  return crop;
}

/**
 * COCO counts (column-major run lengths starting with background, pycocotools' RLE) of an
 * H x W image (checked, as `cocoRleFromJson` and the polygon rasterizer give them) -> the crop
 * around the foreground, or `null` when there is none.
 */
export function cropFromColumnCounts(counts: Uint32Array, height: number): CroppedMask | null {
  // Visits each foreground run's pieces, one per image column: (column, first row, end row).
  const pieces = (visit: (x: number, y0: number, y1: number) => void): void => {
    let q = 0;
    for (let i = 0; i < counts.length; i++) {
      const end = q + counts[i];
      if (i % 2 === 1) {
        while (q < end) {
          const x = Math.floor(q / height);
          const stop = Math.min(end, (x + 1) * height);
          visit(x, q - x * height, stop - x * height);
          q = stop;
        }
      }
      q = end;
    }
  };
  const b = emptyBounds();
  pieces((x, y0, y1) => {
    include(b, x, x + 1, y0);
    include(b, x, x + 1, y1 - 1);
  });
  if (b.x1 <= b.x0) return null;
  const crop = blankCrop(b);
  pieces((x, y0, y1) => {
    for (let y = y0, p = (y0 - b.y0) * crop.width + x - b.x0; y < y1; y++, p += crop.width) crop.data[p] = 1;
  });
  return crop;
}

/** The crop shrunk to the rows and columns that hold pixels, or `null` when it holds none. */
export function tightenCrop(crop: CroppedMask): CroppedMask | null {
  const { width, height, data } = crop;
  const b = emptyBounds();
  for (let i = 0; i < height; i++) {
    const row = i * width;
    let first = -1;
    let last = -1;
    for (let j = 0; j < width; j++) {
      if (data[row + j] !== 0) {
        if (first < 0) first = j;
        last = j;
      }
    }
    if (first >= 0) include(b, first, last + 1, i);
  }
  if (b.x1 <= b.x0) return null;
  if (b.x0 === 0 && b.y0 === 0 && b.x1 === width && b.y1 === height) return crop;
  const out = blankCrop(b);
  for (let i = 0; i < out.height; i++) {
    const from = (b.y0 + i) * width + b.x0;
    out.data.set(data.subarray(from, from + out.width), i * out.width);
  }
  return { ...out, x: crop.x + b.x0, y: crop.y + b.y0 };
}

/**
 * The output indices `[first, end)` whose source index (a nondecreasing NEAREST table from
 * `pilNearestIndex`) falls in `[lo, hi)`.
 */
function indexRange(table: Int32Array, lo: number, hi: number): [number, number] {
  let first = 0;
  while (first < table.length && table[first] < lo) first++;
  let end = first;
  while (end < table.length && table[end] < hi) end++;
  return [first, end];
}

/**
 * A crop of an H x W image resized with Pillow's NEAREST to the image's new size: output pixel
 * (X, Y) is source pixel (`columns[X]`, `rows[Y]`), the tables of `pilNearestIndex(W, w')` and
 * `pilNearestIndex(H, h')`. The same pixels a whole-image `Image.resize(NEAREST)` gives, then
 * tightened; `null` when no pixel survives (a sliver thinner than the sampling step).
 */
export function resizeCropNearest(crop: CroppedMask, columns: Int32Array, rows: Int32Array): CroppedMask | null {
  const [x0, x1] = indexRange(columns, crop.x, crop.x + crop.width);
  const [y0, y1] = indexRange(rows, crop.y, crop.y + crop.height);
  if (x1 <= x0 || y1 <= y0) return null;
  const out = blankCrop({ x0, y0, x1, y1 });
  for (let Y = y0; Y < y1; Y++) {
    const source = (rows[Y] - crop.y) * crop.width - crop.x;
    const target = (Y - y0) * out.width - x0;
    for (let X = x0; X < x1; X++) out.data[target + X] = crop.data[source + columns[X]];
  }
  return tightenCrop(out);
}

/** A crop mirrored left-right in an image `imageWidth` wide (pixel x -> imageWidth - 1 - x). */
export function flipCropHorizontal(crop: CroppedMask, imageWidth: number): CroppedMask {
  const { width, height, data } = crop;
  const out = new Uint8Array(data.length);
  for (let i = 0; i < height; i++) {
    const row = i * width;
    for (let j = 0; j < width; j++) out[row + width - 1 - j] = data[row + j];
  }
  return { x: imageWidth - crop.x - width, y: crop.y, width, height, data: out };
}

/** A crop mirrored top-bottom in an image `imageHeight` high (pixel y -> imageHeight - 1 - y). */
export function flipCropVertical(crop: CroppedMask, imageHeight: number): CroppedMask {
  const { width, height, data } = crop;
  const out = new Uint8Array(data.length);
  for (let i = 0; i < height; i++) out.set(data.subarray(i * width, (i + 1) * width), (height - 1 - i) * width);
  return { x: crop.x, y: imageHeight - crop.y - height, width, height, data: out };
}

/**
 * The crops' pixels copied into one buffer, each crop a view of it: one `ArrayBuffer` to
 * transfer to another thread instead of one per instance.
 */
export function packCrops(crops: readonly CroppedMask[]): CroppedMask[] {
  const buffer = new Uint8Array(crops.reduce((n, c) => n + c.data.length, 0));
  let offset = 0;
  return crops.map((c) => {
    const data = buffer.subarray(offset, offset + c.data.length);
    data.set(c.data);
    offset += c.data.length;
    return { x: c.x, y: c.y, width: c.width, height: c.height, data };
  });
}

/** A crop drawn into an [H, W] row-major 0/1 plane (pixels outside the image are dropped). */
export function cropToPlane(crop: CroppedMask, height: number, width: number): Uint8Array {
  const plane = new Uint8Array(height * width);
  for (let i = 0; i < crop.height; i++) {
    for (let j = 0; j < crop.width; j++) {
      const y = crop.y + i;
      const x = crop.x + j;
      if (crop.data[i * crop.width + j] !== 0 && y >= 0 && y < height && x >= 0 && x < width) plane[y * width + x] = 1;
    }
  }
  return plane;
}
