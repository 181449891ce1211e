/**
 * A network's parameters as the ONNX export reads them: Detectron2 names, PyTorch layouts
 * (which are ONNX's: Conv OIHW, ConvTranspose `[in, out, kh, kw]`, Gemm `[out, in]` with
 * `transB`), every FrozenBatchNorm folded into the convolution before it.
 */
import { FROZEN_BATCH_NORM_EPS } from '../backbone/frozen-batch-norm-eps.js';
import type { ArrayParam } from '../weights/layout.js';

const f32 = Math.fround;

/** A convolution's kernel and bias after folding its norm. */
export interface FoldedConv {
  /** OIHW `[out, in, kh, kw]` (ConvTranspose: `[in, out, kh, kw]`). */
  readonly weight: ArrayParam;
  /** `[out]`, or undefined for a convolution with neither bias nor norm. */
  readonly bias: ArrayParam | undefined;
}

export class NetworkParams {
  constructor(private readonly params: ReadonlyMap<string, ArrayParam>) {}

  has(name: string): boolean {
    return this.params.has(name);
  }

  /**
   * The parameter `name`, checked against `shape` where given (`-1` matches any size).
   * @throws Error naming the parameter when it is missing or has another shape.
   */
  get(name: string, shape?: readonly number[]): ArrayParam {
    const p = this.params.get(name);
    if (p === undefined) throw new Error(`missing weight "${name}"`);
    if (shape !== undefined && !(p.shape.length === shape.length && shape.every((d, i) => d === -1 || d === p.shape[i]))) {
      throw new Error(`weight "${name}" has shape [${p.shape.join(', ')}], expected [${shape.map((d) => (d === -1 ? '*' : d)).join(', ')}]`);
    }
    return p;
  }

  /**
   * The convolution `<name>` (`.weight` `[out, inChannels, k, k]`, optional `.bias`, optional
   * FrozenBatchNorm `.norm.*`) with its norm folded in, in float32 steps as the TensorFlow.js
   * path folds it: scale = gamma / sqrt(var + eps), W' = W * scale, b' = b * scale + beta - mean * scale.
   */
  conv(name: string, inChannels: number, kernelSize: number): FoldedConv {
    const weight = this.get(`${name}.weight`, [-1, inChannels, kernelSize, kernelSize]);
    const out = weight.shape[0];
    const bias = this.has(`${name}.bias`) ? this.get(`${name}.bias`, [out]) : undefined;
    if (!this.has(`${name}.norm.weight`)) return { weight, bias };
    const gamma = this.get(`${name}.norm.weight`, [out]).data;
    const beta = this.get(`${name}.norm.bias`, [out]).data;
    const mean = this.get(`${name}.norm.running_mean`, [out]).data;
    const variance = this.get(`${name}.norm.running_var`, [out]).data;
    const perOut = weight.data.length / out;
    const w = new Float32Array(weight.data.length);
    const b = new Float32Array(out);
    for (let o = 0; o < out; o++) {
      const scale = f32(gamma[o] * f32(1 / f32(Math.sqrt(f32(variance[o] + FROZEN_BATCH_NORM_EPS)))));
      const shift = f32(beta[o] - f32(mean[o] * scale));
      for (let i = o * perOut; i < (o + 1) * perOut; i++) w[i] = f32(weight.data[i] * scale);
      b[o] = bias === undefined ? shift : f32(f32(bias.data[o] * scale) + shift);
    }
    return { weight: { shape: weight.shape, data: w }, bias: { shape: [out], data: b } };
  }
}
