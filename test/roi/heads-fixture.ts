/**
 * The golden vectors of scripts/fixtures/heads.py (torchvision 0.14 TwoMLPHead / FastRCNNPredictor /
 * postprocess_detections / MaskRCNNHeads / paste_masks_in_image and the script's ports of
 * Detectron2's fast_rcnn_inference_single_image and _do_paste_mask), read once.
 */
import { readFileSync } from 'node:fs';

import * as tf from '@tensorflow/tfjs-core';

interface Stored {
  readonly shape: number[];
  readonly data: number[];
}

export interface DetectionsFixture {
  readonly boxes: number[];
  readonly scores: number[];
  readonly classes: number[];
  readonly proposalIndex?: number[];
}

export interface HeadsFixture {
  readonly boxHead: {
    readonly R: number;
    readonly C: number;
    readonly P: number;
    readonly K: number;
    readonly imageSize: [number, number];
    readonly weights: Record<string, Stored>;
    readonly pooled: number[];
    readonly proposals: number[];
    readonly logits: number[];
    readonly deltas: number[];
    readonly options: { scoreThresh: number; nmsThresh: number; detectionsPerImage: number };
    readonly torchvision: DetectionsFixture;
    readonly detectron2: DetectionsFixture;
  };
  readonly maskHead: {
    readonly D: number;
    readonly S: number;
    readonly C: number;
    readonly K: number;
    readonly weights: Record<string, Stored>;
    readonly pooled: number[];
    readonly logits: number[];
    readonly classes: number[];
    readonly probabilities: number[];
  };
  readonly paste: {
    readonly imageSize: [number, number];
    readonly M: number;
    readonly boxes: number[];
    readonly masks: number[];
    readonly detectron2: number[][];
    readonly torchvision: number[][];
    readonly torchvisionTies: number;
  };
}

export const HEADS: HeadsFixture = JSON.parse(readFileSync(new URL('../fixtures/heads.json', import.meta.url), 'utf8'));

/** The stored weights as a WeightMap on the active backend; dispose its tensors after use. */
export function fixtureWeights(stored: Record<string, Stored>): Map<string, tf.Tensor> {
  return new Map(Object.entries(stored).map(([name, { shape, data }]) => [name, tf.tensor(data, shape, 'float32')]));
}

/** Largest absolute difference between `actual` and `expected`. */
export function maxAbsError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} != expected ${expected.length}`);
  let max = 0;
  for (let i = 0; i < actual.length; i++) max = Math.max(max, Math.abs(actual[i] - expected[i]));
  return max;
}
