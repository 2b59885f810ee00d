/** How each supported TFLite op becomes tfjs layers (weights converted to tfjs's layouts). */
import * as tf from '@tensorflow/tfjs';
import { ConstantArithmetic } from './constant-arithmetic.js';
import { HardSwish } from './hard-swish.js';
import type { GraphBuilder } from './graph-builder.js';
import {
  BuiltinOp,
  concatenationOptions,
  conv2dOptions,
  depthwiseOptions,
  fullyConnectedOptions,
  fusedActivation,
  poolOptions,
  reducerKeepDims,
  softmaxBeta,
  type Operator,
} from './schema.js';
import { shapeStr } from './validate.js';

function conv2d(b: GraphBuilder, op: Operator): void {
  const x = b.input(op, 0);
  const o = conv2dOptions(op.options);
  const [outC, kh, kw, inC] = b.tensor(op.inputs[1]).shape;
  const xc = x.shape[3];
  if (xc !== inC) throw b.fail(op, `is a grouped convolution (${xc} input channels, filter takes ${inC})`);
  const w = b.weights(op, 1);
  // TFLite [O, H, W, I] -> tfjs [H, W, I, O]
  const kernel = new Float32Array(w.length);
  for (let oc = 0; oc < outC; oc++) {
    for (let j = 0; j < kh * kw * inC; j++) kernel[j * outC + oc] = w[oc * kh * kw * inC + j];
  }
  const layer = tf.layers.conv2d({ ...convLayerArgs(b, op, o, kh, kw), filters: outC, kernelInitializer: 'zeros' as const });
  b.apply(op, layer, x);
  b.setWeights(layer, [
    { data: kernel, shape: [kh, kw, inC, outC] },
    { data: b.bias(op, outC), shape: [outC] },
  ]);
}

/** What a conv and a depthwise conv layer share: geometry, fused activation, a bias (weights set after). */
function convLayerArgs(
  b: GraphBuilder,
  op: Operator,
  o: { strideH: number; strideW: number; padding: 'same' | 'valid'; dilationH: number; dilationW: number; activation: number },
  kh: number,
  kw: number,
) {
  return {
    name: b.name(op),
    kernelSize: [kh, kw] as [number, number],
    strides: [o.strideH, o.strideW] as [number, number],
    padding: o.padding,
    dilationRate: [o.dilationH, o.dilationW] as [number, number],
    activation: b.activationOf(op, o.activation),
    useBias: true,
    biasInitializer: 'zeros' as const,
  };
}

function depthwiseConv2d(b: GraphBuilder, op: Operator): void {
  const x = b.input(op, 0);
  const o = depthwiseOptions(op.options);
  const [one, kh, kw, outC] = b.tensor(op.inputs[1]).shape;
  const inC = x.shape[3] as number;
  if (one !== 1 || outC % inC !== 0) throw b.fail(op, `has a filter ${shapeStr(b.tensor(op.inputs[1]).shape)} that does not fit ${inC} input channels`);
  const multiplier = outC / inC;
  if (o.depthMultiplier > 0 && o.depthMultiplier !== multiplier) {
    throw b.fail(op, `says depth_multiplier ${o.depthMultiplier} but its filter has ${multiplier}`);
  }
  // TFLite [1, H, W, I*M] (channel i*M + m) is already tfjs's [H, W, I, M] in memory.
  const kernel = b.weights(op, 1);
  const layer = tf.layers.depthwiseConv2d({ ...convLayerArgs(b, op, o, kh, kw), depthMultiplier: multiplier, depthwiseInitializer: 'zeros' as const });
  b.apply(op, layer, x);
  b.setWeights(layer, [
    { data: kernel, shape: [kh, kw, inC, multiplier] },
    { data: b.bias(op, outC), shape: [outC] },
  ]);
}

function fullyConnected(b: GraphBuilder, op: Operator): void {
  let x = b.input(op, 0);
  const o = fullyConnectedOptions(op.options);
  if (o.weightsFormat !== 0) throw b.fail(op, 'uses shuffled weights, which petlab does not support');
  const [units, inDim] = b.tensor(op.inputs[1]).shape;
  const base = b.name(op);
  const received = () => shapeStr(x.shape.map((d) => d ?? -1));
  if (o.keepNumDims) {
    // Dense on the last axis, other dimensions kept: what tfjs's Dense does on any rank.
    if (x.shape[x.shape.length - 1] !== inDim) throw b.fail(op, `takes ${inDim} inputs but receives ${received()}`);
  } else {
    // TFLite flattens the input to [batch, inDim] (NHWC order, the same as Flatten's).
    const flat = x.shape.slice(1).reduce((a: number, b) => a * (b ?? NaN), 1);
    if (flat !== inDim) throw b.fail(op, `takes ${inDim} inputs but receives ${received()}`);
  }
  if (x.shape.length !== 2 && !o.keepNumDims) {
    const flatten = tf.layers.flatten({ name: b.names.unique(`${base}/flatten`) });
    b.layers.push(flatten);
    x = flatten.apply(x) as tf.SymbolicTensor;
  }
  const w = b.weights(op, 1);
  // TFLite [O, I] -> tfjs [I, O]
  const kernel = new Float32Array(w.length);
  for (let u = 0; u < units; u++) for (let i = 0; i < inDim; i++) kernel[i * units + u] = w[u * inDim + i];
  const layer = tf.layers.dense({
    name: base,
    units,
    activation: b.activationOf(op, o.activation),
    useBias: true,
    kernelInitializer: 'zeros',
    biasInitializer: 'zeros',
  });
  b.apply(op, layer, x);
  b.setWeights(layer, [
    { data: kernel, shape: [inDim, units] },
    { data: b.bias(op, units), shape: [units] },
  ]);
}

function pool(b: GraphBuilder, op: Operator, kind: 'avg' | 'max'): void {
  const x = b.input(op, 0);
  const o = poolOptions(op.options);
  const name = b.name(op);
  const args = { name, poolSize: [o.filterH, o.filterW] as [number, number], strides: [o.strideH, o.strideW] as [number, number], padding: o.padding };
  b.apply(op, kind === 'avg' ? tf.layers.averagePooling2d(args) : tf.layers.maxPooling2d(args), x);
  b.applyActivation(op, name, o.activation);
}

function mean(b: GraphBuilder, op: Operator): void {
  const x = b.input(op, 0);
  const axes = b.constInts(op, 1).map((a) => (a < 0 ? a + 4 : a));
  if (x.shape.length !== 4 || axes.length !== 2 || !axes.includes(1) || !axes.includes(2)) {
    throw b.fail(op, `averages over axes [${axes}] of ${shapeStr(x.shape.map((d) => d ?? -1))}; petlab supports the mean over height and width only`);
  }
  const name = b.name(op);
  const gap = tf.layers.globalAveragePooling2d({ name });
  b.apply(op, gap, x);
  if (reducerKeepDims(op.options)) {
    const c = x.shape[3] as number;
    b.apply(op, tf.layers.reshape({ name: b.names.unique(`${name}/keepdims`), targetShape: [1, 1, c] }), b.sym.get(op.outputs[0])!);
    b.flatSource.set(op.outputs[0], name);
  }
}

function pad(b: GraphBuilder, op: Operator): void {
  const x = b.input(op, 0);
  const p = b.constInts(op, 1);
  if (p.length !== 8 || p[0] || p[1] || p[6] || p[7]) {
    throw b.fail(op, `pads [${p}]; petlab supports padding of height and width only`);
  }
  b.apply(
    op,
    tf.layers.zeroPadding2d({
      name: b.name(op),
      padding: [
        [p[2], p[3]],
        [p[4], p[5]],
      ],
    }),
    x,
  );
}

function reshape(b: GraphBuilder, op: Operator): void {
  const x = b.input(op, 0);
  const out = b.tensor(op.outputs[0]).shape;
  let target = out;
  if (target.length === 0 && op.inputs.length > 1 && op.inputs[1] >= 0) target = b.constInts(op, 1);
  if (target.length === 0 || (target[0] !== 1 && target[0] !== -1)) {
    throw b.fail(op, `reshapes to ${shapeStr(target)}; petlab supports reshapes that keep the batch dimension`);
  }
  b.apply(op, tf.layers.reshape({ name: b.name(op), targetShape: target.slice(1) }), x);
}

function concatenation(b: GraphBuilder, op: Operator): void {
  const xs = op.inputs.map((_, k) => b.input(op, k));
  const o = concatenationOptions(op.options);
  const name = b.name(op);
  b.apply(op, tf.layers.concatenate({ name, axis: o.axis }), xs);
  b.applyActivation(op, name, o.activation);
}

function binary(b: GraphBuilder, op: Operator, kind: 'add' | 'mul'): void {
  const name = b.name(op);
  const constIndex = [0, 1].find((k) => b.isConst(op.inputs[k]));
  if (constIndex === undefined) {
    b.apply(op, kind === 'add' ? tf.layers.add({ name }) : tf.layers.multiply({ name }), [b.input(op, 0), b.input(op, 1)]);
  } else {
    const x = b.input(op, 1 - constIndex);
    const values = b.weights(op, constIndex);
    const channels = x.shape[x.shape.length - 1];
    const shape = b.tensor(op.inputs[constIndex]).shape;
    // A scalar, or one value per channel: [C], [1, C], [1, 1, 1, C].
    const perChannel = values.length === channels && shape.slice(0, -1).every((d) => d === 1);
    if (values.length !== 1 && !perChannel) {
      throw b.fail(op, `has a constant operand of shape ${shapeStr(shape)}; petlab supports a scalar or one value per channel`);
    }
    b.apply(op, new ConstantArithmetic({ name, op: kind, values: Array.from(values) }), x);
  }
  b.applyActivation(op, name, fusedActivation(op.options));
}

function softmax(b: GraphBuilder, op: Operator): void {
  const beta = softmaxBeta(op.options);
  if (Math.abs(beta - 1) > 1e-6) throw b.fail(op, `has beta ${beta}; petlab supports beta 1 only`);
  b.apply(op, tf.layers.softmax({ name: b.name(op), axis: -1 }), b.input(op, 0));
}

function activation(b: GraphBuilder, op: Operator, activation: 'relu' | 'relu6' | 'sigmoid' | 'tanh'): void {
  b.apply(op, tf.layers.activation({ name: b.name(op), activation }), b.input(op, 0));
}

/** QUANTIZE / DEQUANTIZE: the float model already carries real values. */
function passThrough(b: GraphBuilder, op: Operator): void {
  const i = op.inputs[0];
  if (op.code === BuiltinOp.DEQUANTIZE && b.isConst(i)) {
    b.folded.set(op.outputs[0], b.weights(op, 0));
    return;
  }
  b.sym.set(op.outputs[0], b.input(op, 0));
  const flat = b.flatSource.get(i);
  if (flat) b.flatSource.set(op.outputs[0], flat);
}

export type OpBuilder = (b: GraphBuilder, op: Operator) => void;

/** Every op petlab can rebuild, and how: the one list (the validator reads its keys). */
export const OP_BUILDERS: ReadonlyMap<number, OpBuilder> = new Map<number, OpBuilder>([
  [BuiltinOp.CONV_2D, conv2d],
  [BuiltinOp.DEPTHWISE_CONV_2D, depthwiseConv2d],
  [BuiltinOp.ADD, (b, op) => binary(b, op, 'add')],
  [BuiltinOp.MUL, (b, op) => binary(b, op, 'mul')],
  [BuiltinOp.AVERAGE_POOL_2D, (b, op) => pool(b, op, 'avg')],
  [BuiltinOp.MAX_POOL_2D, (b, op) => pool(b, op, 'max')],
  [BuiltinOp.MEAN, mean],
  [BuiltinOp.PAD, pad],
  [BuiltinOp.RESHAPE, reshape],
  [BuiltinOp.SQUEEZE, reshape],
  [BuiltinOp.FULLY_CONNECTED, fullyConnected],
  [BuiltinOp.SOFTMAX, softmax],
  [BuiltinOp.QUANTIZE, passThrough],
  [BuiltinOp.DEQUANTIZE, passThrough],
  [BuiltinOp.HARD_SWISH, (b, op) => void b.apply(op, new HardSwish({ name: b.name(op) }), b.input(op, 0))],
  [BuiltinOp.CONCATENATION, concatenation],
  [BuiltinOp.RELU, (b, op) => activation(b, op, 'relu')],
  [BuiltinOp.RELU6, (b, op) => activation(b, op, 'relu6')],
  [BuiltinOp.LOGISTIC, (b, op) => activation(b, op, 'sigmoid')],
  [BuiltinOp.TANH, (b, op) => activation(b, op, 'tanh')],
]);
