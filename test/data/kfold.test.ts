import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { foldIndices, groupKFold, type KFoldItem } from '../../src/data/kfold.js';
import { Random } from '../../src/utils/random.js';

/** A Sartorius-like table: wells (groups) of one cell type each, 1..maxPerGroup images per well. */
function wells(seed: number, groupsPerStratum: readonly number[], maxPerGroup: number): KFoldItem[] {
  const random = new Random(seed);
  const items: KFoldItem[] = [];
  groupsPerStratum.forEach((groups, s) => {
    for (let g = 0; g < groups; g++) {
      const size = random.int(1, maxPerGroup + 1);
      for (let i = 0; i < size; i++) items.push({ group: `s${s}_well${g}`, stratum: `type${s}` });
    }
  });
  return random.shuffle(items);
}

function countsPerFold(items: readonly KFoldItem[], folds: Int32Array, k: number, stratum: string): number[] {
  const counts = new Array<number>(k).fill(0);
  items.forEach((item, i) => {
    if (item.stratum === stratum) counts[folds[i]]++;
  });
  return counts;
}

const itemsArbitrary = fc.array(fc.record({ group: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'), stratum: fc.constantFrom('x', 'y', 'z') }), {
  minLength: 1,
  maxLength: 60,
});

describe('groupKFold', () => {
  it('splits single-item groups of one stratum evenly: 4 items, 2 folds -> 2 and 2', () => {
    const items = ['a', 'b', 'c', 'd'].map((group) => ({ group, stratum: 'astro' }));
    const folds = groupKFold(items, 2, 0);
    assert.deepEqual([...folds].filter((f) => f === 0).length, 2);
    assert.deepEqual([...folds].filter((f) => f === 1).length, 2);
  });

  it('never puts one group in two folds, and leaves no fold empty', () =>
    fc.assert(
      fc.property(itemsArbitrary, fc.integer({ min: 2, max: 6 }), fc.integer(), (items, k, seed) => {
        const groups = new Set(items.map((i) => i.group)).size;
        fc.pre(groups >= k);
        const folds = groupKFold(items, k, seed);
        assert.equal(folds.length, items.length);
        const foldOf = new Map<string, number>();
        items.forEach((item, i) => {
          assert.ok(folds[i] >= 0 && folds[i] < k);
          assert.equal(foldOf.get(item.group) ?? folds[i], folds[i], `group ${item.group} split`);
          foldOf.set(item.group, folds[i]);
        });
        assert.equal(new Set(folds).size, k);
      }),
      { numRuns: 300 },
    ));

  it('balances each stratum across folds to within 3 items (Sartorius-like: 3 cell types, wells of 1-6 images)', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const items = wells(seed, [40, 25, 35], 6);
      const folds = groupKFold(items, 5, seed);
      for (const stratum of ['type0', 'type1', 'type2']) {
        const counts = countsPerFold(items, folds, 5, stratum);
        assert.ok(Math.max(...counts) - Math.min(...counts) <= 3, `seed ${seed}, ${stratum}: ${counts}`);
      }
    }
  });

  it('is deterministic for a seed and varies with the seed', () => {
    const items = wells(7, [30, 30, 30], 4);
    assert.deepEqual(groupKFold(items, 5, 42), groupKFold(items, 5, 42));
    const distinct = new Set(Array.from({ length: 10 }, (_, seed) => groupKFold(items, 5, seed).join(',')));
    assert.ok(distinct.size >= 9, `only ${distinct.size} distinct splits over 10 seeds`);
  });

  it('rejects bad k, seeds, items and too few groups', () => {
    const items = [
      { group: 'a', stratum: 'x' },
      { group: 'b', stratum: 'x' },
    ];
    assert.throws(() => groupKFold(items, 1, 0), { message: 'groupKFold: k must be an integer >= 2, got 1' });
    assert.throws(() => groupKFold(items, 2.5, 0), { message: 'groupKFold: k must be an integer >= 2, got 2.5' });
    assert.throws(() => groupKFold(items, 2, 0.5), { message: 'groupKFold: seed must be an integer, got 0.5' });
    assert.throws(() => groupKFold(items, 3, 0), { message: 'groupKFold: k = 3 folds need at least 3 groups, got 2' });
    assert.throws(() => groupKFold([{ group: 'a' } as KFoldItem], 2, 0), { message: 'groupKFold: item 0 must have string group and stratum, got {"group":"a"}' });
  });
});

describe('foldIndices', () => {
  it('splits item indices into the fold and the rest', () => {
    assert.deepEqual(foldIndices(Int32Array.of(0, 1, 0, 2), 0), { train: [1, 3], validation: [0, 2] });
    assert.throws(() => foldIndices(Int32Array.of(0, 1), 2), { message: 'foldIndices: no item is in fold 2' });
  });
});
