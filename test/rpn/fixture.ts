/** The golden vectors of scripts/fixtures/rpn.py, typed; large arrays come as base64 float32. */
import { readFileSync } from 'node:fs';

import type { RpnStyle } from '../../src/rpn/index.js';

/** Little-endian float32 bytes (base64) -> Float32Array (keeps NaN and infinities). */
export function f32(base64: string): Float32Array {
  const bytes = Buffer.from(base64, 'base64');
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(4 * i);
  return out;
}

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

/** Largest |a - b| over two equally long arrays (throws on a length mismatch). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
