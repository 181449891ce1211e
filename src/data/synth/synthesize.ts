/**
 * One synthetic phase-contrast image with its instance masks.
 *
 * Shape shorthand: N: instances, H, W: image height and width, K: vertices of an outline.
 * Coordinates: pixels, x right, y down; pixel (x, y) covers [x, x+1) x [y, y+1) and belongs to
 * a polygon when its centre does (pycocotools' convention for polygons).
 */
import type { BoxArray } from '../../structures/boxes.js';
import { BitMasks } from '../../structures/masks.js';
import type { Random } from '../../utils/random.js';
import { CELL_TYPES, type CellType } from '../sartorius.js';
import { MORPHOLOGIES, type Morphology, type Range } from './morphology.js';
import { drawPolyline, neuritePath } from './neurite.js';
import { centreSampler } from './placement.js';
import { rasterizePolygon, type MaskCrop } from './raster.js';
import { renderPhaseContrast, type BodyToRender } from './render.js';
import { starShape, type StarShape } from './shape.js';
import { substrateLayer } from './substrate.js';

/** The competition's image size. */
export const SARTORIUS_HEIGHT = 520;
export const SARTORIUS_WIDTH = 704;

/** Options of `synthesizeImage`. */
export interface SynthImageOptions {
  /** The one cell type of the image (one per image, as in the competition). */
  readonly cellType: CellType;
  /** Image height in pixels; default 520. */
  readonly height?: number;
  /** Image width in pixels; default 704. */
  readonly width?: number;
}

/** A synthetic image and its truth. */
export interface SynthImage {
  /** Row-major [H, W] 8-bit grey image. */
  readonly image: Uint8Array;
  readonly height: number;
  readonly width: number;
  /** [N, H, W] instance masks; they may overlap each other, as the competition's do. */
  readonly masks: BitMasks;
  /**
   * [N, 4] tight boxes `x1, y1, x2, y2` around the masks, `x2, y2` one past the last pixel
   * (as `BitMasks.boundingBoxes` gives, without scanning whole masks).
   */
  readonly boxes: BoxArray;
  readonly cellType: CellType;
  /** [N] outlines, each flat [K, 2] `x, y`; mask i is polygon i rasterized, clipped to the image. */
  readonly polygons: Float64Array[];
}

/** Smallest mask kept, in pixels (cells cut by the border can be small, not slivers). */
const MIN_AREA = 20;
/** Placements tried per cell before it is given up (the image is then less crowded). */
const TRIES_PER_CELL = 6;

function draw(rng: Random, [lo, hi]: Range): number {
  return rng.uniform(lo, hi);
}

function drawInt(rng: Random, [lo, hi]: Range): number {
  return rng.int(lo, hi + 1);
}

interface PlacedCell {
  readonly shape: StarShape;
  readonly crop: MaskCrop;
  readonly rotation: number;
}

/** Pixels of `crop` already covered in `occupied` ([H, W]). */
function overlapArea(occupied: Uint8Array, width: number, crop: MaskCrop): number {
  let overlap = 0;
  for (let j = 0; j < crop.height; j++) {
    const row = (crop.y0 + j) * width + crop.x0;
    for (let i = 0; i < crop.width; i++) if (crop.data[j * crop.width + i] !== 0 && occupied[row + i] !== 0) overlap++;
  }
  return overlap;
}

function markOccupied(occupied: Uint8Array, width: number, crop: MaskCrop): void {
  for (let j = 0; j < crop.height; j++) {
    const row = (crop.y0 + j) * width + crop.x0;
    for (let i = 0; i < crop.width; i++) if (crop.data[j * crop.width + i] !== 0) occupied[row + i] = 1;
  }
}

/** Tight `x1, y1, x2, y2` box of a crop's set pixels, in image pixels (x2, y2 exclusive). */
function cropBox(crop: MaskCrop): [number, number, number, number] {
  let x1 = Infinity;
  let y1 = Infinity;
  let x2 = -1;
  let y2 = -1;
  for (let j = 0; j < crop.height; j++) {
    for (let i = 0; i < crop.width; i++) {
      if (crop.data[j * crop.width + i] === 0) continue;
      x1 = Math.min(x1, i);
      x2 = Math.max(x2, i);
      y1 = Math.min(y1, j);
      y2 = j;
    }
  }
  return [crop.x0 + x1, crop.y0 + y1, crop.x0 + x2 + 1, crop.y0 + y2 + 1];
}

/**
 * Places the cells: each is drawn at up to `TRIES_PER_CELL` centres and kept at the first
 * where it covers at least `MIN_AREA` pixels of the image and at most `maxOverlap` of its area
 * lies on cells already placed.
 */
function placeCells(rng: Random, morphology: Morphology, count: number, height: number, width: number): PlacedCell[] {
  const sample = centreSampler(rng, morphology, count, height, width);
  const occupied = new Uint8Array(height * width);
  const cells: PlacedCell[] = [];
  for (let c = 0; c < count; c++) {
    for (let t = 0; t < TRIES_PER_CELL; t++) {
      const [cx, cy] = sample();
      const rotation = rng.uniform(0, Math.PI);
      const shape = starShape(rng, {
        cx,
        cy,
        radius: draw(rng, morphology.radius),
        elongation: draw(rng, morphology.elongation),
        rotation,
        roughness: morphology.roughness,
        lobes: drawInt(rng, morphology.lobes),
        vertices: morphology.vertices,
      });
      const crop = rasterizePolygon(shape.polygon, height, width);
      if (crop.area < MIN_AREA || overlapArea(occupied, width, crop) > morphology.maxOverlap * crop.area) continue;
      markOccupied(occupied, width, crop);
      cells.push({ shape, crop, rotation });
      break;
    }
  }
  return cells;
}

/**
 * Draws the neurites of every cell into a thickness layer [H, W]. SH-SY5Y-like bipolar cells
 * send them out along the long axis, alternating ends; others in any direction.
 */
function neuriteLayer(rng: Random, morphology: Morphology, cells: readonly PlacedCell[], height: number, width: number): Float32Array {
  const layer = new Float32Array(height * width);
  for (const { shape, rotation } of cells) {
    const n = drawInt(rng, morphology.neurites);
    const meanRadius = shape.radii.reduce((s, r) => s + r, 0) / shape.radii.length;
    for (let k = 0; k < n; k++) {
      const angle = morphology.elongation[0] > 1 ? rotation + (k % 2) * Math.PI + rng.normal(0, 0.35) : rng.uniform(0, 2 * Math.PI);
      // Start inside the body so the process visibly grows out of it.
      const start = 0.6 * meanRadius * shape.stretchLong;
      const path = neuritePath(
        rng,
        shape.cx + start * Math.cos(angle),
        shape.cy + start * Math.sin(angle),
        angle,
        draw(rng, morphology.neuriteLength),
      );
      drawPolyline(layer, height, width, path, rng.uniform(0.3, 0.6), rng.uniform(0.6, 1));
    }
  }
  return layer;
}

/**
 * Synthesizes one phase-contrast-like image of `options.cellType` cells with its instance
 * masks and outlines. The number of cells is drawn from the type's range (`MORPHOLOGIES`),
 * scaled by the image's area relative to 520 x 704, then cells that find no room are dropped.
 * The same `rng` state gives the same result.
 */
export function synthesizeImage(rng: Random, options: SynthImageOptions): SynthImage {
  const { cellType, height = SARTORIUS_HEIGHT, width = SARTORIUS_WIDTH } = options;
  if (!(CELL_TYPES as readonly string[]).includes(cellType)) {
    throw new Error(`synthesizeImage: options.cellType must be one of ${CELL_TYPES.join(', ')}, got ${JSON.stringify(cellType)}`);
  }
  for (const [name, v] of [['height', height], ['width', width]] as const) {
    if (!Number.isInteger(v) || v < 16 || v > 8192) {
      throw new Error(`synthesizeImage: options.${name} must be an integer in [16, 8192], got ${v}`);
    }
  }
  const morphology = MORPHOLOGIES[cellType];
  const scale = (height * width) / (SARTORIUS_HEIGHT * SARTORIUS_WIDTH);
  const count = Math.max(1, Math.round(drawInt(rng, morphology.count) * scale));
  const cells = placeCells(rng, morphology, count, height, width);

  const plane = height * width;
  const data = new Uint8Array(cells.length * plane);
  const boxes = new Float32Array(4 * cells.length);
  cells.forEach(({ crop }, n) => {
    boxes.set(cropBox(crop), 4 * n);
    for (let j = 0; j < crop.height; j++) {
      const row = crop.data.subarray(j * crop.width, (j + 1) * crop.width);
      data.set(row, n * plane + (crop.y0 + j) * width + crop.x0);
    }
  });

  const background = neuriteLayer(rng, morphology, cells, height, width);
  const substrate = substrateLayer(rng, height, width, draw(rng, morphology.substrateSpacing), morphology.substrate);
  for (let p = 0; p < plane; p++) background[p] = Math.max(background[p], substrate[p]);
  const bodies: BodyToRender[] = cells.map(({ shape, crop }) => ({
    shape,
    crop,
    thickness: draw(rng, morphology.thickness),
    rimFraction: morphology.rimFraction,
    granules: Math.round((morphology.granules * crop.area) / 100),
  }));
  const image = renderPhaseContrast(rng, bodies, background, height, width);
  return {
    image,
    height,
    width,
    masks: new BitMasks(data, height, width),
    boxes,
    cellType,
    polygons: cells.map(({ shape }) => shape.polygon),
  };
}
