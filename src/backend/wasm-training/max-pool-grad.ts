/**
 * MaxPoolGrad for the wasm backend: the gradient of a max pool, dx [N,H,W,C] from the pool's
 * input [N,H,W,C] and dy [N,OH,OW,C] (NHWC; OH x OW the pool's output).
 *
 * Why: the stock kernel does window-area-squared work per pixel (a ResNet stem's pool gradient
 * ran 80x longer than the pool); this one finds each window's maximum once.
 */
import * as tf from '@tensorflow/tfjs-core';

import { checkShape } from './checks.js';
import { zeros } from './heap.js';
import type { KernelArgs } from './wasm-backend.js';

/**
 * dx [N,H,W,C] of a max pool of input [N,H,W,C] for dy [N,OH,OW,C]: each output pixel's dy
 * goes to the first maximum of its window (row-major, padding excluded), as on the cpu
 * backend. The wasm backend's loop finds, for each input pixel, every window over it and that
 * window's maximum again (window area squared work per pixel: 80x its forward pool for 3x3);
 * this finds each window's maximum once.
 */
export function maxPoolGrad({ inputs, backend, attrs }: KernelArgs<'dy' | 'input'>): tf.TensorInfo {
  const { dy, input } = inputs;
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.MaxPoolGradAttrs;
  const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
  checkShape('MaxPoolGrad', 'dy', dy.shape, info.outShape);
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  const dx = zeros(input.shape, backend);
  const [x, g, out] = [backend.typedArrayFromHeap(input), backend.typedArrayFromHeap(dy), backend.typedArrayFromHeap(dx)];
  const best = new Float32Array(c);
  const where = new Int32Array(c); // per channel, the index in x of the window's maximum; -1: none yet
  for (let img = 0; img < n; img++) {
    for (let r = 0; r < oh; r++) {
      for (let col = 0; col < ow; col++) {
        best.fill(-Infinity);
        where.fill(-1);
        for (let i = 0; i < kh; i++) {
          const ih = r * sh + i - top;
          if (ih < 0 || ih >= h) continue;
          for (let j = 0; j < kw; j++) {
            const iw = col * sw + j - left;
            if (iw < 0 || iw >= w) continue;
            const base = ((img * h + ih) * w + iw) * c;
            for (let k = 0; k < c; k++) {
              if (x[base + k] > best[k]) {
                best[k] = x[base + k];
                where[k] = base + k;
              }
            }
          }
        }
        const from = ((img * oh + r) * ow + col) * c;
        for (let k = 0; k < c; k++) if (where[k] >= 0) out[where[k]] += g[from + k];
      }
    }
  }
  return dx;
}
