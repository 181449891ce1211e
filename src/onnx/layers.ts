/**
 * The layers the exported graphs share: a convolution as Detectron2's `layers.Conv2d` runs it
 * (kernel, optional bias, FrozenBatchNorm folded in, optional relu), NCHW.
 */
import { type GraphBuilder, ints } from './graph-builder.js';
import type { NetworkParams } from './network-params.js';

/** A value of the graph and its channel count. */
export interface Value {
  readonly name: string;
  readonly channels: number;
}

/**
 * Conv (+ folded norm, + bias) (+ Relu): PyTorch padding on every side.
 * `x` [1, Ci, H, W] -> [1, Co, floor((H + 2 pad - k) / stride) + 1, ...].
 */
export function conv(g: GraphBuilder, params: NetworkParams, name: string, x: Value, kernel: number, stride: number, pad: number, relu: boolean): Value {
  const { weight, bias } = params.conv(name, x.channels, kernel);
  const inputs = [x.name, g.constant(`${name}.weight`, weight.data, weight.shape)];
  if (bias !== undefined) inputs.push(g.constant(`${name}.bias`, bias.data, bias.shape));
  const y = g.node('Conv', inputs, { kernel_shape: ints([kernel, kernel]), strides: ints([stride, stride]), pads: ints([pad, pad, pad, pad]) }, name);
  return { name: relu ? g.node('Relu', [y], {}, `${name}.relu`) : y, channels: weight.shape[0] };
}
