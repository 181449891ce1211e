/**
 * Training records: one image with its ground truth, read from the competition's layout
 * (`train.csv` + `train/<id>.png`) or LIVECell's (COCO JSON + TIFFs), the way Detectron2's
 * `load_coco_json` and `DatasetMapper` read a registered dataset.
 *
 * Shape shorthand: H, W: the image; G: ground-truth instances. Boxes are absolute
 * `x1, y1, x2, y2` in pixels, `x2, y2` one past the last pixel for boxes taken from masks
 * (Detectron2's `BitMasks.get_bounding_boxes`).
 *
 * A dataset describes each record as plain data (`RecordSource`) that `loadRecord` reads, so the
 * training loader can hand the reading to worker threads.
 */
import { join } from 'node:path';
import { readPng, type ImageArray } from '../../data/image.js';
import { annotationToRle, readLivecellImage, readLivecellJson, type LivecellImage } from '../../data/livecell.js';
import { cellTypeId, loadTrainCsv } from '../../data/sartorius.js';
import type { Picture } from '../../model/preprocess.js';
import { kaggleRleRuns } from '../../rle/index.js';
import type { CroppedMask } from './cropped-mask.js';
import { cropFromColumnCounts, cropFromRowRuns } from './crops.js';

/** One training image with its ground truth. */
export interface TrainingRecord {
  readonly id: string;
  /** [H, W, C] 8-bit, C = 1 (grey) or 3 (RGB). */
  readonly picture: Picture;
  /** [G*4] `x1, y1, x2, y2`, absolute pixels: the masks' tight bounds (`sartoriusDataset`) or the annotations' `bbox` (`livecellDataset`). */
  readonly gtBoxes: Float32Array;
  /** [G] class ids, contiguous from 0. */
  readonly gtClasses: Int32Array;
  /** G masks, crops in image coordinates, none empty. */
  readonly gtMasks: readonly CroppedMask[];
  /**
   * Annotations of this image left out because their mask has no pixel (at loading, or after
   * resizing: Detectron2's `filter_empty_instances`), for the caller to report.
   */
  readonly emptyMasksDropped: number;
}

/** Where the records of a dataset come from: plain data, safe to post to a worker thread. */
export type RecordSource = SartoriusSource | LivecellSource;

/** One image of `train.csv`. */
export interface SartoriusSource {
  readonly kind: 'sartorius';
  readonly id: string;
  /** The PNG, `<dataDir>/train/<id>.png`. */
  readonly file: string;
  /** The `train.csv` it is described in, and each annotation's line there, for error messages. */
  readonly csv: string;
  readonly lines: readonly number[];
  readonly height: number;
  readonly width: number;
  /** The cell type's class id (`cellTypeId`), the class of every instance. */
  readonly classId: number;
  /** The well the image comes from (`sample_id`), when `train.csv` has that column. */
  readonly sampleId?: string;
  /** One Kaggle RLE per instance, in file order. */
  readonly annotations: readonly string[];
}

/** One image of a COCO JSON (LIVECell). */
export interface LivecellSource {
  readonly kind: 'livecell';
  readonly id: string;
  /** `<imageDir>/<file_name>`. */
  readonly file: string;
  readonly imageDir: string;
  /** The image with its usable annotations (not crowd). */
  readonly image: LivecellImage;
  /** [G] the class id of each annotation: its category's index in sorted category ids. */
  readonly classIds: readonly number[];
}

/** What building a dataset left out, for the caller to report (Detectron2 logs the same counts). */
export interface DatasetDropped {
  /** Crowd annotations (`iscrowd: 1`), which `DatasetMapper` does not train on. */
  readonly crowdAnnotations: number;
  /** Images left with no usable annotation, skipped (`filter_images_with_only_crowd_annotations`). */
  readonly images: number;
}

/** Training images, each read on demand. */
export interface TrainingDataset {
  readonly size: number;
  /** [size] image ids, in dataset order (the order a sampler's indices refer to). */
  readonly ids: readonly string[];
  readonly dropped: DatasetDropped;
  /** The plain-data description `load` reads; throws for an index outside `[0, size)`. */
  source(index: number): RecordSource;
  /** Reads image `index` with its ground truth; see `loadRecord`. */
  load(index: number): Promise<TrainingRecord>;
}

function makeDataset(sources: readonly RecordSource[], dropped: DatasetDropped): TrainingDataset {
  const source = (index: number): RecordSource => {
    if (!Number.isInteger(index) || index < 0 || index >= sources.length) {
      throw new RangeError(`TrainingDataset: index ${index} is out of range [0, ${sources.length})`);
    }
    return sources[index];
  };
  return {
    size: sources.length,
    ids: sources.map((s) => s.id),
    dropped,
    source,
    load: (index) => loadRecord(source(index)),
  };
}

/** Options of `sartoriusDataset`. */
export interface SartoriusDatasetOptions {
  /** The annotations; default `<dataDir>/train.csv`. */
  readonly csv?: string;
  /** Only these image ids (a fold's training split); they keep `train.csv`'s order. */
  readonly images?: readonly string[];
}

/**
 * The competition's training images: `train.csv` (Kaggle RLE per cell) and
 * `<dataDir>/train/<id>.png`, in order of first appearance in `train.csv`. Every instance's
 * class is the image's cell type (`cellTypeId`); boxes are the masks' tight bounds, which is
 * what a COCO conversion of `train.csv` stores as `bbox` (pycocotools `toBbox`). Every listed
 * image has annotations, so `FILTER_EMPTY_ANNOTATIONS` never removes one; masks whose RLE is
 * empty are dropped at loading.
 */
export async function sartoriusDataset(dataDir: string, options: SartoriusDatasetOptions = {}): Promise<TrainingDataset> {
  const csv = options.csv ?? join(dataDir, 'train.csv');
  let images = await loadTrainCsv(csv);
  if (options.images !== undefined) {
    const wanted = new Set(options.images);
    const known = new Set(images.map((image) => image.id));
    const missing = [...wanted].filter((id) => !known.has(id));
    if (missing.length > 0) {
      throw new Error(`sartoriusDataset: ${missing.length} requested image(s) are not in ${csv}: ${missing.slice(0, 5).join(', ')}`);
    }
    images = images.filter((image) => wanted.has(image.id));
  }
  const sources = images.map(
    (image): SartoriusSource => ({
      kind: 'sartorius',
      id: image.id,
      file: join(dataDir, 'train', `${image.id}.png`),
      csv,
      lines: image.rows.map((row) => row.line),
      height: image.height,
      width: image.width,
      classId: cellTypeId(image.cellType),
      ...(image.sampleId !== undefined ? { sampleId: image.sampleId } : {}),
      annotations: image.rows.map((row) => row.annotation),
    }),
  );
  return makeDataset(sources, { crowdAnnotations: 0, images: 0 });
}

/** Options of `livecellDataset`. */
export interface LivecellDatasetOptions {
  /** Skip images without a usable annotation (`DATALOADER.FILTER_EMPTY_ANNOTATIONS`); default true. */
  readonly filterEmptyAnnotations?: boolean;
}

/**
 * A COCO instance-segmentation dataset such as LIVECell: `annotationJson` and the images under
 * `imageDir`, as Detectron2's `load_coco_json` and `DatasetMapper` read it: images in
 * increasing id order; class ids the categories' indices in increasing category id; crowd
 * annotations left out; boxes the annotations' `bbox` (`[x, y, w, h]` -> `x1, y1, x2, y2`), as
 * Detectron2 takes them, not recomputed from the masks. Polygons are rasterised at the image's
 * size (pycocotools `annToRLE`). `readCocoJson` refuses polygons of fewer than 3 points and
 * unknown categories, which `load_coco_json` would drop with a warning or refuse.
 */
export async function livecellDataset(annotationJson: string, imageDir: string, options: LivecellDatasetOptions = {}): Promise<TrainingDataset> {
  const { filterEmptyAnnotations = true } = options;
  const dataset = await readLivecellJson(annotationJson);
  const categoryIds = dataset.categories.map((c) => c.id).sort((a, b) => a - b);
  const classOf = new Map(categoryIds.map((id, index) => [id, index]));
  let crowd = 0;
  let skipped = 0;
  const sources: LivecellSource[] = [];
  for (const image of [...dataset.images].sort((a, b) => a.id - b.id)) {
    const annotations = image.annotations.filter((a) => a.iscrowd === 0);
    crowd += image.annotations.length - annotations.length;
    if (filterEmptyAnnotations && annotations.length === 0) {
      skipped++;
      continue;
    }
    sources.push({
      kind: 'livecell',
      id: String(image.id),
      file: join(imageDir, image.file_name),
      imageDir,
      image: { ...image, annotations },
      classIds: annotations.map((a) => classOf.get(a.category_id)!),
    });
  }
  return makeDataset(sources, { crowdAnnotations: crowd, images: skipped });
}

/**
 * An 8-bit image as a `Picture`: grey and RGB as they are; grey+alpha and RGBA lose their
 * alpha (PIL's `convert`, which Detectron2's `read_image` applies). 16-bit images are refused
 * (Detectron2 feeds only 8-bit images to the network).
 */
function toPicture(image: ImageArray, height: number, width: number): Picture {
  const [h, w] = image.shape;
  const channels = image.shape.length === 3 ? image.shape[2] : 1;
  if (h !== height || w !== width) {
    throw new Error(`the image is ${h} x ${w}, but the annotations give ${height} x ${width}`);
  }
  if (!(image.data instanceof Uint8Array)) throw new Error('16-bit images are not supported (8-bit expected)');
  const kept = channels === 2 ? 1 : channels === 4 ? 3 : channels;
  const { offset, stride } = image;
  const dense =
    offset === 0 && image.data.length === h * w * channels && stride[0] === w * channels && stride[1] === channels && (channels === 1 || stride[2] === 1);
  if (dense && kept === channels) return { data: image.data, height, width, channels };
  const out = new Uint8Array(h * w * kept);
  const get = image.shape.length === 3 ? (y: number, x: number, c: number) => image.get(y, x, c) : (y: number, x: number) => image.get(y, x);
  for (let y = 0, o = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < kept; c++) out[o++] = get(y, x, c);
  return { data: out, height, width, channels: kept };
}

/** Gathers kept instances into a record. */
class RecordBuilder {
  private readonly boxes: number[] = [];
  private readonly classes: number[] = [];
  private readonly masks: CroppedMask[] = [];
  private empty = 0;

  add(mask: CroppedMask | null, box: readonly [number, number, number, number] | null, classId: number): void {
    if (mask === null) {
      this.empty++;
      return;
    }
    const { x, y, width, height } = mask;
    this.boxes.push(...(box ?? [x, y, x + width, y + height]));
    this.classes.push(classId);
    this.masks.push(mask);
  }

  build(id: string, picture: Picture): TrainingRecord {
    return {
      id,
      picture,
      gtBoxes: Float32Array.from(this.boxes),
      gtClasses: Int32Array.from(this.classes),
      gtMasks: this.masks,
      emptyMasksDropped: this.empty,
    };
  }
}

async function loadSartorius(source: SartoriusSource): Promise<TrainingRecord> {
  const { height, width } = source;
  const picture = toPicture(await readPng(source.file), height, width);
  const record = new RecordBuilder();
  source.annotations.forEach((text, k) => {
    let runs: Uint32Array;
    try {
      runs = kaggleRleRuns(text, height, width);
    } catch (error) {
      throw new Error(`${source.csv} line ${source.lines[k]}: column annotation: ${(error as Error).message}`, { cause: error });
    }
    record.add(cropFromRowRuns(runs, width), null, source.classId);
  });
  return record.build(source.id, picture);
}

async function loadLivecell(source: LivecellSource): Promise<TrainingRecord> {
  const { image } = source;
  const picture = toPicture(await readLivecellImage(source.imageDir, image), image.height, image.width);
  const record = new RecordBuilder();
  image.annotations.forEach((annotation, k) => {
    const rle = annotationToRle(annotation, image.height, image.width);
    // BoxMode.convert(XYWH -> XYXY) adds in the float32 of torch.tensor(bbox).
    const [x, y, w, h] = annotation.bbox.map(Math.fround);
    record.add(cropFromColumnCounts(rle.counts, image.height), [x, y, Math.fround(x + w), Math.fround(y + h)], source.classIds[k]);
  });
  return record.build(source.id, picture);
}

/**
 * Reads one image and its ground truth. Masks without pixels are dropped (counted in
 * `emptyMasksDropped`). Throws an error naming the image id and file when the image is
 * missing, corrupt, 16-bit or not the annotated size, or an annotation is malformed.
 */
export async function loadRecord(source: RecordSource): Promise<TrainingRecord> {
  try {
    return source.kind === 'sartorius' ? await loadSartorius(source) : await loadLivecell(source);
  } catch (error) {
    throw new Error(`loadRecord: image ${source.id} (${source.file}): ${(error as Error).message}`, { cause: error });
  }
}
