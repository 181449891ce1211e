/**
 * Benchmarks of the toolkit (no neural network): Kaggle RLE, MAP-IoU, NMS, overlap removal,
 * each beside the usual numpy (or torchvision) implementation on the same inputs.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { type Detections, SOLUTION_MIN_PIXELS, nms, removeOverlaps } from '../src/ensemble/index.js';
import { evaluateMapIou } from '../src/metrics/index.js';
import { kaggleRleDecode, kaggleRleEncode, kaggleRleToCounts } from '../src/rle/index.js';
import { Random } from '../src/utils/random.js';
import { HEIGHT, WIDTH, cellsMask, clusteredBoxes, ellipseRle, mapIouImage, randomCell } from './data.js';
import type { BenchCase } from './harness.js';

const writeJson = (path: string, value: unknown) => writeFileSync(path, JSON.stringify(value));

const differs = (what: string, ours: unknown, reference: unknown) =>
  JSON.stringify(ours) === JSON.stringify(reference) ? undefined : `${what}: cellmask ${JSON.stringify(ours)}, reference ${JSON.stringify(reference)}`;

export const rleEncode: BenchCase = {
  name: 'rle-encode',
  description: 'Kaggle RLE encode of a 520 x 704 mask of 300 cells',
  prepare(dir) {
    const mask = cellsMask(new Random(1), 300);
    writeFileSync(join(dir, 'mask.bin'), mask);
    writeJson(join(dir, 'meta.json'), { height: HEIGHT, width: WIDTH });
    return {
      run: () => kaggleRleEncode(mask, HEIGHT, WIDTH),
      check: (ours, ref) => {
        const text = ours as string;
        return differs('encoding', { length: text.length, pairs: text.split(' ').length / 2 }, ref);
      },
    };
  },
};

export const rleDecode: BenchCase = {
  name: 'rle-decode',
  description: 'Kaggle RLE decode of a 520 x 704 mask of 300 cells',
  prepare(dir) {
    const mask = cellsMask(new Random(1), 300);
    const text = kaggleRleEncode(mask, HEIGHT, WIDTH);
    writeFileSync(join(dir, 'mask.rle'), text);
    writeJson(join(dir, 'meta.json'), { height: HEIGHT, width: WIDTH });
    return {
      run: () => kaggleRleDecode(text, HEIGHT, WIDTH),
      check: (ours, ref) => differs('area', { area: (ours as Uint8Array).reduce((s, v) => s + v, 0) }, ref),
    };
  },
};

export const mapIou: BenchCase = {
  name: 'map-iou',
  description: 'MAP-IoU from RLE text: 240 images x 300 predictions x ~300 truths (24 images with --quick)',
  prepare(dir, quick) {
    const rng = new Random(2);
    const images = Array.from({ length: quick ? 24 : 240 }, () => mapIouImage(rng, 300, 300));
    writeJson(join(dir, 'images.json'), { height: HEIGHT, width: WIDTH, images });
    const toCounts = (texts: string[]) => texts.map((t) => kaggleRleToCounts(t, HEIGHT, WIDTH));
    return {
      run: () =>
        evaluateMapIou(images.map((image, i) => ({ id: String(i), truth: toCounts(image.truth), pred: toCounts(image.pred) }))).mapIou,
      check: (ours, ref) => {
        const theirs = (ref as { map_iou: number }).map_iou;
        return Math.abs((ours as number) - theirs) < 1e-9 ? undefined : `score: cellmask ${ours}, reference ${theirs}`;
      },
    };
  },
};

export const boxNms: BenchCase = {
  name: 'nms',
  description: 'box NMS at IoU 0.5 of 10,000 clustered cell-sized boxes',
  prepare(dir) {
    const { boxes, scores } = clusteredBoxes(new Random(3), 10_000);
    writeFileSync(join(dir, 'boxes.f32'), boxes);
    writeFileSync(join(dir, 'scores.f32'), scores);
    writeJson(join(dir, 'meta.json'), { iou: 0.5 });
    return {
      run: () => nms(boxes, scores, 0.5),
      check: (ours, ref) => {
        const keep = ours as Int32Array;
        return differs('kept', { kept: keep.length, first: Array.from(keep.subarray(0, 20)) }, ref);
      },
    };
  },
};

export const overlapRemoval: BenchCase = {
  name: 'overlap-removal',
  description: "overlap removal of 1,000 overlapping cell masks at 520 x 704 (the solution's 75/150/75 px minimums)",
  prepare(dir) {
    const rng = new Random(4);
    const cells = Array.from({ length: 1000 }, () => randomCell(rng));
    const texts = cells.map(([cx, cy, rx, ry]) => ellipseRle(cx, cy, rx, ry)).filter((t) => t.length > 0);
    const n = texts.length;
    const scores = Float32Array.from({ length: n }, () => rng.next());
    const classes = Int32Array.from({ length: n }, () => rng.int(0, 3));
    writeJson(join(dir, 'masks.json'), {
      height: HEIGHT,
      width: WIDTH,
      masks: texts,
      scores: Array.from(scores),
      classes: Array.from(classes),
      min_pixels: SOLUTION_MIN_PIXELS,
    });
    const dets: Detections = {
      height: HEIGHT,
      width: WIDTH,
      boxes: new Float32Array(4 * n),
      scores,
      classes,
      masks: texts.map((t) => kaggleRleToCounts(t, HEIGHT, WIDTH)),
    };
    return {
      run: () => removeOverlaps(dets, { minPixels: SOLUTION_MIN_PIXELS }).kept,
      check: (ours, ref) => differs('kept', { kept: (ours as Int32Array).length }, ref),
    };
  },
};

export const toolkitCases: readonly BenchCase[] = [rleEncode, rleDecode, mapIou, boxNms, overlapRemoval];
