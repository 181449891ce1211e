/**
 * The golden tensors of scripts/fixtures/backbone.py: test/fixtures/backbone.json (names, shapes,
 * offsets) over test/fixtures/backbone.bin (float32 little-endian), and an error measure.
 */
import { readFileSync } from 'node:fs';

import * as tf from '@tensorflow/tfjs-core';

interface Manifest {
  readonly tensors: Record<string, { shape: number[]; offset: number }>;
}

const dir = new URL('../fixtures/', import.meta.url);
const manifest = JSON.parse(readFileSync(new URL('backbone.json', dir), 'utf8')) as Manifest;
const bytes = readFileSync(new URL('backbone.bin', dir));
const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));

/** The golden input sizes, `${H}x${W}`. */
export const SIZES = ['64x96', '67x93'] as const;

/** The fixture tensor `key` (`input/64x96`, `output/torchvision/64x96/res2`, ...) on the active backend. */
export function golden(key: string): tf.Tensor {
  const entry = manifest.tensors[key];
  if (entry === undefined) throw new Error(`no fixture tensor "${key}"`);
  const size = entry.shape.reduce((a, b) => a * b, 1);
  return tf.tensor(data.subarray(entry.offset, entry.offset + size), entry.shape, 'float32');
}

/** The weights of a fixture net (`bottleneck` or `basic`) by Detectron2 name, on the active backend. */
export function goldenWeights(net: 'bottleneck' | 'basic'): Map<string, tf.Tensor> {
  const prefix = `weights/${net}/`;
  const weights = new Map<string, tf.Tensor>();
  for (const key of Object.keys(manifest.tensors)) if (key.startsWith(prefix)) weights.set(key.slice(prefix.length), golden(key));
  return weights;
}

/** Max abs error of `actual` against `expected`, and that relative to max |expected|. */
export function errors(actual: tf.Tensor, expected: tf.Tensor): { abs: number; rel: number } {
  if (actual.shape.join() !== expected.shape.join()) {
    throw new Error(`shape [${actual.shape.join(', ')}] differs from the golden [${expected.shape.join(', ')}]`);
  }
  const a = actual.dataSync();
  const e = expected.dataSync();
  let abs = 0;
  let scale = 0;
  for (let i = 0; i < e.length; i++) {
    abs = Math.max(abs, Math.abs(a[i] - e[i]));
    scale = Math.max(scale, Math.abs(e[i]));
  }
  return { abs, rel: abs / scale };
}

/** Keeps the largest errors seen, for a diagnostic line. */
export class ErrorTally {
  abs = 0;
  rel = 0;
  add(e: { abs: number; rel: number }): void {
    this.abs = Math.max(this.abs, e.abs);
    this.rel = Math.max(this.rel, e.rel);
  }
  toString(): string {
    return `max abs error ${this.abs.toExponential(2)}, max rel error ${this.rel.toExponential(2)}`;
  }
}
