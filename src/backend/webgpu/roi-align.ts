/**
 * RoIAlign and its gradient as WebGPU compute shaders, for `multiLevelRoiAlign`'s
 * `ROI_ALIGN_KERNEL` / `ROI_ALIGN_GRAD_KERNEL` (see src/roi/roi-align-backend.ts).
 *
 * Why: cellmask's RoIAlign sums its bilinear samples in JavaScript over the features read back
 * with `dataSync`, and tfjs-backend-webgpu cannot read a tensor back synchronously in Node (its
 * `readSync` draws through an `OffscreenCanvas`). Here the CPU still places the samples
 * (`samplingsOf`: torchvision's float32 rules, bit for bit) and packs them; the GPU does the
 * weighted sums, which is where the time goes (R x PH x PW x C outputs, each a few pixels).
 *
 * Packing (one level, K boxes): `spans` int32 [K, 1 + 3 PH + 3 PW]: the box's image, then per
 * bin row (first pixel row, from, to) and per bin column (first pixel column, from, to), where
 * [from, to) indexes `weights` float32: each box's summed y weights times 1 / samples per bin,
 * then its x weights. A bin's output is sum over i, j of wy[i] wx[j] features[first row + i,
 * first column + j] (src/roi/roi-align-kernel.ts computes the same in JavaScript).
 *
 * Forward: one invocation per output value [K, PH, PW, C]. Backward: one per value of dy, adding
 * weight x dy into the [N, H, W, C] gradient with a float atomic add (a compare-exchange loop,
 * as tfjs's own scatter kernels do); the sums' order varies, as with torchvision's CUDA kernel.
 *
 * Shape shorthand: N: images, H, W: feature map, C: channels, K: boxes, PH, PW: output bins.
 */
import * as tf from '@tensorflow/tfjs-core';
// Types only: importing the package registers the backend, which must wait for navigator.gpu.
import type { WebGPUBackend, WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';

import type { RoiAlignGradKernelAttrs, RoiAlignKernelAttrs } from '../../roi/roi-align-backend.js';
import type { BoxSampling } from '../../roi/roi-align-sampling.js';

/** The samplings of one level, packed for the shaders (see the module comment). */
interface PackedSamplings {
  readonly spans: Int32Array;
  readonly weights: Float32Array;
  /** int32 values per box in `spans`. */
  readonly boxStride: number;
}

/** Packs `samplings` for bins `outputSize` (see the module comment). */
export function packSamplings(samplings: readonly BoxSampling[], outputSize: readonly [number, number]): PackedSamplings {
  const [binsH, binsW] = outputSize;
  const boxStride = 1 + 3 * binsH + 3 * binsW;
  const spans = new Int32Array(samplings.length * boxStride);
  const total = samplings.reduce((s, b) => s + b.y.weights.length + b.x.weights.length, 0);
  // A zero-sized binding is invalid in WebGPU: keep one element.
  const weights = new Float32Array(Math.max(total, 1));
  let used = 0;
  samplings.forEach((box, k) => {
    let o = k * boxStride;
    spans[o++] = box.image;
    for (const [axis, bins, scale] of [[box.y, binsH, box.scale], [box.x, binsW, 1]] as const) {
      const start = used;
      for (let s = 0; s < axis.weights.length; s++) weights[used++] = axis.weights[s] * scale;
      for (let p = 0; p < bins; p++) {
        spans[o++] = axis.first[p];
        spans[o++] = start + axis.offsets[p];
        spans[o++] = start + axis.offsets[p + 1];
      }
    }
  });
  return { spans, weights, boxStride };
}

/** One invocation per element of `shape`, flattened, 64 to a workgroup (tfjs's flat layout). */
function flatDispatch(shape: readonly number[]): { dispatchLayout: { x: number[] }; dispatch: [number, number, number] } {
  const size = shape.reduce((a, b) => a * b, 1);
  return { dispatchLayout: { x: shape.map((_, i) => i) }, dispatch: [Math.ceil(size / 64), 1, 1] };
}

const UNIFORMS = 'boxStride : i32, binsH : i32, binsW : i32,';

/** WGSL: the bin's spans, `yFirst, yFrom, yTo, xFirst, xFrom, xTo`, and its image, for box k, bin (ph, pw). */
const BIN_SPANS = `
        let base = k * uniforms.boxStride;
        let image = spans[base];
        let yAt = base + 1 + 3 * ph;
        let xAt = base + 1 + 3 * uniforms.binsH + 3 * pw;
        let yFirst = spans[yAt];
        let yFrom = spans[yAt + 1];
        let yTo = spans[yAt + 2];
        let xFirst = spans[xAt];
        let xFrom = spans[xAt + 1];
        let xTo = spans[xAt + 2];`;

/** [K, PH, PW, C] <- features [N, H, W, C], spans, weights. */
class RoiAlignProgram implements WebGPUProgram {
  outputShape: number[];
  shaderKey = 'cellmaskRoiAlign';
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  variableNames = ['features', 'spans', 'binWeights'];
  uniforms = UNIFORMS;
  workgroupSize: [number, number, number] = [64, 1, 1];
  size = true;

  constructor(outputShape: number[]) {
    this.outputShape = outputShape;
    ({ dispatchLayout: this.dispatchLayout, dispatch: this.dispatch } = flatDispatch(outputShape));
  }

  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index >= uniforms.size) {
          return;
        }
        let coords = getCoordsFromIndex(index);
        let k = coords[0];
        let ph = coords[1];
        let pw = coords[2];
        let c = coords[3];
        ${BIN_SPANS}
        var sum = 0.0;
        for (var i = yFrom; i < yTo; i++) {
          let wy = binWeights[i];
          if (wy == 0.0) {
            continue;
          }
          let row = yFirst + i - yFrom;
          for (var j = xFrom; j < xTo; j++) {
            sum = sum + wy * binWeights[j] * getFeatures(image, row, xFirst + j - xFrom, c);
          }
        }
        setOutputAtIndex(index, sum);
      }
    `;
  }
}

/** Adds into the zeroed gradient [N, H, W, C] <- dy [K, PH, PW, C], spans, weights. */
class RoiAlignGradProgram implements WebGPUProgram {
  outputShape: number[];
  shaderKey = 'cellmaskRoiAlignGrad';
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  variableNames = ['dy', 'spans', 'binWeights'];
  uniforms = `${UNIFORMS} dySize : i32,`;
  workgroupSize: [number, number, number] = [64, 1, 1];
  atomic = true;

  constructor(dyShape: number[], featuresShape: number[]) {
    this.outputShape = featuresShape;
    ({ dispatchLayout: this.dispatchLayout, dispatch: this.dispatch } = flatDispatch(dyShape));
  }

  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index >= uniforms.dySize) {
          return;
        }
        let coords = getDyCoordsFromIndex(index);
        let k = coords[0];
        let ph = coords[1];
        let pw = coords[2];
        let c = coords[3];
        ${BIN_SPANS}
        let g = getDy(k, ph, pw, c);
        let height = uniforms.outShape[1];
        let width = uniforms.outShape[2];
        let channels = uniforms.outShape[3];
        for (var i = yFrom; i < yTo; i++) {
          let wy = binWeights[i];
          if (wy == 0.0) {
            continue;
          }
          let rowBase = (image * height + yFirst + i - yFrom) * width;
          for (var j = xFrom; j < xTo; j++) {
            let value = wy * binWeights[j] * g;
            let at = (rowBase + xFirst + j - xFrom) * channels + c;
            var old = atomicLoad(&result[at]);
            loop {
              let swapped = atomicCompareExchangeWeak(&result[at], old, bitcast<i32>(bitcast<f32>(old) + value));
              if (swapped.exchanged) {
                break;
              }
              old = swapped.old_value;
            }
          }
        }
      }
    `;
  }
}

/** The packed samplings as backend tensors (the caller disposes them) and the program's uniforms. */
function upload(backend: WebGPUBackend, attrs: RoiAlignKernelAttrs): { spans: tf.TensorInfo; weights: tf.TensorInfo; uniforms: { type: string; data: number[] }[] } {
  const packed = packSamplings(attrs.samplings, attrs.outputSize);
  return {
    spans: backend.makeTensorInfo([packed.spans.length], 'int32', packed.spans),
    weights: backend.makeTensorInfo([packed.weights.length], 'float32', packed.weights),
    // One entry per scalar field: tfjs aligns an entry of 3 values as a vec3 (16 bytes).
    uniforms: [packed.boxStride, attrs.outputSize[0], attrs.outputSize[1]].map((v) => ({ type: 'int32', data: [v] })),
  };
}

/** Checks the kernel's input: a float32 [N, H, W, C] tensor. */
function checkRank4(op: string, name: string, t: tf.TensorInfo | undefined): tf.TensorInfo {
  if (t === undefined || t.shape.length !== 4 || t.dtype !== 'float32') {
    throw new Error(`${op}: ${name}: expected a float32 [N, H, W, C] tensor, got ${t === undefined ? 'none' : `${t.dtype} [${t.shape.join(', ')}]`}`);
  }
  return t;
}

/** `ROI_ALIGN_KERNEL` on WebGPU. */
export function roiAlignWebGpu(args: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const backend = args.backend as WebGPUBackend;
  const features = checkRank4('CellmaskRoiAlign', 'features', args.inputs.features);
  const attrs = args.attrs as unknown as RoiAlignKernelAttrs;
  const [binsH, binsW] = attrs.outputSize;
  const program = new RoiAlignProgram([attrs.samplings.length, binsH, binsW, features.shape[3]]);
  const { spans, weights, uniforms } = upload(backend, attrs);
  try {
    return backend.runWebGPUProgram(program, [features, spans, weights], 'float32', uniforms);
  } finally {
    backend.disposeData(spans.dataId);
    backend.disposeData(weights.dataId);
  }
}

/** `ROI_ALIGN_GRAD_KERNEL` on WebGPU. */
export function roiAlignGradWebGpu(args: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const backend = args.backend as WebGPUBackend;
  const dy = checkRank4('CellmaskRoiAlignGrad', 'dy', args.inputs.dy);
  const attrs = args.attrs as unknown as RoiAlignGradKernelAttrs;
  const fill = tf.getKernel('Fill', 'webgpu');
  if (fill === undefined) throw new Error("CellmaskRoiAlignGrad: no 'Fill' kernel on the webgpu backend; import @tensorflow/tfjs-backend-webgpu first");
  const zeros = fill.kernelFunc({ inputs: {}, backend, attrs: { shape: [...attrs.featuresShape], value: 0, dtype: 'float32' } }) as tf.TensorInfo;
  const program = new RoiAlignGradProgram(dy.shape, [...attrs.featuresShape]);
  const { spans, weights, uniforms } = upload(backend, attrs);
  try {
    const size = dy.shape.reduce((a, b) => a * b, 1);
    return backend.runWebGPUProgram(program, [dy, spans, weights], 'float32', [...uniforms, { type: 'int32', data: [size] }], zeros);
  } finally {
    backend.disposeData(spans.dataId);
    backend.disposeData(weights.dataId);
  }
}
