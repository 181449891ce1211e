/**
 * Mask R-CNN's training losses, as Detectron2 computes and normalizes them:
 * `StandardRPNHead` + `RPN.losses` (proposal_generator/rpn.py), `FastRCNNOutputLayers.losses`
 * (roi_heads/fast_rcnn.py) and `mask_rcnn_loss` (roi_heads/mask_head.py).
 *
 * Shape shorthand: A: anchors of all levels of one image, N: images, S: sampled RoIs,
 * K: foreground classes (background is class K, the last logit), P: foreground RoIs,
 * M: mask resolution (28). Every function returns scalar tensors; targets are plain typed arrays
 * (computed on the CPU from the ground truth and never differentiated).
 *
 * None of these uses gather or comparison ops on differentiated values: on tfjs-backend-wasm
 * gather's gradient (UnsortedSegmentSum) is missing and comparisons have no gradient at all.
 * Selections are products with 0/1 masks, which are exact for finite values.
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * Smooth L1 (Huber divided by beta) of `x` elementwise, Detectron2's `smooth_l1_loss`:
 * |x| - beta/2 where |x| >= beta, x^2 / (2 beta) below; plain L1 when beta < 1e-5.
 * Written with `minimum` instead of a branch: with m = min(|x|, beta),
 * m^2 / (2 beta) + (|x| - m) is the same piecewise function and differentiable without a
 * comparison op. |x| is relu(x) + relu(-x), whose gradient at 0 is 0 as PyTorch's is
 * (tfjs's Abs gradient is -1 there).
 */
export function smoothL1(x: tf.Tensor, beta: number): tf.Tensor {
  return tf.tidy(() => {
    const a = tf.add(tf.relu(x), tf.relu(tf.neg(x)));
    if (beta < 1e-5) return a;
    const m = tf.minimum(a, beta);
    return tf.add(tf.div(tf.square(m), 2 * beta), tf.sub(a, m));
  });
}

/**
 * Binary cross-entropy with logits, elementwise: max(x, 0) - x t + log(1 + exp(-|x|))
 * (PyTorch's numerically stable form of `binary_cross_entropy_with_logits`).
 */
export function sigmoidCrossEntropy(logits: tf.Tensor, targets: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.add(tf.sub(tf.relu(logits), tf.mul(logits, targets)), tf.log1p(tf.exp(tf.neg(tf.abs(logits))))));
}

/** RPN targets of one image (from `rpnTargets`). */
export interface RpnLossTargets {
  /** [A] -1: not sampled, 0: sampled background, 1: sampled foreground. */
  readonly labels: Int8Array;
  /** [A, 4] regression targets of each anchor toward its matched box (read where labels = 1). */
  readonly deltas: Float32Array;
}

export interface RpnLossOptions {
  /** `RPN.SMOOTH_L1_BETA` (0: L1). */
  readonly smoothL1Beta: number;
  /**
   * Both losses are sums divided by this: Detectron2 uses `RPN.BATCH_SIZE_PER_IMAGE` times the
   * number of images, torchvision the number of anchors actually sampled (the same when every
   * image has enough anchors to fill its batch).
   */
  readonly normalizer: number;
  /** `RPN.LOSS_WEIGHT` (both terms) . */
  readonly lossWeight: number;
  /** `RPN.BBOX_REG_LOSS_WEIGHT` (the box term, on top of `lossWeight`). */
  readonly boxLossWeight: number;
}

/**
 * `loss_rpn_cls` and `loss_rpn_loc` of a batch.
 *
 * @param logits per level, [N, Hi*Wi*A] objectness logits (`rpnHead`).
 * @param deltas per level, [N, Hi*Wi*A, 4].
 * @param targets [N] per image, over the anchors of all levels in level order.
 */
export function rpnLosses(
  logits: readonly tf.Tensor2D[],
  deltas: readonly tf.Tensor3D[],
  targets: readonly RpnLossTargets[],
  options: RpnLossOptions,
): { loss_rpn_cls: tf.Scalar; loss_rpn_loc: tf.Scalar } {
  const n = targets.length;
  if (logits.length === 0 || logits.length !== deltas.length) {
    throw new Error(`rpnLosses: expected as many levels of deltas as of logits (at least one), got ${logits.length} and ${deltas.length}`);
  }
  const a = logits.reduce((s, l) => s + l.shape[1], 0);
  if (n === 0 || logits.some((l) => l.shape[0] !== n)) {
    throw new Error(`rpnLosses: expected logits of ${n} image(s) (one per target), got shapes ${logits.map((l) => `[${l.shape.join(', ')}]`).join(' ')}`);
  }
  deltas.forEach((d, l) => {
    if (d.rank !== 3 || d.shape[0] !== n || d.shape[1] !== logits[l].shape[1] || d.shape[2] !== 4) {
      throw new Error(`rpnLosses: deltas[${l}] must be [${n}, ${logits[l].shape[1]}, 4] like logits[${l}], got [${d.shape.join(', ')}]`);
    }
  });
  const valid = new Float32Array(n * a);
  const foreground = new Float32Array(n * a);
  const targetDeltas = new Float32Array(n * a * 4);
  targets.forEach((t, i) => {
    if (t.labels.length !== a || t.deltas.length !== 4 * a) {
      throw new Error(`rpnLosses: targets[${i}] must cover the ${a} anchors of the head, got ${t.labels.length} labels and ${t.deltas.length / 4} deltas`);
    }
    for (let j = 0; j < a; j++) {
      const label = t.labels[j];
      if (label !== -1 && label !== 0 && label !== 1) throw new RangeError(`rpnLosses: targets[${i}].labels[${j}] is ${label}, expected -1, 0 or 1`);
      valid[i * a + j] = label >= 0 ? 1 : 0;
      foreground[i * a + j] = label === 1 ? 1 : 0;
    }
    targetDeltas.set(t.deltas, i * a * 4);
  });
  const { normalizer } = options;
  return tf.tidy(() => {
    // Levels joined along the anchors: (N, Mi) -> (N, A), (N, Mi, 4) -> (N, A, 4).
    const allLogits = logits.length === 1 ? logits[0] : tf.concat([...logits], 1);
    const allDeltas = deltas.length === 1 ? deltas[0] : tf.concat([...deltas], 1);
    const fg = tf.tensor2d(foreground, [n, a]);
    const cls = tf.sum(tf.mul(sigmoidCrossEntropy(allLogits, fg), tf.tensor2d(valid, [n, a])));
    const diff = tf.sub(allDeltas, tf.tensor3d(targetDeltas, [n, a, 4]));
    const loc = tf.sum(tf.mul(smoothL1(diff, options.smoothL1Beta), tf.reshape(fg, [n, a, 1])));
    return {
      loss_rpn_cls: tf.mul(cls, options.lossWeight / normalizer) as tf.Scalar,
      loss_rpn_loc: tf.mul(loc, (options.lossWeight * options.boxLossWeight) / normalizer) as tf.Scalar,
    };
  });
}

/** Box-head targets of the sampled RoIs of a batch (from `sampleProposals`, images concatenated). */
export interface FastRcnnLossTargets {
  /** [S] class of each RoI in [0, K]; K is background. */
  readonly classes: Int32Array;
  /** [S, 4] regression targets toward the matched box (read for foreground RoIs). */
  readonly deltas: Float32Array;
}

export interface FastRcnnLossOptions {
  /** `ROI_BOX_HEAD.SMOOTH_L1_BETA` (0: L1). */
  readonly smoothL1Beta: number;
  /** `ROI_BOX_HEAD.BBOX_REG_LOSS_WEIGHT`. */
  readonly boxLossWeight: number;
}

/**
 * `loss_cls` (softmax cross-entropy, mean over the S RoIs) and `loss_box_reg` (smooth L1 of the
 * ground-truth class's deltas of the foreground RoIs, summed and divided by S).
 *
 * @param logits [S, K + 1] class logits, background last.
 * @param deltas [S, 4K] class-specific deltas (class k in columns 4k..4k+3), or [S, 4] class-agnostic.
 */
export function fastRcnnLosses(
  logits: tf.Tensor2D,
  deltas: tf.Tensor2D,
  targets: FastRcnnLossTargets,
  options: FastRcnnLossOptions,
): { loss_cls: tf.Scalar; loss_box_reg: tf.Scalar } {
  const [s, k1] = logits.shape;
  const k = k1 - 1;
  if (targets.classes.length !== s || targets.deltas.length !== 4 * s || deltas.shape[0] !== s) {
    throw new Error(`fastRcnnLosses: ${s} RoIs of logits, ${deltas.shape[0]} of deltas, ${targets.classes.length} target classes and ${targets.deltas.length / 4} target deltas`);
  }
  const bad = targets.classes.findIndex((c) => !(c >= 0 && c <= k));
  if (bad >= 0) throw new RangeError(`fastRcnnLosses: classes[${bad}] = ${targets.classes[bad]} is outside [0, ${k}]`);
  const agnostic = deltas.shape[1] === 4;
  if (!agnostic && deltas.shape[1] !== 4 * k) throw new Error(`fastRcnnLosses: deltas must be [S, ${4 * k}] or [S, 4], got [${deltas.shape.join(', ')}]`);
  return tf.tidy(() => {
    if (s === 0) {
      // Detectron2 returns 0 * sum() so that the graph still reaches every parameter.
      return { loss_cls: tf.mul(tf.sum(logits), 0) as tf.Scalar, loss_box_reg: tf.mul(tf.sum(deltas), 0) as tf.Scalar };
    }
    const classes = tf.tensor1d(targets.classes, 'int32');
    const oneHot = tf.cast(tf.oneHot(classes, k + 1), 'float32');
    const lossCls = tf.div(tf.neg(tf.sum(tf.mul(tf.logSoftmax(logits), oneHot))), s) as tf.Scalar;
    // The predicted deltas of each RoI's own class: a one-hot over the K foreground classes
    // (all zero for background rows, which also removes them from the sum).
    let predicted: tf.Tensor;
    const fgOneHot = tf.slice(oneHot, [0, 0], [s, k]);
    if (agnostic) {
      predicted = tf.mul(deltas, tf.sum(fgOneHot, 1, true));
    } else {
      // (S, 4K) -> (S, K, 4), times (S, K, 1), summed over K -> (S, 4)
      predicted = tf.sum(tf.mul(tf.reshape(deltas, [s, k, 4]), tf.reshape(fgOneHot, [s, k, 1])), 1);
    }
    const isFg = tf.sum(fgOneHot, 1, true);
    const diff = tf.sub(predicted, tf.mul(tf.tensor2d(targets.deltas, [s, 4]), isFg));
    const lossBox = tf.mul(tf.sum(smoothL1(diff, options.smoothL1Beta)), options.boxLossWeight / s) as tf.Scalar;
    return { loss_cls: lossCls, loss_box_reg: lossBox };
  });
}

/**
 * `loss_mask`: binary cross-entropy of the ground-truth class's mask logits against the M x M
 * targets, mean over all P*M*M pixels.
 *
 * @param logits [P, M, M, K] mask logits of the foreground RoIs (`maskHeadForward`), or K = 1 class-agnostic.
 * @param classes [P] ground-truth class of each RoI in [0, K).
 * @param targets [P, M, M] values in [0, 1] (`maskTargets`).
 */
export function maskLoss(logits: tf.Tensor4D, classes: Int32Array, targets: Float32Array): tf.Scalar {
  const [p, h, w, k] = logits.shape;
  if (classes.length !== p || targets.length !== p * h * w) {
    throw new Error(`maskLoss: ${p} RoIs of ${h}x${w} logits, ${classes.length} classes and ${targets.length} target pixels`);
  }
  const bad = k === 1 ? -1 : classes.findIndex((c) => !(c >= 0 && c < k));
  if (bad >= 0) throw new RangeError(`maskLoss: classes[${bad}] = ${classes[bad]} is outside [0, ${k})`);
  return tf.tidy(() => {
    if (p === 0) return tf.mul(tf.sum(logits), 0) as tf.Scalar;
    let selected: tf.Tensor;
    if (k === 1) {
      selected = tf.reshape(logits, [p, h, w]);
    } else {
      const oneHot = tf.reshape(tf.cast(tf.oneHot(tf.tensor1d(classes, 'int32'), k), 'float32'), [p, 1, 1, k]);
      selected = tf.sum(tf.mul(logits, oneHot), 3);
    }
    return tf.mean(sigmoidCrossEntropy(selected, tf.tensor3d(targets, [p, h, w]))) as tf.Scalar;
  });
}
