/**
 * Layout conversions between PyTorch's parameters and TensorFlow.js's, on typed arrays:
 * - Conv2d weight OIHW `[out, in, kh, kw]` -> HWIO `[kh, kw, in, out]`;
 * - ConvTranspose2d weight `[in, out, kh, kw]` -> tfjs conv2dTranspose filter `[kh, kw, out, in]`
 *   (both are the permutation (2, 3, 1, 0): a transposed convolution is the gradient of the
 *   convolution whose OIHW weight it stores, and tfjs's filter is that convolution's HWIO);
 * - Linear weight `[out, in]` -> dense kernel `[in, out]`;
 * - the first Linear after a pooler: its inputs are a pooled `(C, R, R)` map flattened in NCHW
 *   order `(c, y, x)`; cellmask flattens NHWC maps `(y, x, c)`, so the kernel's rows are permuted:
 *   view `[out, C, R, R]`, permute (2, 3, 1, 0) to `[R, R, C, out]`, view `[R*R*C, out]`.
 */

/** Values of a row-major array of `shape` permuted so that output axis i is input axis `perm[i]`. */
export function transposeArray<T extends Float32Array | Int32Array | Uint8Array>(data: T, shape: readonly number[], perm: readonly number[]): T {
  const rank = shape.length;
  if (perm.length !== rank || [...perm].sort().some((p, i) => p !== i)) {
    throw new Error(`transposeArray: perm [${perm.join(', ')}] is not a permutation of ${rank} axes`);
  }
  const count = shape.reduce((p, d) => p * d, 1);
  if (count !== data.length) throw new Error(`transposeArray: shape [${shape.join(', ')}] does not fit data of length ${data.length}`);
  const inStrides = new Array<number>(rank);
  for (let i = rank - 1, s = 1; i >= 0; s *= shape[i], i--) inStrides[i] = s;
  const outShape = perm.map((p) => shape[p]);
  const strides = perm.map((p) => inStrides[p]); // input stride of each output axis
  const out = new (data.constructor as new (n: number) => T)(count);
  const index = new Array<number>(rank).fill(0);
  let source = 0;
  for (let o = 0; o < count; o++) {
    out[o] = data[source];
    // Advance the output index like an odometer, keeping the input offset in step.
    for (let axis = rank - 1; axis >= 0; axis--) {
      if (++index[axis] < outShape[axis]) {
        source += strides[axis];
        break;
      }
      source -= strides[axis] * (outShape[axis] - 1);
      index[axis] = 0;
    }
  }
  return out;
}

/** A parameter: its values (row-major) and shape. */
export interface ArrayParam {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** Conv2d OIHW (or ConvTranspose2d `[in, out, kh, kw]`) -> HWIO (or `[kh, kw, out, in]`). */
export function torchConvToTfjs(p: ArrayParam): ArrayParam {
  const [a, b, kh, kw] = p.shape;
  return { shape: [kh, kw, b, a], data: transposeArray(p.data, p.shape, [2, 3, 1, 0]) };
}

/** The inverse of {@link torchConvToTfjs}. */
export function tfjsConvToTorch(p: ArrayParam): ArrayParam {
  const [kh, kw, b, a] = p.shape;
  return { shape: [a, b, kh, kw], data: transposeArray(p.data, p.shape, [3, 2, 0, 1]) };
}

/** Linear `[out, in]` -> dense `[in, out]`, and back (the same transpose). */
export function transposeMatrix(p: ArrayParam): ArrayParam {
  const [rows, cols] = p.shape;
  return { shape: [cols, rows], data: transposeArray(p.data, p.shape, [1, 0]) };
}

/**
 * The first Linear after a `resolution` x `resolution` pooler: `[out, C*R*R]` with inputs in
 * NCHW flatten order -> dense `[R*R*C, out]` with inputs in NHWC flatten order.
 * @throws Error when the input size is not a multiple of R*R.
 */
export function torchPooledLinearToTfjs(p: ArrayParam, resolution: number, name: string): ArrayParam {
  const [out, inputs] = p.shape;
  const channels = pooledChannels(inputs, resolution, name);
  const kernel = transposeArray(p.data, [out, channels, resolution, resolution], [2, 3, 1, 0]);
  return { shape: [inputs, out], data: kernel };
}

/** The inverse of {@link torchPooledLinearToTfjs}. */
export function tfjsPooledLinearToTorch(p: ArrayParam, resolution: number, name: string): ArrayParam {
  const [inputs, out] = p.shape;
  const channels = pooledChannels(inputs, resolution, name);
  return { shape: [out, inputs], data: transposeArray(p.data, [resolution, resolution, channels, out], [3, 2, 0, 1]) };
}

function pooledChannels(inputs: number, resolution: number, name: string): number {
  if (!Number.isInteger(resolution) || resolution < 1 || inputs % (resolution * resolution) !== 0) {
    throw new Error(
      `${name} has ${inputs} inputs, not a multiple of poolerResolution^2 = ${resolution}^2; is poolerResolution (MODEL.ROI_BOX_HEAD.POOLER_RESOLUTION) right?`,
    );
  }
  return inputs / (resolution * resolution);
}
