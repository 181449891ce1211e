/**
 * Training kernels for `@tensorflow/tfjs-backend-wasm` 4.22, registered on request.
 *
 * The wasm backend was built for inference and it shows in a gradient step: it has no
 * `Conv2DBackpropFilter` (no conv weight gradient at all) and no `UnsortedSegmentSum` (no
 * gather gradient); its `Conv2DBackpropInput` is a naive loop (~1.7 GFLOP/s, forward conv
 * runs at 25-40); its `BatchMatMul` reaches XNNPACK's GEMM only without transpose flags, which
 * tfjs's MatMul gradient always sets (with them: a naive loop, 20-50x slower); and its
 * `MaxPoolGrad` does window-area-squared work per pixel (a ResNet stem's pool gradient ran 80x
 * longer than the pool). `registerWasmTrainingKernels` replaces those five kernels with
 * compositions of the backend's own fast kernels (XNNPACK's Conv2D and flag-free BatchMatMul)
 * and a little JavaScript; `unregisterWasmTrainingKernels` puts back exactly what was there.
 *
 * Nothing happens on import, and this module does not import the wasm package: it works on
 * whatever `wasm` backend the application registered (`initWasmBackendNode`, or
 * `import '@tensorflow/tfjs-backend-wasm'` in a browser).
 *
 * Shapes, NHWC throughout: N images; H x W the conv input (x, dx); OH x OW its output (dy);
 * KH x KW the filter; Cin, Cout its channels; s the stride; P = N * OH * OW output pixels.
 * Kernel functions compose other kernels on `TensorInfo`s and free every intermediate with
 * `backend.disposeData`; no tf op runs inside them (the engine would record them on the tape).
 */
import * as tf from '@tensorflow/tfjs-core';

/** The part of tfjs-backend-wasm's `BackendWasm` these kernels use. */
interface WasmBackend {
  /** Allocates an uninitialized tensor on the wasm heap. */
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  /** A view of a tensor's bytes on the wasm heap; stale once the heap grows (after makeOutput). */
  typedArrayFromHeap(info: tf.TensorInfo): tf.backend_util.TypedArray;
  disposeData(dataId: tf.DataId): boolean;
}

/** What the engine passes a kernel function; `Inputs` names its input tensors. */
interface KernelArgs<Inputs extends string> {
  readonly inputs: Readonly<Record<Inputs, tf.TensorInfo>>;
  readonly backend: WasmBackend;
  readonly attrs: tf.NamedAttrMap;
}

const BACKEND = 'wasm';

/** Kernels replaced or added, with what was registered before (undefined: nothing); set while registered. */
let saved: Map<string, tf.KernelConfig | undefined> | undefined;

/**
 * Registers the training kernels on the `wasm` backend (see the module comment). Call it after
 * the wasm backend's kernels are registered (after importing `@tensorflow/tfjs-backend-wasm`),
 * before or after the backend is initialized. Calling it again while registered does nothing.
 */
export function registerWasmTrainingKernels(): void {
  if (saved !== undefined) return;
  for (const needed of [tf.Conv2D, tf.BatchMatMul]) {
    if (tf.getKernel(needed, BACKEND) === undefined) {
      throw new Error(`registerWasmTrainingKernels: no '${needed}' kernel on the wasm backend; import @tensorflow/tfjs-backend-wasm first`);
    }
  }
  const kernels: [string, tf.KernelFunc][] = [
    [tf.Conv2DBackpropFilter, asKernelFunc(conv2DBackpropFilter)],
    [tf.Conv2DBackpropInput, asKernelFunc(conv2DBackpropInput)],
    [tf.BatchMatMul, asKernelFunc(batchMatMul)],
    [tf.UnsortedSegmentSum, asKernelFunc(unsortedSegmentSum)],
    [tf.MaxPoolGrad, asKernelFunc(maxPoolGrad)],
  ];
  saved = new Map(kernels.map(([name]) => [name, tf.getKernel(name, BACKEND)]));
  for (const [kernelName, kernelFunc] of kernels) {
    const original = saved.get(kernelName);
    if (original !== undefined) tf.unregisterKernel(kernelName, BACKEND);
    // The original's setupFunc binds its C function and runs whenever the backend is set up:
    // ours must run it too, or the original would be unbound if restored afterwards.
    tf.registerKernel({
      kernelName,
      backendName: BACKEND,
      kernelFunc,
      ...(original?.setupFunc !== undefined && { setupFunc: original.setupFunc }),
      ...(original?.disposeFunc !== undefined && { disposeFunc: original.disposeFunc }),
    });
  }
}

/** Restores the kernels that were registered before `registerWasmTrainingKernels` (none: removes ours). */
export function unregisterWasmTrainingKernels(): void {
  if (saved === undefined) return;
  for (const [kernelName, original] of saved) {
    tf.unregisterKernel(kernelName, BACKEND);
    if (original !== undefined) tf.registerKernel(original);
  }
  saved = undefined;
}

// ---------------------------------------------------------------------------------------------
// Running the backend's own kernels

/** tfjs types a kernel function loosely (any backend, any inputs); ours know theirs. */
function asKernelFunc<Inputs extends string>(kernel: (args: KernelArgs<Inputs>) => tf.TensorInfo): tf.KernelFunc {
  return kernel as unknown as tf.KernelFunc;
}

/** Runs the kernel registered now for `name` on wasm (never one of ours: see `originalMatMul`). */
function runKernel(name: string, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap, backend: WasmBackend): tf.TensorInfo {
  const kernel = tf.getKernel(name, BACKEND);
  if (kernel === undefined) throw new Error(`wasm training kernels: the wasm backend has no '${name}' kernel`);
  return kernel.kernelFunc({ inputs, attrs, backend: backend as unknown as tf.KernelBackend }) as tf.TensorInfo;
}

/**
 * a [1, M, K] x b [1, K, N] -> [1, M, N] by the wasm backend's own BatchMatMul, without flags
 * and with batch 1: the only case it hands to XNNPACK's GEMM.
 */
function originalMatMul(a: tf.TensorInfo, b: tf.TensorInfo, backend: WasmBackend): tf.TensorInfo {
  const original = saved?.get(tf.BatchMatMul);
  if (original === undefined) throw new Error('wasm training kernels: the original BatchMatMul is gone');
  const attrs = { transposeA: false, transposeB: false };
  return original.kernelFunc({ inputs: { a, b }, attrs, backend: backend as unknown as tf.KernelBackend }) as tf.TensorInfo;
}

/** The same data seen with another shape (no copy; not to be disposed separately). */
function view(info: tf.TensorInfo, shape: number[]): tf.TensorInfo {
  return { dataId: info.dataId, shape, dtype: info.dtype };
}

/** A float32 tensor of `shape` filled with zeros (makeOutput leaves the heap's old bytes). */
function zeros(shape: number[], backend: WasmBackend, dtype: tf.DataType = 'float32'): tf.TensorInfo {
  const out = backend.makeOutput(shape, dtype);
  backend.typedArrayFromHeap(out).fill(0);
  return out;
}

/**
 * dst[dstOffset + c * dstRowStride + r] = src[srcOffset + r * srcRowStride + c] for r < rows,
 * c < cols: a transpose of a (possibly strided) block, in 8 x 8 tiles, which measured 3-6x
 * faster here than the wasm backend's Transpose kernel on the tall matrices of a gradient.
 */
function transposeBlock(
  src: tf.backend_util.TypedArray,
  srcOffset: number,
  srcRowStride: number,
  dst: tf.backend_util.TypedArray,
  dstOffset: number,
  dstRowStride: number,
  rows: number,
  cols: number,
): void {
  const TILE = 8;
  for (let r0 = 0; r0 < rows; r0 += TILE) {
    const r1 = Math.min(r0 + TILE, rows);
    for (let c0 = 0; c0 < cols; c0 += TILE) {
      const c1 = Math.min(c0 + TILE, cols);
      for (let r = r0; r < r1; r++) {
        const from = srcOffset + r * srcRowStride;
        for (let c = c0; c < c1; c++) dst[dstOffset + c * dstRowStride + r] = src[from + c];
      }
    }
  }
}

/** [..., R, C] -> [..., C, R], as a new tensor. */
function transposeLastTwo(x: tf.TensorInfo, backend: WasmBackend): tf.TensorInfo {
  const rank = x.shape.length;
  const [rows, cols] = [x.shape[rank - 2], x.shape[rank - 1]];
  const out = backend.makeOutput([...x.shape.slice(0, -2), cols, rows], x.dtype);
  const [src, dst] = [backend.typedArrayFromHeap(x), backend.typedArrayFromHeap(out)];
  for (let offset = 0; offset < src.length; offset += rows * cols) transposeBlock(src, offset, cols, dst, offset, rows, rows, cols);
  return out;
}

// ---------------------------------------------------------------------------------------------
// BatchMatMul

/**
 * a [...batch, M, K] (or [..., K, M] with transposeA) x b [...batch, K, N] (or [..., N, K] with
 * transposeB) -> [...batch, M, N]. Operands with a transpose flag are transposed explicitly,
 * then the original kernel runs without flags. When b has no batch (or only ones), a's batch
 * dimensions are folded into M ([B, M, K] -> [1, B*M, K]): the original hands only batch 1
 * to XNNPACK's GEMM, anything else to a loop. Batched b stays with the original.
 */
function batchMatMul({ inputs, backend, attrs }: KernelArgs<'a' | 'b'>): tf.TensorInfo {
  const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
  const a = transposeA ? transposeLastTwo(inputs.a, backend) : inputs.a;
  const b = transposeB ? transposeLastTwo(inputs.b, backend) : inputs.b;
  try {
    const batchB = tf.util.sizeFromShape(b.shape.slice(0, -2));
    if (batchB !== 1) return originalMatMul(a, b, backend);
    const [m, k] = a.shape.slice(-2);
    const n = b.shape[b.shape.length - 1];
    const rows = tf.util.sizeFromShape(a.shape.slice(0, -1));
    const out = originalMatMul(view(a, [1, rows, k]), view(b, [1, b.shape[b.shape.length - 2], n]), backend);
    out.shape = [...tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2)), m, n];
    return out;
  } finally {
    if (transposeA) backend.disposeData(a.dataId);
    if (transposeB) backend.disposeData(b.dataId);
  }
}

// ---------------------------------------------------------------------------------------------
// Convolution gradients

/** The conv geometry of x [N,H,W,Cin] * filter [KH,KW,Cin,Cout]; NHWC and dilation 1 only. */
function convInfo(
  op: string,
  xShape: number[],
  filterShape: number[],
  attrs: tf.Conv2DBackpropFilterAttrs | tf.Conv2DBackpropInputAttrs,
): tf.backend_util.Conv2DInfo {
  if (attrs.dataFormat !== undefined && attrs.dataFormat !== 'NHWC') {
    throw new Error(`${op} (wasm training kernels): only dataFormat NHWC is supported, got ${attrs.dataFormat}`);
  }
  const { dilations } = attrs as { dilations?: number | [number, number] };
  if (dilations !== undefined && [dilations].flat().some((d) => d !== 1)) {
    throw new Error(`${op} (wasm training kernels): only dilation 1 is supported, got ${String(dilations)}`);
  }
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
}

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
function conv2DBackpropFilter({ inputs, backend, attrs }: KernelArgs<'x' | 'dy'>): tf.TensorInfo {
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

/** dst[to .. to+count) = src[from .. from+count): `set` for long runs, a loop for short ones (subarray costs more than a few elements). */
function copy(src: tf.backend_util.TypedArray, from: number, dst: tf.backend_util.TypedArray, to: number, count: number): void {
  if (count >= 32) {
    dst.set(src.subarray(from, from + count), to);
  } else {
    for (let k = 0; k < count; k++) dst[to + k] = src[from + k];
  }
}

/**
 * dx [N,H,W,Cin] from dy [N,OH,OW,Cout] and filter [KH,KW,Cin,Cout], as stride-1 forward
 * convolutions on the backend's XNNPACK Conv2D. With stride s, the input pixels split into
 * s x s phases (row = s*q + ph, column = s*q' + pw); each phase receives dy through only the
 * taps congruent to it (mod s), so each phase is a stride-1 convolution of dy with a sub-filter
 * (those taps, flipped, in and out channels swapped): the exact FLOPs, unlike convolving a
 * zero-upsampled dy (s*s times the work). At stride 1 there is one phase: the classic
 * "convolve with the flipped filter".
 */
function conv2DBackpropInput({ inputs, backend, attrs }: KernelArgs<'dy' | 'filter'>): tf.TensorInfo {
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

function checkShape(op: string, name: string, got: readonly number[], expected: readonly number[]): void {
  if (got.length !== expected.length || got.some((d, i) => d !== expected[i])) {
    throw new Error(`${op} (wasm training kernels): ${name} must have shape [${expected.join(', ')}], got [${got.join(', ')}]`);
  }
}

// ---------------------------------------------------------------------------------------------
// MaxPoolGrad

/**
 * dx [N,H,W,C] of a max pool of input [N,H,W,C] for dy [N,OH,OW,C]: each output pixel's dy
 * goes to the first maximum of its window (row-major, padding excluded), as on the cpu
 * backend. The wasm backend's loop finds, for each input pixel, every window over it and that
 * window's maximum again (window area squared work per pixel: 80x its forward pool for 3x3);
 * this finds each window's maximum once.
 */
function maxPoolGrad({ inputs, backend, attrs }: KernelArgs<'dy' | 'input'>): tf.TensorInfo {
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

// ---------------------------------------------------------------------------------------------
// UnsortedSegmentSum

/**
 * out [numSegments, ...inner], out[k] = sum of x[i] over the i with segmentIds[i] = k, for
 * x [...ids.shape, ...inner] and int32 segmentIds; ids outside [0, numSegments) contribute
 * nothing (as on the cpu backend). The gradient of gather.
 */
function unsortedSegmentSum({ inputs, backend, attrs }: KernelArgs<'x' | 'segmentIds'>): tf.TensorInfo {
  const { x, segmentIds } = inputs;
  const { numSegments } = attrs as unknown as tf.UnsortedSegmentSumAttrs;
  const idsRank = segmentIds.shape.length;
  checkShape('UnsortedSegmentSum', 'the leading dimensions of x', x.shape.slice(0, idsRank), segmentIds.shape);
  const inner = x.shape.slice(idsRank);
  const innerSize = tf.util.sizeFromShape(inner);
  const out = zeros([numSegments, ...inner], backend, x.dtype);
  const [values, ids, sums] = [backend.typedArrayFromHeap(x), backend.typedArrayFromHeap(segmentIds), backend.typedArrayFromHeap(out)];
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (id < 0 || id >= numSegments) continue;
    const [from, to] = [i * innerSize, id * innerSize];
    for (let k = 0; k < innerSize; k++) sums[to + k] += values[from + k];
  }
  return out;
}
