// The median pruner on hand-made histories (maximizing: below the median is pruned).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { type Trial, medianPruner, nanMedian } from '../../src/tune/index.js';

const trial = (number: number, state: Trial['state'], reports: [number, number][]): Trial => ({
  number,
  state,
  params: {},
  intermediate: new Map(reports),
  ...(state === 'complete' ? { value: reports.at(-1)?.[1] ?? 0 } : {}),
});

/** Five complete trials that reported 0.1 ... 0.5 at step 10 and 0.2 ... 0.6 at step 20: medians 0.3 and 0.4. */
const complete = [0.1, 0.2, 0.3, 0.4, 0.5].map((v, i) => trial(i, 'complete', [[10, v], [20, v + 0.1]]));

describe('medianPruner', () => {
  const prune = medianPruner();

  it('nanMedian is the middle value, or the mean of the two middle ones, NaN ignored', () => {
    assert.equal(nanMedian([0.3, 0.1, 0.2]), 0.2);
    assert.equal(nanMedian([4, 1, 3, 2]), 2.5);
    assert.equal(nanMedian([NaN, 1, 3]), 2);
    assert.ok(Number.isNaN(nanMedian([NaN])));
  });

  it('prunes a trial whose value is below the median of the complete trials at the same step', () => {
    const low = trial(5, 'running', [[10, 0.25]]);
    const high = trial(6, 'running', [[10, 0.35]]);
    const equal = trial(7, 'running', [[10, 0.3]]);
    assert.equal(prune(low, [...complete, low]), true);
    assert.equal(prune(high, [...complete, high]), false);
    assert.equal(prune(equal, [...complete, equal]), false, 'at the median is not below it');
    // At step 20 the median is 0.4.
    const later = trial(8, 'running', [[10, 0.31], [20, 0.38]]);
    assert.equal(prune(later, [...complete, later]), true);
  });

  it('compares the trial\'s best value so far, as Optuna does', () => {
    // 0.5 at step 10 then 0.2 at step 20: the best, 0.5, is above step 20's median 0.4.
    const dipped = trial(5, 'running', [[10, 0.5], [20, 0.2]]);
    assert.equal(prune(dipped, [...complete, dipped]), false);
  });

  it('waits for 5 complete trials; pruned, failed and running ones do not count', () => {
    const low = trial(9, 'running', [[10, 0.0]]);
    const four = complete.slice(0, 4);
    const others = [trial(5, 'pruned', [[10, 0.9]]), trial(6, 'failed', [[10, 0.9]]), trial(7, 'running', [[10, 0.9]])];
    assert.equal(prune(low, [...four, ...others, low]), false);
    assert.equal(prune(low, [...complete, ...others, low]), true);
    assert.equal(medianPruner({ nStartupTrials: 4 })(low, [...four, low]), true);
  });

  it('does not prune at a step no complete trial reported, nor before the warmup, nor between intervals', () => {
    const odd = trial(5, 'running', [[15, 0.0]]);
    assert.equal(prune(odd, [...complete, odd]), false);
    const early = trial(5, 'running', [[10, 0.0]]);
    assert.equal(medianPruner({ nWarmupSteps: 11 })(early, [...complete, early]), false);
    // Interval 20 from 0: checks at 0, 20, 40...; a report at 10 after one at 5 is not the first in [0, 20).
    const between = trial(5, 'running', [[5, 0.0], [10, 0.0]]);
    assert.equal(medianPruner({ intervalSteps: 20 })(between, [...complete, between]), false);
    assert.equal(medianPruner({ intervalSteps: 5 })(between, [...complete, between]), true);
  });

  it('prunes a trial that reported only NaN', () => {
    const nan = trial(5, 'running', [[10, NaN]]);
    assert.equal(prune(nan, [...complete, nan]), true);
  });

  it('refuses options out of range, naming them', () => {
    assert.throws(() => medianPruner({ intervalSteps: 0 }), /intervalSteps must be an integer >= 1, got 0/);
  });
});
