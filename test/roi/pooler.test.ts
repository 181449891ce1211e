// The multi-level pooler and its level assignment against torchvision's MultiScaleRoIAlign and
// LevelMapper and Detectron2's ROIPooler / assign_boxes_to_levels (run in torch by
// scripts/fixtures/roi_align.py), and against roiAlign level by level, on every backend.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

import * as tf from '@tensorflow/tfjs-core';

import { multiLevelRoiAlign } from '../../src/roi/pooler.js';
import { type LevelStyle, assignBoxesToLevels } from '../../src/roi/pooler-levels.js';
import { roiAlign } from '../../src/roi/roi-align.js';
import { BACKENDS, useBackend, withoutLeaks } from '../tf/backends.js';
import { maxAbsDiff, pattern } from './roi-align-oracle.js';

interface StyleCase {
  outputSize: [number, number];
  samplingRatio: number;
  aligned: boolean;
  weightSeed: number;
  levels: number[];
  output: number[];
  gradients: number[][];
}
interface Fixture {
  levels: { boxes: number[]; minLevel: number; maxLevel: number; detectron2: number[]; torchvision: number[] };
  featureShapes: [number, number, number, number][];
  featureSeeds: number[];
  scales: number[];
  boxes: number[];
  boxIndex: number[];
  styles: Record<LevelStyle, StyleCase>;
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/roi_align_pooler.json', import.meta.url), 'utf8')) as Fixture;
const STYLES: LevelStyle[] = ['detectron2', 'torchvision'];

function levelsOf(boxes: number[], style: LevelStyle): number[] {
  return Array.from(assignBoxesToLevels(Float32Array.from(boxes), { minLevel: 2, maxLevel: 5, canonicalBoxSize: 224, canonicalLevel: 4, style }));
}

describe('assignBoxesToLevels', () => {
  it('puts boxes of 112, 224 and 448 px on levels 3, 4 and 5 (index from minLevel 2); clamps tiny and huge ones', () => {
    const boxes = [0, 0, 111, 111, 0, 0, 112, 112, 0, 0, 224, 224, 0, 0, 448, 448, 0, 0, 1, 1, 0, 0, 5000, 5000];
    for (const style of STYLES) assert.deepEqual(levelsOf(boxes, style), [0, 1, 2, 3, 0, 3]);
  });

  it('gives -1 (no level) to a box of negative area, the lowest level to an empty one and to one with both sides inverted', () => {
    for (const style of STYLES) assert.deepEqual(levelsOf([0, 0, -4, 8, 0, 0, 0, 8, 9, 9, 1, 1], style), [-1, 0, 0]);
  });

  for (const style of STYLES) {
    it(`matches ${style} on ${fixture.levels[style].length} boxes, boundary sizes included`, () => {
      const got = levelsOf(fixture.levels.boxes, style);
      const wrong = got.flatMap((level, i) => (level === fixture.levels[style][i] ? [] : [i]));
      assert.deepEqual(wrong, [], `boxes ${wrong.slice(0, 5).join(', ')}: got ${wrong.slice(0, 5).map((i) => got[i])}, expected ${wrong.slice(0, 5).map((i) => fixture.levels[style][i])}`);
    });
  }

  it('the two styles disagree just below a boundary, as the libraries do (torch gives [0] and [1] here)', () => {
    // sqrt(area) / 224 = 0.49999983: log2 = -1 - 5e-7; torchvision's + 1e-6 lifts it to level 3.
    const box = [0, 0, 111.99996, 111.99996];
    assert.deepEqual([levelsOf(box, 'detectron2'), levelsOf(box, 'torchvision')], [[0], [1]]);
  });

  it('rejects bad options', () => {
    const options = { minLevel: 2, maxLevel: 5, canonicalBoxSize: 224, canonicalLevel: 4, style: 'detectron2' } as const;
    assert.throws(() => assignBoxesToLevels(new Float32Array(3), options), /assignBoxesToLevels: boxes: expected a flat \[N, 4\] array, got length 3/);
    assert.throws(() => assignBoxesToLevels(new Float32Array(4), { ...options, maxLevel: 1 }), /expected integer levels minLevel <= maxLevel, got number 2 and number 1/);
    assert.throws(() => assignBoxesToLevels(new Float32Array(4), { ...options, style: 'mmdet' as LevelStyle }), /style: expected 'detectron2' or 'torchvision', got string "mmdet"/);
  });
});

describe('multiLevelRoiAlign', () => {
  const levelData = fixture.featureShapes.map((shape, l) => pattern(shape.reduce((a, b) => a * b), fixture.featureSeeds[l]));
  const boxData = Float32Array.from(fixture.boxes);
  const boxIndex = Int32Array.from(fixture.boxIndex);

  for (const backend of BACKENDS) {
    for (const style of STYLES) {
      it(`${backend}: matches ${style === 'detectron2' ? "Detectron2's ROIPooler" : "torchvision's MultiScaleRoIAlign"} and its gradients (golden fixture)`, async () => {
        await useBackend(backend);
        const c = fixture.styles[style];
        const options = { outputSize: c.outputSize, scales: fixture.scales, samplingRatio: c.samplingRatio, aligned: c.aligned, style };
        const [out, grads] = await withoutLeaks(() =>
          tf.tidy(() => {
            const levels = fixture.featureShapes.map((shape, l) => tf.tensor4d(levelData[l], shape));
            const boxes = tf.tensor2d(boxData, [boxIndex.length, 4]);
            const pooled = multiLevelRoiAlign(levels, boxes, boxIndex, options);
            const dy = tf.tensor(pattern(pooled.size, c.weightSeed), pooled.shape);
            const gradients = tf.grads((...ls: tf.Tensor[]) => multiLevelRoiAlign(ls as tf.Tensor4D[], boxes, boxIndex, options))(levels, dy);
            return [pooled.dataSync(), gradients.map((g) => g.dataSync())] as const;
          }),
        );
        assert.ok(maxAbsDiff(out, c.output) < 1e-5, `output differs by ${maxAbsDiff(out, c.output)}`);
        grads.forEach((g, l) => assert.ok(maxAbsDiff(g, c.gradients[l]) < 1e-5, `level ${l} gradient differs by ${maxAbsDiff(g, c.gradients[l])}`));
        // Every level pooled something and got a gradient: the fixture's boxes cover P2..P5.
        assert.deepEqual([...new Set(c.levels)].sort(), [-1, 0, 1, 2, 3]);
      });
    }

    it(`${backend}: each box equals roiAlign on its own level, in the input order; a negative-area box pools zeros`, async () => {
      await useBackend(backend);
      const options = { outputSize: [3, 4] as [number, number], scales: fixture.scales, samplingRatio: 0, aligned: true, style: 'detectron2' as const };
      const levels = levelsOf(fixture.boxes, 'detectron2');
      const [pooled, perLevel] = await withoutLeaks(() =>
        tf.tidy(() => {
          const maps = fixture.featureShapes.map((shape, l) => tf.tensor4d(levelData[l], shape));
          const boxes = tf.tensor2d(boxData, [boxIndex.length, 4]);
          const single = maps.map((map, l) => roiAlign(map, boxes, boxIndex, { ...options, spatialScale: fixture.scales[l] }).dataSync());
          return [multiLevelRoiAlign(maps, boxes, boxIndex, options).dataSync(), single] as const;
        }),
      );
      const size = 3 * 4 * 3;
      levels.forEach((level, r) => {
        const got = pooled.subarray(r * size, (r + 1) * size);
        const expected = level < 0 ? new Float32Array(size) : perLevel[level].subarray(r * size, (r + 1) * size);
        assert.deepEqual(Array.from(got), Array.from(expected), `box ${r} on level ${level}`);
      });
    });

    it(`${backend}: with one level, pools every box from it (no level formula), like both libraries`, async () => {
      await useBackend(backend);
      const options = { outputSize: [2, 2] as [number, number], samplingRatio: 2, aligned: false, style: 'torchvision' as const };
      const [multi, single] = await withoutLeaks(() =>
        tf.tidy(() => {
          const map = tf.tensor4d(levelData[0], fixture.featureShapes[0]);
          const boxes = tf.tensor2d(boxData, [boxIndex.length, 4]);
          return [
            multiLevelRoiAlign([map], boxes, boxIndex, { ...options, scales: [0.25] }).dataSync(),
            roiAlign(map, boxes, boxIndex, { ...options, spatialScale: 0.25 }).dataSync(),
          ];
        }),
      );
      assert.deepEqual(Array.from(multi), Array.from(single));
    });
  }

  it('rejects bad inputs, naming the argument and what came', async () => {
    await useBackend('cpu');
    const p2 = tf.zeros([1, 8, 8, 2]) as tf.Tensor4D;
    const p3 = tf.zeros([1, 4, 4, 3]) as tf.Tensor4D;
    const boxes = tf.tensor2d([[0, 0, 2, 2]]);
    const one = new Int32Array(1);
    const options = { outputSize: [2, 2] as [number, number], scales: [0.25, 0.125], samplingRatio: 0, aligned: true, style: 'detectron2' as const };
    assert.throws(() => multiLevelRoiAlign([], boxes, one, options), /multiLevelRoiAlign: featuresByLevel: expected a non-empty array/);
    assert.throws(() => multiLevelRoiAlign([p2, p3], boxes, one, options), /multiLevelRoiAlign: featuresByLevel\[1\]: expected 1 image\(s\) of 2 channels like level 0, got shape \[1, 4, 4, 3\]/);
    assert.throws(() => multiLevelRoiAlign([p2, p2], boxes, one, { ...options, scales: [0.25, 0.1] }), /multiLevelRoiAlign: scales: expected 1 \/ 2\^level for consecutive levels \(2\^-3 at 1\), got \[0.25, 0.1\]/);
    assert.throws(() => multiLevelRoiAlign([p2], boxes, one, options), /multiLevelRoiAlign: scales: expected one per level \(1\), got \[0.25, 0.125\]/);
    tf.dispose([p2, p3, boxes]);
  });
});
