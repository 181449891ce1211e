/**
 * Conv2DBackpropInput for the wasm backend: the input gradient of a 2-D convolution,
 * dx [N,H,W,Cin] from dy [N,OH,OW,Cout] and filter [KH,KW,Cin,Cout].
 *
 * Shapes, NHWC: N images; H x W the conv input (dx); OH x OW its output (dy); KH x KW the
 * filter; Cin, Cout its channels; s the stride; Qh x Qw the input pixels of one phase.
 *
 * Why: the stock kernel is a naive loop (~1.7 GFLOP/s, forward conv runs at 25-40); this one
 * runs the backend's own XNNPACK Conv2D.
 */
import * as tf from '@tensorflow/tfjs-core';

import { checkShape, convInfo } from './checks.js';
import { copy, transposeBlock, zeros } from './heap.js';
import { type KernelArgs, runKernel, type WasmBackend } from './wasm-backend.js';

/**
 * dx [N,H,W,Cin] from dy [N,OH,OW,Cout] and filter [KH,KW,Cin,Cout], as stride-1 forward
 * convolutions on the backend's XNNPACK Conv2D. With stride s, the input pixels split into
 * s x s phases (row = s*q + ph, column = s*q' + pw); each phase receives dy through only the
 * taps congruent to it (mod s), so each phase is a stride-1 convolution of dy with a sub-filter
 * (those taps, flipped, in and out channels swapped): the exact FLOPs, unlike convolving a
 * zero-upsampled dy (s*s times the work). At stride 1 there is one phase: the classic
 * "convolve with the flipped filter".
 */
export function conv2DBackpropInput({ inputs, backend, attrs }: KernelArgs<'dy' | 'filter'>): tf.TensorInfo {
  const { dy, filter } = inputs;
  const convAttrs = attrs as unknown as tf.Conv2DBackpropInputAttrs;
  const info = convInfo('Conv2DBackpropInput', convAttrs.inputShape, filter.shape, convAttrs);
  checkShape('Conv2DBackpropInput', 'dy', dy.shape, info.outShape);
  const { strideHeight: sh, strideWidth: sw } = info;
  const rows = (ph: number) => phaseOf(info.inHeight, info.filterHeight, sh, info.padInfo.top, info.outHeight, ph);
  const cols = (pw: number) => phaseOf(info.inWidth, info.filterWidth, sw, info.padInfo.left, info.outWidth, pw);
  if (sh === 1 && sw === 1) {
    const [r, c] = [rows(0), cols(0)];
    return r === undefined || c === undefined ? zeros(info.inShape, backend) : phaseConv(dy, filter, r, c, backend);
  }
  const dx = zeros(info.inShape, backend);
  for (let ph = 0; ph < sh; ph++) {
    for (let pw = 0; pw < sw; pw++) {
      const [r, c] = [rows(ph), cols(pw)];
      if (r === undefined || c === undefined) continue;
      const part = phaseConv(dy, filter, r, c, backend); // [N, Qh, Qw, Cin]
      scatterPhase(part, dx, ph, pw, sh, sw, backend);
      backend.disposeData(part.dataId);
    }
  }
  return dx;
}

/**
 * One phase of dx along one axis: the input positions s*q + phase, q < count, receive dy
 * through filter taps `taps` (in the order a forward correlation applies them) with
 * `padBefore`/`padAfter` around dy (negative: rows of dy to skip).
 */
interface AxisPhase {
  readonly taps: readonly number[];
  readonly padBefore: number;
  readonly padAfter: number;
  readonly count: number;
}

/**
 * The phase `phase` along an axis of input length `size`, filter length `k`, stride `s`, padding
 * `pad` before and output (dy) length `outSize`; undefined when no tap or no position belongs
 * to it. Derivation: input position i = s*q + phase gets dy[o] * w[t] whenever
 * o*s + t - pad = i, so t = c + s*m with c = (phase + pad) mod s, and o = q + d - m with
 * d = (phase + pad - c) / s, for m < M = ceil((k - c) / s). As a correlation over
 * u = M-1-m: dy[q + u - (M-1-d)] * w[c + s*(M-1-u)]: padding M-1-d before dy.
 */
function phaseOf(size: number, k: number, s: number, pad: number, outSize: number, phase: number): AxisPhase | undefined {
  const c = (phase + pad) % s;
  const d = (phase + pad - c) / s;
  const taps = c < k ? Math.ceil((k - c) / s) : 0;
  const count = phase < size ? Math.ceil((size - phase) / s) : 0;
  if (taps === 0 || count === 0) return undefined;
  const padBefore = taps - 1 - d;
  // The correlation's output length, outSize + padBefore + padAfter - taps + 1, must be count.
  const padAfter = count - outSize - padBefore + taps - 1;
  return { taps: Array.from({ length: taps }, (_, u) => c + s * (taps - 1 - u)), padBefore, padAfter, count };
}

/** dy [N,OH,OW,Cout] correlated with the phase's sub-filter -> [N, rows.count, cols.count, Cin]. */
function phaseConv(dy: tf.TensorInfo, filter: tf.TensorInfo, rows: AxisPhase, cols: AxisPhase, backend: WasmBackend): tf.TensorInfo {
  const sub = subFilter(filter, rows.taps, cols.taps, backend);
  // XNNPACK takes no negative padding: rows or columns of dy that no input position uses are cut off.
  const [top, bottom, left, right] = [rows.padBefore, rows.padAfter, cols.padBefore, cols.padAfter];
  const [n, oh, ow, cout] = dy.shape;
  const crop = top < 0 || bottom < 0 || left < 0 || right < 0;
  const begin = [0, Math.max(0, -top), Math.max(0, -left), 0];
  const size = [n, oh - begin[1] - Math.max(0, -bottom), ow - begin[2] - Math.max(0, -right), cout];
  if (size[1] <= 0 || size[2] <= 0) {
    backend.disposeData(sub.dataId);
    return zeros([n, rows.count, cols.count, filter.shape[2]], backend);
  }
  const input = crop ? runKernel(tf.Slice, { x: dy }, { begin, size }, backend) : dy;
  const pad = [[0, 0], [Math.max(0, top), Math.max(0, bottom)], [Math.max(0, left), Math.max(0, right)], [0, 0]];
  const out = runKernel(tf.Conv2D, { x: input, filter: sub }, { strides: [1, 1], pad, dataFormat: 'NHWC', dilations: [1, 1] }, backend);
  if (crop) backend.disposeData(input.dataId);
  backend.disposeData(sub.dataId);
  return out;
}

/** sub [rowTaps, colTaps, Cout, Cin] with sub[u, v] = filter[rowTaps[u], colTaps[v]] transposed ([Cin, Cout] -> [Cout, Cin]). */
function subFilter(filter: tf.TensorInfo, rowTaps: readonly number[], colTaps: readonly number[], backend: WasmBackend): tf.TensorInfo {
  const [, kw, cin, cout] = filter.shape;
  const sub = backend.makeOutput([rowTaps.length, colTaps.length, cout, cin], 'float32');
  const [src, dst] = [backend.typedArrayFromHeap(filter), backend.typedArrayFromHeap(sub)];
  rowTaps.forEach((i, u) =>
    colTaps.forEach((j, v) => transposeBlock(src, (i * kw + j) * cin * cout, cout, dst, (u * colTaps.length + v) * cout * cin, cin, cin, cout)),
  );
  return sub;
}

/** dx[n, s*q + ph, s*q' + pw, :] = part[n, q, q', :] for part [N, Qh, Qw, Cin]. */
function scatterPhase(part: tf.TensorInfo, dx: tf.TensorInfo, ph: number, pw: number, sh: number, sw: number, backend: WasmBackend): void {
  const [n, qh, qw, cin] = part.shape;
  const [, h, w] = dx.shape;
  const [src, dst] = [backend.typedArrayFromHeap(part), backend.typedArrayFromHeap(dx)];
  for (let img = 0; img < n; img++) {
    for (let q = 0; q < qh; q++) {
      const from = (img * qh + q) * qw * cin;
      const rowStart = (img * h + sh * q + ph) * w;
      for (let r = 0; r < qw; r++) copy(src, from + r * cin, dst, (rowStart + sw * r + pw) * cin, cin);
    }
  }
}
