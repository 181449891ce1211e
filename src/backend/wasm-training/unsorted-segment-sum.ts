/**
 * UnsortedSegmentSum for the wasm backend: out [numSegments, ...inner] from x [...ids.shape,
 * ...inner] and int32 segmentIds, summing the rows of x that share an id. The gradient of gather.
 *
 * Why: the stock wasm backend has no UnsortedSegmentSum (no gather gradient).
 */
import * as tf from '@tensorflow/tfjs-core';

import { checkShape } from './checks.js';
import { zeros } from './heap.js';
import type { KernelArgs } from './wasm-backend.js';

/**
 * out [numSegments, ...inner], out[k] = sum of x[i] over the i with segmentIds[i] = k, for
 * x [...ids.shape, ...inner] and int32 segmentIds; ids outside [0, numSegments) contribute
 * nothing (as on the cpu backend). The gradient of gather.
 */
export function unsortedSegmentSum({ inputs, backend, attrs }: KernelArgs<'x' | 'segmentIds'>): tf.TensorInfo {
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
