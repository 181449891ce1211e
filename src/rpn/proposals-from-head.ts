/**
 * The proposal selection of a batch from the RPN head's tensors: reads them back and runs
 * `findTopProposals` per image.
 */
import * as tf from '@tensorflow/tfjs-core';

import type { ImageSize } from '../structures/boxes.js';
import { describe } from '../utils/describe.js';
import { type ProposalOptions, type Proposals, findTopProposals } from './proposals.js';
import type { RpnHeadOutput } from './rpn-head.js';

/**
 * Reads the head's outputs for a batch and selects each image's proposals
 * (`findTopProposals` per image). Does not dispose `head`.
 *
 * @param head per level, logits [N, Mi] and deltas [N, Mi, 4].
 * @param anchors [L] per level, [Mi, 4] (the same for every image of the batch).
 * @param imageSizes [N] `[height, width]` of each image before padding.
 */
export async function proposalsFromHead(
  head: RpnHeadOutput,
  anchors: readonly Float32Array[],
  imageSizes: readonly ImageSize[],
  options: Partial<ProposalOptions> = {},
): Promise<Proposals[]> {
  const { logits, deltas } = head;
  if (!Array.isArray(logits) || !Array.isArray(deltas) || logits.length !== deltas.length) {
    throw new TypeError(`proposalsFromHead: head must hold as many logits as deltas tensors, got ${describe(logits)} and ${describe(deltas)}`);
  }
  const n = imageSizes.length;
  logits.forEach((t, l) => {
    if (!(t instanceof tf.Tensor) || t.rank !== 2 || t.shape[0] !== n || t.dtype !== 'float32' || !(deltas[l] instanceof tf.Tensor)) {
      throw new RangeError(`proposalsFromHead: head.logits[${l}] must be a float32 [${n}, Mi] tensor (one row per image size), got ${t instanceof tf.Tensor ? `[${t.shape.join(', ')}]` : describe(t)}`);
    }
    const d = deltas[l];
    if (d.rank !== 3 || d.shape[0] !== n || d.shape[1] !== t.shape[1] || d.shape[2] !== 4 || d.dtype !== 'float32') {
      throw new RangeError(`proposalsFromHead: head.deltas[${l}] must be a float32 [${n}, ${t.shape[1]}, 4] tensor, got ${d.dtype} [${d.shape.join(', ')}]`);
    }
  });
  const [logitData, deltaData] = await Promise.all([
    Promise.all(logits.map((t) => t.data() as Promise<Float32Array>)),
    Promise.all(deltas.map((t) => t.data() as Promise<Float32Array>)),
  ]);
  return imageSizes.map((size, i) =>
    findTopProposals(
      // (N, Mi) -> row i; (N, Mi, 4) -> row i as (Mi, 4)
      logitData.map((d, l) => d.subarray(i * logits[l].shape[1], (i + 1) * logits[l].shape[1])),
      deltaData.map((d, l) => d.subarray(4 * i * logits[l].shape[1], 4 * (i + 1) * logits[l].shape[1])),
      anchors,
      size,
      options,
    ),
  );
}
