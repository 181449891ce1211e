/**
 * LIVECell: COCO JSON annotations grouped by image, and each image's TIFF (8-bit grey,
 * 704 x 520, LZW in the release).
 */
import { join } from 'node:path';
import { cocoPolygonsToRle, cocoRleDecode, cocoRleFromJson, type CocoRle } from '../rle/index.js';
import { BitMasks } from '../structures/index.js';
import { readCocoJson, type CocoAnnotation, type CocoCategory, type CocoDataset } from './coco.js';
import { readTiff, type ImageArray } from './image.js';

/** One image with its annotations (in file order). */
export interface LivecellImage {
  readonly id: number;
  readonly file_name: string;
  readonly height: number;
  readonly width: number;
  readonly annotations: readonly CocoAnnotation[];
}

/** A LIVECell (or any COCO) dataset as images with their annotations. */
export interface LivecellDataset {
  readonly categories: readonly CocoCategory[];
  /** In the order of the JSON's `images`. */
  readonly images: readonly LivecellImage[];
}

/** Groups a checked COCO dataset's annotations by image. */
export function groupCocoByImage(dataset: CocoDataset): LivecellDataset {
  const byImage = new Map<number, CocoAnnotation[]>(dataset.images.map((image) => [image.id, []]));
  for (const annotation of dataset.annotations) {
    const list = byImage.get(annotation.image_id);
    if (list === undefined) throw new Error(`groupCocoByImage: annotation ${annotation.id} refers to image ${annotation.image_id}, which is not in images`);
    list.push(annotation);
  }
  return {
    categories: dataset.categories,
    images: dataset.images.map(({ id, file_name, height, width }) => ({ id, file_name, height, width, annotations: byImage.get(id)! })),
  };
}

/** Reads a LIVECell COCO JSON file (annotations as a list or keyed by id) grouped by image. */
export async function readLivecellJson(path: string): Promise<LivecellDataset> {
  return groupCocoByImage(await readCocoJson(path));
}

/**
 * Reads `<dir>/<image.file_name>` -> [H, W] image. Throws when the TIFF is unreadable or its
 * shape is not the JSON's `[height, width]`.
 */
export async function readLivecellImage(dir: string, image: LivecellImage): Promise<ImageArray> {
  const path = join(dir, image.file_name);
  const pixels = await readTiff(path);
  if (pixels.dimension !== 2 || pixels.shape[0] !== image.height || pixels.shape[1] !== image.width) {
    throw new Error(
      `readLivecellImage: ${path} has shape [${pixels.shape.join(', ')}], but the annotations give image ${image.id} as grey ${image.height} x ${image.width}`,
    );
  }
  return pixels;
}

/**
 * The COCO RLE of an annotation on an H x W image: polygons are rasterised as pycocotools'
 * `annToRLE` does (union of `frPyObjects`), RLE objects are read as they are and must have
 * `size` [H, W]. Errors name the annotation, its image and the field.
 */
export function annotationToRle(annotation: CocoAnnotation, height: number, width: number): CocoRle {
  const where = `annotationToRle: annotation ${annotation.id} (image ${annotation.image_id}): field segmentation`;
  const { segmentation } = annotation;
  try {
    if (Array.isArray(segmentation)) return cocoPolygonsToRle(segmentation as readonly number[][], height, width);
    const { size, counts } = segmentation as Exclude<typeof segmentation, readonly (readonly number[])[]>;
    if (size[0] !== height || size[1] !== width) {
      throw new Error(`RLE size is [${size[0]}, ${size[1]}], the image is [${height}, ${width}]`);
    }
    return cocoRleFromJson({ size: [size[0], size[1]], counts: typeof counts === 'string' ? counts : [...counts] });
  } catch (error) {
    throw new Error(`${where}: ${(error as Error).message}`, { cause: error });
  }
}

/** Decodes an image's annotations -> [N, H, W] masks, mask k from `image.annotations[k]`. */
export function decodeAnnotationMasks(image: LivecellImage): BitMasks {
  const { height, width, annotations } = image;
  const plane = height * width;
  const data = new Uint8Array(annotations.length * plane);
  annotations.forEach((annotation, k) => data.set(cocoRleDecode(annotationToRle(annotation, height, width)), k * plane));
  return new BitMasks(data, height, width);
}
