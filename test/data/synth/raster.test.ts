import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { rasterizePolygon } from '../../../src/data/synth/raster.js';
import { starShape } from '../../../src/data/synth/shape.js';
import { Random } from '../../../src/utils/random.js';

/** Oracle: even-odd test of each pixel centre against every edge, over the whole image. */
function bruteForce(polygon: Float64Array, height: number, width: number): Uint8Array {
  const k = polygon.length / 2;
  const out = new Uint8Array(height * width);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const px = x + 0.5;
      const py = y + 0.5;
      let inside = false;
      for (let i = 0, j = k - 1; i < k; j = i++) {
        const [xi, yi, xj, yj] = [polygon[2 * i], polygon[2 * i + 1], polygon[2 * j], polygon[2 * j + 1]];
        if (yi > py !== yj > py && px < ((xj - xi) * (py - yi)) / (yj - yi) + xi) inside = !inside;
      }
      out[y * width + x] = inside ? 1 : 0;
    }
  }
  return out;
}

function uncrop(crop: ReturnType<typeof rasterizePolygon>, height: number, width: number): Uint8Array {
  const out = new Uint8Array(height * width);
  for (let j = 0; j < crop.height; j++) {
    for (let i = 0; i < crop.width; i++) out[(crop.y0 + j) * width + crop.x0 + i] = crop.data[j * crop.width + i];
  }
  return out;
}

describe('rasterizePolygon', () => {
  it('takes the pixels whose centres are inside', () => {
    // Square [1, 3] x [1, 3]: centres 1.5 and 2.5 on each axis -> pixels x, y in {1, 2}.
    const crop = rasterizePolygon(Float64Array.of(1, 1, 3, 1, 3, 3, 1, 3), 5, 5);
    assert.deepEqual([crop.x0, crop.y0, crop.width, crop.height, crop.area], [1, 1, 2, 2, 4]);
    assert.deepEqual(Array.from(crop.data), [1, 1, 1, 1]);
  });

  it('matches a brute-force point-in-polygon oracle on random star shapes, clipped at the border', () => {
    const rng = new Random(3);
    for (let t = 0; t < 30; t++) {
      const shape = starShape(rng, {
        cx: rng.uniform(-5, 45),
        cy: rng.uniform(-5, 35),
        radius: rng.uniform(3, 12),
        elongation: rng.uniform(1, 3),
        rotation: rng.uniform(0, Math.PI),
        roughness: 0.25,
        lobes: rng.int(0, 4),
        vertices: 32,
      });
      const crop = rasterizePolygon(shape.polygon, 30, 40);
      const expected = bruteForce(shape.polygon, 30, 40);
      assert.deepEqual(uncrop(crop, 30, 40), expected, `shape ${t}`);
      assert.equal(crop.area, expected.reduce((s, v) => s + v, 0));
    }
  });

  it('gives an empty crop for a polygon outside the image, and rejects a malformed one', () => {
    assert.equal(rasterizePolygon(Float64Array.of(50, 50, 60, 50, 60, 60), 10, 10).area, 0);
    assert.throws(() => rasterizePolygon([0, 0, 1, 1], 10, 10), /rasterizePolygon: polygon .* got length 4/);
  });
});

describe('starShape', () => {
  it('is an ellipse of the given axes without roughness or lobes', () => {
    const shape = starShape(new Random(1), {
      cx: 10, cy: 20, radius: 4, elongation: 4, rotation: 0, roughness: 0, lobes: 0, vertices: 4,
    });
    // Long axis along x: 4 * sqrt(4) = 8; short: 4 / 2 = 2.
    const rounded = Array.from(shape.polygon, (v) => Math.round(v * 1e9) / 1e9);
    assert.deepEqual(rounded, [18, 20, 10, 22, 2, 20, 10, 18]);
  });

  it('rejects a non-positive radius, naming it', () => {
    assert.throws(
      () => starShape(new Random(1), { cx: 0, cy: 0, radius: 0, elongation: 1, rotation: 0, roughness: 0, lobes: 0, vertices: 8 }),
      /starShape: .*got radius 0/,
    );
  });
});
