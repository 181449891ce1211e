/**
 * Validation during training (`TEST.EVAL_PERIOD`): the model's detections on held-out images
 * scored with the competition's MAP-IoU and with COCO's mask and box AP (LIVECell's detection
 * limits, since a cell image holds hundreds of objects).
 */
import type { Detections } from '../ensemble/detections.js';
import {
  type CocoDetection,
  type CocoGroundTruthAnnotation,
  LIVECELL_AREA_RANGES,
  LIVECELL_MAX_DETS,
  cocoEvalParams,
  cocoEvaluate,
  evaluateMapIou,
} from '../metrics/index.js';
import type { MaskRcnn } from '../model/index.js';
import { cocoRleArea, cocoRleEncode, cocoRleToBbox, decodeCounts, encodeCounts } from '../rle/index.js';
import { cropToPlane } from './data/crops.js';
import type { CroppedMask } from './mask-targets.js';

/** A validation image: its size and ground truth at the picture's resolution. */
export interface EvaluationImage {
  readonly id: string;
  readonly height: number;
  readonly width: number;
  /** [G] class of each instance. */
  readonly gtClasses: Int32Array;
  /** [G] instance masks. */
  readonly gtMasks: readonly CroppedMask[];
  /** Name of the image's cell type, for MAP-IoU per cell type (the competition has one per image). */
  readonly cellType?: string;
}

export interface EvaluationResult {
  /** The competition's MAP-IoU, mean over images. */
  readonly map_iou: number;
  /** COCO mask AP@[.5:.95] and box AP@[.5:.95], in [0, 1] (-1 when there is no ground truth). */
  readonly segm_AP: number;
  readonly bbox_AP: number;
  readonly map_iou_per_cell_type: Record<string, number>;
}

/** COCO `[x, y, w, h]` of an x1, y1, x2, y2 box. */
function xywh(b: ArrayLike<number>, i: number): number[] {
  return [b[4 * i], b[4 * i + 1], b[4 * i + 2] - b[4 * i], b[4 * i + 3] - b[4 * i + 1]];
}

/** Scores `predictions[i]` (at the picture's resolution) against `images[i]`. */
export function evaluatePredictions(images: readonly EvaluationImage[], predictions: readonly Detections[], classCount: number): EvaluationResult {
  if (images.length !== predictions.length) throw new Error(`evaluatePredictions: ${images.length} images but ${predictions.length} predictions`);
  const annotations: CocoGroundTruthAnnotation[] = [];
  const detections: CocoDetection[] = [];
  const mapInputs = images.map((im, k) => {
    const pred = predictions[k];
    if (pred.height !== im.height || pred.width !== im.width) {
      throw new Error(`evaluatePredictions: predictions[${k}] is ${pred.height}x${pred.width}, image "${im.id}" is ${im.height}x${im.width}`);
    }
    const truth = im.gtMasks.map((m, g) => {
      const full = cropToPlane(m, im.height, im.width);
      const segmentation = cocoRleEncode(full, im.height, im.width);
      annotations.push({
        id: annotations.length + 1,
        image_id: k + 1,
        category_id: im.gtClasses[g] + 1,
        bbox: cocoRleToBbox(segmentation),
        segmentation,
        area: cocoRleArea(segmentation),
        iscrowd: 0,
      });
      return encodeCounts(full);
    });
    const masks = pred.masks ?? [];
    masks.forEach((counts, d) => {
      detections.push({
        image_id: k + 1,
        category_id: pred.classes[d] + 1,
        score: pred.scores[d],
        bbox: xywh(pred.boxes, d),
        segmentation: cocoRleEncode(decodeCounts(counts, im.height * im.width), im.height, im.width),
      });
    });
    return { id: im.id, cellType: im.cellType, truth, pred: [...masks] };
  });
  const map = evaluateMapIou(mapInputs);
  const groundTruth = {
    images: images.map((im, k) => ({ id: k + 1, height: im.height, width: im.width })),
    categories: Array.from({ length: classCount }, (_, c) => ({ id: c + 1 })),
    annotations,
  };
  const ap = (iouType: 'segm' | 'bbox') =>
    cocoEvaluate(groundTruth, detections, cocoEvalParams(iouType, { maxDets: LIVECELL_MAX_DETS, areaRanges: LIVECELL_AREA_RANGES })).stats[0];
  return { map_iou: map.mapIou, segm_AP: ap('segm'), bbox_AP: ap('bbox'), map_iou_per_cell_type: map.perCellType };
}

/** A picture and its ground truth, as the validation set gives them. */
export interface ValidationSample extends EvaluationImage {
  readonly picture: Parameters<MaskRcnn['predict']>[0];
}

/** Predicts every sample with `model` and scores the predictions. */
export async function evaluateModel(model: MaskRcnn, samples: readonly ValidationSample[]): Promise<EvaluationResult> {
  const predictions: Detections[] = [];
  for (const s of samples) predictions.push(await model.predict(s.picture));
  return evaluatePredictions(samples, predictions, model.config.MODEL.ROI_HEADS.NUM_CLASSES);
}
