import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import {
  type CocoDetection,
  type CocoGroundTruth,
  LIVECELL_AREA_RANGES,
  LIVECELL_MAX_DETS,
  cocoEvalParams,
  cocoEvaluate,
  linspace,
} from '../../src/metrics/index.js';
import { cocoPolygonsToRle, cocoRleToJson } from '../../src/rle/index.js';

/** One 10 x 12 image, one category, two square objects given as polygons. */
const square = (x: number, y: number, s: number) => [x, y, x + s, y, x + s, y + s, x, y + s];
const groundTruth: CocoGroundTruth = {
  images: [{ id: 1, height: 10, width: 12 }],
  categories: [{ id: 1 }],
  annotations: [
    { id: 1, image_id: 1, category_id: 1, bbox: [0, 0, 4, 4], area: 16, segmentation: [square(0, 0, 4)] },
    { id: 2, image_id: 1, category_id: 1, bbox: [6, 4, 5, 5], area: 25, segmentation: [square(6, 4, 5)] },
  ],
};

describe('linspace and cocoEvalParams', () => {
  it('reproduces numpy.linspace bit for bit, as pycocotools builds its thresholds', () => {
    const iou = linspace(0.5, 0.95, 10);
    assert.equal(iou[8], 0.8999999999999999); // numpy's value, not 0.9
    assert.equal(iou[5], 0.75);
    assert.equal(linspace(0, 1, 101)[35], 0.35000000000000003);
  });

  it('fills pycocotools defaults and takes LIVECell overrides', () => {
    const p = cocoEvalParams('segm', { maxDets: LIVECELL_MAX_DETS, areaRanges: LIVECELL_AREA_RANGES });
    assert.deepEqual(p.maxDets, [100, 500, 2000]);
    assert.deepEqual(p.areaRanges[2], [324, 961]);
    assert.equal(p.recallThresholds.length, 101);
    assert.deepEqual(cocoEvalParams('bbox').maxDets, [1, 10, 100]);
  });
});

describe('cocoEvaluate', () => {
  it('scores perfect detections 1 (AP and AR), small objects only, large ranges -1', () => {
    const detections: CocoDetection[] = groundTruth.annotations.map((a, k) => ({
      image_id: 1, category_id: 1, score: 0.9 - 0.1 * k, bbox: a.bbox,
      segmentation: cocoRleToJson(cocoPolygonsToRle(a.segmentation as number[][], 10, 12)),
    }));
    for (const iouType of ['bbox', 'segm'] as const) {
      const { stats } = cocoEvaluate(groundTruth, detections, cocoEvalParams(iouType));
      // AP, AP50, AP75, APs = 1; APm, APl = -1; AR1 = 0.5 (one detection finds one of two); rest 1 / -1.
      assert.deepEqual(stats, [1, 1, 1, 1, -1, -1, 0.5, 1, 1, 1, -1, -1], iouType);
    }
  });

  it('reads polygon ground truth as pycocotools annToRLE does (same result as its RLE)', () => {
    const detections: CocoDetection[] = [
      { image_id: 1, category_id: 1, score: 0.8, segmentation: cocoRleToJson(cocoPolygonsToRle([square(0, 0, 3)], 10, 12)) },
    ];
    const asRle: CocoGroundTruth = {
      ...groundTruth,
      annotations: groundTruth.annotations.map((a) => ({
        ...a,
        segmentation: cocoPolygonsToRle(a.segmentation as number[][], 10, 12),
      })),
    };
    const params = cocoEvalParams('segm');
    assert.deepEqual(cocoEvaluate(groundTruth, detections, params).stats, cocoEvaluate(asRle, detections, params).stats);
  });

  it('rejects malformed input, naming the argument and what came', () => {
    const params = cocoEvalParams('bbox');
    assert.throws(
      () => cocoEvaluate(groundTruth, [{ image_id: 9, category_id: 1, score: 1, bbox: [0, 0, 1, 1] }], params),
      /cocoEvaluate: detections\[0\]\.image_id 9 is not an image of groundTruth\.images/,
    );
    assert.throws(
      () => cocoEvaluate(groundTruth, [{ image_id: 1, category_id: 1, score: 1, bbox: [0, 0, 1] }], params),
      /cocoEvaluate: detections\[0\]\.bbox must be \[x, y, width, height\] \(4 finite numbers\), got \[0,0,1\]/,
    );
    assert.throws(
      () => cocoEvaluate(groundTruth, [{ image_id: 1, category_id: 1, score: Number.NaN, bbox: [0, 0, 1, 1] }], params),
      /cocoEvaluate: detections\[0\]\.score must be a finite number, got number NaN/,
    );
    assert.throws(
      () => cocoEvaluate(groundTruth, [{ image_id: 1, category_id: 1, score: 1, segmentation: { size: [10, 12], counts: '0!' } }], cocoEvalParams('segm')),
      /cocoEvaluate: detections\[0\]\.segmentation: cocoRleFromString: character "!" at position 1/,
    );
    assert.throws(
      () => cocoEvaluate(groundTruth, [], { ...params, maxDets: [] }),
      /cocoEvaluate: params\.maxDets must be a non-empty list of positive integers, got \[\]/,
    );
    const noSize: CocoGroundTruth = { ...groundTruth, images: [{ id: 1 }] };
    assert.throws(() => cocoEvaluate(noSize, [], cocoEvalParams('segm')), /groundTruth\.annotations\[0\]\.segmentation: polygons need the image's height and width/);
  });
});
