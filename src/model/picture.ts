/**
 * Pictures and the sizes preprocessing gives them (no TensorFlow.js): what the TensorFlow.js
 * preprocessing (preprocess.ts) and the ONNX runtime's (onnx/preprocess.ts) share.
 *
 * Shape shorthand: H, W: the picture; h, w: resized; Hp, Wp: padded.
 */
import type { ImageSize } from '../structures/boxes.js';

/** A picture: row-major [H, W, C] samples, C = 1 (grey), 3 (RGB) or 4 (RGBA, alpha ignored), 8-bit. */
export interface Picture {
  readonly data: Uint8Array | Uint8ClampedArray;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

export interface PreprocessOptions {
  /** Shortest edge after resizing (`INPUT.MIN_SIZE_TEST`; 0: no resize). */
  readonly minSize: number;
  /** Cap on the longest edge (`INPUT.MAX_SIZE_TEST`). */
  readonly maxSize: number;
  /** Per-channel mean in the network's channel order and 0-255 scale (`MODEL.PIXEL_MEAN`). */
  readonly pixelMean: readonly [number, number, number];
  /** Per-channel std, same order and scale (`MODEL.PIXEL_STD`). */
  readonly pixelStd: readonly [number, number, number];
  /** Channel order the network expects (`INPUT.FORMAT`). */
  readonly format: 'BGR' | 'RGB';
  /** Pad height and width up to a multiple of this (32 for an FPN). */
  readonly sizeDivisibility: number;
  /**
   * 'detectron2': resize the 8-bit picture (bilinear, rounded back to 8 bits as PIL does when
   * upscaling), then normalise; sizes rounded to nearest. 'torchvision': normalise, then resize the
   * float image (bilinear, align_corners=False); sizes floored.
   */
  readonly style: 'detectron2' | 'torchvision';
}

/**
 * The resized `[h, w]` of an `[H, W]` picture: the shortest edge becomes `minSize` unless the
 * longest would then pass `maxSize`, in which case the longest becomes `maxSize`.
 * Detectron2 (`ResizeShortestEdge.get_output_shape`) rounds to nearest; torchvision floors
 * (`interpolate(scale_factor=..., recompute_scale_factor=True)`).
 */
export function resizedSize([height, width]: ImageSize, minSize: number, maxSize: number, style: PreprocessOptions['style']): ImageSize {
  if (minSize <= 0) return [height, width];
  const shortest = Math.min(height, width);
  const longest = Math.max(height, width);
  if (style === 'torchvision') {
    const scale = Math.min(minSize / shortest, maxSize / longest);
    return [Math.floor(height * scale), Math.floor(width * scale)];
  }
  const scale = minSize / shortest;
  let h = height < width ? minSize : scale * height;
  let w = height < width ? scale * width : minSize;
  if (Math.max(h, w) > maxSize) {
    const shrink = maxSize / Math.max(h, w);
    h *= shrink;
    w *= shrink;
  }
  return [Math.floor(h + 0.5), Math.floor(w + 0.5)];
}

/** `[Hp, Wp]`: `[h, w]` rounded up to multiples of `divisibility` (at least 1). */
export function paddedSize([h, w]: ImageSize, divisibility: number): ImageSize {
  const divisor = Math.max(1, divisibility);
  return [Math.ceil(h / divisor) * divisor, Math.ceil(w / divisor) * divisor];
}

/** Checks a picture's size, channels and sample count, naming `fn` in the error. */
export function checkPicture(picture: Picture, fn: string): void {
  const { data, height, width, channels } = picture;
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1) {
    throw new Error(`${fn}: picture size must be positive integers, got ${height} x ${width}`);
  }
  if (channels !== 1 && channels !== 3 && channels !== 4) {
    throw new Error(`${fn}: picture must have 1, 3 or 4 channels, got ${channels}`);
  }
  if (data.length !== height * width * channels) {
    throw new Error(`${fn}: picture holds ${data.length} samples, expected ${height} x ${width} x ${channels} = ${height * width * channels}`);
  }
}

/**
 * The picture channel each of the network's three input channels reads: RGB order, reversed for
 * BGR; a grey picture's one channel feeds all three (RGBA's alpha is never read).
 */
export function channelSources(channels: number, format: PreprocessOptions['format']): readonly [number, number, number] {
  return channels === 1 ? [0, 0, 0] : format === 'BGR' ? [2, 1, 0] : [0, 1, 2];
}
