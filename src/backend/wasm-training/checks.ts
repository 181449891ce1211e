/**
 * Input checks shared by the training kernels: a tensor's shape, and a convolution's
 * attributes (NHWC, dilation 1) with the geometry tfjs derives from them (output shape,
 * padding). Shapes: x [N,H,W,Cin], filter [KH,KW,Cin,Cout].
 */
import * as tf from '@tensorflow/tfjs-core';

export function checkShape(op: string, name: string, got: readonly number[], expected: readonly number[]): void {
  if (got.length !== expected.length || got.some((d, i) => d !== expected[i])) {
    throw new Error(`${op} (wasm training kernels): ${name} must have shape [${expected.join(', ')}], got [${got.join(', ')}]`);
  }
}

/** The conv geometry of x [N,H,W,Cin] * filter [KH,KW,Cin,Cout]; NHWC and dilation 1 only. */
export function convInfo(
  op: string,
  xShape: number[],
  filterShape: number[],
  attrs: tf.Conv2DBackpropFilterAttrs | tf.Conv2DBackpropInputAttrs,
): tf.backend_util.Conv2DInfo {
  if (attrs.dataFormat !== undefined && attrs.dataFormat !== 'NHWC') {
    throw new Error(`${op} (wasm training kernels): only dataFormat NHWC is supported, got ${attrs.dataFormat}`);
  }
  const { dilations } = attrs as { dilations?: number | [number, number] };
  if (dilations !== undefined && [dilations].flat().some((d) => d !== 1)) {
    throw new Error(`${op} (wasm training kernels): only dilation 1 is supported, got ${String(dilations)}`);
  }
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
}
