/**
 * Polygon rasterization into a cropped mask.
 *
 * Pixel (x, y) is inside a polygon when its centre (x + 0.5, y + 0.5) is (even-odd rule), the
 * sampling that pycocotools' `frPyObjects` approximates, so a COCO polygon written from these
 * vertices decodes to (nearly) the same pixels.
 */

/** A binary mask cropped to its bounding region of the image. */
export interface MaskCrop {
  /** Left column and top row of the crop in the image. */
  readonly x0: number;
  readonly y0: number;
  /** Crop size in pixels (0 when the polygon misses the image). */
  readonly width: number;
  readonly height: number;
  /** Row-major [height, width], 0 or 1. */
  readonly data: Uint8Array;
  /** Number of pixels set. */
  readonly area: number;
}

/**
 * Rasterizes a polygon given as flat [K, 2] `x, y` vertices (image pixels) onto an image of
 * `height` x `width`, clipped to it, and returns the crop around it.
 */
export function rasterizePolygon(polygon: ArrayLike<number>, height: number, width: number): MaskCrop {
  const k = polygon.length / 2;
  if (!Number.isInteger(k) || k < 3) {
    throw new Error(`rasterizePolygon: polygon must be a flat [K, 2] array with K >= 3, got length ${polygon.length}`);
  }
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (let i = 0; i < k; i++) {
    minX = Math.min(minX, polygon[2 * i]);
    maxX = Math.max(maxX, polygon[2 * i]);
    minY = Math.min(minY, polygon[2 * i + 1]);
    maxY = Math.max(maxY, polygon[2 * i + 1]);
  }
  // Pixels whose centres can fall inside: ceil(min - 0.5) .. floor(max - 0.5), clipped.
  const x0 = Math.max(0, Math.ceil(minX - 0.5));
  const x1 = Math.min(width - 1, Math.floor(maxX - 0.5));
  const y0 = Math.max(0, Math.ceil(minY - 0.5));
  const y1 = Math.min(height - 1, Math.floor(maxY - 0.5));
  if (x1 < x0 || y1 < y0) return { x0: 0, y0: 0, width: 0, height: 0, data: new Uint8Array(0), area: 0 };

  const cropWidth = x1 - x0 + 1;
  const cropHeight = y1 - y0 + 1;
  const data = new Uint8Array(cropWidth * cropHeight);
  const crossings: number[] = [];
  let area = 0;
  for (let y = y0; y <= y1; y++) {
    const sy = y + 0.5;
    crossings.length = 0;
    for (let i = 0, j = k - 1; i < k; j = i++) {
      const ya = polygon[2 * j + 1];
      const yb = polygon[2 * i + 1];
      // Half-open in y so a vertex exactly on the scanline is counted once.
      if ((ya <= sy && sy < yb) || (yb <= sy && sy < ya)) {
        const xa = polygon[2 * j];
        const xb = polygon[2 * i];
        crossings.push(xa + ((sy - ya) * (xb - xa)) / (yb - ya));
      }
    }
    crossings.sort((a, b) => a - b);
    const row = (y - y0) * cropWidth;
    for (let c = 0; c + 1 < crossings.length; c += 2) {
      // Centres x + 0.5 in [left, right): x from ceil(left - 0.5) to ceil(right - 0.5) - 1.
      const from = Math.max(x0, Math.ceil(crossings[c] - 0.5));
      const to = Math.min(x1, Math.ceil(crossings[c + 1] - 0.5) - 1);
      for (let x = from; x <= to; x++) {
        if (data[row + x - x0] === 0) area++;
        data[row + x - x0] = 1;
      }
    }
  }
  return { x0, y0, width: cropWidth, height: cropHeight, data, area };
}
