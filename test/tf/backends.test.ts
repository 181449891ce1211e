import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import * as tf from '@tensorflow/tfjs-core';

import { BACKENDS, useBackend, withoutLeaks } from './backends.js';

describe('test backends', () => {
  for (const backend of BACKENDS) {
    it(`${backend}: initializes and computes a convolution`, async () => {
      await useBackend(backend);
      assert.equal(tf.getBackend(), backend);
      const y = await withoutLeaks(() =>
        tf.tidy(() => tf.conv2d(tf.ones([1, 3, 3, 1]) as tf.Tensor4D, tf.ones([3, 3, 1, 1]) as tf.Tensor4D, 1, 'same').dataSync()),
      );
      assert.deepEqual(Array.from(y), [4, 6, 4, 6, 9, 6, 4, 6, 4]);
    });
  }

  it('withoutLeaks catches a leaked tensor', async () => {
    await useBackend('cpu');
    let leaked: tf.Tensor | undefined;
    await assert.rejects(
      withoutLeaks(() => {
        leaked = tf.ones([2]);
      }),
      /tensor leak: 1 tensor/,
    );
    leaked?.dispose();
  });
});
