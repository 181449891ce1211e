/**
 * Proposal selection at inference: Detectron2's `find_top_rpn_proposals` (default) and the
 * proposal filter of torchvision's `RegionProposalNetwork` (`style: 'torchvision'`).
 *
 * Shape shorthand: L: levels, Mi: anchors of level i (Hi*Wi*A), C: candidates (the top-k of every
 * level together), R: proposals kept. Boxes are absolute `x1, y1, x2, y2` in input pixels, flat
 * row-major Float32Arrays. One image per call; `proposalsFromHead` loops over a batch.
 *
 * Both styles: per level, the `preNmsTopK` largest logits (torch.topk: NaN first, ties by lower
 * index); decode those anchors; clip to the image; drop small boxes; NMS per level (levels do
 * not suppress each other); keep the `postNmsTopK` best of the image in descending score order.
 * Where they differ:
 *  - Detectron2 drops candidates whose box or logit is not finite, keeps boxes with both sides
 *    `> minSize` (`nonempty`, `MODEL.PROPOSAL_GENERATOR.MIN_SIZE` = 0), and runs NMS on logits;
 *  - torchvision ranks by `sigmoid(logit)` in float32 (large logits tie at 1.0 and then keep
 *    their candidate order), keeps sides `>= minSize` (`remove_small_boxes`, 1e-3) and scores
 *    `>= scoreThresh` (0.0; NaN logits fail it), and has no explicit finiteness test (clipping maps
 *    infinities into the image, where they become empty boxes; NaN fails the size test).
 * The returned `logits` are the kept candidates' logits in both styles; torchvision's score is
 * `sigmoid(logit)`. Typed arrays only (no TensorFlow.js): `proposalsFromHead` reads a head's
 * tensors and calls `findTopProposals`.
 */
import { batchedNms } from '../ensemble/nms.js';
import type { ImageSize } from '../structures/boxes.js';
import { describe } from '../utils/describe.js';
import type { RpnStyle } from './anchor-generator.js';
import { type BoxWeights, DEFAULT_SCALE_CLAMP, RPN_BOX_WEIGHTS, decodeBoxesArray } from './box-coder-array.js';
import { topKIndices } from './top-k.js';

export interface ProposalOptions {
  /** Candidates per level before NMS (Detectron2's `RPN.PRE_NMS_TOPK_TEST`, 1000). */
  readonly preNmsTopK: number;
  /** Proposals per image after NMS (`RPN.POST_NMS_TOPK_TEST`, 1000). */
  readonly postNmsTopK: number;
  /** NMS IoU threshold (`RPN.NMS_THRESH`, 0.7): suppress when IoU > this. */
  readonly nmsThresh: number;
  /** Smallest box side kept: Detectron2 `> minSize` (0), torchvision `>= minSize` (1e-3). */
  readonly minSize: number;
  /** torchvision only: keep `sigmoid(logit) >= scoreThresh` (0). Must be 0 in Detectron2 style. */
  readonly scoreThresh: number;
  /** Box coder weights (`RPN.BBOX_REG_WEIGHTS`, `[1, 1, 1, 1]`). */
  readonly boxWeights: BoxWeights;
  /** Upper bound of dw, dh before exp (`log(1000 / 16)`). */
  readonly scaleClamp: number;
  readonly style: RpnStyle;
}

/** The test-time settings of each library (Detectron2's config defaults; torchvision's `maskrcnn_resnet50_fpn`). */
export const PROPOSAL_DEFAULTS: Readonly<Record<RpnStyle, ProposalOptions>> = {
  detectron2: {
    preNmsTopK: 1000,
    postNmsTopK: 1000,
    nmsThresh: 0.7,
    minSize: 0,
    scoreThresh: 0,
    boxWeights: RPN_BOX_WEIGHTS,
    scaleClamp: DEFAULT_SCALE_CLAMP,
    style: 'detectron2',
  },
  torchvision: {
    preNmsTopK: 1000,
    postNmsTopK: 1000,
    nmsThresh: 0.7,
    minSize: 1e-3,
    scoreThresh: 0,
    boxWeights: RPN_BOX_WEIGHTS,
    scaleClamp: DEFAULT_SCALE_CLAMP,
    style: 'torchvision',
  },
};

/** The proposals of one image, best first. */
export interface Proposals {
  /** [R, 4] boxes `x1, y1, x2, y2`, clipped to the image. */
  readonly boxes: Float32Array;
  /** [R] objectness logits, descending. */
  readonly logits: Float32Array;
}

/**
 * Selects the proposals of one image.
 *
 * @param logits [L] per level, [Mi] objectness logits of the image.
 * @param deltas [L] per level, [Mi, 4] flat deltas.
 * @param anchors [L] per level, [Mi, 4] flat anchors (`AnchorGenerator.generate`).
 * @param imageSize `[height, width]` of the image (resized, before padding): boxes are clipped to it.
 * @param options missing fields come from `PROPOSAL_DEFAULTS[options.style ?? 'detectron2']`.
 */
export function findTopProposals(
  logits: readonly Float32Array[],
  deltas: readonly Float32Array[],
  anchors: readonly Float32Array[],
  imageSize: ImageSize,
  options: Partial<ProposalOptions> = {},
): Proposals {
  const opts = resolveOptions(options, 'findTopProposals');
  const levels = checkLevels(logits, deltas, anchors);
  if (!Array.isArray(imageSize) || imageSize.length !== 2 || !imageSize.every((v) => Number.isFinite(v) && v > 0)) {
    throw new RangeError(`findTopProposals: imageSize must be [height, width] with positive sizes, got ${describe(imageSize)}`);
  }
  const [height, width] = imageSize;
  const torchvision = opts.style === 'torchvision';
  // PyTorch compares float32 tensors with the thresholds rounded to float32.
  const minSize = Math.fround(opts.minSize);
  const scoreThresh = Math.fround(opts.scoreThresh);

  // 1. Top-k logits of each level, then their anchors decoded: (C, 4), in level order.
  const picks = logits.map((l) => topKIndices(l, opts.preNmsTopK));
  const c = picks.reduce((s, p) => s + p.length, 0);
  const candLogits = new Float32Array(c);
  const candDeltas = new Float32Array(4 * c);
  const candAnchors = new Float32Array(4 * c);
  const candLevels = new Int32Array(c);
  let o = 0;
  for (let l = 0; l < levels; l++) {
    for (const i of picks[l]) {
      candLogits[o] = logits[l][i];
      candDeltas.set(deltas[l].subarray(4 * i, 4 * i + 4), 4 * o);
      candAnchors.set(anchors[l].subarray(4 * i, 4 * i + 4), 4 * o);
      candLevels[o++] = l;
    }
  }
  const decoded = decodeBoxesArray(candDeltas, candAnchors, opts.boxWeights, opts.scaleClamp);

  // 2. Clip, drop the candidates each library drops, score.
  const kept: number[] = [];
  const scores = new Float32Array(c);
  for (let i = 0; i < c; i++) {
    const b = decoded.subarray(4 * i, 4 * i + 4);
    if (!torchvision && !(Number.isFinite(candLogits[i]) && b.every(Number.isFinite))) continue;
    // Math.min/max keep NaN, as torch.clamp does.
    b[0] = Math.min(Math.max(b[0], 0), width);
    b[1] = Math.min(Math.max(b[1], 0), height);
    b[2] = Math.min(Math.max(b[2], 0), width);
    b[3] = Math.min(Math.max(b[3], 0), height);
    const w = Math.fround(b[2] - b[0]);
    const h = Math.fround(b[3] - b[1]);
    if (torchvision) {
      scores[i] = 1 / (1 + Math.exp(-candLogits[i]));
      if (!(w >= minSize && h >= minSize && scores[i] >= scoreThresh)) continue;
    } else {
      scores[i] = candLogits[i];
      if (!(w > minSize && h > minSize)) continue;
    }
    kept.push(i);
  }

  // 3. NMS within each level over the survivors, best `postNmsTopK` of the image.
  const k = kept.length;
  const boxes = new Float32Array(4 * k);
  const keptScores = new Float32Array(k);
  const keptLevels = new Int32Array(k);
  kept.forEach((i, j) => {
    boxes.set(decoded.subarray(4 * i, 4 * i + 4), 4 * j);
    keptScores[j] = scores[i];
    keptLevels[j] = candLevels[i];
  });
  const order = batchedNms(boxes, keptScores, keptLevels, opts.nmsThresh).subarray(0, opts.postNmsTopK);
  const outBoxes = new Float32Array(4 * order.length);
  const outLogits = new Float32Array(order.length);
  order.forEach((j, r) => {
    outBoxes.set(boxes.subarray(4 * j, 4 * j + 4), 4 * r);
    outLogits[r] = candLogits[kept[j]];
  });
  return { boxes: outBoxes, logits: outLogits };
}

function resolveOptions(options: Partial<ProposalOptions>, fn: string): ProposalOptions {
  const style = options.style ?? 'detectron2';
  if (style !== 'detectron2' && style !== 'torchvision') {
    throw new RangeError(`${fn}: style must be 'detectron2' or 'torchvision', got ${String(style)}`);
  }
  const opts: ProposalOptions = { ...PROPOSAL_DEFAULTS[style], ...options, style };
  for (const key of ['preNmsTopK', 'postNmsTopK'] as const) {
    if (!(Number.isInteger(opts[key]) && opts[key] >= 0)) throw new RangeError(`${fn}: ${key} must be a non-negative integer, got ${String(opts[key])}`);
  }
  for (const key of ['nmsThresh', 'minSize', 'scoreThresh', 'scaleClamp'] as const) {
    if (!Number.isFinite(opts[key])) throw new RangeError(`${fn}: ${key} must be a finite number, got ${String(opts[key])}`);
  }
  if (style === 'detectron2' && opts.scoreThresh !== 0) {
    throw new RangeError(`${fn}: scoreThresh is torchvision's (sigmoid scores); Detectron2 style has none, got ${opts.scoreThresh}`);
  }
  return opts;
}

/** Checks that the three lists agree level by level; returns L. */
function checkLevels(logits: readonly Float32Array[], deltas: readonly Float32Array[], anchors: readonly Float32Array[]): number {
  const fn = 'findTopProposals';
  if (!Array.isArray(logits) || logits.length === 0) throw new TypeError(`${fn}: logits must be a non-empty list of Float32Array, got ${describe(logits)}`);
  const levels = logits.length;
  for (const [name, list] of [['deltas', deltas], ['anchors', anchors]] as const) {
    if (!Array.isArray(list) || list.length !== levels) {
      throw new RangeError(`${fn}: ${name} must list ${levels} levels like logits, got ${describe(list)}`);
    }
  }
  for (let l = 0; l < levels; l++) {
    const m = logits[l]?.length;
    if (!(logits[l] instanceof Float32Array)) throw new TypeError(`${fn}: logits[${l}] must be a Float32Array, got ${describe(logits[l])}`);
    if (!(deltas[l] instanceof Float32Array) || deltas[l].length !== 4 * m) {
      throw new RangeError(`${fn}: deltas[${l}] must be a [${m}, 4] Float32Array, got ${describe(deltas[l])}`);
    }
    if (!(anchors[l] instanceof Float32Array) || anchors[l].length !== 4 * m) {
      throw new RangeError(`${fn}: anchors[${l}] must be a [${m}, 4] Float32Array, got ${describe(anchors[l])}`);
    }
  }
  return levels;
}
