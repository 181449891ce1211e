/**
 * A small builder of ONNX graphs: values are named by the builder, nodes and initializers are
 * collected in order, and `encodeModel` serialises the model with `onnx-proto` (ONNX's own
 * schema compiled for protobufjs), never by hand.
 *
 * Tensors are float32 or int64; initializers are stored as little-endian `raw_data` (ONNX's
 * layout; every platform Node and browsers run on is little-endian).
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** Element types the exported graphs use. */
export type ElementType = 'float32' | 'int64';

/** A dimension: a size, or a symbolic name (`'height'`) for a size known at run time. */
export type Dim = number | string;

/** An attribute value, tagged with its ONNX type. */
export type Attribute =
  | { readonly int: number }
  | { readonly float: number }
  | { readonly ints: readonly number[] }
  | { readonly string: string }
  | { readonly tensor: { readonly data: Float32Array | BigInt64Array; readonly dims: readonly number[] } };

/** Attribute constructors: `int(1)`, `float(0.25)`, `ints([3, 3])`, `str('avg')`. */
export const int = (value: number): Attribute => ({ int: value });
export const float = (value: number): Attribute => ({ float: value });
export const ints = (value: readonly number[]): Attribute => ({ ints: value });
export const str = (value: string): Attribute => ({ string: value });
export const tensorAttr = (data: Float32Array | BigInt64Array, dims: readonly number[]): Attribute => ({ tensor: { data, dims } });

const DATA_TYPE: Record<ElementType, number> = { float32: onnx.TensorProto.DataType.FLOAT, int64: onnx.TensorProto.DataType.INT64 };

function tensorProto(name: string, data: Float32Array | BigInt64Array, dims: readonly number[]): onnxProto.onnx.ITensorProto {
  const count = dims.reduce((p, d) => p * d, 1);
  if (count !== data.length) throw new Error(`tensor "${name}": dims [${dims.join(', ')}] hold ${count} values, the data ${data.length}`);
  return {
    name,
    dims: [...dims],
    dataType: data instanceof Float32Array ? DATA_TYPE.float32 : DATA_TYPE.int64,
    rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  };
}

function attributeProto(name: string, value: Attribute): onnxProto.onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if ('int' in value) return { name, type: T.INT, i: value.int };
  if ('float' in value) return { name, type: T.FLOAT, f: value.float };
  if ('ints' in value) return { name, type: T.INTS, ints: [...value.ints] };
  if ('string' in value) return { name, type: T.STRING, s: new TextEncoder().encode(value.string) };
  return { name, type: T.TENSOR, t: tensorProto(name, value.tensor.data, value.tensor.dims) };
}

function valueInfo(name: string, type: ElementType, shape: readonly Dim[]): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: DATA_TYPE[type],
        shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/** One graph under construction. */
export class GraphBuilder {
  private readonly nodes: onnxProto.onnx.INodeProto[] = [];
  private readonly initializers: onnxProto.onnx.ITensorProto[] = [];
  private readonly inputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly outputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly taken = new Set<string>();
  private readonly constants = new Map<string, string>();
  private count = 0;

  constructor(readonly name: string) {}

  /** A fresh value name starting with `hint`. */
  private fresh(hint: string): string {
    let name = hint;
    while (this.taken.has(name)) name = `${hint}_${++this.count}`;
    this.taken.add(name);
    return name;
  }

  /** Declares a graph input; returns its name. */
  input(name: string, type: ElementType, shape: readonly Dim[]): string {
    if (this.taken.has(name)) throw new Error(`GraphBuilder: "${name}" is already a value of graph ${this.name}`);
    this.taken.add(name);
    this.inputs.push(valueInfo(name, type, shape));
    return name;
  }

  /**
   * A constant tensor (an initializer) named `key`; a second call with the same key returns the
   * first one's name (a weight read at several places, such as the RPN head's on each level, is
   * stored once).
   */
  constant(key: string, data: Float32Array | BigInt64Array, dims: readonly number[]): string {
    const known = this.constants.get(key);
    if (known !== undefined) return known;
    const name = this.fresh(key);
    this.initializers.push(tensorProto(name, data, dims));
    this.constants.set(key, name);
    return name;
  }

  /** An int64 vector constant (shapes, axes, pads), stored once per value. */
  int64s(values: readonly number[]): string {
    return this.constant(`i64[${values.join(',')}]`, BigInt64Array.from(values.map(BigInt)), [values.length]);
  }

  /** A float32 scalar constant, stored once per value. */
  scalar(value: number): string {
    return this.constant(`f32(${value})`, Float32Array.of(value), []);
  }

  /** Adds a node with `outputs` results; returns their names. `''` skips an optional input. */
  nodeN(op: string, inputs: readonly string[], outputs: number, attributes: Readonly<Record<string, Attribute>> = {}, hint = op.toLowerCase()): string[] {
    for (const input of inputs) {
      if (input !== '' && !this.taken.has(input)) throw new Error(`GraphBuilder: ${op} reads "${input}", which graph ${this.name} does not define`);
    }
    const names = Array.from({ length: outputs }, (_, i) => this.fresh(outputs === 1 ? hint : `${hint}_${i}`));
    this.nodes.push({
      opType: op,
      name: names[0],
      input: [...inputs],
      output: names,
      attribute: Object.entries(attributes).map(([key, value]) => attributeProto(key, value)),
    });
    return names;
  }

  /** Adds a node with one result; returns its name. */
  node(op: string, inputs: readonly string[], attributes: Readonly<Record<string, Attribute>> = {}, hint?: string): string {
    return this.nodeN(op, inputs, 1, attributes, hint)[0];
  }

  /** Declares `value` a graph output called `name` (through an Identity when the names differ). */
  output(value: string, name: string, type: ElementType, shape: readonly Dim[]): void {
    if (value !== name) {
      if (this.taken.has(name)) throw new Error(`GraphBuilder: output "${name}" is already a value of graph ${this.name}`);
      this.taken.add(name);
      this.nodes.push({ opType: 'Identity', name, input: [value], output: [name] });
    }
    this.outputs.push(valueInfo(name, type, shape));
  }

  /** The GraphProto. */
  graph(): onnxProto.onnx.IGraphProto {
    return { name: this.name, node: this.nodes, initializer: this.initializers, input: this.inputs, output: this.outputs };
  }
}

/** What the model records beside its graph. */
export interface ModelInfo {
  /** The default domain's opset. */
  readonly opset: number;
  readonly producerVersion: string;
  readonly docString?: string;
  /** `metadata_props`: key-value strings (the export writes the config and the stage's role). */
  readonly metadata?: Readonly<Record<string, string>>;
}

/** ONNX IR version 8 (ONNX 1.10+), which opsets 16 and 17 need. */
export const IR_VERSION = 8;

/** The ModelProto of `graph`, serialised. */
export function encodeModel(graph: GraphBuilder, info: ModelInfo): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    producerName: 'cellmask',
    producerVersion: info.producerVersion,
    docString: info.docString ?? '',
    opsetImport: [{ domain: '', version: info.opset }],
    metadataProps: Object.entries(info.metadata ?? {}).map(([key, value]) => ({ key, value })),
    graph: graph.graph(),
  });
  return onnx.ModelProto.encode(model).finish();
}

/**
 * The model's `metadata_props`. Decoding views the weights' bytes without copying them
 * (protobufjs slices with `subarray`), so this is cheap even for a large model.
 * @throws Error when `bytes` is not a ModelProto.
 */
export function readModelMetadata(bytes: Uint8Array): Record<string, string> {
  const model = onnx.ModelProto.decode(bytes);
  return Object.fromEntries(model.metadataProps.map((p) => [p.key, p.value]));
}
