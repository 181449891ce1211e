/**
 * The drawing primitives behind the charts: an RGB image with filled rectangles and bitmap
 * text, and a coverage layer into which anti-aliased lines and discs are drawn before they are
 * blended onto the image in one colour.
 *
 * Coordinates: pixel (x, y) is the unit square [x, x + 1) x [y, y + 1), y growing downwards, so
 * its centre is (x + 0.5, y + 0.5). Lines and discs take continuous coordinates.
 */
import { GLYPH_ADVANCE, GLYPH_HEIGHT, GLYPH_WIDTH, glyphColumns, textWidth } from './font.js';

/** An 8-bit colour, red, green, blue. */
export type Rgb = readonly [r: number, g: number, b: number];

/** An RGB image: pixel (x, y), channel c at `data[(y * width + x) * 3 + c]`. */
export interface RgbImage {
  /** Samples, row-major, three per pixel. */
  readonly data: Uint8Array;
  /** Width in pixels. */
  readonly width: number;
  /** Height in pixels. */
  readonly height: number;
}

/** A pixel rectangle: columns [left, right), rows [top, bottom). */
export interface PixelBox {
  readonly left: number;
  readonly top: number;
  readonly right: number;
  readonly bottom: number;
}

/** An image of `width` x `height` pixels filled with `background`. */
export function createImage(width: number, height: number, background: Rgb): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let p = 0; p < data.length; p += 3) data.set(background, p);
  return { data, width, height };
}

/** Fills the pixels of `box` (clipped to the image) with `color`. */
export function fillBox(image: RgbImage, box: PixelBox, color: Rgb): void {
  const left = Math.max(0, Math.floor(box.left));
  const right = Math.min(image.width, Math.floor(box.right));
  const top = Math.max(0, Math.floor(box.top));
  const bottom = Math.min(image.height, Math.floor(box.bottom));
  for (let y = top; y < bottom; y++) {
    for (let x = left; x < right; x++) image.data.set(color, (y * image.width + x) * 3);
  }
}

/** Draws the one-pixel outline just inside `box`. */
export function strokeBox(image: RgbImage, box: PixelBox, color: Rgb): void {
  const { left, top, right, bottom } = box;
  fillBox(image, { left, top, right, bottom: top + 1 }, color);
  fillBox(image, { left, top: bottom - 1, right, bottom }, color);
  fillBox(image, { left, top, right: left + 1, bottom }, color);
  fillBox(image, { left: right - 1, top, right, bottom }, color);
}

/**
 * Draws `text` in the bitmap font, each font pixel a `scale` x `scale` square. `direction`
 * 'right' reads left to right with (x, y) the top-left corner; 'up' is the text turned a quarter
 * turn anticlockwise (reads bottom to top, for a y-axis label) with (x, y) the top-left corner
 * of its bounding box.
 */
export function drawText(
  image: RgbImage,
  text: string,
  x: number,
  y: number,
  scale: number,
  color: Rgb,
  direction: 'right' | 'up' = 'right',
): void {
  const length = textWidth(text, scale);
  [...text].forEach((char, index) => {
    const columns = glyphColumns(char);
    for (let column = 0; column < GLYPH_WIDTH; column++) {
      for (let row = 0; row < GLYPH_HEIGHT; row++) {
        if ((columns[column] & (1 << row)) === 0) continue;
        const along = (index * GLYPH_ADVANCE + column) * scale;
        const box =
          direction === 'right'
            ? { left: x + along, top: y + row * scale, right: x + along + scale, bottom: y + (row + 1) * scale }
            : { left: x + row * scale, top: y + length - along - scale, right: x + (row + 1) * scale, bottom: y + length - along };
        fillBox(image, box, color);
      }
    }
  });
}

/**
 * How much of each pixel a shape covers, 0 to 1, for pixels inside `clip`. Shapes drawn into one
 * layer combine by maximum, so where a polyline's segments meet they are not blended twice.
 */
export interface CoverageLayer {
  readonly coverage: Float32Array;
  readonly width: number;
  readonly clip: PixelBox;
}

/** An empty layer the size of `image`, drawing only inside `clip`. */
export function createLayer(image: RgbImage, clip: PixelBox): CoverageLayer {
  return { coverage: new Float32Array(image.width * image.height), width: image.width, clip };
}

/** Distance from point (px, py) to the segment from (ax, ay) to (bx, by). */
function distanceToSegment(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const length2 = dx * dx + dy * dy;
  const t = length2 === 0 ? 0 : Math.min(1, Math.max(0, ((px - ax) * dx + (py - ay) * dy) / length2));
  const ex = px - ax - t * dx;
  const ey = py - ay - t * dy;
  return Math.sqrt(ex * ex + ey * ey);
}

function cover(layer: CoverageLayer, x: number, y: number, amount: number): void {
  const { clip } = layer;
  if (amount <= 0 || x < clip.left || x >= clip.right || y < clip.top || y >= clip.bottom) return;
  const index = y * layer.width + x;
  if (amount > layer.coverage[index]) layer.coverage[index] = Math.min(1, amount);
}

/**
 * Draws the segment from (ax, ay) to (bx, by), `halfWidth` either side of its centre line, with
 * round ends. A pixel's coverage is `halfWidth + 0.5 - d` clamped to [0, 1], d the distance from
 * its centre to the segment: fully lit within `halfWidth - 0.5`, a one-pixel ramp at the edge.
 */
export function strokeSegment(layer: CoverageLayer, ax: number, ay: number, bx: number, by: number, halfWidth: number): void {
  const reach = halfWidth + 0.5;
  // Walk the major axis u; each step visits only the band of the minor axis v that the segment
  // crosses there, which |slope| <= 1 keeps within a few pixels.
  const xMajor = Math.abs(bx - ax) >= Math.abs(by - ay);
  const [u0, v0, u1, v1] = xMajor ? [ax, ay, bx, by] : [ay, ax, by, bx];
  const uLow = Math.min(u0, u1);
  const uHigh = Math.max(u0, u1);
  const slope = u1 === u0 ? 0 : (v1 - v0) / (u1 - u0);
  const vAt = (u: number): number => v0 + (Math.min(uHigh, Math.max(uLow, u)) - u0) * slope;
  const { clip } = layer;
  const [uClipLow, uClipHigh] = xMajor ? [clip.left, clip.right] : [clip.top, clip.bottom];
  const uEnd = Math.min(Math.floor(uHigh + reach), uClipHigh - 1);
  for (let u = Math.max(Math.floor(uLow - reach), uClipLow); u <= uEnd; u++) {
    const vA = vAt(u + 0.5 - reach);
    const vB = vAt(u + 0.5 + reach);
    const vEnd = Math.floor(Math.max(vA, vB) + reach);
    for (let v = Math.floor(Math.min(vA, vB) - reach); v <= vEnd; v++) {
      const x = xMajor ? u : v;
      const y = xMajor ? v : u;
      cover(layer, x, y, reach - distanceToSegment(x + 0.5, y + 0.5, ax, ay, bx, by));
    }
  }
}

/** Draws a filled disc of `radius` centred on (cx, cy), anti-aliased like `strokeSegment`. */
export function fillDisc(layer: CoverageLayer, cx: number, cy: number, radius: number): void {
  const reach = radius + 0.5;
  for (let y = Math.floor(cy - reach); y <= Math.floor(cy + reach); y++) {
    for (let x = Math.floor(cx - reach); x <= Math.floor(cx + reach); x++) {
      cover(layer, x, y, reach - Math.hypot(x + 0.5 - cx, y + 0.5 - cy));
    }
  }
}

/** Blends `color` onto `image` with the layer's coverage as opacity. */
export function compositeLayer(image: RgbImage, layer: CoverageLayer, color: Rgb): void {
  const { coverage } = layer;
  const { data } = image;
  for (let index = 0; index < coverage.length; index++) {
    const alpha = coverage[index];
    if (alpha === 0) continue;
    for (let c = 0; c < 3; c++) {
      const p = index * 3 + c;
      data[p] = Math.round(data[p] + (color[c] - data[p]) * alpha);
    }
  }
}
