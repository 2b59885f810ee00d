import * as tf from '@tensorflow/tfjs';
import path from 'node:path';
import { PetlabError } from '../../errors.js';
import { PREPROCESS_MINUS1_1, type Preprocess } from '../spec.js';
import { FlatbufferError } from './flatbuffer.js';
import { constantInts, dequantize, DequantizeError, type Scales } from './dequantize.js';
import { HardSwish } from './hard-swish.js';
import { ConstantArithmetic } from './constant-arithmetic.js';
import { LayerNamer } from './layer-names.js';
import {
  Activation,
  BuiltinOp,
  concatenationOptions,
  conv2dOptions,
  depthwiseOptions,
  fullyConnectedOptions,
  fusedActivation,
  opName,
  parseTflite,
  poolOptions,
  reducerKeepDims,
  softmaxBeta,
  TensorType,
  type Operator,
  type SubGraph,
  type Tensor,
  type TfliteModel,
} from './schema.js';

export interface ImportedTflite {
  /** Trainable float32 model built from standard tfjs-layers layers. */
  model: tf.LayersModel;
  /** [height, width] of the input image. */
  inputSize: [number, number];
  /** From the input's quantization: the float model takes pixel * scale + offset. */
  preprocess: Preprocess;
  /** True when the input had no quantization and the MobileNet default [-1, 1] was assumed. */
  preprocessAssumed: boolean;
  /** The layer whose output feeds the final classifier. */
  embeddingLayer: string;
  /** 'avg' when that output is a map wider than 1x1 that must be averaged into a vector. */
  embeddingPool: 'avg' | 'none';
  outputKind: 'probabilities' | 'logits';
  /** sha256 of the .tflite bytes. */
  sha256: string;
  fromCache: boolean;
  /** set when a cached conversion was found damaged or stale and rebuilt: why */
  rebuilt?: string;
}

export type TfliteImport = Omit<ImportedTflite, 'sha256' | 'fromCache'>;

const SUPPORTED = new Set<number>([
  BuiltinOp.CONV_2D,
  BuiltinOp.DEPTHWISE_CONV_2D,
  BuiltinOp.ADD,
  BuiltinOp.MUL,
  BuiltinOp.AVERAGE_POOL_2D,
  BuiltinOp.MAX_POOL_2D,
  BuiltinOp.MEAN,
  BuiltinOp.PAD,
  BuiltinOp.RESHAPE,
  BuiltinOp.SQUEEZE,
  BuiltinOp.FULLY_CONNECTED,
  BuiltinOp.SOFTMAX,
  BuiltinOp.QUANTIZE,
  BuiltinOp.DEQUANTIZE,
  BuiltinOp.HARD_SWISH,
  BuiltinOp.CONCATENATION,
  BuiltinOp.RELU,
  BuiltinOp.RELU6,
  BuiltinOp.LOGISTIC,
  BuiltinOp.TANH,
]);

/** Ops that change a tensor's representation but not its real value (or only its shape). */
const PASS_THROUGH = new Set<number>([BuiltinOp.QUANTIZE, BuiltinOp.DEQUANTIZE, BuiltinOp.RESHAPE, BuiltinOp.SQUEEZE]);

const SUPPORTED_LIST = [...SUPPORTED].map((c) => opName(c)).join(', ');

/** Errors about the file itself: what is wrong, in one line, naming the file. */
function fileError(source: string, what: string, hint: string, cause?: unknown): PetlabError {
  return new PetlabError(`${source}: ${what}`, { hint, cause });
}

function parse(bytes: Uint8Array, source: string): TfliteModel {
  try {
    return parseTflite(bytes);
  } catch (e) {
    if (!(e instanceof FlatbufferError)) throw e;
    if (bytes.byteLength >= 8 && String.fromCharCode(...bytes.subarray(4, 8)) !== 'TFL3') {
      throw fileError(source, 'not a TensorFlow Lite model (no "TFL3" identifier)', 'give a .tflite image classifier, e.g. mobilenet_v2_1.0_224_quant.tflite');
    }
    if (bytes.byteLength < 8) throw fileError(source, `not a TensorFlow Lite model (only ${bytes.byteLength} bytes)`, 'give a .tflite image classifier');
    throw fileError(source, `truncated or corrupt TFLite file (${e.message})`, 'download or copy the .tflite file again', e);
  }
}

const shapeStr = (s: number[]) => `[${s.join(',')}]`;

interface InputInfo {
  tensor: Tensor;
  inputSize: [number, number];
  preprocess: Preprocess;
  preprocessAssumed: boolean;
}

function checkImageInput(sg: SubGraph, source: string): InputInfo {
  if (sg.inputs.length !== 1) {
    throw fileError(source, `has ${sg.inputs.length} inputs, an image classifier has one`, 'petlab imports image classifiers with one [1,H,W,3] image input');
  }
  const t = sg.tensors[sg.inputs[0]];
  const [n, h, w, c] = t.shape;
  const typeOk = t.type === TensorType.UINT8 || t.type === TensorType.INT8 || t.type === TensorType.FLOAT32;
  if (t.shape.length !== 4 || n !== 1 || c !== 3 || !(h > 0 && w > 0) || !typeOk) {
    throw fileError(
      source,
      `input "${t.name}" is ${shapeStr(t.shape)} ${TensorType[t.type] ?? t.type}, not an image [1,H,W,3] (uint8, int8 or float32)`,
      'petlab imports image classifiers that take one RGB image',
    );
  }
  const q = t.quantization;
  if (q && q.scale.length > 1) {
    throw fileError(source, `input "${t.name}" is quantized per channel, which petlab does not support`, 'use a model with one input scale');
  }
  let preprocess: Preprocess;
  let preprocessAssumed = false;
  if (t.type === TensorType.FLOAT32) {
    // A float input says nothing about the pixel range: assume MobileNet's [-1, 1], and say so.
    preprocess = { ...PREPROCESS_MINUS1_1 };
    preprocessAssumed = true;
  } else {
    // uint8: q = pixel. int8: q = pixel - 128 (the usual convention for int8 image inputs).
    // real = scale * (q - zero_point); without quantization, real = q.
    const shift = t.type === TensorType.INT8 ? 128 : 0;
    const scale = q ? q.scale[0] : 1;
    const zp = q ? (q.zeroPoint[0] ?? 0) : 0;
    preprocess = { scale, offset: -scale * (zp + shift) };
  }
  return { tensor: t, inputSize: [h, w], preprocess, preprocessAssumed };
}

function checkOps(model: TfliteModel, source: string): void {
  for (const op of model.subgraph.operators) {
    if (!SUPPORTED.has(op.code)) {
      throw fileError(
        source,
        `unsupported TFLite op ${opName(op.code, op.customCode)} (operator ${op.index} of ${model.subgraph.operators.length})`,
        `petlab imports image classifiers built from ${SUPPORTED_LIST}`,
      );
    }
  }
  if (model.subgraph.outputs.length !== 1) {
    throw fileError(source, `has ${model.subgraph.outputs.length} outputs, an image classifier has one`, 'petlab imports image classifiers (one class-score output)');
  }
  const out = model.subgraph.tensors[model.subgraph.outputs[0]];
  if (out.shape.length !== 2 || out.shape[0] !== 1) {
    throw fileError(source, `output "${out.name}" is ${shapeStr(out.shape)}, not class scores [1,N]`, 'petlab imports image classifiers (one class-score output)');
  }
}

type ActivationName = 'linear' | 'relu' | 'relu6' | 'tanh';

/** Builds the layers graph, one TFLite operator at a time. */
class GraphBuilder {
  readonly sym = new Map<number, tf.SymbolicTensor>();
  /** Constants produced by ops (DEQUANTIZE of float16/int8 weights). */
  readonly folded = new Map<number, Float32Array>();
  /** For a tensor made of a pooling + reshape, the pooling layer (a flat embedding). */
  readonly flatSource = new Map<number, string>();
  readonly layers: tf.layers.Layer[] = [];
  readonly names = new LayerNamer();

  constructor(
    readonly sg: SubGraph,
    readonly source: string,
  ) {}

  fail(op: Operator, what: string): PetlabError {
    return fileError(this.source, `${opName(op.code, op.customCode)} (operator ${op.index}) ${what}`, 'petlab imports standard image classifiers (MobileNet-like); this model uses a variant it cannot rebuild');
  }

  tensor(i: number): Tensor {
    return this.sg.tensors[i];
  }

  isConst(i: number): boolean {
    return this.folded.has(i) || this.tensor(i).data !== undefined;
  }

  input(op: Operator, k: number): tf.SymbolicTensor {
    const i = op.inputs[k];
    const s = this.sym.get(i);
    if (s) return s;
    if (i >= 0 && this.isConst(i)) throw this.fail(op, `has a constant operand "${this.tensor(i).name}", which petlab does not support here`);
    throw this.fail(op, `reads tensor ${i} before any operator produces it`);
  }

  weights(op: Operator, k: number, fallback?: () => Scales | undefined): Float32Array {
    const i = op.inputs[k];
    const f = this.folded.get(i);
    if (f) return f;
    const t = this.tensor(i);
    if (!t?.data) throw this.fail(op, `expects constant weights as input ${k}`);
    try {
      return dequantize(t, fallback);
    } catch (e) {
      if (e instanceof DequantizeError) throw this.fail(op, e.message);
      throw e;
    }
  }

  name(op: Operator): string {
    const out = this.tensor(op.outputs[0]);
    return this.names.forTensor(out.name, opName(op.code).toLowerCase());
  }

  activationOf(op: Operator, a: Activation): ActivationName {
    switch (a) {
      case Activation.NONE:
        return 'linear';
      case Activation.RELU:
        return 'relu';
      case Activation.RELU6:
        return 'relu6';
      case Activation.TANH:
        return 'tanh';
      default:
        throw this.fail(op, `uses fused activation ${Activation[a] ?? a}, which petlab does not support`);
    }
  }

  /** Apply a layer, remember it (for clean-up on failure) and bind its output to the op's output. */
  apply(op: Operator, layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]): tf.SymbolicTensor {
    this.layers.push(layer);
    const y = layer.apply(x) as tf.SymbolicTensor;
    this.sym.set(op.outputs[0], y);
    return y;
  }

  /** A separate activation after layers that cannot hold one (add, pooling, concatenation). */
  applyActivation(op: Operator, base: string, a: Activation): void {
    const act = this.activationOf(op, a);
    if (act === 'linear') return;
    const y = this.sym.get(op.outputs[0])!;
    this.apply(op, tf.layers.activation({ name: this.names.unique(`${base}/${act}`), activation: act }), y);
  }

  setWeights(layer: tf.layers.Layer, values: Array<{ data: Float32Array; shape: number[] }>): void {
    tf.tidy(() => layer.setWeights(values.map((v) => tf.tensor(v.data, v.shape, 'float32'))));
  }

  /** Scales for an int32 bias stored without its own: input scale * weight scale, per channel. */
  biasFallback(op: Operator): () => Scales | undefined {
    return () => {
      const xq = this.tensor(op.inputs[0]).quantization;
      const wq = this.tensor(op.inputs[1]).quantization;
      if (!xq || !wq) return undefined;
      return { scale: wq.scale.map((s) => s * xq.scale[0]), zeroPoint: wq.scale.map(() => 0), axis: 0 };
    };
  }

  bias(op: Operator, channels: number): Float32Array {
    const i = op.inputs[2];
    if (i === undefined || i < 0) return new Float32Array(channels);
    const b = this.weights(op, 2, this.biasFallback(op));
    if (b.length !== channels) throw this.fail(op, `has ${b.length} biases for ${channels} output channels`);
    return b;
  }

  conv2d(op: Operator): void {
    const x = this.input(op, 0);
    const o = conv2dOptions(op.options);
    const [outC, kh, kw, inC] = this.tensor(op.inputs[1]).shape;
    const xc = x.shape[3];
    if (xc !== inC) throw this.fail(op, `is a grouped convolution (${xc} input channels, filter takes ${inC})`);
    const w = this.weights(op, 1);
    // TFLite [O, H, W, I] -> tfjs [H, W, I, O]
    const kernel = new Float32Array(w.length);
    for (let oc = 0; oc < outC; oc++) {
      for (let j = 0; j < kh * kw * inC; j++) kernel[j * outC + oc] = w[oc * kh * kw * inC + j];
    }
    const layer = tf.layers.conv2d({ ...this.convLayerArgs(op, o, kh, kw), filters: outC, kernelInitializer: 'zeros' as const });
    this.apply(op, layer, x);
    this.setWeights(layer, [
      { data: kernel, shape: [kh, kw, inC, outC] },
      { data: this.bias(op, outC), shape: [outC] },
    ]);
  }

  /** What a conv and a depthwise conv layer share: geometry, fused activation, a bias (weights set after). */
  private convLayerArgs(op: Operator, o: { strideH: number; strideW: number; padding: 'same' | 'valid'; dilationH: number; dilationW: number; activation: number }, kh: number, kw: number) {
    return {
      name: this.name(op),
      kernelSize: [kh, kw] as [number, number],
      strides: [o.strideH, o.strideW] as [number, number],
      padding: o.padding,
      dilationRate: [o.dilationH, o.dilationW] as [number, number],
      activation: this.activationOf(op, o.activation),
      useBias: true,
      biasInitializer: 'zeros' as const,
    };
  }

  depthwiseConv2d(op: Operator): void {
    const x = this.input(op, 0);
    const o = depthwiseOptions(op.options);
    const [one, kh, kw, outC] = this.tensor(op.inputs[1]).shape;
    const inC = x.shape[3] as number;
    if (one !== 1 || outC % inC !== 0) throw this.fail(op, `has a filter ${shapeStr(this.tensor(op.inputs[1]).shape)} that does not fit ${inC} input channels`);
    const multiplier = outC / inC;
    if (o.depthMultiplier > 0 && o.depthMultiplier !== multiplier) {
      throw this.fail(op, `says depth_multiplier ${o.depthMultiplier} but its filter has ${multiplier}`);
    }
    // TFLite [1, H, W, I*M] (channel i*M + m) is already tfjs's [H, W, I, M] in memory.
    const kernel = this.weights(op, 1);
    const layer = tf.layers.depthwiseConv2d({ ...this.convLayerArgs(op, o, kh, kw), depthMultiplier: multiplier, depthwiseInitializer: 'zeros' as const });
    this.apply(op, layer, x);
    this.setWeights(layer, [
      { data: kernel, shape: [kh, kw, inC, multiplier] },
      { data: this.bias(op, outC), shape: [outC] },
    ]);
  }

  fullyConnected(op: Operator): void {
    let x = this.input(op, 0);
    const o = fullyConnectedOptions(op.options);
    if (o.weightsFormat !== 0) throw this.fail(op, 'uses shuffled weights, which petlab does not support');
    const [units, inDim] = this.tensor(op.inputs[1]).shape;
    const base = this.name(op);
    const received = () => shapeStr(x.shape.map((d) => d ?? -1));
    if (o.keepNumDims) {
      // Dense on the last axis, other dimensions kept: what tfjs's Dense does on any rank.
      if (x.shape[x.shape.length - 1] !== inDim) throw this.fail(op, `takes ${inDim} inputs but receives ${received()}`);
    } else {
      // TFLite flattens the input to [batch, inDim] (NHWC order, the same as Flatten's).
      const flat = x.shape.slice(1).reduce((a: number, b) => a * (b ?? NaN), 1);
      if (flat !== inDim) throw this.fail(op, `takes ${inDim} inputs but receives ${received()}`);
    }
    if (x.shape.length !== 2 && !o.keepNumDims) {
      const flatten = tf.layers.flatten({ name: this.names.unique(`${base}/flatten`) });
      this.layers.push(flatten);
      x = flatten.apply(x) as tf.SymbolicTensor;
    }
    const w = this.weights(op, 1);
    // TFLite [O, I] -> tfjs [I, O]
    const kernel = new Float32Array(w.length);
    for (let u = 0; u < units; u++) for (let i = 0; i < inDim; i++) kernel[i * units + u] = w[u * inDim + i];
    const layer = tf.layers.dense({
      name: base,
      units,
      activation: this.activationOf(op, o.activation),
      useBias: true,
      kernelInitializer: 'zeros',
      biasInitializer: 'zeros',
    });
    this.apply(op, layer, x);
    this.setWeights(layer, [
      { data: kernel, shape: [inDim, units] },
      { data: this.bias(op, units), shape: [units] },
    ]);
  }

  pool(op: Operator, kind: 'avg' | 'max'): void {
    const x = this.input(op, 0);
    const o = poolOptions(op.options);
    const name = this.name(op);
    const args = { name, poolSize: [o.filterH, o.filterW] as [number, number], strides: [o.strideH, o.strideW] as [number, number], padding: o.padding };
    this.apply(op, kind === 'avg' ? tf.layers.averagePooling2d(args) : tf.layers.maxPooling2d(args), x);
    this.applyActivation(op, name, o.activation);
  }

  mean(op: Operator): void {
    const x = this.input(op, 0);
    const axes = this.constInts(op, 1).map((a) => (a < 0 ? a + 4 : a));
    if (x.shape.length !== 4 || axes.length !== 2 || !axes.includes(1) || !axes.includes(2)) {
      throw this.fail(op, `averages over axes [${axes}] of ${shapeStr(x.shape.map((d) => d ?? -1))}; petlab supports the mean over height and width only`);
    }
    const name = this.name(op);
    const gap = tf.layers.globalAveragePooling2d({ name });
    this.apply(op, gap, x);
    if (reducerKeepDims(op.options)) {
      const c = x.shape[3] as number;
      this.apply(op, tf.layers.reshape({ name: this.names.unique(`${name}/keepdims`), targetShape: [1, 1, c] }), this.sym.get(op.outputs[0])!);
      this.flatSource.set(op.outputs[0], name);
    }
  }

  constInts(op: Operator, k: number): number[] {
    const t = this.tensor(op.inputs[k]);
    if (!t?.data) throw this.fail(op, `expects a constant as input ${k}`);
    try {
      return constantInts(t);
    } catch (e) {
      if (e instanceof DequantizeError) throw this.fail(op, e.message);
      throw e;
    }
  }

  pad(op: Operator): void {
    const x = this.input(op, 0);
    const p = this.constInts(op, 1);
    if (p.length !== 8 || p[0] || p[1] || p[6] || p[7]) {
      throw this.fail(op, `pads [${p}]; petlab supports padding of height and width only`);
    }
    this.apply(op, tf.layers.zeroPadding2d({ name: this.name(op), padding: [[p[2], p[3]], [p[4], p[5]]] }), x);
  }

  reshape(op: Operator): void {
    const x = this.input(op, 0);
    const out = this.tensor(op.outputs[0]).shape;
    let target = out;
    if (target.length === 0 && op.inputs.length > 1 && op.inputs[1] >= 0) target = this.constInts(op, 1);
    if (target.length === 0 || (target[0] !== 1 && target[0] !== -1)) {
      throw this.fail(op, `reshapes to ${shapeStr(target)}; petlab supports reshapes that keep the batch dimension`);
    }
    this.apply(op, tf.layers.reshape({ name: this.name(op), targetShape: target.slice(1) }), x);
  }

  concatenation(op: Operator): void {
    const xs = op.inputs.map((_, k) => this.input(op, k));
    const o = concatenationOptions(op.options);
    const name = this.name(op);
    this.apply(op, tf.layers.concatenate({ name, axis: o.axis }), xs);
    this.applyActivation(op, name, o.activation);
  }

  binary(op: Operator, kind: 'add' | 'mul'): void {
    const name = this.name(op);
    const constIndex = [0, 1].find((k) => this.isConst(op.inputs[k]));
    if (constIndex === undefined) {
      this.apply(op, kind === 'add' ? tf.layers.add({ name }) : tf.layers.multiply({ name }), [this.input(op, 0), this.input(op, 1)]);
    } else {
      const x = this.input(op, 1 - constIndex);
      const values = this.weights(op, constIndex);
      const channels = x.shape[x.shape.length - 1];
      const shape = this.tensor(op.inputs[constIndex]).shape;
      // A scalar, or one value per channel: [C], [1, C], [1, 1, 1, C].
      const perChannel = values.length === channels && shape.slice(0, -1).every((d) => d === 1);
      if (values.length !== 1 && !perChannel) {
        throw this.fail(op, `has a constant operand of shape ${shapeStr(shape)}; petlab supports a scalar or one value per channel`);
      }
      this.apply(op, new ConstantArithmetic({ name, op: kind, values: Array.from(values) }), x);
    }
    this.applyActivation(op, name, fusedActivation(op.options));
  }

  softmax(op: Operator): void {
    const beta = softmaxBeta(op.options);
    if (Math.abs(beta - 1) > 1e-6) throw this.fail(op, `has beta ${beta}; petlab supports beta 1 only`);
    this.apply(op, tf.layers.softmax({ name: this.name(op), axis: -1 }), this.input(op, 0));
  }

  activation(op: Operator, activation: 'relu' | 'relu6' | 'sigmoid' | 'tanh'): void {
    this.apply(op, tf.layers.activation({ name: this.name(op), activation }), this.input(op, 0));
  }

  /** QUANTIZE / DEQUANTIZE: the float model already carries real values. */
  passThrough(op: Operator): void {
    const i = op.inputs[0];
    if (op.code === BuiltinOp.DEQUANTIZE && this.isConst(i)) {
      this.folded.set(op.outputs[0], this.weights(op, 0));
      return;
    }
    this.sym.set(op.outputs[0], this.input(op, 0));
    const flat = this.flatSource.get(i);
    if (flat) this.flatSource.set(op.outputs[0], flat);
  }

  op(op: Operator): void {
    switch (op.code) {
      case BuiltinOp.CONV_2D:
        return this.conv2d(op);
      case BuiltinOp.DEPTHWISE_CONV_2D:
        return this.depthwiseConv2d(op);
      case BuiltinOp.FULLY_CONNECTED:
        return this.fullyConnected(op);
      case BuiltinOp.AVERAGE_POOL_2D:
        return this.pool(op, 'avg');
      case BuiltinOp.MAX_POOL_2D:
        return this.pool(op, 'max');
      case BuiltinOp.MEAN:
        return this.mean(op);
      case BuiltinOp.PAD:
        return this.pad(op);
      case BuiltinOp.RESHAPE:
      case BuiltinOp.SQUEEZE:
        return this.reshape(op);
      case BuiltinOp.CONCATENATION:
        return this.concatenation(op);
      case BuiltinOp.ADD:
        return this.binary(op, 'add');
      case BuiltinOp.MUL:
        return this.binary(op, 'mul');
      case BuiltinOp.SOFTMAX:
        return this.softmax(op);
      case BuiltinOp.HARD_SWISH:
        this.apply(op, new HardSwish({ name: this.name(op) }), this.input(op, 0));
        return;
      case BuiltinOp.RELU:
        return this.activation(op, 'relu');
      case BuiltinOp.RELU6:
        return this.activation(op, 'relu6');
      case BuiltinOp.LOGISTIC:
        return this.activation(op, 'sigmoid');
      case BuiltinOp.TANH:
        return this.activation(op, 'tanh');
      case BuiltinOp.QUANTIZE:
      case BuiltinOp.DEQUANTIZE:
        return this.passThrough(op);
      default:
        throw this.fail(op, 'is not supported');
    }
  }

  /** Dispose the variables of every layer built so far (after a failure). */
  disposeAll(): void {
    for (const l of this.layers) {
      try {
        l.dispose();
      } catch {
        // not built or already disposed: nothing to free
      }
    }
  }
}

interface Head {
  embeddingTensor: number;
  outputKind: 'probabilities' | 'logits';
}

/**
 * Walk back from the output through softmax/reshape/(de)quantize to the final classifier
 * (a FULLY_CONNECTED, or a CONV_2D on a 1x1 map): its input is the image embedding.
 */
function findHead(sg: SubGraph, source: string): Head {
  const producer = new Map<number, Operator>();
  for (const op of sg.operators) for (const o of op.outputs) producer.set(o, op);
  let t = sg.outputs[0];
  let outputKind: Head['outputKind'] = 'logits';
  for (;;) {
    const op = producer.get(t);
    if (!op) break;
    if (op.code === BuiltinOp.SOFTMAX) outputKind = 'probabilities';
    else if (!PASS_THROUGH.has(op.code)) {
      const isClassifier =
        op.code === BuiltinOp.FULLY_CONNECTED ||
        (op.code === BuiltinOp.CONV_2D && sg.tensors[op.inputs[0]].shape[1] === 1 && sg.tensors[op.inputs[0]].shape[2] === 1);
      if (!isClassifier) break;
      let e = op.inputs[0];
      // Skip (de)quantization between the embedding and the classifier.
      for (let p = producer.get(e); p && (p.code === BuiltinOp.QUANTIZE || p.code === BuiltinOp.DEQUANTIZE); p = producer.get(e)) e = p.inputs[0];
      return { embeddingTensor: e, outputKind };
    }
    t = op.inputs[0];
  }
  throw fileError(source, 'has no final classifier layer (FULLY_CONNECTED or 1x1 CONV_2D before the output)', 'petlab needs an image classifier whose last layer maps an embedding to class scores');
}

function modelName(source: string): string {
  const base = path.basename(source).replace(/\.tflite$/i, '').replace(/[^-A-Za-z0-9._]/g, '_');
  return /^[A-Za-z0-9]/.test(base) ? base : `tflite_${base}`;
}

/**
 * Rebuild a .tflite image classifier as a trainable float32 tf.LayersModel. Quantized weights are
 * dequantized (per tensor or per channel); quantization of activations is dropped, since the
 * float model carries the real values.
 */
export function importTflite(bytes: Uint8Array, source: string): TfliteImport {
  const parsed = parse(bytes, source);
  const sg = parsed.subgraph;
  const input = checkImageInput(sg, source);
  checkOps(parsed, source);
  const head = findHead(sg, source);

  const b = new GraphBuilder(sg, source);
  try {
    const [h, w] = input.inputSize;
    const x = tf.input({ shape: [h, w, 3], name: b.names.forTensor(input.tensor.name, 'input'), dtype: 'float32' });
    b.sym.set(sg.inputs[0], x);
    for (const op of sg.operators) b.op(op);
    const y = b.sym.get(sg.outputs[0]);
    if (!y || y === x) throw fileError(source, 'output is not computed from the input', 'the model graph is incomplete');
    const emb = b.sym.get(head.embeddingTensor);
    if (!emb) throw fileError(source, 'embedding is not computed from the input', 'the model graph is incomplete');
    const model = tf.model({ inputs: x, outputs: y, name: modelName(source) });
    const flat = b.flatSource.get(head.embeddingTensor);
    const embeddingLayer = flat ?? emb.sourceLayer.name;
    // Like the layers-model loader: only a map wider than 1x1 needs averaging; [1,1,C] is reshaped.
    const spatial = !flat && emb.shape.length === 4 && ((emb.shape[1] ?? 1) > 1 || (emb.shape[2] ?? 1) > 1);
    return {
      model,
      inputSize: input.inputSize,
      preprocess: input.preprocess,
      preprocessAssumed: input.preprocessAssumed,
      embeddingLayer,
      embeddingPool: spatial ? 'avg' : 'none',
      outputKind: head.outputKind,
    };
  } catch (e) {
    b.disposeAll();
    if (e instanceof PetlabError) throw e;
    throw fileError(source, `cannot be rebuilt as a tfjs model: ${(e as Error).message}`, 'this TFLite graph uses a layout petlab cannot convert', e);
  }
}
