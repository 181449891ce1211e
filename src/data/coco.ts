/**
 * COCO instance-segmentation JSON (the format of LIVECell's annotations): its types, a checker
 * that turns parsed JSON into a typed dataset with errors naming the offending annotation and
 * field, and an atomic writer.
 *
 * Coordinates are COCO's: `bbox` is `[x, y, width, height]` in pixels (not x1, y1, x2, y2);
 * polygons are flat `[x1, y1, x2, y2, ...]` in pixel coordinates where pixel (0, 0) covers
 * [0, 1) x [0, 1); RLE `counts` run over the mask in column-major order, `size` is `[H, W]`.
 * LIVECell stores `annotations` as an object keyed by id; both that and a list are read.
 */
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from './atomic.js';
import { describe } from '../utils/describe.js';

/** One image entry; fields beyond these (LIVECell's `original_filename`, `url`) are kept. */
export interface CocoImage {
  readonly id: number;
  readonly file_name: string;
  readonly height: number;
  readonly width: number;
  readonly [field: string]: unknown;
}

/** A mask as COCO RLE: `size` [H, W], column-major `counts`, compressed string or numbers. */
export interface CocoRleSegmentation {
  readonly size: readonly [number, number];
  readonly counts: string | readonly number[];
}

/** Polygons (each flat `[x1, y1, x2, y2, ...]`, at least 3 points) or an RLE. */
export type CocoSegmentation = readonly (readonly number[])[] | CocoRleSegmentation;

/** One annotated instance. */
export interface CocoAnnotation {
  readonly id: number;
  readonly image_id: number;
  readonly category_id: number;
  readonly segmentation: CocoSegmentation;
  /** Pixel area of the mask. */
  readonly area: number;
  /** `[x, y, width, height]` in pixels. */
  readonly bbox: readonly [number, number, number, number];
  /** 1 for a crowd region (RLE), 0 otherwise. */
  readonly iscrowd: 0 | 1;
}

/** One category (LIVECell: one cell line). */
export interface CocoCategory {
  readonly id: number;
  readonly name: string;
  readonly supercategory?: string;
}

/** A COCO dataset; `info` and `licenses` are passed through untouched. */
export interface CocoDataset {
  readonly images: readonly CocoImage[];
  readonly annotations: readonly CocoAnnotation[];
  readonly categories: readonly CocoCategory[];
  readonly info?: unknown;
  readonly licenses?: unknown;
}


function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Builds errors that name the source and the entry, e.g. "x.json: annotation 7: field bbox: ...". */
function fieldChecker(name: string, entry: string, record: Record<string, unknown>) {
  // `value` names what was found for a nested field (`segmentation[0]`) that `record` lacks.
  const fail = (field: string, expected: string, value?: { got: unknown }): Error => {
    const got = value !== undefined ? describe(value.got) : field in record ? describe(record[field]) : 'nothing';
    return new Error(`${name}: ${entry}: field ${field}: expected ${expected}, got ${got}`);
  };
  return {
    fail,
    integer(field: string, min = 0): number {
      const v = record[field];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw fail(field, `an integer >= ${min}`);
      return v;
    },
    number(field: string): number {
      const v = record[field];
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw fail(field, 'a finite number >= 0');
      return v;
    },
    string(field: string): string {
      const v = record[field];
      if (typeof v !== 'string' || v === '') throw fail(field, 'a non-empty string');
      return v;
    },
  };
}

function isNumberArray(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'number' && Number.isFinite(v));
}

function checkSegmentation(value: unknown, fail: (field: string, expected: string, value?: { got: unknown }) => Error): CocoSegmentation {
  if (Array.isArray(value)) {
    if (value.length === 0) throw fail('segmentation', 'at least one polygon');
    value.forEach((polygon, k) => {
      if (!isNumberArray(polygon) || polygon.length < 6 || polygon.length % 2 !== 0) {
        throw fail(`segmentation[${k}]`, 'a polygon [x1, y1, x2, y2, ...] of at least 3 points', { got: polygon });
      }
    });
    return value as number[][];
  }
  if (!isRecord(value)) throw fail('segmentation', 'a list of polygons or an RLE object {size, counts}');
  const { size, counts } = value;
  if (!isNumberArray(size) || size.length !== 2 || !size.every((v) => Number.isInteger(v) && v >= 0)) {
    throw fail('segmentation.size', '[height, width] (two integers >= 0)', { got: size });
  }
  if (typeof counts !== 'string' && !(isNumberArray(counts) && counts.every((v) => Number.isInteger(v) && v >= 0))) {
    throw fail('segmentation.counts', 'a compressed RLE string or a list of integers >= 0', { got: counts });
  }
  return { size: [size[0], size[1]], counts };
}

function checkAnnotation(name: string, value: unknown, key: string): CocoAnnotation {
  if (!isRecord(value)) throw new Error(`${name}: annotation ${key}: expected an object, got ${describe(value)}`);
  // An annotation keyed by id (LIVECell) may leave its own id out.
  const id = value.id === undefined && /^[0-9]+$/.test(key) ? Number(key) : value.id;
  const check = fieldChecker(name, `annotation ${typeof id === 'number' ? id : key}`, { ...value, id });
  const bbox = value.bbox;
  if (!isNumberArray(bbox) || bbox.length !== 4) throw check.fail('bbox', '[x, y, width, height]');
  const iscrowd = value.iscrowd ?? 0;
  if (iscrowd !== 0 && iscrowd !== 1) throw check.fail('iscrowd', '0 or 1');
  return {
    ...value,
    id: check.integer('id'),
    image_id: check.integer('image_id'),
    category_id: check.integer('category_id'),
    segmentation: checkSegmentation(value.segmentation, check.fail),
    area: check.number('area'),
    bbox: [bbox[0], bbox[1], bbox[2], bbox[3]],
    iscrowd,
  };
}

/**
 * Checks parsed COCO JSON and returns it typed. `annotations` may be a list or an object keyed
 * by id. Throws an error naming `name`, the entry (`image 3`, `annotation 17`) and the field for
 * a malformed structure, duplicate ids, or an annotation of an unknown image or category.
 */
export function parseCocoDataset(json: unknown, name = '<json>'): CocoDataset {
  if (!isRecord(json)) throw new Error(`${name}: expected a COCO object {images, annotations, categories}, got ${describe(json)}`);
  const { images, annotations, categories } = json;
  if (!Array.isArray(images)) throw new Error(`${name}: field images: expected a list, got ${describe(images)}`);
  if (!Array.isArray(categories)) throw new Error(`${name}: field categories: expected a list, got ${describe(categories)}`);
  if (!Array.isArray(annotations) && !isRecord(annotations)) {
    throw new Error(`${name}: field annotations: expected a list or an object keyed by id, got ${describe(annotations)}`);
  }
  const checkedImages = images.map((image, k): CocoImage => {
    if (!isRecord(image)) throw new Error(`${name}: images[${k}]: expected an object, got ${describe(image)}`);
    const check = fieldChecker(name, `image ${typeof image.id === 'number' ? image.id : `at index ${k}`}`, image);
    return { ...image, id: check.integer('id'), file_name: check.string('file_name'), height: check.integer('height', 1), width: check.integer('width', 1) };
  });
  const checkedCategories = categories.map((category, k): CocoCategory => {
    if (!isRecord(category)) throw new Error(`${name}: categories[${k}]: expected an object, got ${describe(category)}`);
    const check = fieldChecker(name, `category ${typeof category.id === 'number' ? category.id : `at index ${k}`}`, category);
    return { ...category, id: check.integer('id'), name: check.string('name') };
  });
  const entries: [string, unknown][] = Array.isArray(annotations)
    ? annotations.map((a, k) => [isRecord(a) && typeof a.id === 'number' ? String(a.id) : `at index ${k}`, a])
    : Object.entries(annotations);
  const checkedAnnotations = entries.map(([key, a]) => checkAnnotation(name, a, key));
  const unique = (what: string, ids: number[]) => {
    const seen = new Set<number>();
    for (const id of ids) {
      if (seen.has(id)) throw new Error(`${name}: ${what} ${id}: duplicate id`);
      seen.add(id);
    }
    return seen;
  };
  const imageIds = unique('image', checkedImages.map((i) => i.id));
  const categoryIds = unique('category', checkedCategories.map((c) => c.id));
  unique('annotation', checkedAnnotations.map((a) => a.id));
  for (const a of checkedAnnotations) {
    if (!imageIds.has(a.image_id)) throw new Error(`${name}: annotation ${a.id}: field image_id: no image has id ${a.image_id}`);
    if (!categoryIds.has(a.category_id)) throw new Error(`${name}: annotation ${a.id}: field category_id: no category has id ${a.category_id}`);
  }
  return {
    ...json,
    images: checkedImages,
    annotations: checkedAnnotations,
    categories: checkedCategories,
  };
}

/** Reads and checks a COCO JSON file; see `parseCocoDataset`. Invalid JSON errors name the file. */
export async function readCocoJson(path: string): Promise<CocoDataset> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new Error(`readCocoJson: cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`readCocoJson: ${path}: invalid JSON: ${(error as Error).message}`, { cause: error });
  }
  return parseCocoDataset(json, path);
}

/**
 * Checks `dataset` as `parseCocoDataset` does and writes it as JSON (annotations as a list) to
 * `path` atomically; nothing is written when the check fails.
 */
export async function writeCocoJson(path: string, dataset: CocoDataset): Promise<void> {
  const checked = parseCocoDataset(dataset, `writeCocoJson(${path})`);
  await writeFileAtomic(path, JSON.stringify(checked));
}
