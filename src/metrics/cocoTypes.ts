/**
 * COCO's JSON shapes, as `cocoEvaluate` reads them: a ground-truth dataset (`images`,
 * `categories`, `annotations`) and a results list of detections. Boxes are COCO's
 * `[x, y, width, height]` in pixels (not cellmask's x1, y1, x2, y2); masks are COCO RLE, whose
 * counts run over the pixels in column-major order.
 */
import type { CocoRle, CocoRleJson } from '../rle/index.js';

/**
 * A segmentation as COCO JSON holds it: an RLE with compressed (string) or uncompressed (number
 * list) counts, an already-read `CocoRle` (Uint32Array counts), or polygons
 * `[[x1, y1, x2, y2, ...], ...]` in pixel coordinates, rasterized as pycocotools' `annToRLE`
 * does (needs the image's `height` and `width` in `images`).
 */
export type CocoSegmentation = CocoRle | CocoRleJson | readonly (readonly number[])[];

/** An entry of the dataset's `images`. */
export interface CocoImageInfo {
  readonly id: number;
  readonly height?: number;
  readonly width?: number;
}

/** An entry of the dataset's `categories`. */
export interface CocoCategoryInfo {
  readonly id: number;
  readonly name?: string;
}

/** A ground-truth annotation. */
export interface CocoGroundTruthAnnotation {
  /** Unique annotation id; matches are recorded by id. */
  readonly id: number;
  readonly image_id: number;
  readonly category_id: number;
  /** `[x, y, width, height]` in pixels; needed for `bbox` evaluation. */
  readonly bbox?: readonly number[];
  /** The mask; needed for `segm` evaluation. */
  readonly segmentation?: CocoSegmentation;
  /** The area that decides the area range, for both `bbox` and `segm` (COCO reads this field, not the mask). */
  readonly area: number;
  /**
   * 1 for a crowd region: ignored, and matched by IoU = intersection / detection area. As in
   * pycocotools, this alone decides whether a ground truth is ignored (an `ignore` field is
   * overwritten by `iscrowd` in COCOeval._prepare, so it has no effect).
   */
  readonly iscrowd?: number;
}

/** The ground-truth dataset. */
export interface CocoGroundTruth {
  readonly images: readonly CocoImageInfo[];
  readonly categories: readonly CocoCategoryInfo[];
  readonly annotations: readonly CocoGroundTruthAnnotation[];
}

/**
 * A detection (an entry of a COCO results file). Its area is computed, as pycocotools' `loadRes`
 * does: box width * height for `bbox`, mask pixels for `segm` (the field being evaluated is used,
 * as in Detectron2, which drops `bbox` from segm results so that COCO uses the mask area).
 */
export interface CocoDetection {
  readonly image_id: number;
  readonly category_id: number;
  /** Confidence; higher first. */
  readonly score: number;
  /** `[x, y, width, height]` in pixels; needed for `bbox` evaluation. */
  readonly bbox?: readonly number[];
  /** The mask; needed for `segm` evaluation. */
  readonly segmentation?: CocoSegmentation;
}
