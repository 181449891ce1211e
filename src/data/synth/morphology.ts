/**
 * What each cell type looks like, as the ranges the generator draws from. The numbers follow
 * the competition's images and masks: SH-SY5Y cells are small, elongated and clustered with
 * thin neurites, 100-300 per image; astrocytes are large, irregular and spread out, 20-80 per
 * image; cortical neurons are small and round, 50-200 per image.
 *
 * Lengths are in pixels of a 704 x 520 image; a range `[lo, hi]` is drawn uniformly.
 */
import type { CellType } from '../sartorius.js';

/** A closed interval `[lo, hi]` drawn uniformly. */
export type Range = readonly [lo: number, hi: number];

/** The parameters of one cell type's cells, their layout in the image and their look. */
export interface Morphology {
  /** Instances per image. */
  readonly count: Range;
  /** Mean radius of a body before stretching. */
  readonly radius: Range;
  /** Long axis over short axis. */
  readonly elongation: Range;
  /** Log-radius noise of the outline (see `starShape`). */
  readonly roughness: number;
  /** Lobes (thick processes) on the outline, an integer range. */
  readonly lobes: Range;
  /** Vertices of the outline polygon. */
  readonly vertices: number;
  /** Thin neurites drawn from each body, an integer range; they are not part of the mask. */
  readonly neurites: Range;
  /** Length of a neurite. */
  readonly neuriteLength: Range;
  /**
   * Cells per cluster on average; cells of a cluster lie around its centre with standard
   * deviation `clusterSpread`. 1 spreads the cells uniformly over the image.
   */
  readonly cellsPerCluster: number;
  readonly clusterSpread: number;
  /** Largest fraction of a new cell's area that may lie on cells already placed. */
  readonly maxOverlap: number;
  /** Optical thickness of a body (the phase the image is rendered from). */
  readonly thickness: Range;
  /** Fraction of the thickness reached at the rim; the rest rises as a dome to the centre. */
  readonly rimFraction: number;
  /** Granules (small dots) per 100 px² of body. */
  readonly granules: number;
  /** Thickness of the unannotated background network (see `substrateLayer`); 0 for none. */
  readonly substrate: number;
  /** Size of the network's meshes. */
  readonly substrateSpacing: Range;
}

/** The morphology of each cell type. */
export const MORPHOLOGIES: Readonly<Record<CellType, Morphology>> = {
  shsy5y: {
    count: [100, 300],
    radius: [5, 8.5],
    elongation: [1.4, 3],
    roughness: 0.12,
    lobes: [0, 1],
    vertices: 28,
    neurites: [1, 3],
    neuriteLength: [15, 70],
    cellsPerCluster: 8,
    clusterSpread: 22,
    maxOverlap: 0.2,
    thickness: [0.8, 1.2],
    rimFraction: 0.45,
    granules: 2,
    substrate: 0.65,
    substrateSpacing: [35, 60],
  },
  astro: {
    count: [20, 80],
    radius: [13, 24],
    elongation: [1, 2],
    roughness: 0.25,
    lobes: [1, 4],
    vertices: 64,
    neurites: [0, 2],
    neuriteLength: [20, 60],
    cellsPerCluster: 1,
    clusterSpread: 0,
    maxOverlap: 0.1,
    thickness: [0.7, 1],
    rimFraction: 0.6,
    granules: 1,
    substrate: 0.75,
    substrateSpacing: [50, 90],
  },
  cort: {
    count: [50, 200],
    radius: [5.5, 8],
    elongation: [1, 1.25],
    roughness: 0.04,
    lobes: [0, 0],
    vertices: 24,
    neurites: [0, 2],
    neuriteLength: [10, 35],
    cellsPerCluster: 2,
    clusterSpread: 12,
    maxOverlap: 0.12,
    thickness: [1, 1.4],
    rimFraction: 0.5,
    granules: 1.5,
    substrate: 0.65,
    substrateSpacing: [40, 70],
  },
};
