/**
 * Mask R-CNN R50-FPN on a GPU: cellmask on tfjs-backend-webgpu (Dawn in Node) beside torchvision
 * on the same GPU (CUDA), same random weights, same synthetic picture, the solution's settings,
 * same run (benchmarks/reference/gpu_reference.py writes the weights and times its side).
 *
 * Inference: the 520 x 704 picture at MIN_SIZE_TEST 928 (928 x 1256), SCORE_THRESH_TEST 0, with
 * up to 100 and up to 1000 detections: seconds per image, from the picture on the host to the
 * pasted masks (`MaskRcnn.predict`, which reads every result back). Training: one iteration of
 * the solution's settings (benchmarks/train-step.bench.ts's config: sartorius_finetune on
 * torchvision's preset) on the 520 x 704 picture with 100 cells, `trainingStepAsync` +
 * `solverStep`, the losses read back. Medians after 3 warm-ups.
 * Memory: tf.memory()'s numTensors and numBytesInGPU before and after 200 predictions and 200
 * iterations (`memoryReps`); any growth fails the run.
 *
 * `quick`: the same code at sizes the llvmpipe adapter of a machine without a GPU manages
 * (MIN_SIZE_TEST 128, up to 10 and 20 detections, a 128 x 176 training picture with 10 cells,
 * 1 warm-up, 1 timed call, 2 for memory);
 * its numbers say nothing about a GPU. Without torch the reference is `{ unavailable }`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import * as tf from '@tensorflow/tfjs-core';

import { initWebGpuBackendNode } from '../src/backend/index.js';
import { trainingStepAsync } from '../src/train/step-async.js';
import { getPreset, setConfigValues } from '../src/config/index.js';
import { MaskRcnn, anchorGeneratorFromConfig } from '../src/model/index.js';
import { trainingOptionsFromConfig } from '../src/train/options.js';
import { isBiasParameter, isNormParameter, makeTrainable, requireGradients, trainableParameterNames } from '../src/train/parameters.js';
import { buildSolver, solverStep } from '../src/train/solver.js';
import { Random } from '../src/utils/random.js';
import { loadWeights } from '../src/weights/index.js';
import { benchConfig, readRecord } from './train-step.bench.js';

/** Growth of tf.memory() over `reps` calls. */
export interface MemoryCheck {
  readonly reps: number;
  readonly tensors: number;
  /** Bytes of live tensors in GPU buffers (tfjs-backend-webgpu's numBytesInGPU). */
  readonly bytesInGpu: number;
}

export interface GpuBenchResult {
  readonly settings: Record<string, unknown>;
  readonly cellmask: {
    readonly impl: string;
    /** By DETECTIONS_PER_IMAGE: median seconds per image and the detections returned. */
    readonly inference: Record<string, { secondsPerImage: number; detections: number }>;
    readonly training: { secondsPerIteration: number; firstLosses: Record<string, number> };
    readonly memory: { readonly predictions: MemoryCheck; readonly training: MemoryCheck };
  };
  readonly reference:
    | {
        impl: string;
        device: string;
        inference: Record<string, { secondsPerImage: number; detections: number }>;
        training: { secondsPerIteration: number; firstLosses: Record<string, number> };
        peakMemoryMiB?: number;
      }
    | { unavailable: string };
  /** Set when something failed the run: memory grew, a loss not finite, detections differ in count. */
  readonly problems: readonly string[];
}

const referenceScript = fileURLToPath(new URL('./reference/gpu_reference.py', import.meta.url));

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Median seconds of `reps` awaited calls after `warmups`. */
async function timed(fn: () => Promise<unknown>, reps: number, warmups: number): Promise<number> {
  for (let i = 0; i < warmups; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn();
    times.push((performance.now() - t0) / 1000);
  }
  return median(times);
}

/** tf.memory()'s growth over `reps` awaited calls of `fn`. */
async function memoryGrowth(fn: () => Promise<unknown>, reps: number): Promise<MemoryCheck> {
  const read = () => tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number };
  const before = read();
  for (let i = 0; i < reps; i++) await fn();
  const after = read();
  return { reps, tensors: after.numTensors - before.numTensors, bytesInGpu: (after.numBytesInGPU ?? 0) - (before.numBytesInGPU ?? 0) };
}

/** Runs both sides (see the module comment). */
export async function benchGpu(quick: boolean): Promise<GpuBenchResult> {
  const { config: trainConfig, sets } = benchConfig();
  const [height, width] = [520, 704];
  const minSize = quick ? 128 : 928;
  const maxSize = 1333;
  const detections = quick ? [10, 20] : [100, 1000];
  const [warmups, reps] = quick ? [1, 1] : [3, 10];
  const memoryReps = quick ? 2 : 200;
  const train = {
    height: quick ? 128 : height,
    width: quick ? 176 : width,
    cells: quick ? 10 : 100,
    reps,
    anchorSizes: trainConfig.MODEL.ANCHOR_GENERATOR.SIZES,
    aspectRatios: trainConfig.MODEL.ANCHOR_GENERATOR.ASPECT_RATIOS[0],
    rpnBatch: trainConfig.MODEL.RPN.BATCH_SIZE_PER_IMAGE,
    preNmsTopK: trainConfig.MODEL.RPN.PRE_NMS_TOPK_TRAIN,
    postNmsTopK: trainConfig.MODEL.RPN.POST_NMS_TOPK_TRAIN,
    roiBatch: trainConfig.MODEL.ROI_HEADS.BATCH_SIZE_PER_IMAGE,
    numClasses: trainConfig.MODEL.ROI_HEADS.NUM_CLASSES,
    lr: trainConfig.SOLVER.BASE_LR,
    momentum: trainConfig.SOLVER.MOMENTUM,
    weightDecay: trainConfig.SOLVER.WEIGHT_DECAY,
  };
  const referenceSettings = { height, width, minSize, maxSize, detections, warmups, reps, train: { ...train, warmups } };
  const settings = { ...referenceSettings, scoreThresh: 0, memoryReps, trainingSet: sets, quick };
  const python = process.env.CELLMASK_PYTHON ?? '/usr/bin/python3';
  const dir = mkdtempSync(join(tmpdir(), 'cellmask-bench-gpu-'));
  try {
    const proc = spawnSync(python, [referenceScript, dir, JSON.stringify(referenceSettings)], { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (proc.status !== 0) {
      const why = proc.error?.message ?? proc.stderr.trim().split('\n').slice(-1)[0];
      throw new Error(`bench gpu: the torchvision reference failed (it also writes the weights cellmask runs): ${why}`);
    }
    const reference = JSON.parse(proc.stdout) as Exclude<GpuBenchResult['reference'], { unavailable: string }>;
    await import('@tensorflow/tfjs'); // tfjs's gradient functions
    const { adapter } = await initWebGpuBackendNode();
    const problems: string[] = [];

    // Inference.
    const { weights } = await loadWeights(join(dir, 'weights.safetensors'), { format: 'torchvision', poolerResolution: 7 });
    const picture = { data: new Uint8Array(readFileSync(join(dir, 'image.bin'))), height, width, channels: 3 };
    const inference: GpuBenchResult['cellmask']['inference'] = {};
    let predictionMemory: MemoryCheck | undefined;
    for (const d of detections) {
      const config = setConfigValues(getPreset('torchvision_maskrcnn_resnet50_fpn'), [
        'MODEL.ROI_HEADS.NUM_CLASSES=3',
        `INPUT.MIN_SIZE_TEST=${minSize}`,
        `INPUT.MAX_SIZE_TEST=${maxSize}`,
        'MODEL.ROI_HEADS.SCORE_THRESH_TEST=0',
        `TEST.DETECTIONS_PER_IMAGE=${d}`,
      ]);
      const model = new MaskRcnn(new Map(weights), config);
      let count = 0;
      const predict = async () => {
        count = (await model.predict(picture)).scores.length;
      };
      inference[d] = { secondsPerImage: await timed(predict, reps, warmups), detections: count };
      console.error(`bench gpu: inference, up to ${d} detections: ${inference[d].secondsPerImage.toFixed(3)} s per image`);
      if (d === Math.max(...detections)) predictionMemory = await memoryGrowth(predict, memoryReps);
    }
    weights.forEach((t) => t.dispose());

    // Training.
    requireGradients();
    const loaded = (await loadWeights(join(dir, 'train-weights.safetensors'), { format: 'torchvision', poolerResolution: trainConfig.MODEL.ROI_BOX_HEAD.POOLER_RESOLUTION })).weights;
    const record = await readRecord(join(dir, 'train-data.safetensors'));
    const names = trainableParameterNames(loaded, trainConfig.MODEL.BACKBONE.FREEZE_AT);
    const { weights: trainWeights, variables } = makeTrainable(loaded, names);
    const solver = buildSolver(trainConfig.SOLVER, { isNorm: isNormParameter, isBias: isBiasParameter });
    const [anchors, options, rng] = [anchorGeneratorFromConfig(trainConfig), trainingOptionsFromConfig(trainConfig), new Random(1)];
    let iteration = 0;
    let firstLosses: Record<string, number> | undefined;
    const step = async () => {
      const { losses, grads } = await trainingStepAsync(trainWeights, variables, anchors, [record], options, rng);
      solverStep(solver, variables, grads, iteration++);
      grads.forEach((g) => g.dispose());
      firstLosses ??= losses;
      if (!Object.values(losses).every(Number.isFinite)) problems.push(`a loss is not finite at iteration ${iteration}: ${JSON.stringify(losses)}`);
    };
    const secondsPerIteration = await timed(step, reps, warmups);
    console.error(`bench gpu: training: ${secondsPerIteration.toFixed(3)} s per iteration`);
    const trainingMemory = await memoryGrowth(step, memoryReps);
    trainWeights.forEach((t) => t.dispose());

    const memory = { predictions: predictionMemory as MemoryCheck, training: trainingMemory };
    for (const [what, m] of Object.entries(memory)) {
      if (m.tensors !== 0 || m.bytesInGpu !== 0) problems.push(`memory grew over ${m.reps} ${what}: ${m.tensors} tensors, ${m.bytesInGpu} bytes in GPU buffers`);
    }
    for (const d of detections) {
      const theirs = reference.inference[d]?.detections;
      if (theirs !== undefined && theirs !== inference[d].detections) problems.push(`up to ${d} detections: cellmask returned ${inference[d].detections}, torchvision ${theirs}`);
    }
    const cellmask = { impl: `cellmask webgpu on ${adapter}`, inference, training: { secondsPerIteration, firstLosses: firstLosses ?? {} }, memory };
    return { settings, cellmask, reference, problems };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Seconds per image and per iteration, both sides, their ratio (cellmask / torchvision: the goal is 2x and 3x), and the memory checks. */
export function formatGpuTable(r: GpuBenchResult): string {
  const ref = 'impl' in r.reference ? r.reference : undefined;
  const row = (what: string, ours: number, theirs: number | undefined) =>
    `${what.padEnd(34)} ${ours.toFixed(3).padStart(9)} s  ${theirs === undefined ? '        -' : `${theirs.toFixed(3).padStart(9)} s`}  ${theirs === undefined ? '-' : `${(ours / theirs).toFixed(2)}x`}`;
  const lines = [`${'work'.padEnd(34)} ${'cellmask'.padStart(11)}  ${'torchvision'.padStart(11)}  cellmask/torchvision`];
  for (const [d, v] of Object.entries(r.cellmask.inference)) {
    lines.push(row(`inference, up to ${d} detections`, v.secondsPerImage, ref?.inference[d]?.secondsPerImage));
  }
  lines.push(row('training iteration', r.cellmask.training.secondsPerIteration, ref?.training.secondsPerIteration));
  const m = r.cellmask.memory;
  lines.push(`memory growth: ${m.predictions.reps} predictions ${m.predictions.tensors} tensors / ${m.predictions.bytesInGpu} bytes; ${m.training.reps} iterations ${m.training.tensors} tensors / ${m.training.bytesInGpu} bytes`);
  lines.push(`${r.cellmask.impl}${ref ? ` vs ${ref.impl} on ${ref.device}` : ''}`);
  for (const p of r.problems) lines.push(`PROBLEM: ${p}`);
  return lines.join('\n');
}
