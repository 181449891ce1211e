/**
 * The conv gradient kernels of a training step on tfjs-backend-wasm (threaded, as
 * `initWasmBackendNode` starts it), before and after `registerWasmTrainingKernels`, on the
 * shape of a 3x3 conv at 1/4 scale of a 520 x 704 picture: x [1,128,176,256], 3x3 256 -> 256,
 * pad same. "Before" is the stock kernel where wasm has one (Conv2DBackpropInput, BatchMatMul
 * with a transpose flag) and the cpu backend's where it has none (Conv2DBackpropFilter). Both
 * sides compute from the same inputs and must agree; the table reports GFLOP/s.
 */
import '@tensorflow/tfjs-backend-cpu';

import * as tf from '@tensorflow/tfjs-core';

import { initWasmBackendNode, registerWasmTrainingKernels, unregisterWasmTrainingKernels } from '../src/backend/index.js';

/** One kernel timed on both sides. */
export interface KernelTiming {
  readonly kernel: string;
  /** The shapes it ran on, in words. */
  readonly shape: string;
  readonly gflop: number;
  /** `shape` and `gflop` are set where "before" ran on a smaller call than "after". */
  readonly before: { readonly impl: string; readonly shape?: string; readonly gflop: number; readonly ms: number; readonly reps: number };
  readonly after: { readonly impl: string; readonly ms: number; readonly reps: number };
  /** max |after - before| / max |before|. */
  readonly relativeError: number;
  /** Set when the two sides disagree (relative error above 1e-3). */
  readonly mismatch?: string;
}

export interface WasmTrainingKernelsResult {
  readonly threads: number;
  readonly results: readonly KernelTiming[];
  /** The forward Conv2D of the conv gradients' shape on the same backend: the rate they could reach. */
  readonly forwardConv: { readonly gflop: number; readonly ms: number };
}

type BackendName = 'cpu' | 'wasm';

/** One kernel call: its name, inputs (shape and values), attributes and work. */
interface KernelCall {
  readonly kernel: string;
  readonly shape: string;
  readonly gflop: number;
  readonly inputs: Record<string, { shape: number[]; values: Float32Array }>;
  readonly attrs: tf.NamedAttrMap;
}

/** A kernel timed before (on `before`, on `reduced` where the full call would take too long) and after. */
interface KernelCase {
  readonly full: KernelCall;
  readonly before: BackendName;
  readonly reduced?: KernelCall;
}

function values(size: number, seed: number): Float32Array {
  return Float32Array.from({ length: size }, (_, i) => Math.sin(i * 0.37 + seed) * 0.5);
}

/** The conv gradient calls of x [1,H,W,256] * filter [3,3,256,256], stride 1, pad same. */
function convCalls(height: number, width: number): KernelCall[] {
  const [x, filter] = [[1, height, width, 256], [3, 3, 256, 256]];
  const gflop = (2 * height * width * 9 * 256 * 256) / 1e9;
  const attrs = { strides: 1, pad: 'same', dataFormat: 'NHWC' };
  const shape = `x [${x}], filter 3x3 256->256, pad same`;
  const sized = (s: number[], seed: number) => ({ shape: s, values: values(tf.util.sizeFromShape(s), seed) });
  return [
    { kernel: 'Conv2DBackpropFilter', shape, gflop, inputs: { x: sized(x, 1), dy: sized(x, 2) }, attrs: { ...attrs, filterShape: filter } },
    { kernel: 'Conv2DBackpropInput', shape, gflop, inputs: { dy: sized(x, 3), filter: sized(filter, 4) }, attrs: { ...attrs, inputShape: x } },
  ];
}

/**
 * The benchmark's kernels on x [1,128,176,256] * 3x3 256 -> 256 (and a MatMul gradient). The
 * cpu backend's Conv2DBackpropFilter is a loop of TensorBuffer.get calls (~0.013 GFLOP/s here: the
 * full shape would take over half an hour), so its rate is measured on a crop of x, which
 * does the same work per multiply-add; the check compares both sides on that crop.
 */
function cases(quick: boolean): KernelCase[] {
  const [filterGrad, inputGrad] = convCalls(128, 176);
  const [croppedFilterGrad] = quick ? convCalls(8, 11) : convCalls(16, 22);
  const sized = (s: number[], seed: number) => ({ shape: s, values: values(tf.util.sizeFromShape(s), seed) });
  const matMul: KernelCall = {
    kernel: 'BatchMatMul',
    shape: 'a [1024,1024] transposeA, b [1024,1024] (the weight gradient of a dense layer)',
    gflop: (2 * 1024 ** 3) / 1e9,
    inputs: { a: sized([1024, 1024], 5), b: sized([1024, 1024], 6) },
    attrs: { transposeA: true, transposeB: false },
  };
  return [
    { full: filterGrad, before: 'cpu', reduced: croppedFilterGrad },
    { full: inputGrad, before: 'wasm' },
    { full: matMul, before: 'wasm' },
  ];
}

/**
 * Median ms of `reps` runs of `call` on `backend` (after `warmup` runs), and the output's
 * values. Wasm kernels finish before they return, so the clock stops at the return.
 */
async function timeCall(call: KernelCall, backend: BackendName, warmup: number, reps: number): Promise<{ ms: number; out: Float32Array }> {
  await tf.setBackend(backend);
  const inputs = Object.fromEntries(Object.entries(call.inputs).map(([name, input]) => [name, tf.tensor(input.values, input.shape)]));
  const run = () => tf.engine().runKernel(call.kernel, inputs, call.attrs) as tf.Tensor;
  for (let i = 0; i < warmup; i++) run().dispose();
  const times: number[] = [];
  let out: tf.Tensor | undefined;
  for (let r = 0; r < reps; r++) {
    out?.dispose();
    const start = performance.now();
    out = run();
    times.push(performance.now() - start);
  }
  const data = (await out!.data()) as Float32Array;
  tf.dispose([out!, ...Object.values(inputs)]);
  times.sort((a, b) => a - b);
  const mid = times.length >> 1;
  return { ms: times.length % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2, out: data };
}

function relativeError(ours: Float32Array, reference: Float32Array): number {
  let [diff, scale] = [0, 0];
  for (let i = 0; i < ours.length; i++) {
    diff = Math.max(diff, Math.abs(ours[i] - reference[i]));
    scale = Math.max(scale, Math.abs(reference[i]));
  }
  return diff / scale;
}

/**
 * Times each kernel before (stock wasm, or cpu where wasm has none) and after registering the
 * training kernels. `quick`: one run of each "before" (seconds each), three of each "after";
 * otherwise three and ten. Also times the forward Conv2D of the conv shape, the rate the conv
 * gradients could reach. Leaves the training kernels unregistered and wasm the active backend.
 */
export async function benchWasmTrainingKernels(quick: boolean): Promise<WasmTrainingKernelsResult> {
  const { threads } = await initWasmBackendNode();
  const impl = (backend: BackendName, registered: boolean) =>
    backend === 'cpu' ? 'tfjs cpu' : `tfjs wasm (${threads} threads)${registered ? ' + cellmask training kernels' : ''}`;
  unregisterWasmTrainingKernels();
  const [beforeReps, afterReps] = quick ? [1, 3] : [3, 10];
  const results: KernelTiming[] = [];
  for (const { full, before: beforeBackend, reduced } of cases(quick)) {
    const before = await timeCall(reduced ?? full, beforeBackend, 0, beforeReps);
    registerWasmTrainingKernels();
    try {
      const after = await timeCall(full, 'wasm', 1, afterReps);
      const checked = reduced === undefined ? after.out : (await timeCall(reduced, 'wasm', 0, 1)).out;
      const error = relativeError(checked, before.out);
      results.push({
        kernel: full.kernel,
        shape: full.shape,
        gflop: full.gflop,
        before: { impl: impl(beforeBackend, false), ...(reduced && { shape: reduced.shape }), gflop: (reduced ?? full).gflop, ms: before.ms, reps: beforeReps },
        after: { impl: impl('wasm', true), ms: after.ms, reps: afterReps },
        relativeError: error,
        ...(error > 1e-3 && { mismatch: `relative error ${error.toExponential(2)}` }),
      });
    } finally {
      unregisterWasmTrainingKernels();
    }
    console.error(`bench: wasm-training-kernels ${full.kernel} done`);
  }
  const forward = convCalls(128, 176)[1];
  const forwardConv: KernelCall = {
    ...forward,
    kernel: 'Conv2D',
    inputs: { x: forward.inputs.dy, filter: forward.inputs.filter },
    attrs: { strides: 1, pad: 'same', dataFormat: 'NHWC', dilations: 1 },
  };
  const { ms } = await timeCall(forwardConv, 'wasm', 1, afterReps);
  return { threads, results, forwardConv: { gflop: forwardConv.gflop, ms } };
}

/** GFLOP/s before and after per kernel, and the speed-up. */
export function formatWasmTrainingKernelsTable(r: WasmTrainingKernelsResult): string {
  const gflops = (gflop: number, ms: number) => (gflop * 1000) / ms;
  const rate = (gflop: number, ms: number) => `${gflops(gflop, ms).toPrecision(3)} GFLOP/s`;
  const rows = r.results.map((k) => [
    k.kernel,
    `${rate(k.before.gflop, k.before.ms)} (${k.before.impl}${k.before.shape ? ` on ${k.before.shape}` : ''}, ${(k.before.ms / 1000).toFixed(2)} s)`,
    `${rate(k.gflop, k.after.ms)} (${(k.after.ms / 1000).toFixed(3)} s)`,
    `${(gflops(k.gflop, k.after.ms) / gflops(k.before.gflop, k.before.ms)).toFixed(1)}x`,
    k.mismatch !== undefined ? `MISMATCH: ${k.mismatch}` : k.shape,
  ]);
  const header = ['kernel', 'before', 'after (wasm + training kernels)', 'speedup', 'what'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd();
  const forward = `forward Conv2D on the conv gradients' shape, for reference: ${rate(r.forwardConv.gflop, r.forwardConv.ms)}`;
  return [`wasm training kernels, ${r.threads} threads`, line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line), forward].join('\n');
}
