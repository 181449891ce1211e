import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { validateSubmission } from '../../src/ensemble/index.js';

describe('validateSubmission', () => {
  it('accepts disjoint masks, touching runs and an empty prediction', () => {
    const rows = [
      { id: 'a', predicted: '1 5 11 2' },
      { id: 'a', predicted: '6 5' },
      { id: 'b', predicted: '' },
      { id: 'c', predicted: '1 5' },
    ];
    assert.deepEqual(validateSubmission(rows, { height: 4, width: 5 }), []);
  });

  it('names the row, line, id and token of unparseable text', () => {
    const problems = validateSubmission(
      [
        { id: 'a', predicted: '3 2 1 2', line: 2 },
        { id: 'a', predicted: '1 0', line: 3 },
        { id: 'b', predicted: '19 5', line: 4 },
        { id: 'b', predicted: '1 x', line: 5 },
      ],
      { height: 4, width: 5 },
    );
    assert.deepEqual(problems.map((p) => [p.row, p.line, p.id]), [[0, 2, 'a'], [1, 3, 'a'], [2, 4, 'b'], [3, 5, 'b']]);
    assert.match(problems[0].message, /^line 2 \(id a\): invalid run-length text: .*sorted/);
    assert.match(problems[1].message, /length "0" at position 2 is below 1/);
    assert.match(problems[2].message, /past the last pixel 20 of a 4 x 5 image/);
    assert.match(problems[3].message, /token "x" at position 2/);
  });

  it('reports each overlapping pair once, with the shared pixel count, only within an image', () => {
    const rows = [
      { id: 'a', predicted: '1 10' },
      { id: 'b', predicted: '1 10' },
      { id: 'a', predicted: '8 5' },
      { id: 'a', predicted: '9 1 15 2' },
    ];
    const problems = validateSubmission(rows, { height: 4, width: 5 });
    assert.deepEqual(problems.map((p) => [p.row, p.otherRow]), [[2, 0], [3, 0], [3, 2]]);
    assert.equal(problems[0].message, 'row 2 (id a): mask overlaps the mask of row 0 in 3 pixels; masks may not overlap');
    assert.match(problems[2].message, /row 3 \(id a\): mask overlaps the mask of row 2 in 1 pixel;/);
  });

  it('uses the competition size 520 x 704 by default', () => {
    assert.deepEqual(validateSubmission([{ id: 'a', predicted: `${520 * 704} 1` }]), []);
    assert.equal(validateSubmission([{ id: 'a', predicted: `${520 * 704} 2` }]).length, 1);
  });
});
