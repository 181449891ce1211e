/**
 * COCO's JSON shapes, as `cocoEvaluate` reads them: a ground-truth dataset (`images`,
 * `categories`, `annotations`) and a results list of detections. Boxes are COCO's
 * `[x, y, width, height]` in pixels (not cellmask's x1, y1, x2, y2); masks are COCO RLE, whose
 * counts run over the pixels in column-major order.
 */

/** A COCO RLE as in JSON: `size` [height, width] and counts, uncompressed (numbers) or compressed (string). */
export interface CocoRleJson {
  readonly size: readonly [number, number];
  readonly counts: string | readonly number[] | Uint32Array;
}

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
  readonly segmentation?: CocoRleJson;
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
  readonly segmentation?: CocoRleJson;
}
