/**
 * src/train/losses.ts: smooth L1 and the stable BCE by hand (values and gradients), then the RPN,
 * Fast R-CNN and mask losses and their gradients against the golden values of
 * scripts/fixtures/losses.py (test/fixtures/losses.json: Detectron2's formulas and torchvision's
 * RPN / fastrcnn_loss computed with torch in float64), then bad input. Every tensor test runs on
 * both backends and leaves no tensor behind; gradient tests on wasm run with the training
 * kernels registered.
 */
// The union package registers tfjs-core's gradient functions (tfjs-core alone does not in Node).
import '@tensorflow/tfjs';

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

import * as tf from '@tensorflow/tfjs-core';

import { registerWasmTrainingKernels, unregisterWasmTrainingKernels } from '../../src/backend/index.js';
import {
  type FastRcnnLossOptions,
  type RpnLossOptions,
  type RpnLossTargets,
  fastRcnnLosses,
  maskLoss,
  rpnLosses,
  sigmoidCrossEntropy,
  smoothL1,
} from '../../src/train/losses.js';
import { BACKENDS, type BackendName, useBackend, withoutLeaks } from '../tf/backends.js';

interface RpnCase {
  readonly name: string;
  readonly variant: 'detectron2' | 'torchvision';
  readonly N: number;
  readonly levels: number[];
  readonly options: RpnLossOptions;
  /** Per level, [N, Mi]. */
  readonly logits: number[][];
  /** Per level, [N, Mi, 4]. */
  readonly deltas: number[][];
  /** [N][A]. */
  readonly labels: number[][];
  /** [N][A * 4]. */
  readonly targetDeltas: number[][];
  readonly loss_rpn_cls: number;
  readonly loss_rpn_loc: number;
  /** d loss_rpn_cls / d logits, per level. */
  readonly gradLogits: number[][];
  /** d loss_rpn_loc / d deltas, per level. */
  readonly gradDeltas: number[][];
}

interface FastRcnnCase {
  readonly name: string;
  readonly S: number;
  readonly K: number;
  readonly agnostic: boolean;
  readonly options: FastRcnnLossOptions;
  readonly logits: number[];
  readonly deltas: number[];
  readonly classes: number[];
  readonly targetDeltas: number[];
  readonly loss_cls: number;
  readonly loss_box_reg: number;
  /** d loss_cls / d logits. */
  readonly gradLogits: number[];
  /** d loss_box_reg / d deltas. */
  readonly gradDeltas: number[];
}

interface MaskCase {
  readonly name: string;
  readonly P: number;
  readonly M: number;
  readonly K: number;
  /** [P, M, M, K], NHWC. */
  readonly logits: number[];
  readonly classes: number[];
  readonly targets: number[];
  readonly loss_mask: number;
  readonly gradLogits: number[];
}

const FIXTURE: { rpn: RpnCase[]; fastRcnn: FastRcnnCase[]; mask: MaskCase[] } = JSON.parse(
  readFileSync(new URL('../fixtures/losses.json', import.meta.url), 'utf8'),
);

/** Relative tolerance of the golden values and gradients (float32 against torch's float64). */
const GOLDEN_TOLERANCE = 1e-5;

/**
 * `body` on `backend` inside withoutLeaks; with the wasm training kernels registered for the
 * duration when `training` (the gradient tests).
 */
async function onBackend<T>(backend: BackendName, training: boolean, body: () => T): Promise<T> {
  await useBackend(backend);
  const register = training && backend === 'wasm';
  if (register) registerWasmTrainingKernels();
  try {
    return await withoutLeaks(body);
  } finally {
    if (register) unregisterWasmTrainingKernels();
  }
}

/** The values of `t`, disposing it. */
function take(t: tf.Tensor): Float32Array {
  const values = t.dataSync() as Float32Array;
  t.dispose();
  return values;
}

/** Elementwise |actual - expected| <= atol + rtol |expected|. */
function assertNear(actual: ArrayLike<number>, expected: ArrayLike<number>, atol: number, rtol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Number.isFinite(actual[i]), `${what}[${i}] = ${actual[i]} is not finite`);
    const err = Math.abs(actual[i] - expected[i]);
    assert.ok(err <= atol + rtol * Math.abs(expected[i]), `${what}[${i}] = ${actual[i]}, expected ${expected[i]} (error ${err})`);
  }
}

/**
 * max |actual - expected| <= tolerance * max |expected|: a gradient (or a loss) to `tolerance`
 * relative to its largest entry. Where everything expected is 0 the actual values must be exactly 0.
 */
function assertGolden(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, tolerance = GOLDEN_TOLERANCE): void {
  assert.equal(actual.length, expected.length, `${what}: ${actual.length} values, expected ${expected.length}`);
  let diff = 0;
  let scale = 0;
  let worst = -1;
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Number.isFinite(actual[i]), `${what}[${i}] = ${actual[i]} is not finite`);
    const d = Math.abs(actual[i] - expected[i]);
    if (d > diff) [diff, worst] = [d, i];
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  if (scale === 0) {
    assert.equal(diff, 0, `${what}: expected all zeros, got ${actual[worst]} at ${worst}`);
  } else {
    assert.ok(diff <= tolerance * scale, `${what}: max error ${diff} at ${worst} (${actual[worst]} vs ${expected[worst]}) is over ${tolerance} x ${scale}`);
  }
}

/** `f` of float32 tensors holding `inputs` (shape `shape`, default 1-D), as numbers; disposes the inputs. */
function evaluate(f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: number[][], shape?: number[]): Float32Array {
  const xs = inputs.map((v) => tf.tensor(v, shape ?? [v.length], 'float32'));
  try {
    return take(f(...xs));
  } finally {
    tf.dispose(xs);
  }
}

/** PyTorch's sigmoid in double precision. */
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

describe('smoothL1 by hand', () => {
  for (const backend of BACKENDS) {
    it(`${backend}: beta 0 (and any beta < 1e-5) is |x|`, async () => {
      await onBackend(backend, false, () => {
        const xs = [-2.5, -0.25, 0, 0.75, 3, 1e-7];
        const x = tf.tensor2d(xs, [2, 3]);
        const l1 = smoothL1(x, 0);
        assert.deepEqual(l1.shape, [2, 3]);
        assert.deepEqual(Array.from(take(l1)), [2.5, 0.25, 0, 0.75, 3, 1e-7].map(Math.fround));
        // The input is untouched.
        assert.deepEqual(Array.from(take(x)), xs.map(Math.fround));
        // Detectron2's threshold: beta 1e-6 is still L1 (x^2 / 2e-6 would give 0.005 at 1e-7).
        assertNear(evaluate((v) => smoothL1(v, 1e-6), [[1e-7, -3e-7]]), [1e-7, 3e-7], 1e-14, 1e-6, 'beta 1e-6');
      });
    });

    it(`${backend}: beta 1/9: x^2 / (2 beta) below beta, |x| - beta / 2 from beta on`, async () => {
      await onBackend(backend, false, () => {
        const beta = 1 / 9;
        const xs = [0.05, -0.05, 1, -1, beta, -beta, 0, 0.1, 0.2];
        const expected = [
          0.01125, // 0.05^2 / (2/9)
          0.01125,
          1 - 1 / 18,
          1 - 1 / 18,
          1 / 18, // at x = beta both pieces give beta / 2
          1 / 18,
          0,
          0.01 * 4.5, // 0.1^2 / (2/9) = 0.045
          0.2 - 1 / 18,
        ];
        assertNear(evaluate((v) => smoothL1(v, beta), [xs]), expected, 1e-7, 1e-6, 'smoothL1');
      });
    });

    it(`${backend}: beta 1, exactly at x = +-beta and around it`, async () => {
      await onBackend(backend, false, () => {
        const xs = [-1, 1, 0.999, 1.001, 0.5, -3];
        assertNear(evaluate((v) => smoothL1(v, 1), [xs]), [0.5, 0.5, 0.999 ** 2 / 2, 0.501, 0.125, 2.5], 1e-7, 1e-6, 'smoothL1');
      });
    });
  }
});

describe('sigmoidCrossEntropy by hand', () => {
  for (const backend of BACKENDS) {
    it(`${backend}: ln 2 at logit 0 whatever the target`, async () => {
      await onBackend(backend, false, () => {
        const loss = evaluate(sigmoidCrossEntropy, [[0, 0, 0], [0, 1, 0.3]]);
        assertNear(loss, [Math.LN2, Math.LN2, Math.LN2], 1e-7, 1e-6, 'bce(0)');
      });
    });

    it(`${backend}: large logits do not overflow`, async () => {
      await onBackend(backend, false, () => {
        const logits = tf.tensor1d([100, 100, -100, -100, 1000, -1000, 1e30, -1e30]);
        const targets = tf.tensor1d([0, 1, 0, 1, 0, 1, 1, 0]);
        // max(x, 0) - x t + log(1 + exp(-|x|)): ~|x| when the target disagrees, ~0 (e^-100) when it agrees.
        const loss = take(sigmoidCrossEntropy(logits, targets));
        assertNear(loss, [100, 0, 0, 100, 1000, 1000, 0, 0], 1e-30, 1e-7, 'bce');
        tf.dispose([logits, targets]);
      });
    });

    it(`${backend}: equals -t log(sigmoid x) - (1 - t) log(1 - sigmoid x) at moderate logits`, async () => {
      await onBackend(backend, false, () => {
        const xs = [-6, -3, -0.5, 0.25, 2, 5];
        const ts = [0, 0.25, 1, 0, 1, 0.9];
        const expected = xs.map((x, i) => -ts[i] * Math.log(sigmoid(x)) - (1 - ts[i]) * Math.log(1 - sigmoid(x)));
        assertNear(evaluate(sigmoidCrossEntropy, [xs, ts], [2, 3]), expected, 1e-7, 1e-6, 'bce');
      });
    });
  }
});

describe('gradients by hand', () => {
  for (const backend of BACKENDS) {
    it(`${backend}: d smoothL1 / dx is sign(x) from |x| = beta on and x / beta below`, async () => {
      await onBackend(backend, true, () => {
        const gradient = (xs: number[], beta: number) => {
          const x = tf.tensor1d(xs);
          const g = tf.grad((v) => tf.sum(smoothL1(v, beta)))(x);
          x.dispose();
          return take(g);
        };
        const beta = 1 / 9;
        // Math.fround: x = beta exactly as the float32 tensor holds it.
        const b = Math.fround(beta);
        assertNear(gradient([-2, -b, -0.05, 0.05, b, 0.5, 3], beta), [-1, -1, -0.45, 0.45, 1, 1, 1], 1e-6, 1e-6, 'beta 1/9');
        assertNear(gradient([-1, -0.5, 0.25, 1, 4], 1), [-1, -0.5, 0.25, 1, 1], 1e-7, 0, 'beta 1');
        assertNear(gradient([-2, -0.5, 1e-3, 0.5, 3], 0), [-1, -1, 1, 1, 1], 0, 0, 'beta 0');
        // Below beta at 0: 0 / beta.
        assertNear(gradient([0], beta), [0], 0, 0, 'beta 1/9 at 0');
      });
    });

    it(`${backend}: d BCE / d logit = sigmoid(x) - t`, async () => {
      await onBackend(backend, true, () => {
        const xs = [-100, -5, -1, 0, 0, 0.5, 3, 100, 1000];
        const ts = [0, 1, 0.3, 1, 0, 0, 0.7, 1, 0];
        const x = tf.tensor1d(xs);
        const t = tf.tensor1d(ts);
        const g = take(tf.grad((v) => tf.sum(sigmoidCrossEntropy(v, t)))(x));
        assertNear(g, xs.map((v, i) => sigmoid(v) - ts[i]), 1e-6, 1e-6, 'dBCE/dx');
        tf.dispose([x, t]);
      });
    });

    // PyTorch's d|x|/dx at 0 is sign(0) = 0 (Detectron2's beta-0 smooth_l1_loss is torch.abs);
    // tfjs's Abs gradient is step(x, -1) = -1 at 0. Only reached when a foreground delta equals
    // its target exactly.
    it(`${backend}: d smoothL1 / dx at x = 0 with beta 0 is 0, as in PyTorch`, async () => {
      await onBackend(backend, true, () => {
        const x = tf.tensor1d([0]);
        const g = take(tf.grad((v) => tf.sum(smoothL1(v, 0)))(x));
        x.dispose();
        assert.equal(g[0], 0);
      });
    });
  }
});

/** The case's RPN inputs as tensors and typed arrays. */
function rpnInputs(c: RpnCase): { logits: tf.Tensor2D[]; deltas: tf.Tensor3D[]; targets: RpnLossTargets[] } {
  return {
    logits: c.logits.map((l, i) => tf.tensor2d(l, [c.N, c.levels[i]])),
    deltas: c.deltas.map((d, i) => tf.tensor3d(d, [c.N, c.levels[i], 4])),
    targets: c.labels.map((l, i) => ({ labels: Int8Array.from(l), deltas: Float32Array.from(c.targetDeltas[i]) })),
  };
}

describe('rpnLosses against Detectron2 / torchvision (losses.json)', () => {
  for (const c of FIXTURE.rpn) {
    for (const backend of BACKENDS) {
      it(`${backend}: ${c.name}`, async () => {
        await onBackend(backend, true, () => {
          const { logits, deltas, targets } = rpnInputs(c);
          const losses = rpnLosses(logits, deltas, targets, c.options);
          assert.deepEqual([losses.loss_rpn_cls.shape, losses.loss_rpn_loc.shape], [[], []]);
          assertGolden(take(losses.loss_rpn_cls), [c.loss_rpn_cls], 'loss_rpn_cls');
          assertGolden(take(losses.loss_rpn_loc), [c.loss_rpn_loc], 'loss_rpn_loc');

          const gLogits = tf.grads((...ls: tf.Tensor[]) => rpnLosses(ls as tf.Tensor2D[], deltas, targets, c.options).loss_rpn_cls)(logits);
          gLogits.forEach((g, i) => assertGolden(take(g), c.gradLogits[i], `d loss_rpn_cls / d logits[${i}]`));
          const gDeltas = tf.grads((...ds: tf.Tensor[]) => rpnLosses(logits, ds as tf.Tensor3D[], targets, c.options).loss_rpn_loc)(deltas);
          gDeltas.forEach((g, i) => assertGolden(take(g), c.gradDeltas[i], `d loss_rpn_loc / d deltas[${i}]`));
          tf.dispose([...logits, ...deltas]);
        });
      });
    }
  }

  it('the fixture has the cases the brief asks for', () => {
    const names = FIXTURE.rpn.map((c) => c.name);
    assert.ok(FIXTURE.rpn.some((c) => c.variant === 'torchvision'), `${names}`);
    assert.ok(FIXTURE.rpn.some((c) => c.labels.every((l) => !l.includes(1)) && c.loss_rpn_loc === 0), 'a case with no foreground');
    // Detectron2's normalizer is BATCH_SIZE_PER_IMAGE * N, torchvision's the number sampled.
    for (const c of FIXTURE.rpn) {
      const sampled = c.labels.flat().filter((l) => l >= 0).length;
      assert.equal(c.options.normalizer, c.variant === 'detectron2' ? 256 * c.N : sampled, c.name);
    }
  });
});

describe('fastRcnnLosses against Detectron2 (losses.json)', () => {
  for (const c of FIXTURE.fastRcnn) {
    for (const backend of BACKENDS) {
      it(`${backend}: ${c.name}`, async () => {
        await onBackend(backend, true, () => {
          const logits = tf.tensor2d(c.logits, [c.S, c.K + 1]);
          const deltas = tf.tensor2d(c.deltas, [c.S, c.agnostic ? 4 : 4 * c.K]);
          const targets = { classes: Int32Array.from(c.classes), deltas: Float32Array.from(c.targetDeltas) };
          const losses = fastRcnnLosses(logits, deltas, targets, c.options);
          assert.deepEqual([losses.loss_cls.shape, losses.loss_box_reg.shape], [[], []]);
          assertGolden(take(losses.loss_cls), [c.loss_cls], 'loss_cls');
          assertGolden(take(losses.loss_box_reg), [c.loss_box_reg], 'loss_box_reg');

          const gLogits = tf.grad((l) => fastRcnnLosses(l as tf.Tensor2D, deltas, targets, c.options).loss_cls)(logits);
          assert.deepEqual(gLogits.shape, logits.shape);
          assertGolden(take(gLogits), c.gradLogits, 'd loss_cls / d logits');
          const gDeltas = tf.grad((d) => fastRcnnLosses(logits, d as tf.Tensor2D, targets, c.options).loss_box_reg)(deltas);
          assert.deepEqual(gDeltas.shape, deltas.shape);
          assertGolden(take(gDeltas), c.gradDeltas, 'd loss_box_reg / d deltas');
          tf.dispose([logits, deltas]);
        });
      });
    }
  }

  it('the fixture has the cases the brief asks for', () => {
    assert.ok(FIXTURE.fastRcnn.some((c) => c.S > 0 && c.classes.every((k) => k === c.K) && c.loss_box_reg === 0), 'no foreground');
    assert.ok(FIXTURE.fastRcnn.some((c) => c.S === 0 && !c.agnostic) && FIXTURE.fastRcnn.some((c) => c.S === 0 && c.agnostic), 'S = 0');
    assert.ok(FIXTURE.fastRcnn.some((c) => c.agnostic && c.S > 0), 'class-agnostic');
  });
});

describe('maskLoss against Detectron2 (losses.json, logits NHWC [P, M, M, K])', () => {
  for (const c of FIXTURE.mask) {
    for (const backend of BACKENDS) {
      it(`${backend}: ${c.name}`, async () => {
        await onBackend(backend, true, () => {
          const logits = tf.tensor4d(c.logits, [c.P, c.M, c.M, c.K]);
          const classes = Int32Array.from(c.classes);
          const targets = Float32Array.from(c.targets);
          const loss = maskLoss(logits, classes, targets);
          assert.deepEqual(loss.shape, []);
          assertGolden(take(loss), [c.loss_mask], 'loss_mask');
          const g = tf.grad((l) => maskLoss(l as tf.Tensor4D, classes, targets))(logits);
          assert.deepEqual(g.shape, logits.shape);
          assertGolden(take(g), c.gradLogits, 'd loss_mask / d logits');
          logits.dispose();
        });
      });
    }
  }
});

/** Checks that `body` throws an error matching `pattern`; disposes what it returns if it does not. */
function assertThrowsNaming(body: () => tf.TensorContainer, pattern: RegExp, what: string): void {
  assert.throws(() => tf.dispose(body()), pattern, what);
}

const RPN_OPTIONS: RpnLossOptions = { smoothL1Beta: 0, normalizer: 256, lossWeight: 1, boxLossWeight: 1 };
const FAST_OPTIONS: FastRcnnLossOptions = { smoothL1Beta: 0, boxLossWeight: 1 };

describe('bad input: the error names the function', () => {
  for (const backend of BACKENDS) {
    it(`${backend}: rpnLosses`, async () => {
      await onBackend(backend, false, () => {
        // Two levels, two images, 3 + 2 anchors each.
        const logits = [tf.zeros([2, 3]) as tf.Tensor2D, tf.zeros([2, 2]) as tf.Tensor2D];
        const deltas = [tf.zeros([2, 3, 4]) as tf.Tensor3D, tf.zeros([2, 2, 4]) as tf.Tensor3D];
        const ok: RpnLossTargets = { labels: new Int8Array(5), deltas: new Float32Array(20) };
        // Sanity: the well-formed call works.
        const losses = rpnLosses(logits, deltas, [ok, ok], RPN_OPTIONS);
        tf.dispose([losses.loss_rpn_cls, losses.loss_rpn_loc]);
        assertThrowsNaming(() => rpnLosses(logits, deltas, [ok], RPN_OPTIONS), /^Error: rpnLosses: .*1 image/, 'one target for two images');
        assertThrowsNaming(() => rpnLosses(logits, deltas, [], RPN_OPTIONS), /^Error: rpnLosses:/, 'no targets');
        assertThrowsNaming(() => rpnLosses(logits, deltas, [ok, { labels: new Int8Array(4), deltas: new Float32Array(20) }], RPN_OPTIONS), /^Error: rpnLosses: targets\[1\] .*5 anchors.*4 labels/, 'labels of 4 anchors');
        assertThrowsNaming(() => rpnLosses(logits, deltas, [{ labels: new Int8Array(5), deltas: new Float32Array(16) }, ok], RPN_OPTIONS), /^Error: rpnLosses: targets\[0\] .*4 deltas/, 'deltas of 4 anchors');
        const oneImage = tf.zeros([1, 2]) as tf.Tensor2D;
        assertThrowsNaming(() => rpnLosses([logits[0], oneImage], deltas, [ok, ok], RPN_OPTIONS), /^Error: rpnLosses:/, 'a level of one image');
        tf.dispose([...logits, ...deltas, oneImage]);
      });
    });

    it(`${backend}: fastRcnnLosses`, async () => {
      await onBackend(backend, false, () => {
        const logits = tf.zeros([4, 3]) as tf.Tensor2D; // S = 4, K = 2
        const deltas = tf.zeros([4, 8]) as tf.Tensor2D;
        const targets = { classes: Int32Array.from([0, 1, 2, 2]), deltas: new Float32Array(16) };
        const losses = fastRcnnLosses(logits, deltas, targets, FAST_OPTIONS);
        tf.dispose([losses.loss_cls, losses.loss_box_reg]);
        const name = /^Error: fastRcnnLosses: /;
        assertThrowsNaming(() => fastRcnnLosses(logits, deltas, { ...targets, classes: Int32Array.from([0, 1, 2]) }, FAST_OPTIONS), name, '3 classes for 4 RoIs');
        assertThrowsNaming(() => fastRcnnLosses(logits, deltas, { ...targets, deltas: new Float32Array(12) }, FAST_OPTIONS), name, 'target deltas of 3 RoIs');
        assertThrowsNaming(() => fastRcnnLosses(logits, deltas, { ...targets, deltas: new Float32Array(17) }, FAST_OPTIONS), name, '17 target delta values');
        const short = tf.zeros([3, 8]) as tf.Tensor2D;
        assertThrowsNaming(() => fastRcnnLosses(logits, short, targets, FAST_OPTIONS), name, 'deltas of 3 RoIs');
        const wide = tf.zeros([4, 12]) as tf.Tensor2D; // 4 (K + 1): torchvision's layout
        assertThrowsNaming(() => fastRcnnLosses(logits, wide, targets, FAST_OPTIONS), /^Error: fastRcnnLosses: deltas must be \[S, 8\] or \[S, 4\]/, 'deltas [S, 12]');
        for (const bad of [-1, 3]) {
          assertThrowsNaming(
            () => fastRcnnLosses(logits, deltas, { ...targets, classes: Int32Array.from([0, bad, 1, 2]) }, FAST_OPTIONS),
            new RegExp(`^RangeError: fastRcnnLosses: classes\\[1\\] = ${bad} is outside \\[0, 2\\]`),
            `class ${bad}`,
          );
        }
        tf.dispose([logits, deltas, short, wide]);
      });
    });

    it(`${backend}: maskLoss`, async () => {
      await onBackend(backend, false, () => {
        const logits = tf.zeros([2, 4, 4, 3]) as tf.Tensor4D;
        const classes = Int32Array.from([0, 2]);
        maskLoss(logits, classes, new Float32Array(32)).dispose();
        assertThrowsNaming(() => maskLoss(logits, Int32Array.from([0]), new Float32Array(32)), /^Error: maskLoss: /, '1 class for 2 RoIs');
        assertThrowsNaming(() => maskLoss(logits, classes, new Float32Array(31)), /^Error: maskLoss: /, '31 target pixels');
        assertThrowsNaming(() => maskLoss(logits, classes, new Float32Array(48)), /^Error: maskLoss: /, 'targets with K channels');
        logits.dispose();
      });
    });

    // Not checked by losses.ts: tf's own broadcasting error (not naming rpnLosses) when the
    // deltas cover another number of anchors, and no error at all when they cover more images
    // (deltas [2, A, 4] with one image's targets broadcast: both images' deltas enter the loss).
    it(`${backend}: rpnLosses rejects deltas that do not match the logits`, async () => {
      await onBackend(backend, false, () => {
        const logits = [tf.zeros([1, 3]) as tf.Tensor2D];
        const target: RpnLossTargets = { labels: new Int8Array(3), deltas: new Float32Array(12) };
        try {
          for (const shape of [[1, 2, 4], [2, 3, 4]] as const) {
            const deltas = [tf.zeros([...shape]) as tf.Tensor3D];
            try {
              assertThrowsNaming(() => rpnLosses(logits, deltas, [target], RPN_OPTIONS), /^Error: rpnLosses: /, `deltas [${shape}]`);
            } finally {
              tf.dispose(deltas);
            }
          }
        } finally {
          tf.dispose(logits);
        }
      });
    });

    // Detectron2 indexes pred_mask_logits[indices, gt_classes], which raises for a class >= K;
    // maskLoss's one-hot is all zeros there, so the RoI silently gets logits 0 (loss ln 2).
    it(`${backend}: maskLoss rejects classes outside [0, K)`, async () => {
      await onBackend(backend, false, () => {
        const logits = tf.zeros([2, 4, 4, 3]) as tf.Tensor4D;
        try {
          for (const bad of [-1, 3]) {
            assertThrowsNaming(() => maskLoss(logits, Int32Array.from([0, bad]), new Float32Array(32)), /^RangeError: maskLoss: /, `class ${bad}`);
          }
        } finally {
          logits.dispose();
        }
      });
    });
  }
});
