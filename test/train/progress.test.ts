import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ProgressState, ProgressLine, formatDuration, formatProgress } from '../../src/train/progress.js';

const STATE: ProgressState = {
  iteration: 120,
  maxIter: 300,
  elapsedSeconds: 200,
  secondsPerIter: 1.61,
  losses: { total_loss: 1.234, loss_rpn_cls: 0.1, loss_rpn_loc: 0.05, loss_cls: 0.4, loss_box_reg: 0.3, loss_mask: 0.38 },
  lr: 0.001,
};

describe('formatProgress', () => {
  it('shows iteration, bar, percent, eta, s/it, the loss terms and lr when there is room', () => {
    assert.equal(
      formatProgress(STATE, 200),
      // eta: (300 - 120) * 1.61 s = 289.8 s = 0:04:50; 20-wide bar 40% full.
      'iter 120/300 [========>           ]  40%  eta 0:04:50  1.61 s/it  total 1.234 rpn_cls 0.10 rpn_loc 0.05 cls 0.40 box 0.30 mask 0.38  lr 1.0e-3',
    );
  });

  it('fits 120 columns by default, dropping the bar before any loss term', () => {
    const line = formatProgress(STATE);
    assert.ok(line.length <= 120, `${line.length} columns`);
    assert.equal(line, 'iter 120/300  40%  eta 0:04:50  1.61 s/it  total 1.234 rpn_cls 0.10 rpn_loc 0.05 cls 0.40 box 0.30 mask 0.38  lr 1.0e-3');
    const fewerTerms = formatProgress({ ...STATE, losses: { loss_cls: 0.4, loss_mask: 0.38 } });
    assert.match(fewerTerms, /^iter 120\/300 \[=+> +\]  40%  eta 0:04:50  1\.61 s\/it  total 0\.780 cls 0\.40 mask 0\.38  lr 1\.0e-3$/);
  });

  it('narrows further by dropping loss terms from the end, then s/it and lr, and cuts as a last resort', () => {
    for (const columns of [100, 80, 60, 40, 30, 20, 5]) {
      assert.ok(formatProgress(STATE, columns).length <= columns, `${columns} columns`);
    }
    assert.equal(formatProgress(STATE, 80), 'iter 120/300  40%  eta 0:04:50  1.61 s/it  total 1.234 rpn_cls 0.10  lr 1.0e-3');
    assert.equal(formatProgress(STATE, 60), 'iter 120/300  40%  eta 0:04:50  total 1.234  lr 1.0e-3');
    assert.equal(formatProgress(STATE, 30), 'iter 120/300  40%  eta 0:04:50');
    assert.equal(formatProgress(STATE, 9), 'iter 120/');
  });

  it('draws the bar empty at the start and full at the end', () => {
    const losses = { loss_cls: 0.5 };
    assert.match(formatProgress({ ...STATE, losses, iteration: 0 }), /\[> {19}\]   0%/);
    assert.match(formatProgress({ ...STATE, losses, iteration: 300 }), /\[={20}\] 100%  eta 0:00:00/);
  });

  it('falls back to elapsed / iteration for the rate, and shows unknowns and NaN losses plainly', () => {
    // 200 s over 100 iterations: 2 s/it, 200 left: 400 s = 0:06:40.
    assert.match(formatProgress({ ...STATE, iteration: 100, secondsPerIter: undefined }), /eta 0:06:40  2\.00 s\/it/);
    assert.match(formatProgress({ ...STATE, iteration: 100, secondsPerIter: Number.NaN }), /eta 0:06:40/);
    const start = formatProgress({ ...STATE, iteration: 0, elapsedSeconds: 0, secondsPerIter: undefined, losses: { loss_cls: Number.NaN, loss_mask: 0.004 } });
    assert.match(start, /eta -:--:--  - s\/it  total nan cls nan mask 4\.0e-3  lr 1\.0e-3$/);
  });

  it('sums the terms when total_loss is absent and lists unknown terms after the known ones', () => {
    const line = formatProgress({ ...STATE, losses: { loss_extra: 0.25, loss_mask: 0.5, loss_cls: 0.25 } }, 200);
    assert.match(line, /total 1\.000 cls 0\.25 mask 0\.50 extra 0\.25  lr/);
  });

  it('writes ETA as h:mm:ss with unbounded hours', () => {
    assert.equal(formatDuration(0), '0:00:00');
    assert.equal(formatDuration(59.6), '0:01:00');
    assert.equal(formatDuration(3 * 3600 + 12 * 60 + 5), '3:12:05');
    assert.equal(formatDuration(125 * 3600), '125:00:00');
    assert.equal(formatDuration(Number.NaN), '-:--:--');
  });

  it('rejects out-of-range or malformed fields, naming them', () => {
    assert.throws(() => formatProgress({ ...STATE, iteration: 301 }), /formatProgress: iteration must be an integer from 0 to maxIter \(300\), got number 301/);
    assert.throws(() => formatProgress({ ...STATE, maxIter: 0 }), /maxIter must be an integer >= 1/);
    assert.throws(() => formatProgress({ ...STATE, elapsedSeconds: -1 }), /elapsedSeconds/);
    assert.throws(() => formatProgress({ ...STATE, losses: { loss_cls: '1' as unknown as number } }), /losses\.loss_cls must be a number, got string "1"/);
    assert.throws(() => formatProgress(STATE, 0), /columns must be an integer >= 1/);
  });
});

/** A stream that records what is written, as a terminal or a file. */
function fakeStream(isTTY: boolean, columns?: number): { writes: string[]; write(text: string): boolean; isTTY: boolean; columns?: number } {
  const writes: string[] = [];
  return { writes, isTTY, columns, write: (text: string) => writes.push(text) > 0 };
}

describe('ProgressLine', () => {
  it('rewrites one line on a terminal, cut to the width, and ends it with a newline', () => {
    const stream = fakeStream(true, 12);
    const progress = new ProgressLine(stream);
    progress.update('iter 1/3');
    progress.update('iter 2/3 and a long tail');
    progress.update('iter 2/3 and a long tail');
    progress.done();
    progress.done();
    assert.deepEqual(stream.writes, ['\riter 1/3\x1b[K', '\riter 2/3 an\x1b[K', '\n']);
  });

  it('prints the first update and then one line per interval elsewhere, and the held-back last one at done', () => {
    let now = 0;
    const stream = fakeStream(false);
    const progress = new ProgressLine(stream, { intervalSeconds: 5, now: () => now });
    for (let second = 0; second <= 12; second++) {
      now = second * 1000;
      progress.update(`t=${second}`);
    }
    progress.done();
    assert.deepEqual(stream.writes, ['t=0\n', 't=5\n', 't=10\n', 't=12\n']);
  });

  it('does not repeat the last line at done when it was printed, and starts anew after done', () => {
    let now = 0;
    const stream = fakeStream(false);
    const progress = new ProgressLine(stream, { intervalSeconds: 10, now: () => now });
    progress.update('first');
    progress.done();
    now = 1000;
    progress.update('second run');
    progress.update('second run, line\nbreak');
    progress.done();
    assert.deepEqual(stream.writes, ['first\n', 'second run\n', 'second run, line break\n']);
  });

  it('treats a stream without isTTY as a file and rejects bad arguments', () => {
    const writes: string[] = [];
    const progress = new ProgressLine({ write: (text: string) => writes.push(text) }, { intervalSeconds: 0 });
    progress.update('a');
    progress.update('b');
    assert.deepEqual(writes, ['a\n', 'b\n']);
    assert.throws(() => new ProgressLine({} as never), /ProgressLine: stream must have a write method, got object/);
    assert.throws(() => new ProgressLine(fakeStream(false), { intervalSeconds: -1 }), /intervalSeconds must be a finite number >= 0/);
  });
});
