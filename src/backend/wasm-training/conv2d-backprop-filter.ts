/**
 * Conv2DBackpropFilter for the wasm backend: the weight gradient of a 2-D convolution,
 * dW [KH,KW,Cin,Cout] from x [N,H,W,Cin] and dy [N,OH,OW,Cout].
 *
 * Shapes, NHWC: N images; H x W the conv input (x); OH x OW its output (dy); KH x KW the filter;
 * Cin, Cout its channels; s the stride; Pc the output pixels of one chunk.
 *
 * Why: the stock wasm backend has no Conv2DBackpropFilter (no conv weight gradient at all);
 * this one is im2col and XNNPACK's GEMM, through the backend's own flag-free BatchMatMul.
 */
import type * as tf from '@tensorflow/tfjs-core';

import { checkShape, convInfo } from './checks.js';
import { copy, transposeBlock } from './heap.js';
import { type KernelArgs, originalMatMul, type WasmBackend } from './wasm-backend.js';

/** Output pixels per matmul of the filter gradient (its K): XNNPACK streams all of K per output tile, so a long K runs from memory rather than cache. */
const FILTER_GRAD_PIXELS = 2048;
/** Most floats in one im2col block of the filter gradient (the rest of the taps go in another matmul). */
const FILTER_GRAD_BLOCK = 1 << 23;

/**
 * dW [KH,KW,Cin,Cout] = sum over output pixels p of window(p) (x) dy[p], for x [N,H,W,Cin],
 * dy [N,OH,OW,Cout]. The output pixels are taken a few output rows at a time (a chunk of
 * about FILTER_GRAD_PIXELS pixels, Pc) and for each chunk one flag-free GEMM per group of taps:
 * colsT [taps*Cin, Pc] (im2col, transposed) x dy [Pc, Cout] -> [taps*Cin, Cout], rows
 * (tap, Cin) as in dW. XNNPACK packs its right operand on every new tensor, a cost that only
 * the rows of the left one amortize: so dy is the right operand, packed once per chunk for
 * all taps, and the left has taps*Cin rows, not Cout.
 */
export function conv2DBackpropFilter({ inputs, backend, attrs }: KernelArgs<'x' | 'dy'>): tf.TensorInfo {
  const { x, dy } = inputs;
  const convAttrs = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  const info = convInfo('Conv2DBackpropFilter', x.shape, convAttrs.filterShape, convAttrs);
  const { filterHeight: kh, filterWidth: kw, inChannels: cin, outChannels: cout, outWidth: ow } = info;
  checkShape('Conv2DBackpropFilter', 'dy', dy.shape, info.outShape);

  const pixelsIn = x.shape[0] * x.shape[1] * x.shape[2];
  const xT = backend.makeOutput([cin, pixelsIn], 'float32'); // [N*H*W, Cin] -> [Cin, N*H*W]
  transposeBlock(backend.typedArrayFromHeap(x), 0, cin, backend.typedArrayFromHeap(xT), 0, pixelsIn, pixelsIn, cin);
  const sums = new Float32Array(kh * kw * cin * cout); // dW, summed over the chunks
  const outRows = info.batchSize * info.outHeight; // output rows of all images, (n, oh)
  const rowsPerChunk = Math.max(1, Math.floor(FILTER_GRAD_PIXELS / ow));
  const tapsPerBlock = Math.max(1, Math.floor(FILTER_GRAD_BLOCK / (cin * rowsPerChunk * ow)));
  for (let firstRow = 0; firstRow < outRows; firstRow += rowsPerChunk) {
    const rows = Math.min(rowsPerChunk, outRows - firstRow);
    const dyChunk = backend.makeOutput([1, rows * ow, cout], 'float32');
    copy(backend.typedArrayFromHeap(dy), firstRow * ow * cout, backend.typedArrayFromHeap(dyChunk), 0, rows * ow * cout);
    for (let first = 0; first < kh * kw; first += tapsPerBlock) {
      const taps = Math.min(tapsPerBlock, kh * kw - first);
      const colsT = windowsOf(xT, info, { first, taps, firstRow, rows }, backend); // [1, taps*Cin, Pc]
      const product = originalMatMul(colsT, dyChunk, backend); // [1, taps*Cin, Cout]
      backend.disposeData(colsT.dataId);
      const part = backend.typedArrayFromHeap(product);
      const offset = first * cin * cout;
      for (let k = 0; k < part.length; k++) sums[offset + k] += part[k];
      backend.disposeData(product.dataId);
    }
    backend.disposeData(dyChunk.dataId);
  }
  backend.disposeData(xT.dataId);
  const dW = backend.makeOutput([kh, kw, cin, cout], 'float32');
  backend.typedArrayFromHeap(dW).set(sums);
  return dW;
}

/** Which part of the im2col matrix `windowsOf` makes: taps first .. first+taps-1, output rows firstRow .. firstRow+rows-1. */
interface WindowRange {
  /** The first tap, row-major over KH x KW. */
  readonly first: number;
  readonly taps: number;
  /** The first output row, counting the rows of all images in turn (n * OH + oh). */
  readonly firstRow: number;
  readonly rows: number;
}

/**
 * im2col, transposed: colsT [1, taps*Cin, rows*OW], row (tap (i, j), c) holding for each output
 * pixel (n, oh, ow) of the range xT[c, n, oh*sH + i - padTop, ow*sW + j - padLeft] (zero
 * outside x), from xT [Cin, N, H, W]: each output row is one run of x's row.
 */
function windowsOf(xT: tf.TensorInfo, info: tf.backend_util.Conv2DInfo, range: WindowRange, backend: WasmBackend): tf.TensorInfo {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: cin, outHeight: oh, outWidth: ow } = info;
  const { strideHeight: sh, strideWidth: sw, filterWidth: kw } = info;
  const { top, left } = info.padInfo;
  const { first, taps, firstRow, rows } = range;
  const colsT = backend.makeOutput([1, taps * cin, rows * ow], 'float32');
  const [src, dst] = [backend.typedArrayFromHeap(xT), backend.typedArrayFromHeap(colsT)];
  for (let t = 0; t < taps; t++) {
    const [i, j] = [Math.floor((first + t) / kw), (first + t) % kw];
    // Output columns whose input column c*sW + j - padLeft lies inside x: [c0, c1).
    const c0 = Math.min(ow, Math.max(0, Math.ceil((left - j) / sw)));
    const c1 = Math.max(c0, Math.min(ow, Math.ceil((w + left - j) / sw)));
    for (let c = 0; c < cin; c++) {
      for (let row = 0; row < rows; row++) {
        const [img, r] = [Math.floor((firstRow + row) / oh), (firstRow + row) % oh];
        const ih = r * sh + i - top;
        const to = ((t * cin + c) * rows + row) * ow;
        if (ih < 0 || ih >= h) {
          dst.fill(0, to, to + ow);
          continue;
        }
        dst.fill(0, to, to + c0);
        dst.fill(0, to + c1, to + ow);
        const from = ((c * n + img) * h + ih) * w + c0 * sw + j - left;
        if (sw === 1) {
          copy(src, from, dst, to + c0, c1 - c0);
        } else {
          for (let k = 0; k < c1 - c0; k++) dst[to + c0 + k] = src[from + k * sw];
        }
      }
    }
  }
  return colsT;
}
