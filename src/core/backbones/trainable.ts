import * as tf from '@tensorflow/tfjs';
import { relu6 } from '../backend/wasm-grad/relu6.js';
import type { PointwiseAct, PointwiseEngine } from '../train/ort-pointwise.js';
import { withHeapViews } from '../backend/heap-views.js';
import { nativeKernels } from '../backend/wasm-grad/native/native-kernels.js';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/**
 * The unfrozen top of a backbone as a differentiable function: from the cut layer's output (cached
 * frozen features) up to the embedding. Conv layers run as tf.fused kernels with bias (their
 * gradients are conv backprops plus a bias sum); relu6 uses a gradient made of XNNPACK-friendly
 * elementwise ops. BatchNormalization always uses its moving statistics (inference mode), with
 * gamma and beta trainable: fine-tuning on small batches must not disturb the statistics.
 */
export interface TrainableVar {
  variable: tf.Variable;
  layer: string;
  /** index of the block (segment) it belongs to, 0 = lowest unfrozen */
  block: number;
  /** kernels decay, biases and norm parameters do not */
  decay: boolean;
}

export interface TrainablePart {
  vars: TrainableVar[];
  /** cut features [b, h, w, c] → embeddings [b, dim] */
  forward(x: tf.Tensor4D): tf.Tensor2D;
  inputShape: number[];
}

function inboundNames(layer: tf.layers.Layer): string[] {
  const nodes = (layer as unknown as { inboundNodes: Array<{ inboundLayers: tf.layers.Layer[] }> }).inboundNodes;
  return nodes.length ? nodes[0].inboundLayers.map((l) => l.name) : [];
}

function pair(v: unknown): [number, number] {
  if (Array.isArray(v)) return [Number(v[0]), Number(v[1] ?? v[0])];
  if (typeof v === 'number') return [v, v];
  return [1, 1];
}

function variableOf(w: tf.LayerVariable): tf.Variable {
  return (w as unknown as { val: tf.Variable }).val;
}

type Op = (inputs: tf.Tensor[]) => tf.Tensor;

function activate(y: tf.Tensor, act: string | undefined, alpha = 0.2): tf.Tensor {
  if (!act || act === 'linear') return y;
  if (act === 'relu') return tf.relu(y);
  if (act === 'relu6') return relu6(y);
  if (act === 'leakyrelu') return tf.leakyRelu(y, alpha);
  return tf.layers.activation({ activation: act as 'relu' }).apply(y) as tf.Tensor;
}

/**
 * conv2d + bias whose input needs no gradient (the cached features at the cut): the same values
 * and weight gradients as tf.fused.conv2d, without computing dx (one of the largest matrix
 * products of the backward pass, ~3% of a MobileNetV2 top-30% step).
 */
function convWithoutInputGrad(x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor | undefined, strides: [number, number], pad: 'same' | 'valid'): tf.Tensor {
  const conv = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const w = args[0] as tf.Tensor4D;
    const b = bias ? (args[1] as tf.Tensor) : undefined;
    // x is made inside the caller's gradient scope and freed before the backward pass: keep it
    (args[args.length - 1] as tf.GradSaveFunc)([x]);
    return {
      value: tf.fused.conv2d({ x, filter: w, bias: b, strides, pad }),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const attrs = { strides, pad, dataFormat: 'NHWC', filterShape: w.shape } as unknown as tf.NamedAttrMap;
        const dw = tf.engine().runKernel('Conv2DBackpropFilter', { x: saved[0], dy }, attrs) as tf.Tensor;
        return b ? [dw, tf.sum(dy, [0, 1, 2])] : [dw];
      },
    };
  });
  return bias ? conv(filter, bias) : conv(filter);
}

/**
 * A 1x1 stride-1 conv + bias + activation on the pointwise engine, with its gradients: the input's
 * only when it needs one (not at the cut). The engine reads and writes the tensors in place.
 */
function pointwiseConv(
  engine: PointwiseEngine,
  x: tf.Tensor4D,
  kernel: tf.LayerVariable,
  bias: tf.LayerVariable | undefined,
  act: PointwiseAct,
  needsDx: boolean,
): tf.Tensor {
  const [b, h, w] = x.shape;
  const m = b * h * w;
  const kShape = kernel.shape as number[];
  const conv = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const k = args[needsDx ? 1 : 0] as tf.Tensor;
    const bv = bias ? (args[needsDx ? 2 : 1] as tf.Tensor) : undefined;
    const [y] = withHeapViews([x, k, ...(bv ? [bv] : [])], [[b, h, w, kShape[3]]], ([xd, kd, bd], [out]) => [
      engine.forward({ x: xd, k: kd, b: bd, m, act, out }),
    ]);
    // x may be made inside the caller's gradient scope and freed before the backward pass: keep it
    (args[args.length - 1] as tf.GradSaveFunc)([x, k, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, [xs, ks, ys]: tf.Tensor[]) => {
        // on wasm the activation's gradient is one pass of our kernel into a scratch tensor (ORT takes four)
        const mask = act !== 'linear' && tf.getBackend() === 'wasm' ? nativeKernels(tf.backend() as unknown as BackendWasm) : undefined;
        const shapes = [...(mask ? [dy.shape] : []), kShape, ...(bias ? [[kShape[3]]] : []), ...(needsDx ? [x.shape] : [])];
        const all = withHeapViews([xs, ks, ys, dy], shapes, ([xd, kd, yd, dyd], outs) => {
          if (mask) mask.act_grad_from_output(dyd.byteOffset, yd.byteOffset, outs[0]!.byteOffset, dyd.length, act === 'relu6' ? 6 : Infinity);
          const [d, o] = mask ? [outs[0]!, outs.slice(1)] : [dyd, outs];
          const g = engine.backward({
            x: xd,
            k: kd,
            y: yd,
            dy: d,
            m,
            act: mask ? 'linear' : act,
            bias: !!bias,
            dx: needsDx,
            out: { dk: o[0], db: bias ? o[1] : undefined, dx: needsDx ? o.at(-1) : undefined },
          });
          return [...(mask ? [d] : []), g.dk, ...(g.db ? [g.db] : []), ...(g.dx ? [g.dx] : [])];
        });
        if (mask) all.shift()!.dispose();
        const grads = all;
        // customGrad wants them in the order of its inputs: x (when it is one), kernel, bias
        return needsDx ? [grads.at(-1)!, ...grads.slice(0, -1)] : grads;
      },
    };
  });
  return needsDx ? conv(x, kernel.read(), ...(bias ? [bias.read()] : [])) : conv(kernel.read(), ...(bias ? [bias.read()] : []));
}

/**
 * An op for one layer, reading its variables at call time (so optimizer updates are seen).
 * `constantInput`: the layer's input is the cut (no gradient flows there).
 */
function opFor(layer: tf.layers.Layer, constantInput = false, pointwise?: PointwiseEngine): Op {
  const cls = layer.getClassName();
  const cfg = layer.getConfig();
  const l = layer as unknown as Record<string, tf.LayerVariable | undefined>;
  if ((cls === 'Conv2D' || cls === 'DepthwiseConv2D') && (cfg.dataFormat ?? 'channelsLast') === 'channelsLast') {
    const act = (cfg.activation as string | undefined) ?? 'linear';
    const strides = pair(cfg.strides);
    const dilations = pair(cfg.dilationRate);
    const pad = cfg.padding === 'same' ? 'same' : 'valid';
    const kernel = cls === 'Conv2D' ? l.kernel! : l.depthwiseKernel!;
    const bias = cfg.useBias ? l.bias : undefined;
    const fusedAct = act === 'relu' ? 'relu' : 'linear';
    const oneByOne = cls === 'Conv2D' && pair(cfg.kernelSize).every((k) => k === 1) && [...strides, ...dilations].every((v) => v === 1);
    if (pointwise && oneByOne && (act === 'linear' || act === 'relu' || act === 'relu6'))
      return ([x]) => pointwiseConv(pointwise, x as tf.Tensor4D, kernel, bias, act, !constantInput);
    if (constantInput && cls === 'Conv2D' && fusedAct === 'linear' && dilations[0] === 1 && dilations[1] === 1) {
      return ([x]) => activate(convWithoutInputGrad(x as tf.Tensor4D, kernel.read() as tf.Tensor4D, bias?.read(), strides, pad), act);
    }
    return ([x]) => {
      const args = { x: x as tf.Tensor4D, filter: kernel.read() as tf.Tensor4D, strides, pad, dilations, bias: bias?.read(), activation: fusedAct } as const;
      const y = cls === 'Conv2D' ? tf.fused.conv2d(args) : tf.fused.depthwiseConv2d(args);
      return fusedAct === act ? y : activate(y, act);
    };
  }
  if (cls === 'BatchNormalization') {
    const c = cfg as { epsilon?: number; center?: boolean; scale?: boolean };
    const eps = Number(c.epsilon ?? 1e-3);
    return ([x]) => {
      const b = layer as unknown as { gamma?: tf.LayerVariable; beta?: tf.LayerVariable; movingMean: tf.LayerVariable; movingVariance: tf.LayerVariable };
      return tf.batchNorm(
        x,
        b.movingMean.read() as tf.Tensor1D,
        b.movingVariance.read() as tf.Tensor1D,
        b.beta?.read() as tf.Tensor1D | undefined,
        b.gamma?.read() as tf.Tensor1D | undefined,
        eps,
      );
    };
  }
  if (cls === 'ReLU') {
    const max = cfg.maxValue as number | null | undefined;
    if (max === 6) return ([x]) => relu6(x);
    if (max == null && !cfg.negativeSlope) return ([x]) => tf.relu(x);
  }
  if (cls === 'LeakyReLU') return ([x]) => tf.leakyRelu(x, Number(cfg.alpha ?? 0.3));
  if (cls === 'Activation' && cfg.activation === 'relu6') return ([x]) => relu6(x);
  if (cls === 'Add') return (xs) => tf.addN(xs);
  return (xs) => layer.apply(xs.length === 1 ? xs[0] : xs, { training: false }) as tf.Tensor;
}

/**
 * Build the trainable part of `model` for the layers `trainable` (in model order), whose single
 * input is the output of `cut`. `blockOf` maps a layer to its block index (for learning rates).
 */
export function buildTrainablePart(
  model: tf.LayersModel,
  cut: string,
  trainable: string[],
  embeddingLayer: string,
  pool: 'avg' | 'none',
  blockOf: (layer: string) => number,
  /** runs the pointwise convolutions (ONNX Runtime), when given */
  pointwise?: PointwiseEngine,
): TrainablePart {
  const steps = trainable.map((name) => {
    const layer = model.getLayer(name);
    const inputs = inboundNames(layer);
    return { name, inputs, op: opFor(layer, inputs.length === 1 && inputs[0] === cut, pointwise) };
  });
  const vars: TrainableVar[] = [];
  for (const name of trainable) {
    const layer = model.getLayer(name);
    const cls = layer.getClassName();
    for (const w of layer.trainableWeights) {
      const short = w.name.split('/').pop() ?? '';
      vars.push({ variable: variableOf(w), layer: name, block: blockOf(name), decay: /kernel/.test(short) && cls !== 'BatchNormalization' });
    }
  }
  const lastUse = new Map<string, number>();
  steps.forEach((s, i) => s.inputs.forEach((n) => lastUse.set(n, i)));
  const cutShape = model.getLayer(cut).outputShape as number[];
  return {
    vars,
    inputShape: cutShape.slice(1),
    forward: (x) =>
      tf.tidy(() => {
        const values = new Map<string, tf.Tensor>([[cut, x]]);
        let y: tf.Tensor = x;
        for (const s of steps) {
          y = s.op(s.inputs.map((n) => values.get(n)!));
          values.set(s.name, y);
        }
        const e = values.get(embeddingLayer) ?? y;
        const pooled = e.rank === 4 && pool === 'avg' ? tf.mean(e, [1, 2]) : e;
        return tf.reshape(pooled, [x.shape[0], -1]) as tf.Tensor2D;
      }),
  };
}

/** bfloat16 packing: the top half of each float32. Cut features are cached this way: half the memory. */
export function toBf16(src: Float32Array): Uint16Array {
  const u32 = new Uint32Array(src.buffer, src.byteOffset, src.length);
  const out = new Uint16Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const v = u32[i];
    // round to nearest even on the dropped half
    out[i] = (v + 0x7fff + ((v >>> 16) & 1)) >>> 16;
  }
  return out;
}

export function fromBf16(src: Uint16Array, out: Float32Array = new Float32Array(src.length), offset = 0): Float32Array {
  const u32 = new Uint32Array(out.buffer, out.byteOffset, out.length);
  for (let i = 0; i < src.length; i++) u32[offset + i] = src[i] << 16;
  return out;
}
