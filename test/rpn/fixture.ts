/** The golden vectors of scripts/fixtures/rpn.py, typed; large arrays come as base64 float32. */
import { readFileSync } from 'node:fs';

import type { RpnStyle } from '../../src/rpn/index.js';

export { f32, maxAbsDiff } from '../tf/compare.js';

export interface ProposalCase {
  style: RpnStyle;
  preNmsTopK: number;
  postNmsTopK: number;
  nmsThresh: number;
  minSize: number;
  /** torchvision cases give sigmoid scores, Detectron2 cases logits. */
  images: { boxes: number[]; scores?: number[]; logits?: number[] }[];
}

export interface RpnFixture {
  anchors: {
    name: string;
    style: RpnStyle;
    sizes: number[][];
    aspectRatios: number[][];
    strides: number[];
    offset: number;
    imageSize: [number, number];
    grids: [number, number][];
    anchors: string[];
  }[];
  boxCoder: {
    weights: [number, number, number, number];
    classes: number;
    boxes: number[];
    deltas: number[];
    decoded: number[];
    targets: number[];
    encoded: number[];
  }[];
  head: {
    channels: number;
    numAnchors: number;
    grids: [number, number][];
    batch: number;
    weights: Record<string, { shape: number[]; data: string }>;
    features: string[];
    logits: string[];
    deltas: string[];
  };
  proposals: { imageSizes: [number, number][]; cases: ProposalCase[] };
  nonFinite: { logits: string[]; deltas: string[]; imageSize: [number, number]; cases: ProposalCase[] };
}

export const fixture = JSON.parse(readFileSync(new URL('../fixtures/rpn.json', import.meta.url), 'utf8')) as RpnFixture;

