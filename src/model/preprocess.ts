/**
 * From a picture to the network's input: colour order, resize, normalisation, padding, the way
 * each library does it (Detectron2's test-time `ResizeShortestEdge` + `ImageList`;
 * torchvision's `GeneralizedRCNNTransform`).
 *
 * Shape shorthand: H, W: the picture; h, w: resized; Hp, Wp: padded to a multiple of
 * `sizeDivisibility`. Tensors are NHWC.
 */
import * as tf from '@tensorflow/tfjs-core';

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

/** The network input and how it relates to the picture. */
export interface Preprocessed {
  /** [1, Hp, Wp, 3] float32, normalised and zero-padded; the caller disposes it. */
  readonly images: tf.Tensor4D;
  /** `[h, w]`: the resized picture inside `images` (proposals and detections are clipped to it). */
  readonly resizedSize: ImageSize;
  /** `[H, W]`: the picture's size (results are mapped back to it). */
  readonly originalSize: ImageSize;
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

/** [1, H, W, 3] float32 picture in the network's channel order, 0-255 (grey -> 3 equal channels, RGBA -> RGB). */
function pictureTensor(picture: Picture, format: PreprocessOptions['format']): tf.Tensor4D {
  const { data, height, width, channels } = picture;
  const out = new Float32Array(height * width * 3);
  // Source channel of each output channel: RGB order, reversed for BGR; grey reads channel 0.
  const source = channels === 1 ? [0, 0, 0] : format === 'BGR' ? [2, 1, 0] : [0, 1, 2];
  for (let p = 0, i = 0; p < height * width; p++, i += channels) {
    out[3 * p] = data[i + source[0]];
    out[3 * p + 1] = data[i + source[1]];
    out[3 * p + 2] = data[i + source[2]];
  }
  return tf.tensor4d(out, [1, height, width, 3]);
}

function checkPicture(picture: Picture): void {
  const { data, height, width, channels } = picture;
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1) {
    throw new Error(`preprocessImage: picture size must be positive integers, got ${height} x ${width}`);
  }
  if (channels !== 1 && channels !== 3 && channels !== 4) {
    throw new Error(`preprocessImage: picture must have 1, 3 or 4 channels, got ${channels}`);
  }
  if (data.length !== height * width * channels) {
    throw new Error(`preprocessImage: picture holds ${data.length} samples, expected ${height} x ${width} x ${channels} = ${height * width * channels}`);
  }
}

/** Resizes, normalises and pads one picture into the network's input. */
export function preprocessImage(picture: Picture, options: PreprocessOptions): Preprocessed {
  checkPicture(picture);
  const originalSize: ImageSize = [picture.height, picture.width];
  const [h, w] = resizedSize(originalSize, options.minSize, options.maxSize, options.style);
  const divisor = Math.max(1, options.sizeDivisibility);
  const paddedH = Math.ceil(h / divisor) * divisor;
  const paddedW = Math.ceil(w / divisor) * divisor;
  const images = tf.tidy(() => {
    const x = pictureTensor(picture, options.format);
    const mean = tf.tensor1d([...options.pixelMean]);
    const std = tf.tensor1d([...options.pixelStd]);
    const same = h === picture.height && w === picture.width;
    let normalised: tf.Tensor4D;
    if (options.style === 'torchvision') {
      const n = tf.div(tf.sub(x, mean), std) as tf.Tensor4D;
      normalised = same ? n : tf.image.resizeBilinear(n, [h, w], false, true);
    } else {
      const resized = same ? x : tf.clipByValue(tf.round(tf.image.resizeBilinear(x, [h, w], false, true)), 0, 255);
      normalised = tf.div(tf.sub(resized, mean), std) as tf.Tensor4D;
    }
    // Zeros after normalisation, at the bottom and right, as both libraries pad their batches.
    return tf.pad(normalised, [[0, 0], [0, paddedH - h], [0, paddedW - w], [0, 0]]) as tf.Tensor4D;
  });
  return { images, resizedSize: [h, w], originalSize };
}
