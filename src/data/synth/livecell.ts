/**
 * Synthetic images in LIVECell's layout: `images/<name>.tif` and a COCO `annotations.json`
 * whose segmentations are the outlines the masks were rasterized from (so pycocotools'
 * polygon rasterization gives back nearly the same pixels). Annotations are a list, as in
 * COCO (LIVECell's own files key them by id in an object). Categories are the cell types,
 * ids 1, 2, 3 in `CELL_TYPES` order.
 *
 * Coordinates: COCO's, pixels with x right and y down; `bbox` is `[x, y, width, height]` of
 * the mask's pixels (x, y the top-left pixel's corner).
 */
import { CELL_TYPES, type CellType, cellTypeId } from '../sartorius.js';
import { formatElapsed, type SynthImageInfo } from './metadata.js';
import type { SynthImage } from './synthesize.js';

/** A COCO image record. */
export interface CocoImageRecord {
  readonly id: number;
  readonly file_name: string;
  readonly width: number;
  readonly height: number;
}

/** A COCO annotation with polygon segmentation. */
export interface CocoPolygonAnnotation {
  readonly id: number;
  readonly image_id: number;
  readonly category_id: number;
  /** One polygon, flat `[x1, y1, x2, y2, ...]`. */
  readonly segmentation: number[][];
  /** Pixels in the mask. */
  readonly area: number;
  readonly bbox: [x: number, y: number, width: number, height: number];
  readonly iscrowd: 0;
}

/** A COCO dataset being filled in. */
export interface CocoPolygonDataset {
  readonly images: CocoImageRecord[];
  readonly annotations: CocoPolygonAnnotation[];
  readonly categories: { readonly id: number; readonly name: CellType; readonly supercategory: 'cell' }[];
}

/** A COCO dataset with no images, whose categories are all three cell types (ids fixed by `CELL_TYPES`). */
export function emptyCocoDataset(): CocoPolygonDataset {
  return {
    images: [],
    annotations: [],
    categories: CELL_TYPES.map((name) => ({ id: cellTypeId(name) + 1, name, supercategory: 'cell' as const })),
  };
}

/** LIVECell-style file name: `SHSY5Y_Phase_F10_4_00d11h30m_<id>.tif`. */
export function livecellFileName(info: SynthImageInfo): string {
  const [days, clock] = formatElapsed(info.minutes).split(' days ');
  const [hours, minutes] = clock.split(':');
  return `${info.cellType.toUpperCase()}_Phase_${info.well}_${info.site}_${days.padStart(2, '0')}d${hours}h${minutes}m_${info.id}.tif`;
}

/** Polygon coordinates rounded to 1/100 pixel, as annotation tools write them. */
function roundedPolygon(polygon: Float64Array): number[] {
  return Array.from(polygon, (v) => Math.round(v * 100) / 100);
}

/** Appends the image `fileName` and one annotation per mask of `synth` to `coco`; ids count up from 1. */
export function addCocoImage(coco: CocoPolygonDataset, fileName: string, info: SynthImageInfo, synth: SynthImage): void {
  const imageId = coco.images.length + 1;
  coco.images.push({ id: imageId, file_name: fileName, width: synth.width, height: synth.height });
  const area = synth.masks.area();
  const { boxes } = synth;
  const categoryId = cellTypeId(info.cellType) + 1;
  for (let i = 0; i < synth.masks.length; i++) {
    const [x1, y1, x2, y2] = boxes.subarray(4 * i, 4 * i + 4);
    coco.annotations.push({
      id: coco.annotations.length + 1,
      image_id: imageId,
      category_id: categoryId,
      segmentation: [roundedPolygon(synth.polygons[i])],
      area: area[i],
      bbox: [x1, y1, x2 - x1, y2 - y1],
      iscrowd: 0,
    });
  }
}
