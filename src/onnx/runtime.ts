/**
 * Mask R-CNN on onnxruntime: the three exported graphs (export.ts) run by onnxruntime, the
 * stages between them by the same TypeScript functions as the TensorFlow.js path, so both
 * runtimes give the same detections up to float rounding (`maskRcnnInference` is the other).
 *
 * Needs no TensorFlow.js: `onnxruntime-node` in Node (an optional peer), or any onnxruntime
 * module (`onnxruntime-web` in a browser) passed as `ort`.
 *
 * Shape shorthand: R: proposals, D: detections, K: classes, M: mask resolution (28),
 * Hl x Wl: level l of the pyramid, C: its channels.
 */
import type { CellmaskConfig } from '../config/index.js';
import type { Detections } from '../ensemble/detections.js';
import { pasteMasks } from '../mask/paste.js';
import type { MaskRcnnOptions, StageTimes } from '../model/mask-rcnn.js';
import { anchorGeneratorFromConfig, maskRcnnOptionsFromConfig } from '../model/options.js';
import type { Picture } from '../model/picture.js';
import { detectionsOnPicture, takeRows } from '../model/postprocess.js';
import type { MultiLevelRoiAlignOptions } from '../roi/pooler.js';
import { assignBoxesToLevels } from '../roi/pooler-levels.js';
import { detectionsFromPredictions, softmaxRows } from '../roi/fast-rcnn.js';
import type { AnchorGenerator, GridSize } from '../rpn/anchor-generator.js';
import { findTopProposals } from '../rpn/proposals.js';
import type { OnnxModels } from './export.js';
import { FEATURES_IO } from './features-graph.js';
import { HEADS_IO } from './heads-graph.js';
import { type OrtModule, type OrtSession, type OrtSessionOptions, type OrtTensor, float32Output, loadOnnxRuntimeNode } from './ort.js';
import { preprocessPicture } from './preprocess.js';

export interface OnnxMaskRcnnOptions {
  /** The onnxruntime module; default `onnxruntime-node`. */
  readonly ort?: OrtModule;
  /** Session options of the three sessions (threads, providers). */
  readonly session?: OrtSessionOptions;
  /** Detections per run of the mask head (default `ONNX_MASK_BATCH_SIZE`): bounds its activations' memory. */
  readonly maskBatchSize?: number;
}

/**
 * Detections per run of the mask head by default. onnxruntime's CPU arena keeps the largest
 * block it has handed out, so the batch sets the peak memory: with 613 detections at
 * 928 x 1256 (ResNet-50 FPN, 2 threads) a batch of 512 peaked at 3.4 GB RSS, 128 at 1.9 GB,
 * 64 at 1.6 GB, all in the same time (features are fed to each run without a copy).
 */
export const ONNX_MASK_BATCH_SIZE = 64;

/** Boxes [R, 4] grouped by pyramid level: each level's rows, and the input row of each grouped row. */
interface LevelGroups {
  /** [4] per level, [Rl, 4]. */
  readonly boxes: Float32Array[];
  /** [R]: `order[j]` is the input row of the j-th row in level order. */
  readonly order: Int32Array;
}

/** Groups `boxes` by the level the pooler reads them from (`assignBoxesToLevels`, as `multiLevelRoiAlign`). */
function groupByLevel(boxes: Float32Array, pooler: MultiLevelRoiAlignOptions): LevelGroups {
  const levels = assignBoxesToLevels(boxes, {
    minLevel: 2,
    maxLevel: 5,
    canonicalBoxSize: pooler.canonicalBoxSize ?? 224,
    canonicalLevel: pooler.canonicalLevel ?? 4,
    style: pooler.style,
  });
  const rows: number[][] = [[], [], [], []];
  levels.forEach((l, r) => {
    // Proposals and detections are clipped boxes with x2 >= x1, y2 >= y1: every one has a level.
    if (l < 0) throw new Error(`box ${r} [${Array.from(boxes.subarray(4 * r, 4 * r + 4)).join(', ')}] has a negative area`);
    rows[l].push(r);
  });
  return {
    boxes: rows.map((list) => takeRows(boxes, list, 4, (n) => new Float32Array(n))),
    order: Int32Array.from(rows.flat()),
  };
}

/** Rows of `values` ([R, width], level order) put back in input order. */
function ungroup(values: Float32Array, order: Int32Array, width: number): Float32Array {
  const out = new Float32Array(values.length);
  order.forEach((r, j) => out.set(values.subarray(j * width, (j + 1) * width), r * width));
  return out;
}

/** Milliseconds since `start`, added to `times[stage]`; returns now. */
function lap(times: StageTimes | undefined, stage: keyof StageTimes, start: number): number {
  const now = performance.now();
  if (times !== undefined) times[stage] += now - start;
  return now;
}

/** A Mask R-CNN on onnxruntime: `OnnxMaskRcnn.create(models)` (or `loadOnnxMaskRcnn('model.onnx')`), then `predict(picture)`. */
export class OnnxMaskRcnn {
  readonly options: MaskRcnnOptions;
  private readonly anchors: AnchorGenerator;
  private readonly anchorCache = new Map<string, Float32Array[]>();

  private constructor(
    readonly config: CellmaskConfig,
    private readonly ort: OrtModule,
    private readonly sessions: { readonly features: OrtSession; readonly boxHead: OrtSession; readonly maskHead?: OrtSession },
    maskBatchSize: number | undefined,
  ) {
    const options = maskRcnnOptionsFromConfig(config);
    this.options = { ...options, maskBatchSize: maskBatchSize ?? ONNX_MASK_BATCH_SIZE };
    this.anchors = anchorGeneratorFromConfig(config);
  }

  /** A model from exported graphs (`exportMaskRcnnOnnx`; from files: `loadOnnxMaskRcnn`, `onnxMaskRcnnFromWeights`). */
  static async create(models: OnnxModels, options: OnnxMaskRcnnOptions = {}): Promise<OnnxMaskRcnn> {
    const { maskBatchSize } = options;
    if (maskBatchSize !== undefined && !(Number.isInteger(maskBatchSize) && maskBatchSize > 0)) {
      throw new RangeError(`OnnxMaskRcnn: maskBatchSize must be a positive integer, got ${maskBatchSize}`);
    }
    const ort = options.ort ?? (await loadOnnxRuntimeNode());
    const session = { executionProviders: ['cpu'], graphOptimizationLevel: 'all' as const, ...options.session };
    const features = await ort.InferenceSession.create(models.features, session);
    const boxHead = await ort.InferenceSession.create(models.boxHead, session);
    const maskHead = models.maskHead ? await ort.InferenceSession.create(models.maskHead, session) : undefined;
    return new OnnxMaskRcnn(models.config, ort, { features, boxHead, maskHead }, maskBatchSize);
  }

  /** The anchors of a pyramid of `grids` for a padded input, cached per size. */
  private anchorsFor(grids: readonly GridSize[], padded: readonly [number, number]): Float32Array[] {
    const key = `${grids.join(';')}|${padded.join('x')}`;
    let anchors = this.anchorCache.get(key);
    if (anchors === undefined) {
      anchors = this.anchors.generate(grids, padded);
      this.anchorCache.set(key, anchors);
    }
    return anchors;
  }

  /** Runs a head graph on the boxes [N, 4]: its `outputName` rows [N, width] in the boxes' order. */
  private async runHead(
    session: OrtSession,
    levels: readonly OrtTensor[],
    boxes: Float32Array,
    pooler: MultiLevelRoiAlignOptions,
    outputNames: readonly string[],
  ): Promise<Float32Array[]> {
    const groups = groupByLevel(boxes, pooler);
    const feeds: Record<string, OrtTensor> = {};
    HEADS_IO.levels.forEach((name, l) => {
      feeds[name] = levels[l];
      feeds[HEADS_IO.rois[l]] = new this.ort.Tensor('float32', groups.boxes[l], [groups.boxes[l].length / 4, 4]);
    });
    const outputs = await session.run(feeds);
    const n = boxes.length / 4;
    return outputNames.map((name) => {
      const values = float32Output(outputs, name);
      return ungroup(values, groups.order, n === 0 ? 0 : values.length / n);
    });
  }

  /**
   * Detections of one picture at its resolution, best first (see `maskRcnnInference`, which
   * this matches); `times` collects the milliseconds of each stage.
   */
  async predict(picture: Picture, times?: StageTimes): Promise<Detections> {
    const opts = this.options;
    let t = performance.now();
    const input = preprocessPicture(picture, opts.preprocess);
    const [hp, wp] = input.paddedSize;
    t = lap(times, 'preprocess', t);
    const out = await this.sessions.features.run({ [FEATURES_IO.image]: new this.ort.Tensor('float32', input.data, [1, 3, hp, wp]) });
    const levels = FEATURES_IO.levels.map((name) => out[name]);
    t = lap(times, 'backbone', t);

    const grids: GridSize[] = levels.map((l) => [l.dims[2], l.dims[3]] as const);
    const [h5, w5] = grids[3];
    grids.push([Math.ceil(h5 / 2), Math.ceil(w5 / 2)]); // p6: max pool kernel 1, stride 2
    const proposals = findTopProposals(
      FEATURES_IO.logits.map((name) => float32Output(out, name)),
      FEATURES_IO.deltas.map((name) => float32Output(out, name)),
      this.anchorsFor(grids, input.paddedSize),
      input.resizedSize,
      opts.proposals,
    );
    t = lap(times, 'rpn', t);

    const [logits, deltas] = await this.runHead(this.sessions.boxHead, levels, proposals.boxes, opts.boxPooler, [HEADS_IO.logits, HEADS_IO.deltas]);
    const r = proposals.boxes.length / 4;
    const k1 = r === 0 ? 2 : logits.length / r;
    const detections = detectionsFromPredictions(softmaxRows(logits, k1), deltas, proposals.boxes, input.resizedSize, opts.detections);
    t = lap(times, 'boxHead', t);

    const [height, width] = input.originalSize;
    const { boxes, scores, classes, inputBoxes } = detectionsOnPicture(detections, input.resizedSize, input.originalSize, opts.postprocess);
    if (!opts.maskOn || this.sessions.maskHead === undefined) return { height, width, boxes, scores, classes };
    const probs = await this.maskProbabilities(this.sessions.maskHead, levels, inputBoxes, classes);
    t = lap(times, 'maskHead', t);
    const masks = classes.length === 0 ? [] : pasteMasks(probs, boxes, [height, width], opts.paste);
    lap(times, 'paste', t);
    return { height, width, boxes, scores, classes, masks };
  }

  /** Mask probabilities [D, M, M] of each detection's class, the head run `maskBatchSize` detections at a time. */
  private async maskProbabilities(session: OrtSession, levels: readonly OrtTensor[], boxes: Float32Array, classes: Int32Array): Promise<Float32Array> {
    const d = classes.length;
    const m = 2 * this.options.maskPooler.outputSize[0];
    const probs = new Float32Array(d * m * m);
    for (let start = 0; start < d; start += this.options.maskBatchSize) {
      const end = Math.min(d, start + this.options.maskBatchSize);
      const [logits] = await this.runHead(session, levels, boxes.subarray(4 * start, 4 * end), this.options.maskPooler, [HEADS_IO.maskLogits]);
      const k = logits.length / (end - start) / (m * m); // mask classes (1: class-agnostic)
      for (let i = start; i < end; i++) {
        const channel = k === 1 ? 0 : classes[i];
        if (!(channel >= 0 && channel < k)) throw new RangeError(`detection ${i} has class ${channel}, outside the mask head's [0, ${k})`);
        const from = ((i - start) * k + channel) * m * m;
        for (let p = 0; p < m * m; p++) probs[i * m * m + p] = 1 / (1 + Math.exp(-logits[from + p]));
      }
    }
    return probs;
  }

  /** Releases the sessions. */
  async release(): Promise<void> {
    await Promise.all([this.sessions.features.release(), this.sessions.boxHead.release(), this.sessions.maskHead?.release()]);
  }
}
