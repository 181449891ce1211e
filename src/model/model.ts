/**
 * `MaskRcnn`: a thin holder of a model's weights, options and anchor generator; inference is
 * `maskRcnnInference`.
 */
import type * as tf from '@tensorflow/tfjs-core';

import type { CellmaskConfig } from '../config/index.js';
import type { Detections } from '../ensemble/detections.js';
import type { AnchorGenerator } from '../rpn/index.js';
import type { WeightMap } from '../weights/weight-map.js';
import { type MaskRcnnOptions, type StageTimes, maskRcnnInference } from './mask-rcnn.js';
import { anchorGeneratorFromConfig, maskRcnnOptionsFromConfig } from './options.js';
import type { Picture } from './preprocess.js';

export class MaskRcnn {
  readonly options: MaskRcnnOptions;
  private readonly anchors: AnchorGenerator;

  /** A model of `cfg` with `weights` (Detectron2 names, tfjs layouts); the model owns the weights. */
  constructor(
    readonly weights: WeightMap,
    readonly config: CellmaskConfig,
  ) {
    this.options = maskRcnnOptionsFromConfig(config);
    this.anchors = anchorGeneratorFromConfig(config);
  }

  /** Detections of one picture at its resolution (see `maskRcnnInference`); `times` collects stage timings. */
  predict(picture: Picture, times?: StageTimes): Promise<Detections> {
    return maskRcnnInference(this.weights, this.anchors, picture, this.options, times);
  }

  /** Frees the weights. */
  dispose(): void {
    this.weights.forEach((t: tf.Tensor) => t.dispose());
  }
}
