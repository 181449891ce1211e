/**
 * Seconds per Mask R-CNN training iteration (forward + losses + backward + SGD step, one image):
 * cellmask on tfjs-backend-wasm (threaded SIMD, `registerWasmTrainingKernels`) beside torchvision
 * on the CPU, same random weights, same picture and ground truth, same settings, same run.
 *
 * Settings: the solution's (`sartorius_finetune`: anchors, RPN and RoI batch sizes, training
 * top-k, 3 classes, FREEZE_AT 2, SGD) on the `torchvision_maskrcnn_resnet50_fpn` preset, so that
 * both sides do the same work in the same conventions (stride in the 3x3 conv, RoIAlign v1 with
 * sampling ratio 2, smooth L1 beta 1/9, RGB, torchvision's loss normalizers). The reference
 * (benchmarks/reference/train_step_reference.py) builds the model, writes its seeded random
 * weights and the synthetic 520 x 704 picture with 100 cells, and times its side.
 *
 * Sizes: the picture as it is (the competition's size), and with `full` each of the solution's
 * multi-scale training sizes (INPUT.MIN_SIZE_TRAIN with MAX_SIZE_TRAIN), resized beforehand as
 * Detectron2's loader resizes (Pillow BILINEAR / NEAREST: cellmask's `applyAugmentation`, PIL on
 * the reference side; the resized pictures' checksums must agree). Their mean is the expected
 * cost of an iteration of the solution's training, which draws one size per image.
 * CELLMASK_BENCH_TRAIN_STEP_BASE=N resizes the base picture to the short side N on both sides
 * (a size cellmask's memory allows; see below).
 *
 * Memory: tfjs keeps every saved activation of the forward pass and every gradient of the
 * backward pass until the gradient call returns, and the wasm heap ends at 4 GiB. cellmask's
 * allocations are checked (unchecked, tfjs would register a tensor at address 0 and corrupt the
 * heap): a step that does not fit sets `failed` (which fails the run), at the base size for the
 * whole side, among the multi-scale sizes (run in ascending size) for that size and the larger
 * ones. Each size reports the heap's high-water mark, the reference its peak resident memory.
 *
 * cellmask's iteration is `trainingStep`'s body (`tf.variableGrads` around `trainingLosses`) with
 * a clock read when the forward pass returns, then `solverStep`: forward + losses, backward and
 * optimizer are timed separately. With CELLMASK_BENCH_PROFILE=1, one more iteration at the base
 * size runs under `tf.profile`: the kernels that take the time, per phase.
 *
 * Without Python/torch the reference is `{ unavailable }` and cellmask runs alone, on weights from
 * `initWeights` and a picture drawn here.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import * as tf from '@tensorflow/tfjs-core';

import { initWasmBackendNode, registerWasmTrainingKernels, unregisterWasmTrainingKernels } from '../src/backend/index.js';
import { type CellmaskConfig, getPreset, setConfigValues } from '../src/config/index.js';
import { anchorGeneratorFromConfig } from '../src/model/index.js';
import { applyAugmentation } from '../src/train/data/transforms.js';
import type { TrainingRecord } from '../src/train/data/records.js';
import { type CroppedMask, croppedMaskFromBitMask } from '../src/train/mask-targets.js';
import { trainingOptionsFromConfig } from '../src/train/options.js';
import { isBiasParameter, isNormParameter, makeTrainable, requireGradients, trainableParameterNames } from '../src/train/parameters.js';
import { buildSolver, solverStep } from '../src/train/solver.js';
import { type LossName, type TrainingImage, trainingLosses } from '../src/train/step.js';
import { Random } from '../src/utils/random.js';
import { type WeightMap, initWeights, loadWeights, readSafetensors } from '../src/weights/index.js';

/** Seconds of one iteration, by phase. */
export interface StepSeconds {
  forward: number;
  backward: number;
  optimizer: number;
  total: number;
}

/** The iterations timed at one size. */
export interface SizeRun {
  /** The shortest-edge size drawn (INPUT.MIN_SIZE_TRAIN), or the picture's own. */
  readonly minSize: number;
  readonly height: number;
  readonly width: number;
  /** Sum of the resized picture's bytes and count of mask pixels: both sides resized alike. */
  readonly imageSum: number;
  readonly maskPixels: number;
  readonly iterations: readonly StepSeconds[];
  /** cellmask: the wasm heap's size after the size's iterations (a high-water mark: it never shrinks), MiB. */
  readonly heapMiB?: number;
  /** cellmask: why this size did not run (then `iterations` is empty). */
  readonly failed?: string;
}

/** One side's timings. */
export interface TrainStepSide {
  readonly impl: string;
  /** Trainable tensors. */
  readonly trainable: number;
  /** The loss terms of the first iteration (the warm-up at the base size, from the initial weights), Detectron2's names. */
  readonly firstLosses: Record<LossName, number>;
  /** The base size first, then the multi-scale sizes (full run only); those run before a failure. */
  readonly runs: readonly SizeRun[];
  /** Why the side stopped early: the wasm heap exhausted, or a loss not finite. */
  readonly failed?: string;
  /** torchvision: peak resident memory of the reference process, MiB. */
  readonly maxRssMiB?: number;
}

/** Per-kernel time of the profiled iteration (CELLMASK_BENCH_PROFILE=1). */
export interface StepProfile {
  readonly wall: StepSeconds;
  /** Kernel seconds per phase; the rest of the wall time is JavaScript (targets, proposals, RoIAlign, the tape). */
  readonly kernels: { readonly forward: number; readonly backward: number; readonly optimizer: number };
  /** The kernels taking the most time, by name and phase, then every tf.customGrad forward (its JavaScript and nested kernels). */
  readonly top: readonly { readonly kernel: string; readonly phase: 'forward' | 'backward' | 'optimizer'; readonly calls: number; readonly seconds: number }[];
}

export interface TrainStepBenchResult {
  readonly name: string;
  readonly settings: Record<string, unknown>;
  readonly cellmask: TrainStepSide;
  readonly reference: TrainStepSide | { unavailable: string };
  readonly profile?: StepProfile;
  /** Set when the two sides did not compute the same kind of thing: sizes, checksums, trainable tensors, a loss not finite. */
  readonly mismatch?: string;
}

const referenceScript = fileURLToPath(new URL('./reference/train_step_reference.py', import.meta.url));

/** torchvision's loss names -> Detectron2's. */
const LOSS_NAMES: Record<string, LossName> = {
  loss_objectness: 'loss_rpn_cls',
  loss_rpn_box_reg: 'loss_rpn_loc',
  loss_classifier: 'loss_cls',
  loss_box_reg: 'loss_box_reg',
  loss_mask: 'loss_mask',
};

const [HEIGHT, WIDTH, CELLS] = [520, 704, 100];

/**
 * The benchmark's config: torchvision's preset with the solution's training settings, the
 * `--set` values listed in the result's settings. SOLVER keeps the solution's BASE_LR, MOMENTUM
 * and WEIGHT_DECAY without the warmup (the reference's SGD runs at a constant rate).
 */
export function benchConfig(): { config: CellmaskConfig; sets: string[] } {
  const s = getPreset('sartorius_finetune');
  const j = JSON.stringify;
  const sets = [
    `MODEL.ROI_HEADS.NUM_CLASSES=${s.MODEL.ROI_HEADS.NUM_CLASSES}`,
    `MODEL.ANCHOR_GENERATOR.SIZES=${j(s.MODEL.ANCHOR_GENERATOR.SIZES)}`,
    `MODEL.ANCHOR_GENERATOR.ASPECT_RATIOS=${j(s.MODEL.ANCHOR_GENERATOR.ASPECT_RATIOS)}`,
    `MODEL.RPN.BATCH_SIZE_PER_IMAGE=${s.MODEL.RPN.BATCH_SIZE_PER_IMAGE}`,
    `MODEL.RPN.PRE_NMS_TOPK_TRAIN=${s.MODEL.RPN.PRE_NMS_TOPK_TRAIN}`,
    `MODEL.RPN.POST_NMS_TOPK_TRAIN=${s.MODEL.RPN.POST_NMS_TOPK_TRAIN}`,
    `MODEL.ROI_HEADS.BATCH_SIZE_PER_IMAGE=${s.MODEL.ROI_HEADS.BATCH_SIZE_PER_IMAGE}`,
    `MODEL.BACKBONE.FREEZE_AT=${s.MODEL.BACKBONE.FREEZE_AT}`,
    `INPUT.MIN_SIZE_TRAIN=${j(s.INPUT.MIN_SIZE_TRAIN)}`,
    `INPUT.MAX_SIZE_TRAIN=${s.INPUT.MAX_SIZE_TRAIN}`,
    `SOLVER.BASE_LR=${s.SOLVER.BASE_LR}`,
    `SOLVER.MOMENTUM=${s.SOLVER.MOMENTUM}`,
    `SOLVER.WEIGHT_DECAY=${s.SOLVER.WEIGHT_DECAY}`,
    'SOLVER.WARMUP_ITERS=0',
  ];
  return { config: setConfigValues(getPreset('torchvision_maskrcnn_resnet50_fpn'), sets), sets };
}

/** 8-bit RGB picture with `count` elliptical cells and their ground truth (the fallback when the reference cannot make them). */
function drawCells(height: number, width: number, count: number, classes: number, rng: Random): TrainingRecord {
  const grey = new Float32Array(height * width).fill(128);
  const gtBoxes = new Float32Array(4 * count);
  const gtMasks: CroppedMask[] = [];
  for (let c = 0; c < count; c++) {
    const [cy, cx] = [20 + rng.next() * (height - 40), 20 + rng.next() * (width - 40)];
    const [ry, rx, t] = [5 + 13 * rng.next(), 5 + 13 * rng.next(), Math.PI * rng.next()];
    const plane = new Uint8Array(height * width);
    for (let y = Math.max(0, Math.floor(cy - 30)); y < Math.min(height, cy + 30); y++) {
      for (let x = Math.max(0, Math.floor(cx - 30)); x < Math.min(width, cx + 30); x++) {
        const u = (x - cx) * Math.cos(t) + (y - cy) * Math.sin(t);
        const v = -(x - cx) * Math.sin(t) + (y - cy) * Math.cos(t);
        const r = Math.hypot(u / rx, v / ry);
        plane[y * width + x] = r <= 1 ? 1 : 0;
        grey[y * width + x] += -40 * Math.exp(-(r ** 4)) + 25 * Math.exp(-((((r - 1) * Math.min(rx, ry)) / 2) ** 2));
      }
    }
    const m = croppedMaskFromBitMask(plane, height, width);
    gtMasks.push(m);
    gtBoxes.set([m.x, m.y, m.x + m.width, m.y + m.height], 4 * c);
  }
  const data = new Uint8Array(3 * height * width);
  grey.forEach((g, p) => data.set([g, 0.9 * g + 10, 255 - 0.5 * g].map((v) => Math.min(255, Math.max(0, Math.round(v)))), 3 * p));
  const gtClasses = Int32Array.from({ length: count }, () => Math.floor(rng.next() * classes));
  return { id: 'synthetic', picture: { data, height, width, channels: 3 }, gtBoxes, gtClasses, gtMasks, emptyMasksDropped: 0 };
}

/** The reference's picture and ground truth (data.safetensors) as a training record. */
export async function readRecord(file: string): Promise<TrainingRecord> {
  const data = (await readSafetensors(file)).tensors;
  const image = data.get('image')!;
  const masks = data.get('gt_masks')!;
  const [height, width] = image.shape;
  const g = masks.shape[0];
  return {
    id: 'synthetic',
    picture: { data: image.data as Uint8Array, height, width, channels: 3 },
    gtBoxes: data.get('gt_boxes')!.data as Float32Array,
    gtClasses: Int32Array.from(data.get('gt_labels')!.data as ArrayLike<number | bigint>, (c) => Number(c) - 1),
    gtMasks: Array.from({ length: g }, (_, i) => croppedMaskFromBitMask((masks.data as Uint8Array).subarray(i * height * width, (i + 1) * height * width), height, width)),
    emptyMasksDropped: 0,
  };
}

function checksums(image: TrainingImage): { imageSum: number; maskPixels: number } {
  let imageSum = 0;
  for (const v of image.picture.data) imageSum += v;
  let maskPixels = 0;
  for (const m of image.gtMasks) for (const v of m.data) maskPixels += v;
  return { imageSum, maskPixels };
}

const now = () => performance.now() / 1000;

/** The engine's profile while `tf.profile` runs (tfjs-core internals: `engine.state.activeProfile`). */
function profiledKernelCount(): number {
  const state = tf.engine().state as unknown as { profiling: boolean; activeProfile: { kernels: unknown[] } };
  return state.profiling ? state.activeProfile.kernels.length : 0;
}

/** Runs both sides; `quick`: the base size only, 1 warm-up + 2 timed iterations. */
export async function benchTrainStep(quick: boolean): Promise<TrainStepBenchResult> {
  const { config, sets } = benchConfig();
  const reps = quick ? 2 : 3;
  const baseMinSize = Number(process.env.CELLMASK_BENCH_TRAIN_STEP_BASE ?? 0);
  if (!Number.isInteger(baseMinSize) || baseMinSize < 0) throw new Error(`CELLMASK_BENCH_TRAIN_STEP_BASE must be a short side in pixels, got ${process.env.CELLMASK_BENCH_TRAIN_STEP_BASE}`);
  const minSizes = quick ? [] : [...config.INPUT.MIN_SIZE_TRAIN];
  const maxSize = config.INPUT.MAX_SIZE_TRAIN;
  const threads = 2;
  const referenceSettings = {
    height: HEIGHT,
    width: WIDTH,
    cells: CELLS,
    reps,
    baseMinSize,
    minSizes,
    maxSize,
    anchorSizes: config.MODEL.ANCHOR_GENERATOR.SIZES,
    aspectRatios: config.MODEL.ANCHOR_GENERATOR.ASPECT_RATIOS[0],
    rpnBatch: config.MODEL.RPN.BATCH_SIZE_PER_IMAGE,
    preNmsTopK: config.MODEL.RPN.PRE_NMS_TOPK_TRAIN,
    postNmsTopK: config.MODEL.RPN.POST_NMS_TOPK_TRAIN,
    roiBatch: config.MODEL.ROI_HEADS.BATCH_SIZE_PER_IMAGE,
    numClasses: config.MODEL.ROI_HEADS.NUM_CLASSES,
    lr: config.SOLVER.BASE_LR,
    momentum: config.SOLVER.MOMENTUM,
    weightDecay: config.SOLVER.WEIGHT_DECAY,
    threads,
  };
  const base = baseMinSize === 0 ? `${HEIGHT} x ${WIDTH}` : `${HEIGHT} x ${WIDTH} resized to short side ${baseMinSize}`;
  const name = `mask-rcnn R50-FPN training iteration (forward + losses + backward + SGD), ${base}, ${CELLS} cells${quick ? '' : ', and at each MIN_SIZE_TRAIN'}`;
  const settings = {
    preset: 'torchvision_maskrcnn_resnet50_fpn',
    set: sets,
    settingsFrom: 'sartorius_finetune',
    imagesPerBatch: 1,
    warmup: '1 iteration at the base size; with the multi-scale sizes, 1 more at the largest',
    ...referenceSettings,
  };
  const python = process.env.CELLMASK_PYTHON ?? '/usr/bin/python3';
  const dir = mkdtempSync(join(tmpdir(), 'cellmask-bench-train-step-'));
  try {
    const proc = spawnSync(python, [referenceScript, dir, JSON.stringify(referenceSettings)], { encoding: 'utf8', maxBuffer: 1 << 24 });
    // The union package registers tfjs's gradient functions (tfjs-core's Node bundle has none).
    await import('@tensorflow/tfjs');
    const backend = await initWasmBackendNode({ threads });
    let reference: TrainStepSide | { unavailable: string };
    let weights: WeightMap;
    let record: TrainingRecord;
    if (proc.status === 0) {
      const raw = JSON.parse(proc.stdout) as Omit<TrainStepSide, 'firstLosses'> & { firstLosses: Record<string, number> };
      const firstLosses = Object.fromEntries(Object.entries(raw.firstLosses).map(([k, v]) => [LOSS_NAMES[k] ?? k, v])) as Record<LossName, number>;
      reference = { ...raw, firstLosses };
      weights = (await loadWeights(join(dir, 'weights.safetensors'), { format: 'torchvision', poolerResolution: config.MODEL.ROI_BOX_HEAD.POOLER_RESOLUTION })).weights;
      record = await readRecord(join(dir, 'data.safetensors'));
    } else {
      const why = proc.error?.message ?? proc.stderr.trim().split('\n').slice(-1)[0];
      reference = { unavailable: `torchvision reference failed: ${why}` };
      weights = initWeights(config, new Random(0));
      record = drawCells(HEIGHT, WIDTH, CELLS, config.MODEL.ROI_HEADS.NUM_CLASSES, new Random(1));
    }
    rmSync(dir, { recursive: true, force: true }); // ~200 MB, all read
    const ours = runCellmask(config, weights, record, reps, baseMinSize, minSizes);
    const profile = ours.profile === undefined ? undefined : await ours.profile;
    const cellmask: TrainStepSide = { impl: `cellmask wasm (${backend.threads} threads)`, ...ours.side };
    const problems = mismatches(cellmask, reference);
    return { name, settings, cellmask, reference, ...(profile ? { profile } : {}), ...(problems.length > 0 ? { mismatch: problems.join('; ') } : {}) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * cellmask's side: the same sizes and iterations as the reference's. Stops at a non-finite loss
 * or an exhausted heap (`failed`). `profile` is the profiled iteration's, when
 * CELLMASK_BENCH_PROFILE is set.
 */
function runCellmask(
  config: CellmaskConfig,
  loaded: WeightMap,
  record: TrainingRecord,
  reps: number,
  baseMinSize: number,
  minSizes: readonly number[],
): { side: Omit<TrainStepSide, 'impl'>; profile?: Promise<StepProfile> } {
  const heap = guardWasmHeap();
  registerWasmTrainingKernels();
  requireGradients();
  const names = trainableParameterNames(loaded, config.MODEL.BACKBONE.FREEZE_AT);
  const { weights, variables } = makeTrainable(loaded, names);
  const solver = buildSolver(config.SOLVER, { isNorm: isNormParameter, isBias: isBiasParameter });
  const anchors = anchorGeneratorFromConfig(config);
  const options = trainingOptionsFromConfig(config);
  const rng = new Random(1);
  const vars = names.map((n) => variables.get(n) as tf.Variable);
  let iteration = 0;

  /** One iteration: `trainingStep`'s body with a clock read when the forward pass returns, then `solverStep`. */
  const step = (image: TrainingImage, marks?: number[]): { seconds: StepSeconds; losses: Record<LossName, number> } => {
    const t0 = now();
    let tForward = 0;
    let terms: Record<LossName, tf.Scalar> | undefined;
    const { value, grads } = tf.variableGrads(() => {
      terms = trainingLosses(weights, anchors, [image], options, rng);
      for (const t of Object.values(terms)) tf.keep(t);
      const total = tf.addN(Object.values(terms)) as tf.Scalar;
      tForward = now();
      marks?.push(profiledKernelCount());
      return total;
    }, vars);
    value.dispose();
    const losses = Object.fromEntries(Object.entries(terms!).map(([k, t]) => [k, (t.dataSync() as Float32Array)[0]])) as Record<LossName, number>;
    tf.dispose(Object.values(terms!));
    const byName = new Map<string, tf.Tensor>();
    for (const n of names) {
      const g = grads[(variables.get(n) as tf.Variable).name];
      if (g !== undefined) byName.set(n, g);
    }
    const tBackward = now();
    marks?.push(profiledKernelCount());
    solverStep(solver, variables, byName, iteration++);
    tf.dispose([...byName.values()]);
    const tEnd = now();
    const bad = Object.entries(losses).filter(([, v]) => !Number.isFinite(v));
    if (bad.length > 0) throw new StepFailed(`${where(image)}: cellmask loss not finite: ${bad.map(([k, v]) => `${k} ${v}`).join(', ')}`);
    return { seconds: { forward: tForward - t0, backward: tBackward - tForward, optimizer: tEnd - tBackward, total: tEnd - t0 }, losses };
  };

  const sized = (minSize: number): TrainingImage =>
    minSize === 0 ? record : applyAugmentation(record, { shortEdge: minSize, flip: 'none' }, config.INPUT.MAX_SIZE_TRAIN);
  const describeRun = (minSize: number, image: TrainingImage) => ({
    heapMiB: heap.sizeMiB(),
    minSize: minSize || Math.min(image.picture.height, image.picture.width),
    height: image.picture.height,
    width: image.picture.width,
    ...checksums(image),
  });

  const runs: SizeRun[] = [];
  let firstLosses = {} as Record<LossName, number>;
  let failed: string | undefined;
  let profile: Promise<StepProfile> | undefined;
  const release = () => {
    solver.optimizer.dispose();
    weights.forEach((t) => t.dispose());
    unregisterWasmTrainingKernels();
    heap.restore();
  };
  const base = sized(baseMinSize);
  const where = (image: TrainingImage) => `${image.picture.height} x ${image.picture.width}`;
  /** `f`, or why it failed: the error if the side must stop (a loss not finite, the wasm module aborted). */
  const attempt = <T>(image: TrainingImage, f: () => T): T | { failed: string } => {
    try {
      return f();
    } catch (error) {
      dropTape();
      if (error instanceof HeapExhausted) return { failed: `${where(image)}: ${error.message}` };
      if (error instanceof Error && error.name === 'RuntimeError') throw new StepFailed(`${where(image)}: wasm runtime error (the module aborted): ${error.message}`);
      throw error;
    }
  };
  try {
    const iterations = attempt(base, () => {
      firstLosses = step(base).losses; // warm-up
      return Array.from({ length: reps }, () => step(base).seconds);
    });
    if ('failed' in iterations) throw new StepFailed(iterations.failed);
    runs.push({ ...describeRun(baseMinSize, base), iterations });
    // The multi-scale sizes in ascending area, after a warm-up at the largest (the wasm heap at its
    // steady size). One that does not fit is recorded; the larger ones are not tried (they need more).
    if (minSizes.length > 0) {
      const area = (im: TrainingImage) => im.picture.height * im.picture.width;
      const images = minSizes.map((s) => ({ s, image: sized(s) }));
      const ascending = [...images].sort((a, b) => area(a.image) - area(b.image));
      const largest = ascending[ascending.length - 1].image;
      const warm = attempt(largest, () => step(largest));
      const outcome = new Map<number, StepSeconds | { failed: string }>();
      for (const { s, image } of ascending) {
        const one = [...outcome.values()].some((o) => 'failed' in o) ? { failed: `${where(image)}: not run, a smaller size did not fit` } : attempt(image, () => step(image).seconds);
        outcome.set(s, one);
      }
      for (const { s, image } of images) {
        const one = outcome.get(s)!;
        runs.push({ ...describeRun(s, image), iterations: 'failed' in one ? [] : [one], ...('failed' in one ? { failed: one.failed } : {}) });
      }
      const skipped = runs.filter((r) => r.failed !== undefined);
      if (skipped.length > 0) {
        const after = 'failed' in warm ? ` (the warm-up at the largest did not fit either; the sizes ran after it, on a heap that may keep some of its leftovers)` : '';
        failed = `${skipped.length} of ${minSizes.length} multi-scale sizes did not run${after}: ${skipped.map((r) => r.failed).join('; ')}`;
      }
    }
    if (process.env.CELLMASK_BENCH_PROFILE) profile = profileStep(step, base).finally(release);
  } catch (error) {
    if (!(error instanceof StepFailed)) throw error;
    failed = error.message;
  } finally {
    if (profile === undefined) release();
  }
  const side = { trainable: names.length, firstLosses, runs };
  return { side: failed === undefined ? side : { ...side, failed }, ...(profile === undefined ? {} : { profile }) };
}

/** Why cellmask's side stopped: a loss not finite, the wasm module aborted, the base size did not fit. */
class StepFailed extends Error {}

/** A tensor did not fit in the wasm heap (the engine has unwound: the next step can run). */
class HeapExhausted extends Error {}

/** The part of tfjs-backend-wasm's Emscripten module used here. */
interface WasmModule {
  _malloc(bytes: number): number;
  _free(pointer: number): void;
  wasmMemory?: { buffer: ArrayBufferLike };
  HEAPU8: Uint8Array;
}

/**
 * Makes the wasm backend's tensor allocations throw `HeapExhausted` when the heap is exhausted
 * (tfjs-backend-wasm 4.22 does not check `_malloc`'s result: it would register the tensor at
 * address 0, over the heap's own data). `sizeMiB`: the heap's size now.
 */
function guardWasmHeap(): { sizeMiB: () => number; restore: () => void } {
  const wasm = (tf.backend() as unknown as { wasm?: WasmModule }).wasm;
  if (wasm === undefined) return { sizeMiB: () => 0, restore: () => {} };
  wasm._free(wasm._malloc(8)); // Emscripten swaps its lazy export for the real function on the first call
  const malloc = wasm._malloc;
  wasm._malloc = (bytes: number) => {
    const pointer = malloc(bytes);
    if (pointer === 0 && bytes > 0) throw new HeapExhausted(`the wasm heap (4 GiB) is exhausted: ${(bytes / 2 ** 20).toFixed(1)} MiB more asked`);
    return pointer;
  };
  const sizeMiB = () => Math.round((wasm.wasmMemory?.buffer ?? wasm.HEAPU8.buffer).byteLength / 2 ** 20);
  return { sizeMiB, restore: () => void (wasm._malloc = malloc) };
}

/** After a step thrown out of: frees what the interrupted gradient tape still holds. */
function dropTape(): void {
  const state = tf.engine().state as unknown as { gradientDepth: number; activeTape: { saved?: tf.Tensor[] }[] | null };
  if (state.gradientDepth !== 0 || state.activeTape === null) return;
  for (const node of state.activeTape) for (const t of node.saved ?? []) t.dispose();
  state.activeTape = null;
}

/** One iteration under `tf.profile`: kernel time by name and phase. */
async function profileStep(
  step: (image: TrainingImage, marks?: number[]) => { seconds: StepSeconds },
  image: TrainingImage,
): Promise<StepProfile> {
  const check = tf.env().getBool('CHECK_COMPUTATION_FOR_ERRORS');
  tf.env().set('CHECK_COMPUTATION_FOR_ERRORS', false);
  const marks: number[] = [];
  let wall: StepSeconds | undefined;
  try {
    const info = await tf.profile(() => {
      wall = step(image, marks).seconds;
      return [];
    });
    const phases = ['forward', 'backward', 'optimizer'] as const;
    const phaseOf = (i: number) => phases[i < marks[0] ? 0 : i < marks[1] ? 1 : 2];
    const kernels = { forward: 0, backward: 0, optimizer: 0 };
    const byKey = new Map<string, StepProfile['top'][number]>();
    // The profile also lists each tf.customGrad's forward under its scope's name, its own
    // JavaScript plus the kernels it runs (listed too): kept apart from the kernel sums.
    const backend = tf.getBackend();
    info.kernels.forEach((k, i) => {
      const seconds = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs / 1000 : 0;
      const phase = phaseOf(i);
      const kernel = tf.getKernel(k.name, backend) !== undefined;
      if (kernel) kernels[phase] += seconds;
      const key = `${phase} ${kernel} ${k.name}`;
      const e = byKey.get(key) ?? { kernel: kernel ? k.name : `customGrad "${k.name}"`, phase, calls: 0, seconds: 0 };
      byKey.set(key, { ...e, calls: e.calls + 1, seconds: e.seconds + seconds });
    });
    const all = [...byKey.values()].sort((a, b) => b.seconds - a.seconds);
    const top = [...all.filter((e) => !e.kernel.startsWith('customGrad')).slice(0, 15), ...all.filter((e) => e.kernel.startsWith('customGrad'))];
    return { wall: wall!, kernels, top };
  } finally {
    tf.env().set('CHECK_COMPUTATION_FOR_ERRORS', check);
  }
}

/** What shows that the two sides did not compute the same kind of thing (or a loss was not finite). */
function mismatches(cellmask: TrainStepSide, reference: TrainStepSide | { unavailable: string }): string[] {
  const problems: string[] = [];
  if (cellmask.failed?.includes('not finite')) problems.push(cellmask.failed);
  for (const [k, v] of Object.entries(cellmask.firstLosses)) if (!Number.isFinite(v)) problems.push(`cellmask ${k} = ${v}`);
  if (!('impl' in reference)) return problems;
  for (const [k, v] of Object.entries(reference.firstLosses)) if (!Number.isFinite(v)) problems.push(`torchvision ${k} = ${v}`);
  if (reference.trainable !== cellmask.trainable) problems.push(`trainable tensors: cellmask ${cellmask.trainable}, torchvision ${reference.trainable}`);
  if (cellmask.failed === undefined && cellmask.runs.length !== reference.runs.length) problems.push(`sizes timed: cellmask ${cellmask.runs.length}, torchvision ${reference.runs.length}`);
  cellmask.runs.forEach((r, i) => {
    const t = reference.runs[i];
    if (t === undefined) return;
    for (const key of ['minSize', 'height', 'width', 'imageSum', 'maskPixels'] as const) {
      if (r[key] !== t[key]) problems.push(`size ${i} ${key}: cellmask ${r[key]}, torchvision ${t[key]}`);
    }
  });
  return problems;
}

/** The iteration of median total time (the mean of the middle two for an even count), with its split. */
function typical(iterations: readonly StepSeconds[]): StepSeconds {
  const sorted = [...iterations].sort((a, b) => a.total - b.total);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : mean(sorted.slice(mid - 1, mid + 1));
}

function mean(iterations: readonly StepSeconds[]): StepSeconds {
  const m = { forward: 0, backward: 0, optimizer: 0, total: 0 };
  for (const it of iterations) for (const k of Object.keys(m) as (keyof StepSeconds)[]) m[k] += it[k] / iterations.length;
  return m;
}

/** Seconds per iteration (the median iteration where there are several) on both sides at each size, their ratio (cellmask / torchvision: above 1, cellmask is slower), the first losses. */
export function formatTrainStepTable(r: TrainStepBenchResult): string {
  const ref = 'impl' in r.reference ? r.reference : undefined;
  const ours = r.cellmask.runs;
  const fmt = (s: StepSeconds | undefined, note = '-') =>
    (s === undefined ? note : `${s.total.toFixed(2).padStart(6)} (${s.forward.toFixed(2)} / ${s.backward.toFixed(2)} / ${s.optimizer.toFixed(2)})`).padEnd(30);
  const row = (label: string, a: StepSeconds | undefined, b: StepSeconds | undefined, heap?: number) =>
    `${label.padEnd(24)}  ${fmt(a, r.cellmask.failed ? 'failed' : '-')}  ${fmt(b)}  ${(a && b ? `${(a.total / b.total).toFixed(2)}x` : '-').padStart(6)}${heap ? `  ${heap}` : ''}`;
  const lines = [
    r.name,
    `${'size'.padEnd(24)}  ${'cellmask s/iter (fwd/bwd/opt)'.padEnd(30)}  ${'torchvision s/iter (fwd/bwd/opt)'.padEnd(30)}  ${'ratio'.padStart(6)}  cellmask heap MiB`,
  ];
  const count = Math.max(ours.length, ref?.runs.length ?? 0);
  const timed = (run: SizeRun | undefined) => (run && run.iterations.length > 0 ? typical(run.iterations) : undefined);
  for (let i = 0; i < count; i++) {
    const run = ours[i] ?? ref?.runs[i];
    if (run === undefined) continue;
    if (i === 1) lines.push('multi-scale (INPUT.MIN_SIZE_TRAIN, MAX_SIZE_TRAIN 1333), one iteration each:');
    const label = `${run.height} x ${run.width}${i === 0 ? ` (median of ${run.iterations.length})` : ` (min ${run.minSize})`}`;
    lines.push(row(label, timed(ours[i]), timed(ref?.runs[i]), ours[i]?.heapMiB));
  }
  if (count > 2) {
    const sizes = (runs: readonly SizeRun[] | undefined) =>
      runs && runs.length === count && runs.every((x) => x.iterations.length > 0) ? mean(runs.slice(1).map((x) => typical(x.iterations))) : undefined;
    lines.push(row(`mean over ${count - 1} sizes`, sizes(ours), sizes(ref?.runs)));
  }
  const names: LossName[] = ['loss_rpn_cls', 'loss_rpn_loc', 'loss_cls', 'loss_box_reg', 'loss_mask'];
  const loss = (v: number | undefined) => (v === undefined ? '-' : v.toPrecision(4));
  lines.push(`first iteration's losses at the base size (cellmask | torchvision; same weights, own random sampling):`);
  lines.push(`  ${names.map((k) => `${k} ${loss(r.cellmask.firstLosses[k])} | ${loss(ref?.firstLosses[k])}`).join(', ')}`);
  if (r.profile) {
    const p = r.profile;
    lines.push(
      `profiled iteration (tf.profile; JavaScript outside kernels is the rest): wall ${p.wall.total.toFixed(2)} s; in kernels: forward ${p.kernels.forward.toFixed(2)} of ${p.wall.forward.toFixed(2)} s, ` +
        `backward ${p.kernels.backward.toFixed(2)} of ${p.wall.backward.toFixed(2)} s, optimizer ${p.kernels.optimizer.toFixed(2)} of ${p.wall.optimizer.toFixed(2)} s`,
    );
    for (const k of p.top) lines.push(`  ${k.phase.padEnd(9)} ${k.kernel.padEnd(28)} ${String(k.calls).padStart(5)} calls  ${k.seconds.toFixed(3).padStart(7)} s`);
  }
  const rss = ref?.maxRssMiB === undefined ? '' : ` (peak RSS ${Math.round(ref.maxRssMiB)} MiB)`;
  lines.push(ref ? `${r.cellmask.impl} vs ${ref.impl}${rss}; trainable tensors ${r.cellmask.trainable} / ${ref.trainable}` : `${r.cellmask.impl}; reference unavailable: ${(r.reference as { unavailable: string }).unavailable}`);
  if (r.cellmask.failed) lines.push(`CELLMASK FAILED ${r.cellmask.failed}`);
  if (r.mismatch) lines.push(`MISMATCH: ${r.mismatch}`);
  return lines.join('\n');
}
