import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { synthesizeImage, type SynthImage } from '../../../src/data/synth/synthesize.js';
import type { CellType } from '../../../src/data/sartorius.js';
import { Random } from '../../../src/utils/random.js';

const TYPES: readonly CellType[] = ['shsy5y', 'astro', 'cort'];
// Two full-size 520 x 704 images per type, made once and shared by the tests below.
const samples = new Map<CellType, SynthImage[]>(
  TYPES.map((t, k) => [t, [synthesizeImage(new Random(100 + k), { cellType: t }), synthesizeImage(new Random(200 + k), { cellType: t })]]),
);

function meanStd(image: Uint8Array): [number, number] {
  let s = 0;
  let s2 = 0;
  for (const v of image) {
    s += v;
    s2 += v * v;
  }
  const mean = s / image.length;
  return [mean, Math.sqrt(s2 / image.length - mean * mean)];
}

/** Ratio of the smaller to the larger eigenvalue of a mask's pixel covariance (1 for a disc). */
function roundness(mask: Uint8Array, width: number): number {
  let n = 0;
  let sx = 0;
  let sy = 0;
  for (let p = 0; p < mask.length; p++) {
    if (mask[p] === 0) continue;
    n++;
    sx += p % width;
    sy += Math.floor(p / width);
  }
  const mx = sx / n;
  const my = sy / n;
  let xx = 0;
  let yy = 0;
  let xy = 0;
  for (let p = 0; p < mask.length; p++) {
    if (mask[p] === 0) continue;
    const dx = (p % width) - mx;
    const dy = Math.floor(p / width) - my;
    xx += dx * dx;
    yy += dy * dy;
    xy += dx * dy;
  }
  const tr = xx + yy;
  const disc = Math.sqrt((xx - yy) ** 2 + 4 * xy * xy);
  return (tr - disc) / (tr + disc);
}

function mean(values: ArrayLike<number>): number {
  return Array.from(values).reduce((s, v) => s + v, 0) / values.length;
}

describe('synthesizeImage', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const a = synthesizeImage(new Random(5), { cellType: 'cort', height: 96, width: 128 });
    const b = synthesizeImage(new Random(5), { cellType: 'cort', height: 96, width: 128 });
    const c = synthesizeImage(new Random(6), { cellType: 'cort', height: 96, width: 128 });
    assert.deepEqual(a.image, b.image);
    assert.deepEqual(a.masks.data, b.masks.data);
    assert.notDeepEqual(a.image, c.image);
  });

  it('has the grey level and contrast of the real image (mean 128.0, std 14.7)', () => {
    for (const [type, images] of samples) {
      for (const s of images) {
        const [m, sd] = meanStd(s.image);
        assert.ok(m >= 120 && m <= 136, `${type}: mean ${m}`);
        assert.ok(sd >= 8 && sd <= 25, `${type}: std ${sd}`);
      }
    }
  });

  it('draws counts in each type\'s range, astro largest and cort roundest', () => {
    const ranges: Record<CellType, [number, number]> = { shsy5y: [80, 300], astro: [15, 80], cort: [40, 200] };
    const stats = new Map<CellType, { area: number; round: number }>();
    for (const [type, images] of samples) {
      const areas: number[] = [];
      const rounds: number[] = [];
      for (const s of images) {
        assert.equal(s.cellType, type);
        const [lo, hi] = ranges[type];
        // Cells that find no room are dropped, so counts may fall a little under the range drawn from.
        assert.ok(s.masks.length >= lo && s.masks.length <= hi, `${type}: ${s.masks.length} cells`);
        areas.push(...s.masks.area());
        for (let i = 0; i < s.masks.length; i += 5) rounds.push(roundness(s.masks.get(i), s.width));
      }
      stats.set(type, { area: mean(areas), round: mean(rounds) });
    }
    const st = (t: CellType) => stats.get(t)!;
    assert.ok(st('astro').area > 3 * st('shsy5y').area, `astro ${st('astro').area} vs shsy5y ${st('shsy5y').area}`);
    assert.ok(st('shsy5y').area >= 80 && st('shsy5y').area <= 400, `shsy5y mean area ${st('shsy5y').area}`);
    assert.ok(st('cort').round > st('shsy5y').round && st('cort').round > st('astro').round, JSON.stringify([...stats]));
  });

  it('gives non-empty masks inside the image, boxes tight around them, and some overlapping pairs', () => {
    for (const [type, images] of samples) {
      const s = images[0];
      const area = s.masks.area();
      assert.ok(area.every((a) => a >= 20), `${type}: a mask has under 20 pixels`);
      assert.deepEqual(s.boxes, s.masks.boundingBoxes());
      assert.equal(s.polygons.length, s.masks.length);
    }
    let overlapping = 0;
    for (const s of samples.get('shsy5y')!) {
      const cover = new Uint8Array(s.height * s.width);
      for (let i = 0; i < s.masks.length; i++) {
        const m = s.masks.get(i);
        for (let p = 0; p < m.length; p++) if (m[p] !== 0 && cover[p]++ === 1) overlapping++;
      }
    }
    assert.ok(overlapping > 0, 'no pixel is claimed by two SH-SY5Y masks');
  });

  it('rejects an unknown cell type and a bad size, naming the argument', () => {
    assert.throws(() => synthesizeImage(new Random(1), { cellType: 'hela' as CellType }), /synthesizeImage: options.cellType .* got "hela"/);
    assert.throws(() => synthesizeImage(new Random(1), { cellType: 'cort', height: 2.5 }), /synthesizeImage: options.height .* got 2.5/);
  });
});
