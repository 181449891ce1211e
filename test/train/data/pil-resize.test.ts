import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { Picture } from '../../../src/model/preprocess.js';
import { pilNearestIndex, pilResizeBilinear, pilResizeNearest } from '../../../src/train/data/pil-resize.js';

/** Pillow 9.4's results (scripts/fixtures/train_transforms.py). */
interface Fixture {
  inputs: Record<string, { height: number; width: number; channels: number; data: string }>;
  bilinear: { input: string; height: number; width: number; output: string }[];
  nearest: { height: number; width: number; output: string }[];
  nearestIndex: { source: number; size: number; index: string }[];
}

const fixture = JSON.parse(readFileSync(new URL('../../fixtures/train_transforms.json', import.meta.url), 'utf8')) as Fixture;
const bytes = (base64: string): Uint8Array => new Uint8Array(Buffer.from(base64, 'base64'));
const input = (name: string): Picture => ({ ...fixture.inputs[name], data: bytes(fixture.inputs[name].data) });

describe('pilResizeBilinear', () => {
  for (const c of fixture.bilinear) {
    const { height: H, width: W, channels } = fixture.inputs[c.input];
    it(`equals Pillow's BILINEAR exactly: ${c.input} ${H}x${W}x${channels} -> ${c.height}x${c.width}`, () => {
      const out = pilResizeBilinear(input(c.input), c.height, c.width);
      assert.deepEqual([out.height, out.width, out.channels], [c.height, c.width, channels]);
      assert.deepEqual(out.data, bytes(c.output));
    });
  }

  it('copies a picture resized to its own size', () => {
    const picture = input('grey');
    const out = pilResizeBilinear(picture, 13, 17);
    assert.deepEqual(out.data, picture.data);
    assert.notEqual(out.data, picture.data);
  });

  it('interpolates between neighbours when enlarging and averages when shrinking', () => {
    const ramp: Picture = { data: Uint8Array.of(0, 100), height: 1, width: 2, channels: 1 };
    // 2 -> 4: centres at source x = 0.25, 0.75, 1.25, 1.75 -> clamped at the ends, 25% / 75% between.
    assert.deepEqual(pilResizeBilinear(ramp, 1, 4).data, Uint8Array.of(0, 25, 75, 100));
    // 2 -> 1: the triangle widened to the scale (2) covers both pixels equally.
    assert.deepEqual(pilResizeBilinear(ramp, 1, 1).data, Uint8Array.of(50));
  });

  it('checks its arguments', () => {
    assert.throws(() => pilResizeBilinear({ data: new Uint8Array(5), height: 2, width: 3, channels: 1 }, 4, 4), /pilResizeBilinear: picture holds 5 samples, expected 2 x 3 x 1 = 6/);
    assert.throws(() => pilResizeBilinear(input('grey'), 0, 4), /pilResizeBilinear: output size must be positive integers, got 0 x 4/);
  });
});

describe('pilResizeNearest', () => {
  for (const c of fixture.nearest) {
    it(`equals Pillow's NEAREST on a mask: 13x17 -> ${c.height}x${c.width}`, () => {
      assert.deepEqual(pilResizeNearest(input('mask'), c.height, c.width).data, bytes(c.output));
    });
  }
});

describe('pilNearestIndex', () => {
  for (const c of fixture.nearestIndex) {
    it(`equals Pillow's NEAREST table ${c.source} -> ${c.size}`, () => {
      const raw = Buffer.from(c.index, 'base64');
      const expected = Int32Array.from({ length: c.size }, (_, i) => raw.readUInt16LE(2 * i));
      assert.deepEqual(pilNearestIndex(c.source, c.size), expected);
    });
  }

  it('accumulates the step as Pillow does, which is not always floor((i + 0.5) * in / out)', () => {
    // 704 -> 650 (short side 480): one column differs from the closed form.
    const table = pilNearestIndex(704, 650);
    const closedForm = Int32Array.from({ length: 650 }, (_, i) => Math.floor(((i + 0.5) * 704) / 650));
    assert.equal(table.filter((v, i) => v !== closedForm[i]).length, 1);
  });
});
