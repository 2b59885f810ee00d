import { FbBuffer, FbTable, FlatbufferError } from './flatbuffer.js';

/**
 * The part of TensorFlow Lite's schema.fbs that petlab reads, as plain objects. Field indices
 * follow the declaration order in schema.fbs (a union takes two slots: its type, then its value).
 */

export enum TensorType {
  FLOAT32 = 0,
  FLOAT16 = 1,
  INT32 = 2,
  UINT8 = 3,
  INT64 = 4,
  STRING = 5,
  BOOL = 6,
  INT16 = 7,
  COMPLEX64 = 8,
  INT8 = 9,
}

/** Builtin operator codes used by image classifiers (values from schema.fbs's BuiltinOperator). */
export const BuiltinOp = {
  ADD: 0,
  AVERAGE_POOL_2D: 1,
  CONCATENATION: 2,
  CONV_2D: 3,
  DEPTHWISE_CONV_2D: 4,
  DEQUANTIZE: 6,
  FULLY_CONNECTED: 9,
  LOGISTIC: 14,
  LSTM: 16,
  MAX_POOL_2D: 17,
  MUL: 18,
  RELU: 19,
  RELU6: 21,
  RESHAPE: 22,
  SOFTMAX: 25,
  TANH: 28,
  CUSTOM: 32,
  PAD: 34,
  MEAN: 40,
  SQUEEZE: 43,
  QUANTIZE: 114,
  HARD_SWISH: 117,
} as const;

/** Names for error messages (the full enum, so an unsupported op is named, not numbered). */
const OP_NAMES: string[] = (
  'ADD AVERAGE_POOL_2D CONCATENATION CONV_2D DEPTHWISE_CONV_2D DEPTH_TO_SPACE DEQUANTIZE EMBEDDING_LOOKUP FLOOR ' +
  'FULLY_CONNECTED HASHTABLE_LOOKUP L2_NORMALIZATION L2_POOL_2D LOCAL_RESPONSE_NORMALIZATION LOGISTIC LSH_PROJECTION ' +
  'LSTM MAX_POOL_2D MUL RELU RELU_N1_TO_1 RELU6 RESHAPE RESIZE_BILINEAR RNN SOFTMAX SPACE_TO_DEPTH SVDF TANH ' +
  'CONCAT_EMBEDDINGS SKIP_GRAM CALL CUSTOM EMBEDDING_LOOKUP_SPARSE PAD UNIDIRECTIONAL_SEQUENCE_RNN GATHER ' +
  'BATCH_TO_SPACE_ND SPACE_TO_BATCH_ND TRANSPOSE MEAN SUB DIV SQUEEZE UNIDIRECTIONAL_SEQUENCE_LSTM STRIDED_SLICE ' +
  'BIDIRECTIONAL_SEQUENCE_RNN EXP TOPK_V2 SPLIT LOG_SOFTMAX DELEGATE BIDIRECTIONAL_SEQUENCE_LSTM CAST PRELU MAXIMUM ' +
  'ARG_MAX MINIMUM LESS NEG PADV2 GREATER GREATER_EQUAL LESS_EQUAL SELECT SLICE SIN TRANSPOSE_CONV SPARSE_TO_DENSE ' +
  'TILE EXPAND_DIMS EQUAL NOT_EQUAL LOG SUM SQRT RSQRT SHAPE POW ARG_MIN FAKE_QUANT REDUCE_PROD REDUCE_MAX PACK ' +
  'LOGICAL_OR ONE_HOT LOGICAL_AND LOGICAL_NOT UNPACK REDUCE_MIN FLOOR_DIV REDUCE_ANY SQUARE ZEROS_LIKE FILL ' +
  'FLOOR_MOD RANGE RESIZE_NEAREST_NEIGHBOR LEAKY_RELU SQUARED_DIFFERENCE MIRROR_PAD ABS SPLIT_V UNIQUE CEIL ' +
  'REVERSE_V2 ADD_N GATHER_ND COS WHERE RANK ELU REVERSE_SEQUENCE MATRIX_DIAG QUANTIZE MATRIX_SET_DIAG ROUND ' +
  'HARD_SWISH IF WHILE NON_MAX_SUPPRESSION_V4 NON_MAX_SUPPRESSION_V5 SCATTER_ND SELECT_V2 DENSIFY SEGMENT_SUM BATCH_MATMUL'
).split(' ');

export function opName(code: number, customCode?: string): string {
  if (code === BuiltinOp.CUSTOM) return `CUSTOM(${customCode ?? '?'})`;
  return OP_NAMES[code] ?? `BUILTIN_${code}`;
}

export enum Activation {
  NONE = 0,
  RELU = 1,
  RELU_N1_TO_1 = 2,
  RELU6 = 3,
  TANH = 4,
  SIGN_BIT = 5,
}

export interface Quantization {
  scale: number[];
  zeroPoint: number[];
  quantizedDimension: number;
}

export interface Tensor {
  index: number;
  name: string;
  shape: number[];
  type: TensorType;
  /** Constant data (weights), or undefined for activations. */
  data?: Uint8Array;
  quantization?: Quantization;
}

export interface Operator {
  index: number;
  code: number;
  customCode?: string;
  inputs: number[];
  outputs: number[];
  /** The builtin_options table; read it with the accessor for this op's options type. */
  options?: FbTable;
}

export interface SubGraph {
  tensors: Tensor[];
  inputs: number[];
  outputs: number[];
  operators: Operator[];
}

export interface TfliteModel {
  version: number;
  description?: string;
  subgraph: SubGraph;
}

function readQuantization(t: FbTable | undefined): Quantization | undefined {
  if (!t) return undefined;
  const scale = t.scalars(2, 'f32');
  if (scale.length === 0) return undefined;
  const zeroPoint = t.scalars(3, 'i64');
  return { scale, zeroPoint: zeroPoint.length ? zeroPoint : scale.map(() => 0), quantizedDimension: t.scalar(6, 'i32') };
}

function readBuffers(fb: FbBuffer, model: FbTable): Array<Uint8Array | undefined> {
  return model.tables(4).map((b) => {
    const inline = b.bytes(0);
    if (inline && inline.length) return inline;
    // Models over 2 GB keep buffers after the flatbuffer, at an absolute offset + size.
    const offset = b.scalar(1, 'u64');
    const size = b.scalar(2, 'u64');
    if (offset > 1 && size > 0) {
      fb.check(offset, size, 'buffer');
      return fb.bytes.subarray(offset, offset + size);
    }
    return undefined;
  });
}

/** Parse a .tflite flatbuffer. Throws FlatbufferError for anything that is not a readable TFLite model. */
export function parseTflite(bytes: Uint8Array): TfliteModel {
  const fb = new FbBuffer(bytes);
  if (fb.length < 8) throw new FlatbufferError(`only ${fb.length} bytes`);
  if (fb.identifier() !== 'TFL3') throw new FlatbufferError(`no TFL3 file identifier`);
  const model = fb.root();
  const version = model.scalar(0, 'u32');
  const codes = model.tables(1).map((c) => {
    const deprecated = c.scalar(0, 'i8');
    const extended = c.scalar(3, 'i32');
    return { code: Math.max(deprecated, extended), custom: c.string(1) };
  });
  const buffers = readBuffers(fb, model);
  const subgraphs = model.tables(2);
  if (subgraphs.length === 0) throw new FlatbufferError('no subgraph');
  const sg = subgraphs[0];
  const tensors: Tensor[] = sg.tables(0).map((t, index) => {
    const bufferIndex = t.scalar(2, 'u32');
    if (bufferIndex >= buffers.length && bufferIndex !== 0) throw new FlatbufferError(`tensor ${index} refers to missing buffer ${bufferIndex}`);
    return {
      index,
      name: t.string(3) ?? `tensor_${index}`,
      shape: t.scalars(0, 'i32'),
      type: t.scalar(1, 'i8') as TensorType,
      data: buffers[bufferIndex],
      quantization: readQuantization(t.table(4)),
    };
  });
  const operators: Operator[] = sg.tables(3).map((o, index) => {
    const opcodeIndex = o.scalar(0, 'u32');
    const code = codes[opcodeIndex];
    if (!code) throw new FlatbufferError(`operator ${index} refers to missing operator code ${opcodeIndex}`);
    const check = (ids: number[]) => {
      for (const i of ids) if (i >= tensors.length) throw new FlatbufferError(`operator ${index} refers to missing tensor ${i}`);
      return ids;
    };
    return {
      index,
      code: code.code,
      customCode: code.custom,
      inputs: check(o.scalars(1, 'i32')),
      outputs: check(o.scalars(2, 'i32')),
      options: o.table(4),
    };
  });
  return {
    version,
    description: model.string(3),
    subgraph: { tensors, inputs: sg.scalars(1, 'i32'), outputs: sg.scalars(2, 'i32'), operators },
  };
}

// Options tables (field indices per schema.fbs).

export interface ConvOptions {
  padding: 'same' | 'valid';
  strideW: number;
  strideH: number;
  activation: Activation;
  dilationW: number;
  dilationH: number;
  depthMultiplier: number;
}

const padding = (v: number): 'same' | 'valid' => (v === 1 ? 'valid' : 'same');

export function conv2dOptions(t: FbTable | undefined): ConvOptions {
  return {
    padding: padding(t?.scalar(0, 'i8') ?? 0),
    strideW: t?.scalar(1, 'i32') ?? 1,
    strideH: t?.scalar(2, 'i32') ?? 1,
    activation: (t?.scalar(3, 'i8') ?? 0) as Activation,
    dilationW: t?.scalar(4, 'i32', 1) ?? 1,
    dilationH: t?.scalar(5, 'i32', 1) ?? 1,
    depthMultiplier: 1,
  };
}

export function depthwiseOptions(t: FbTable | undefined): ConvOptions {
  return {
    padding: padding(t?.scalar(0, 'i8') ?? 0),
    strideW: t?.scalar(1, 'i32') ?? 1,
    strideH: t?.scalar(2, 'i32') ?? 1,
    depthMultiplier: t?.scalar(3, 'i32') ?? 1,
    activation: (t?.scalar(4, 'i8') ?? 0) as Activation,
    dilationW: t?.scalar(5, 'i32', 1) ?? 1,
    dilationH: t?.scalar(6, 'i32', 1) ?? 1,
  };
}

export interface PoolOptions {
  padding: 'same' | 'valid';
  strideW: number;
  strideH: number;
  filterW: number;
  filterH: number;
  activation: Activation;
}

export function poolOptions(t: FbTable | undefined): PoolOptions {
  return {
    padding: padding(t?.scalar(0, 'i8') ?? 0),
    strideW: t?.scalar(1, 'i32') ?? 1,
    strideH: t?.scalar(2, 'i32') ?? 1,
    filterW: t?.scalar(3, 'i32') ?? 1,
    filterH: t?.scalar(4, 'i32') ?? 1,
    activation: (t?.scalar(5, 'i8') ?? 0) as Activation,
  };
}

/** AddOptions, MulOptions, FullyConnectedOptions: the activation is field 0. */
export function fusedActivation(t: FbTable | undefined): Activation {
  return (t?.scalar(0, 'i8') ?? 0) as Activation;
}

export function fullyConnectedOptions(t: FbTable | undefined): { activation: Activation; weightsFormat: number; keepNumDims: boolean } {
  return { activation: fusedActivation(t), weightsFormat: t?.scalar(1, 'i8') ?? 0, keepNumDims: t?.bool(2) ?? false };
}

export function concatenationOptions(t: FbTable | undefined): { axis: number; activation: Activation } {
  return { axis: t?.scalar(0, 'i32') ?? 0, activation: (t?.scalar(1, 'i8') ?? 0) as Activation };
}

export function softmaxBeta(t: FbTable | undefined): number {
  return t?.scalar(0, 'f32', 1) ?? 1;
}

export function reducerKeepDims(t: FbTable | undefined): boolean {
  return t?.bool(0) ?? false;
}

export function reshapeNewShape(t: FbTable | undefined): number[] {
  return t ? t.scalars(0, 'i32') : [];
}
