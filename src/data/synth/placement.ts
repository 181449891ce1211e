/**
 * Where cells go: uniformly over the image, or in Gaussian clusters around uniformly placed
 * centres (SH-SY5Y grow in clumps). Coordinates are image pixels, x right, y down.
 */
import type { Random } from '../../utils/random.js';
import type { Morphology } from './morphology.js';

/** Fraction of the cells of a clustered type that lie outside any cluster. */
const LONERS = 0.15;

/** Draws cell centres `[x, y]` one at a time. */
export type CentreSampler = () => readonly [x: number, y: number];

/**
 * A sampler of centres for about `count` cells of `morphology` in an image of `height` x
 * `width`. With `cellsPerCluster` > 1 it fixes `count / cellsPerCluster` cluster centres now
 * and then draws each cell around one of them (N(0, clusterSpread) per axis), or uniformly for
 * 15% of the cells; with 1, every cell is uniform.
 */
export function centreSampler(rng: Random, morphology: Morphology, count: number, height: number, width: number): CentreSampler {
  const uniform: CentreSampler = () => [rng.uniform(0, width), rng.uniform(0, height)];
  if (morphology.cellsPerCluster <= 1) return uniform;
  const clusters = Math.max(1, Math.round(count / morphology.cellsPerCluster));
  const centres: (readonly [number, number])[] = [];
  for (let i = 0; i < clusters; i++) centres.push(uniform());
  const spread = morphology.clusterSpread;
  return () => {
    if (rng.next() < LONERS) return uniform();
    const [cx, cy] = rng.pick(centres);
    return [cx + rng.normal(0, spread), cy + rng.normal(0, spread)];
  };
}
