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
import { type Picture, type PreprocessOptions, channelSources, checkPicture, paddedSize, resizedSize } from './picture.js';

export { type Picture, type PreprocessOptions, resizedSize } from './picture.js';

/** The network input and how it relates to the picture. */
export interface Preprocessed {
  /** [1, Hp, Wp, 3] float32, normalised and zero-padded; the caller disposes it. */
  readonly images: tf.Tensor4D;
  /** `[h, w]`: the resized picture inside `images` (proposals and detections are clipped to it). */
  readonly resizedSize: ImageSize;
  /** `[H, W]`: the picture's size (results are mapped back to it). */
  readonly originalSize: ImageSize;
}

/** [1, H, W, 3] float32 picture in the network's channel order, 0-255 (grey -> 3 equal channels, RGBA -> RGB). */
function pictureTensor(picture: Picture, format: PreprocessOptions['format']): tf.Tensor4D {
  const { data, height, width, channels } = picture;
  const out = new Float32Array(height * width * 3);
  const source = channelSources(channels, format);
  for (let p = 0, i = 0; p < height * width; p++, i += channels) {
    out[3 * p] = data[i + source[0]];
    out[3 * p + 1] = data[i + source[1]];
    out[3 * p + 2] = data[i + source[2]];
  }
  return tf.tensor4d(out, [1, height, width, 3]);
}

/** Resizes, normalises and pads one picture into the network's input. */
export function preprocessImage(picture: Picture, options: PreprocessOptions): Preprocessed {
  checkPicture(picture, 'preprocessImage');
  const originalSize: ImageSize = [picture.height, picture.width];
  const [h, w] = resizedSize(originalSize, options.minSize, options.maxSize, options.style);
  const [paddedH, paddedW] = paddedSize([h, w], options.sizeDivisibility);
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
