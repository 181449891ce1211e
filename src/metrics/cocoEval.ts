/**
 * COCO AP for boxes and masks with pycocotools' COCOeval semantics: `cocoEvaluateImages`
 * (COCOeval.evaluate), then `cocoAccumulate` and `cocoSummarize`; `cocoEvaluate` runs all three.
 *
 * Shape shorthand: K: categories (1 when categories are not used), A: area ranges, I: images,
 * D: detections, G: ground truths of one (image, category).
 */
import { type CocoRle, cocoBboxIou, cocoPolygonsToRle, cocoRleFromJson, rleArea, rleIou } from '../rle/index.js';
import { type CocoAccumulation, cocoAccumulate } from './cocoAccumulate.js';
import { type CocoImageEvaluation, type CocoImageObjects, cocoEvaluateImage } from './cocoEvaluateImage.js';
import { type CocoEvalParams, checkCocoEvalParams } from './cocoParams.js';
import { type CocoSummary, cocoSummarize } from './cocoSummarize.js';
import type { CocoDetection, CocoGroundTruth, CocoGroundTruthAnnotation, CocoImageInfo, CocoSegmentation } from './cocoTypes.js';
import { describe } from '../utils/describe.js';

/** The per-image evaluations of `cocoEvaluateImages`. */
export interface CocoImageEvaluations {
  /** The parameters used, `maxDets` sorted. */
  readonly params: CocoEvalParams;
  /** [I] the images evaluated, sorted increasing. */
  readonly imageIds: readonly number[];
  /** [K] the categories evaluated, sorted increasing; `[-1]` when `useCats` is false. */
  readonly categoryIds: readonly number[];
  /** Row-major [K, A, I]; `undefined` where an image has neither ground truth nor detections. */
  readonly evalImgs: readonly (CocoImageEvaluation | undefined)[];
}

/** Everything `cocoEvaluate` computed. */
export interface CocoEvalResult extends CocoImageEvaluations {
  readonly accumulated: CocoAccumulation;
  readonly summary: CocoSummary;
  /** The twelve summary numbers: AP, AP50, AP75, APs, APm, APl, AR@maxDets[0..2], ARs, ARm, ARl. */
  readonly stats: readonly number[];
}

/** One object prepared for IoU: its id, area, and the geometry of the evaluated type. */
interface Prepared {
  readonly id: number;
  readonly area: number;
  readonly crowd: number;
  readonly score: number;
  readonly box?: readonly [number, number, number, number];
  readonly rle?: CocoRle;
  /** Where the object came from, for error messages. */
  readonly where: string;
}

/**
 * Evaluates COCO AP: per-image matching, accumulation and the twelve summary numbers.
 *
 * @param groundTruth the dataset (`images`, `categories`, `annotations`); ground-truth areas come
 *   from each annotation's `area` field, boxes `[x, y, w, h]` from `bbox`, masks from `segmentation`.
 * @param detections the results; detection k gets id k + 1, as in pycocotools' `loadRes`.
 * @param params e.g. `cocoEvalParams('segm')`; must have three `maxDets` for the summary.
 */
export function cocoEvaluate(
  groundTruth: CocoGroundTruth,
  detections: readonly CocoDetection[],
  params: CocoEvalParams,
): CocoEvalResult {
  const evaluations = cocoEvaluateImages(groundTruth, detections, params);
  const accumulated = cocoAccumulate(
    evaluations.evalImgs,
    evaluations.params,
    evaluations.categoryIds.length,
    evaluations.imageIds.length,
  );
  const summary = cocoSummarize(accumulated, evaluations.params);
  return { ...evaluations, accumulated, summary, stats: summary.stats };
}

/**
 * pycocotools' `COCOeval.evaluate`: groups annotations and detections by (image, category),
 * computes their IoU (detections sorted by score, stable, and cut at the largest maxDets), and
 * matches them with `cocoEvaluateImage` for every category, area range and image.
 * Detections of images or categories outside the evaluated sets are dropped, as COCOeval drops them.
 */
export function cocoEvaluateImages(
  groundTruth: CocoGroundTruth,
  detections: readonly CocoDetection[],
  params: CocoEvalParams,
): CocoImageEvaluations {
  const p = checkCocoEvalParams(params, 'cocoEvaluate');
  checkDataset(groundTruth, detections);
  const imageIds = sortedUnique(p.imageIds ?? groundTruth.images.map((im) => im.id));
  const catIds = sortedUnique(p.categoryIds ?? groundTruth.categories.map((c) => c.id));
  const knownImages = new Set(groundTruth.images.map((im) => im.id));
  detections.forEach((d, k) => {
    if (!knownImages.has(d.image_id)) {
      throw new Error(`cocoEvaluate: detections[${k}].image_id ${d.image_id} is not an image of groundTruth.images`);
    }
  });
  const imageSet = new Set(imageIds);
  const catSet = new Set(catIds);
  const imageInfo = new Map(groundTruth.images.map((im) => [im.id, im] as const));
  const gts = groupBy(
    groundTruth.annotations.map((a, k) => prepareGroundTruth(a, k, p.iouType, imageInfo)),
    groundTruth.annotations,
    imageSet,
    catSet,
  );
  const dts = groupBy(
    detections.map((d, k) => prepareDetection(d, k, p.iouType, imageInfo)),
    detections,
    imageSet,
    catSet,
  );

  const cats = p.useCats ? catIds : [-1];
  const maxDet = p.maxDets[p.maxDets.length - 1];
  const objects = new Map<string, CocoImageObjects>();
  for (const imageId of imageIds) {
    for (const catId of cats) {
      const groupCats = p.useCats ? [catId] : catIds;
      const gt = groupCats.flatMap((c) => gts.get(key(imageId, c)) ?? []);
      const dt = stableSortByScore(groupCats.flatMap((c) => dts.get(key(imageId, c)) ?? [])).slice(0, maxDet);
      objects.set(key(imageId, catId), {
        gtIds: gt.map((g) => g.id),
        gtAreas: gt.map((g) => g.area),
        gtCrowd: gt.map((g) => g.crowd),
        dtIds: dt.map((d) => d.id),
        dtAreas: dt.map((d) => d.area),
        dtScores: dt.map((d) => d.score),
        ious: computeIou(dt, gt, p.iouType),
      });
    }
  }
  const evalImgs: (CocoImageEvaluation | undefined)[] = [];
  for (const catId of cats) {
    for (const areaRange of p.areaRanges) {
      for (const imageId of imageIds) {
        evalImgs.push(
          cocoEvaluateImage(objects.get(key(imageId, catId))!, imageId, catId, areaRange, maxDet, p.iouThresholds),
        );
      }
    }
  }
  return { params: p, imageIds, categoryIds: cats, evalImgs };
}

/** Row-major [D, G] IoU; crowd columns divide by the detection's area (pycocotools `iou`). */
function computeIou(dt: readonly Prepared[], gt: readonly Prepared[], iouType: CocoEvalParams['iouType']): Float64Array {
  if (dt.length === 0 || gt.length === 0) return new Float64Array(0);
  const crowd = gt.map((g) => g.crowd);
  if (iouType === 'bbox') return cocoBboxIou(dt.map((d) => d.box!), gt.map((g) => g.box!), crowd);
  const [height, width] = gt[0].rle!.size;
  for (const o of [...dt, ...gt]) {
    const [h, w] = o.rle!.size;
    if (h !== height || w !== width) {
      throw new Error(
        `cocoEvaluate: ${o.where}.segmentation has size [${h}, ${w}] but ${gt[0].where} of the same image has [${height}, ${width}]`,
      );
    }
  }
  return rleIou(dt.map((d) => d.rle!.counts), gt.map((g) => g.rle!.counts), crowd);
}

type ImageInfo = ReadonlyMap<number, CocoImageInfo>;

function prepareGroundTruth(a: CocoGroundTruthAnnotation, k: number, iouType: CocoEvalParams['iouType'], images: ImageInfo): Prepared {
  const where = `groundTruth.annotations[${k}]`;
  checkNumber(a.id, `${where}.id`);
  checkNumber(a.area, `${where}.area`);
  const crowd = a.iscrowd ?? 0;
  if (crowd !== 0 && crowd !== 1) throw new Error(`cocoEvaluate: ${where}.iscrowd must be 0 or 1, got ${describe(a.iscrowd)}`);
  return { id: a.id, area: a.area, crowd, score: 0, where, ...geometry(a, where, iouType, images) };
}

function prepareDetection(d: CocoDetection, k: number, iouType: CocoEvalParams['iouType'], images: ImageInfo): Prepared {
  const where = `detections[${k}]`;
  checkNumber(d.score, `${where}.score`);
  const shape = geometry(d, where, iouType, images);
  // pycocotools' loadRes: box area for bbox results, mask area for segm results.
  const area = shape.box !== undefined ? shape.box[2] * shape.box[3] : rleArea(shape.rle!.counts);
  return { id: k + 1, area, crowd: 0, score: d.score, where, ...shape };
}

function geometry(
  o: { readonly image_id: number; readonly bbox?: readonly number[]; readonly segmentation?: CocoSegmentation },
  where: string,
  iouType: CocoEvalParams['iouType'],
  images: ImageInfo,
): Pick<Prepared, 'box' | 'rle'> {
  if (iouType === 'bbox') {
    const b = o.bbox;
    if (!Array.isArray(b) || b.length !== 4 || !b.every(Number.isFinite)) {
      throw new Error(`cocoEvaluate: ${where}.bbox must be [x, y, width, height] (4 finite numbers), got ${JSON.stringify(b)}`);
    }
    return { box: [b[0], b[1], b[2], b[3]] };
  }
  return { rle: segmentationRle(o.segmentation, where, images.get(o.image_id)) };
}

/** The RLE of a segmentation in any of COCO's forms (pycocotools' `annToRLE`). */
function segmentationRle(seg: CocoSegmentation | undefined, where: string, image: CocoImageInfo | undefined): CocoRle {
  try {
    if (Array.isArray(seg)) {
      const { height, width } = image ?? {};
      if (height === undefined || width === undefined) {
        throw new Error(`polygons need the image's height and width in groundTruth.images, image ${image?.id ?? '(absent)'} has none`);
      }
      return cocoPolygonsToRle(seg as readonly (readonly number[])[], height, width);
    }
    if (seg === null || typeof seg !== 'object') throw new Error(`expected an RLE {size, counts} or polygons, got ${describe(seg)}`);
    const rle = seg as CocoRle | { size: [number, number]; counts: string | number[] };
    if (rle.counts instanceof Uint32Array) {
      // An already-read CocoRle: check what IoU depends on, its size and pixel total.
      if (!Array.isArray(rle.size) || rle.size.length !== 2) throw new Error(`size must be [height, width], got ${describe(rle.size)}`);
      let total = 0;
      for (let i = 0; i < rle.counts.length; i++) total += rle.counts[i];
      const [height, width] = rle.size;
      if (total !== height * width) throw new Error(`counts cover ${total} pixels but size is ${height} x ${width}`);
      return rle as CocoRle;
    }
    return cocoRleFromJson(rle as { size: [number, number]; counts: string | number[] });
  } catch (error) {
    throw new Error(`cocoEvaluate: ${where}.segmentation: ${(error as Error).message}`);
  }
}

function checkDataset(groundTruth: CocoGroundTruth, detections: readonly CocoDetection[]): void {
  if (groundTruth === null || typeof groundTruth !== 'object') {
    throw new Error(`cocoEvaluate: groundTruth must be {images, categories, annotations}, got ${describe(groundTruth)}`);
  }
  for (const field of ['images', 'categories', 'annotations'] as const) {
    if (!Array.isArray(groundTruth[field])) {
      throw new Error(`cocoEvaluate: groundTruth.${field} must be an array, got ${describe(groundTruth[field])}`);
    }
  }
  groundTruth.images.forEach((im, k) => checkNumber(im?.id, `groundTruth.images[${k}].id`));
  groundTruth.categories.forEach((c, k) => checkNumber(c?.id, `groundTruth.categories[${k}].id`));
  groundTruth.annotations.forEach((a, k) => {
    checkNumber(a?.image_id, `groundTruth.annotations[${k}].image_id`);
    checkNumber(a.category_id, `groundTruth.annotations[${k}].category_id`);
  });
  if (!Array.isArray(detections)) throw new Error(`cocoEvaluate: detections must be an array, got ${describe(detections)}`);
  detections.forEach((d, k) => {
    checkNumber(d?.image_id, `detections[${k}].image_id`);
    checkNumber(d.category_id, `detections[${k}].category_id`);
  });
}

function checkNumber(value: unknown, where: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new Error(`cocoEvaluate: ${where} must be a finite number, got ${describe(value)}`);
  }
}

/** Objects grouped by (image, category) in input order, keeping only the evaluated images and categories. */
function groupBy(
  prepared: readonly Prepared[],
  source: readonly { readonly image_id: number; readonly category_id: number }[],
  images: ReadonlySet<number>,
  categories: ReadonlySet<number>,
): Map<string, Prepared[]> {
  const groups = new Map<string, Prepared[]>();
  prepared.forEach((o, k) => {
    const { image_id: imageId, category_id: catId } = source[k];
    if (!images.has(imageId) || !categories.has(catId)) return;
    const list = groups.get(key(imageId, catId));
    if (list === undefined) groups.set(key(imageId, catId), [o]);
    else list.push(o);
  });
  return groups;
}

function key(imageId: number, catId: number): string {
  return `${imageId}:${catId}`;
}

/** Highest score first; equal scores keep their order (numpy's mergesort on -score). */
function stableSortByScore(objects: Prepared[]): Prepared[] {
  return objects.sort((a, b) => b.score - a.score);
}

function sortedUnique(ids: readonly number[]): number[] {
  return [...new Set(ids)].sort((a, b) => a - b);
}
