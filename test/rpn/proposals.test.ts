import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import * as tf from '@tensorflow/tfjs-core';

import { AnchorGenerator, type Proposals, type RpnStyle, findTopProposals, proposalsFromHead, topKIndices } from '../../src/rpn/index.js';
import { Random } from '../../src/utils/random.js';
import { BACKENDS, useBackend, withoutLeaks } from '../tf/backends.js';
import { type ProposalCase, f32, fixture, maxAbsDiff } from './fixture.js';

const { head } = fixture;
const PADDED = [64, 96] as const;
const SOLUTION = { sizes: [[4], [8], [16], [64], [256]], aspectRatios: [[0.2, 0.5, 1, 2, 5]], strides: [4, 8, 16, 32, 64] };

function anchorsFor(style: RpnStyle): Float32Array[] {
  return new AnchorGenerator({ ...SOLUTION, style }).generate(head.grids, PADDED);
}

/** Image n's rows of the head outputs: (N, Mi) -> (Mi); (N, Mi, 4) -> (Mi, 4). */
function headOf(n: number): { logits: Float32Array[]; deltas: Float32Array[] } {
  const logits = head.logits.map((s) => {
    const all = f32(s);
    const m = all.length / head.batch;
    return all.slice(n * m, (n + 1) * m);
  });
  const deltas = head.deltas.map((s, l) => f32(s).slice(4 * n * logits[l].length, 4 * (n + 1) * logits[l].length));
  return { logits, deltas };
}

const sigmoid = (x: number) => Math.fround(1 / (1 + Math.exp(-x)));

/** Same number of proposals, in the same order, boxes and scores within 1e-3. */
function assertMatches(got: Proposals, want: ProposalCase['images'][number], style: RpnStyle, what: string): void {
  assert.equal(got.boxes.length, want.boxes.length, `${what}: ${got.boxes.length / 4} proposals, expected ${want.boxes.length / 4}`);
  const boxErr = maxAbsDiff(got.boxes, want.boxes);
  assert.ok(boxErr <= 1e-3, `${what}: boxes max error ${boxErr}`);
  const scores = style === 'torchvision' ? Array.from(got.logits, sigmoid) : got.logits;
  const scoreErr = maxAbsDiff(scores, style === 'torchvision' ? want.scores! : want.logits!);
  assert.ok(scoreErr <= 1e-3, `${what}: scores max error ${scoreErr}`);
}

function optionsOf(c: ProposalCase) {
  return { style: c.style, preNmsTopK: c.preNmsTopK, postNmsTopK: c.postNmsTopK, nmsThresh: c.nmsThresh, minSize: c.minSize };
}

describe('findTopProposals', () => {
  for (const c of fixture.proposals.cases) {
    const source = c.style === 'torchvision' ? "torchvision's RegionProposalNetwork" : "a port of Detectron2's find_top_rpn_proposals";
    it(`${c.style}, top ${c.preNmsTopK} per level, ${c.postNmsTopK} per image: equals ${source}`, () => {
      const anchors = anchorsFor(c.style);
      c.images.forEach((want, n) => {
        const { logits, deltas } = headOf(n);
        const got = findTopProposals(logits, deltas, anchors, fixture.proposals.imageSizes[n], optionsOf(c));
        assertMatches(got, want, c.style, `image ${n}`);
      });
    });
  }

  for (const c of fixture.nonFinite.cases) {
    it(`${c.style}: NaN and infinite logits and deltas are handled as the library does`, () => {
      const logits = fixture.nonFinite.logits.map(f32);
      const deltas = fixture.nonFinite.deltas.map(f32);
      assert.ok(logits.some((l) => l.some((v) => !Number.isFinite(v))) && deltas.some((d) => d.some((v) => !Number.isFinite(v))));
      const got = findTopProposals(logits, deltas, anchorsFor(c.style), fixture.nonFinite.imageSize, optionsOf(c));
      assertMatches(got, c.images[0], c.style, 'image 0');
    });
  }

  it('keeps levels apart in NMS, clips to the image and caps the count', () => {
    // Two levels with one identical anchor each (no deltas): both survive NMS as they are on different levels.
    const anchor = Float32Array.of(-5, 10, 20, 30);
    const zeros = new Float32Array(4);
    const out = findTopProposals([Float32Array.of(1), Float32Array.of(2)], [zeros, zeros], [anchor, anchor], [25, 15]);
    assert.deepEqual(Array.from(out.logits), [2, 1]);
    assert.deepEqual(Array.from(out.boxes), [0, 10, 15, 25, 0, 10, 15, 25]);
    const one = findTopProposals([Float32Array.of(1), Float32Array.of(2)], [zeros, zeros], [anchor, anchor], [25, 15], { postNmsTopK: 1 });
    assert.deepEqual(Array.from(one.logits), [2]);
    // Within a level the overlapping lower-scored box goes.
    const same = findTopProposals([Float32Array.of(1, 3)], [new Float32Array(8)], [Float32Array.of(0, 0, 10, 10, 1, 0, 11, 10)], [20, 20]);
    assert.deepEqual(Array.from(same.logits), [3]);
  });

  it('minSize: Detectron2 keeps sides > minSize, torchvision sides >= minSize', () => {
    const boxes = Float32Array.of(0, 0, 2, 5, 0, 0, 3, 5);
    const args = [[Float32Array.of(2, 1)], [new Float32Array(8)], [boxes], [10, 10]] as const;
    assert.deepEqual(Array.from(findTopProposals(...args, { minSize: 2 }).logits), [1]);
    assert.deepEqual(Array.from(findTopProposals(...args, { minSize: 2, style: 'torchvision' }).logits), [2, 1]);
    assert.deepEqual(Array.from(findTopProposals(...args, { style: 'torchvision', scoreThresh: 0.8 }).logits), [2]);
  });

  it('checks its inputs, naming the argument and what came', () => {
    const l = [new Float32Array(2)];
    const d = [new Float32Array(8)];
    assert.throws(() => findTopProposals(l, [new Float32Array(4)], d, [10, 10]), /findTopProposals: deltas\[0\] must be a \[2, 4\] Float32Array, got Float32Array of length 4/);
    assert.throws(() => findTopProposals(l, d, [], [10, 10]), /findTopProposals: anchors must list 1 levels like logits, got an array of length 0/);
    assert.throws(() => findTopProposals(l, d, d, [10, 0]), /findTopProposals: imageSize must be \[height, width\] with positive sizes/);
    assert.throws(() => findTopProposals(l, d, d, [10, 10], { preNmsTopK: 1.5 }), /findTopProposals: preNmsTopK must be a non-negative integer, got 1.5/);
    assert.throws(() => findTopProposals(l, d, d, [10, 10], { scoreThresh: 0.5 }), /scoreThresh is torchvision's/);
  });
});

describe('proposalsFromHead', () => {
  for (const backend of BACKENDS) {
    for (const style of ['detectron2', 'torchvision'] as const) {
      it(`${backend}: a batch of 2 head outputs (tensors) gives each image's golden ${style} proposals`, async () => {
        await useBackend(backend);
        const c = fixture.proposals.cases.find((k) => k.style === style && k.preNmsTopK === 1000)!;
        const logits = head.grids.map((_, l) => tf.tensor2d(f32(head.logits[l]), [head.batch, f32(head.logits[l]).length / head.batch]));
        const deltas = head.grids.map((_, l) => tf.tensor3d(f32(head.deltas[l]), [head.batch, logits[l].shape[1], 4]));
        const out = await withoutLeaks(() => proposalsFromHead({ logits, deltas }, anchorsFor(style), fixture.proposals.imageSizes, optionsOf(c)));
        out.forEach((p, n) => assertMatches(p, c.images[n], style, `image ${n}`));
        await assert.rejects(proposalsFromHead({ logits, deltas }, anchorsFor(style), [[64, 96]]), /proposalsFromHead: head.logits\[0\] must be a float32 \[1, Mi\] tensor/);
        tf.dispose([...logits, ...deltas]);
      });
    }
  }
});

describe('topKIndices', () => {
  /** Oracle: full stable sort, NaN first, descending, ties by index. */
  function reference(values: Float32Array, k: number): number[] {
    const key = (i: number) => (Number.isNaN(values[i]) ? Infinity : values[i]);
    const nan = (i: number) => (Number.isNaN(values[i]) ? 1 : 0);
    return Array.from(values.keys())
      .sort((a, b) => nan(b) - nan(a) || (key(b) > key(a) ? 1 : key(b) < key(a) ? -1 : 0) || a - b)
      .slice(0, k);
  }

  it('matches a full sort on random values with ties, NaN and infinities', () => {
    const rng = new Random(3);
    const specials = [NaN, Infinity, -Infinity, 0, -0, 1.5];
    for (let trial = 0; trial < 300; trial++) {
      const m = Math.floor(rng.uniform(0, 60));
      const v = new Float32Array(m);
      for (let i = 0; i < m; i++) v[i] = rng.next() < 0.2 ? specials[Math.floor(rng.uniform(0, specials.length))] : Math.round(rng.uniform(-4, 4));
      const k = Math.floor(rng.uniform(0, m + 3));
      assert.deepEqual(Array.from(topKIndices(v, k)), reference(v, k), `trial ${trial}`);
    }
  });

  it('torch.topk order: [1, NaN, 3, inf, 3, -inf] top 4 -> [1, 3, 2, 4]', () => {
    assert.deepEqual(Array.from(topKIndices(Float32Array.of(1, NaN, 3, Infinity, 3, -Infinity), 4)), [1, 3, 2, 4]);
  });
});
