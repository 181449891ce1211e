/**
 * `torch.topk` on a typed array: the indices of the k largest values in descending order.
 *
 * Shape shorthand: M: values, K: selected.
 *
 * Order as PyTorch's CPU topk puts it: NaN above every number (torch sorts NaN as the largest),
 * then descending values; ties (and NaNs among themselves) by ascending index. One pass with a
 * min-heap of the best K so far: since indices arrive ascending, a later value enters only when
 * strictly greater than the heap's worst, so ties keep the lower index. O(M + K log K) when few
 * values displace the heap, O(M log K) at worst.
 */

/**
 * @param values [M] scores (NaN and infinities allowed).
 * @param k how many to select; clamped to M (`min(k, M)`, as Detectron2 and torchvision do).
 * @returns [min(k, M)] indices into `values`, best first.
 */
export function topKIndices(values: Float32Array, k: number): Int32Array {
  const m = values.length;
  const kk = Math.min(Math.max(0, Math.floor(k)), m);
  const out = new Int32Array(kk);
  let nans = 0;
  for (let i = 0; i < m && nans < kk; i++) if (values[i] !== values[i]) out[nans++] = i;
  const rest = kk - nans;
  if (rest === 0) return out;
  // Min-heap of (value, index) by "worse first": smaller value, or equal value and larger index.
  const heapValue = new Float64Array(rest);
  const heapIndex = new Int32Array(rest);
  let size = 0;
  for (let i = 0; i < m; i++) {
    const v = values[i];
    if (v !== v) continue;
    if (size < rest) {
      siftUp(heapValue, heapIndex, size++, v, i);
    } else if (v > heapValue[0]) {
      siftDown(heapValue, heapIndex, rest, v, i);
    }
  }
  // Pop worst first, filling from the back: out[nans..] ends best first.
  for (let end = size - 1; end >= 0; end--) {
    out[nans + end] = heapIndex[0];
    const lastValue = heapValue[end];
    const lastIndex = heapIndex[end];
    if (end > 0) siftDown(heapValue, heapIndex, end, lastValue, lastIndex);
  }
  return out;
}

/** True when (va, ia) ranks below (vb, ib). */
function worse(va: number, ia: number, vb: number, ib: number): boolean {
  return va < vb || (va === vb && ia > ib);
}

function siftUp(hv: Float64Array, hi: Int32Array, pos: number, v: number, i: number): void {
  while (pos > 0) {
    const parent = (pos - 1) >> 1;
    if (!worse(v, i, hv[parent], hi[parent])) break;
    hv[pos] = hv[parent];
    hi[pos] = hi[parent];
    pos = parent;
  }
  hv[pos] = v;
  hi[pos] = i;
}

/** Replaces the root of the heap [0, size) with (v, i) and restores the heap. */
function siftDown(hv: Float64Array, hi: Int32Array, size: number, v: number, i: number): void {
  let pos = 0;
  for (;;) {
    let child = 2 * pos + 1;
    if (child >= size) break;
    if (child + 1 < size && worse(hv[child + 1], hi[child + 1], hv[child], hi[child])) child++;
    if (!worse(hv[child], hi[child], v, i)) break;
    hv[pos] = hv[child];
    hi[pos] = hi[child];
    pos = child;
  }
  hv[pos] = v;
  hi[pos] = i;
}
