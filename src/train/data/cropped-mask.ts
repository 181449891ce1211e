/**
 * One instance mask kept as the crop around its pixels, so an image with hundreds of cells
 * costs the cells' areas rather than hundreds of full-image planes.
 *
 * Shape shorthand: h, w: the crop's `height` and `width`.
 */

/** An instance's pixels inside the image rectangle `[x, x + width) x [y, y + height)`. */
export interface CroppedMask {
  /** Column of the crop's left edge in the image, pixels. */
  readonly x: number;
  /** Row of the crop's top edge in the image, pixels. */
  readonly y: number;
  readonly width: number;
  readonly height: number;
  /** Row-major [h, w] 0/1: `data[i * width + j]` is the instance at image pixel (x + j, y + i). */
  readonly data: Uint8Array;
}
