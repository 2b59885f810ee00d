/**
 * How each tfjs layer of an exported classifier becomes ONNX nodes (opset 13). tfjs is NHWC,
 * ONNX's Conv and pooling are NCHW: the picture is transposed once at the input, every 4-d value
 * stays NCHW, and only a Flatten/Reshape/Dense of a 4-d value goes back to NHWC (so its element
 * order is tfjs's). SAME padding becomes explicit pads, as TensorFlow places them (the extra one
 * at the end), which every runtime reads the same way.
 */
import type * as tf from '@tensorflow/tfjs';
import { PetlabError } from '../errors.js';
import type { OnnxGraphBuilder } from './onnx-builder.js';

export interface OnnxValue {
  name: string;
  /** a 4-d value held as NCHW (tfjs holds it as NHWC) */
  nchw: boolean;
  /** tfjs's shape: [null, ...] */
  shape: Array<number | null>;
}

type Cfg = Record<string, unknown>;

export class UnsupportedLayer extends PetlabError {
  constructor(layer: tf.layers.Layer, what: string) {
    super(`cannot export layer ${layer.name} (${layer.getClassName()}) to ONNX: ${what}`, {
      hint: 'the ONNX export covers MobileNet-like classifiers (conv, depthwise conv, dense, pooling, add, relu6, batch norm); --format tfjs exports any model',
    });
  }
}

function pair(v: unknown): [number, number] {
  if (Array.isArray(v)) return [Number(v[0]), Number(v[1] ?? v[0])];
  if (typeof v === 'number') return [v, v];
  return [1, 1];
}

/** ONNX pads [top, left, bottom, right] for TF-style SAME or VALID. */
function pads(padding: unknown, inHW: [number, number], k: [number, number], s: [number, number], d: [number, number] = [1, 1]): number[] {
  if (padding !== 'same') return [0, 0, 0, 0];
  const begin: number[] = [];
  const end: number[] = [];
  for (let i = 0; i < 2; i++) {
    const out = Math.ceil(inHW[i] / s[i]);
    const total = Math.max((out - 1) * s[i] + (k[i] - 1) * d[i] + 1 - inHW[i], 0);
    begin.push(Math.floor(total / 2));
    end.push(total - Math.floor(total / 2));
  }
  return [...begin, ...end];
}

function hw(v: OnnxValue, layer: tf.layers.Layer): [number, number] {
  const [, h, w] = v.shape;
  if (v.shape.length !== 4 || !h || !w) throw new UnsupportedLayer(layer, `needs a fixed-size 4-d input, got [${v.shape.join(', ')}]`);
  return [h, w];
}

function weightData(layer: tf.layers.Layer): Float32Array[] {
  return layer.getWeights().map((t) => t.dataSync() as Float32Array);
}

/** tfjs [kh, kw, I, O] → ONNX [O, I, kh, kw]. */
function convKernel(k: Float32Array, kh: number, kw: number, ci: number, co: number): Float32Array {
  const out = new Float32Array(k.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < ci; i++) for (let o = 0; o < co; o++) out[((o * ci + i) * kh + y) * kw + x] = k[((y * kw + x) * ci + i) * co + o];
  return out;
}

/** tfjs depthwise [kh, kw, I, M] → ONNX grouped [I*M, 1, kh, kw] (output channel i*M + m, as tfjs). */
function depthwiseKernel(k: Float32Array, kh: number, kw: number, ci: number, m: number): Float32Array {
  const out = new Float32Array(k.length);
  for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) for (let c = 0; c < ci * m; c++) out[(c * kh + y) * kw + x] = k[(y * kw + x) * ci * m + c];
  return out;
}

export class LayerConverter {
  constructor(private g: OnnxGraphBuilder) {}

  /** NHWC (tfjs order) view of a value, for ops that depend on element order. */
  toTf(v: OnnxValue): string {
    return v.nchw ? this.g.node('Transpose', [v.name], `${v.name}/nhwc`, { perm: [0, 2, 3, 1] }) : v.name;
  }

  /** A value with tfjs's shape: 4-d ones go to NCHW. */
  fromTf(name: string, shape: Array<number | null>): OnnxValue {
    if (shape.length !== 4) return { name, nchw: false, shape };
    return { name: this.g.node('Transpose', [name], `${name}/nchw`, { perm: [0, 3, 1, 2] }), nchw: true, shape };
  }

  activation(x: string, act: string, base: string, layer: tf.layers.Layer, cfg: Cfg = {}): string {
    const g = this.g;
    switch (act) {
      case 'linear':
        return x;
      case 'relu':
        return g.node('Relu', [x], `${base}/relu`);
      case 'relu6':
        return g.node('Clip', [x, g.scalar(0), g.scalar(6)], `${base}/relu6`);
      case 'sigmoid':
        return g.node('Sigmoid', [x], `${base}/sigmoid`);
      case 'tanh':
        return g.node('Tanh', [x], `${base}/tanh`);
      case 'softmax':
        return g.node('Softmax', [x], `${base}/softmax`, { axis: -1 });
      case 'elu':
        return g.node('Elu', [x], `${base}/elu`, { alpha: { float: Number(cfg.alpha ?? 1) } });
      case 'hardswish':
        return g.node('Mul', [x, g.node('HardSigmoid', [x], `${base}/hard_sigmoid`, { alpha: { float: 1 / 6 }, beta: { float: 0.5 } })], `${base}/hard_swish`);
      default:
        throw new UnsupportedLayer(layer, `activation ${act}`);
    }
  }

  /** Convert one layer; inputs are the values of its inbound tensors. */
  convert(layer: tf.layers.Layer, inputs: OnnxValue[], outShape: Array<number | null>): OnnxValue {
    const g = this.g;
    const cfg = layer.getConfig() as Cfg;
    const cls = layer.getClassName();
    const base = layer.name;
    const [x] = inputs;
    const same = (name: string): OnnxValue => ({ name, nchw: x.nchw, shape: outShape });
    if ((cfg.dataFormat ?? 'channelsLast') !== 'channelsLast') throw new UnsupportedLayer(layer, 'channels-first data format');
    switch (cls) {
      case 'Rescaling':
        return same(g.node('Add', [g.node('Mul', [x.name, g.scalar(Number(cfg.scale))], `${base}/scale`), g.scalar(Number(cfg.offset ?? 0))], base));
      case 'Conv2D':
      case 'DepthwiseConv2D': {
        const inHW = hw(x, layer);
        const ci = x.shape[3] as number;
        const [kh, kw] = pair(cfg.kernelSize);
        const strides = pair(cfg.strides);
        const dil = pair(cfg.dilationRate);
        const [k, b] = weightData(layer);
        let w: Float32Array;
        let co: number;
        let group = 1;
        if (cls === 'Conv2D') {
          co = Number(cfg.filters);
          w = convKernel(k, kh, kw, ci, co);
        } else {
          const m = Number(cfg.depthMultiplier ?? 1);
          co = ci * m;
          group = ci;
          w = depthwiseKernel(k, kh, kw, ci, m);
        }
        const wIn = [g.floats(`${base}/kernel`, w, [co, cls === 'Conv2D' ? ci : 1, kh, kw])];
        if (cfg.useBias !== false && b) wIn.push(g.floats(`${base}/bias`, b, [co]));
        const y = g.node('Conv', [x.name, ...wIn], base, {
          kernel_shape: [kh, kw],
          strides,
          dilations: dil,
          group,
          pads: pads(cfg.padding, inHW, [kh, kw], strides, dil),
        });
        return { name: this.activation(y, String(cfg.activation ?? 'linear'), base, layer), nchw: true, shape: outShape };
      }
      case 'Dense': {
        const [k, b] = weightData(layer);
        const units = Number(cfg.units);
        const inDim = k.length / units;
        const bias = g.floats(`${base}/bias`, cfg.useBias !== false && b ? b : new Float32Array(units), [units]);
        const kernel = g.floats(`${base}/kernel`, k, [inDim, units]);
        const y =
          x.shape.length === 2
            ? g.node('Gemm', [x.name, kernel, bias], base)
            : g.node('Add', [g.node('MatMul', [this.toTf(x), kernel], `${base}/matmul`), bias], base);
        const out = this.activation(y, String(cfg.activation ?? 'linear'), base, layer);
        return x.shape.length === 2 ? { name: out, nchw: false, shape: outShape } : this.fromTf(out, outShape);
      }
      case 'Flatten':
        return { name: g.node('Flatten', [this.toTf(x)], base, { axis: 1 }), nchw: false, shape: outShape };
      case 'Reshape':
        return this.fromTf(g.node('Reshape', [this.toTf(x), g.ints(`${base}/shape`, [0, ...(cfg.targetShape as number[])])], base), outShape);
      case 'GlobalAveragePooling2D':
      case 'GlobalMaxPooling2D':
        hw(x, layer);
        return {
          name: g.node('Flatten', [g.node(cls === 'GlobalMaxPooling2D' ? 'GlobalMaxPool' : 'GlobalAveragePool', [x.name], `${base}/pool`)], base, { axis: 1 }),
          nchw: false,
          shape: outShape,
        };
      case 'AveragePooling2D':
      case 'MaxPooling2D': {
        const k = pair(cfg.poolSize);
        const s = pair(cfg.strides ?? cfg.poolSize);
        const p = pads(cfg.padding, hw(x, layer), k, s);
        const attrs = { kernel_shape: k, strides: s, pads: p, ...(cls === 'AveragePooling2D' ? { count_include_pad: 0 } : {}) };
        return { name: g.node(cls === 'MaxPooling2D' ? 'MaxPool' : 'AveragePool', [x.name], base, attrs), nchw: true, shape: outShape };
      }
      case 'ZeroPadding2D': {
        hw(x, layer);
        const [[t, bt], [l, r]] = cfg.padding as [[number, number], [number, number]];
        return { name: g.node('Pad', [x.name, g.ints(`${base}/pads`, [0, 0, t, l, 0, 0, bt, r])], base, { mode: 'constant' }), nchw: true, shape: outShape };
      }
      case 'Add':
      case 'Multiply': {
        const op = cls === 'Add' ? 'Add' : 'Mul';
        if (inputs.some((v) => v.nchw !== x.nchw)) throw new UnsupportedLayer(layer, 'inputs of different ranks');
        let acc = inputs[0].name;
        for (let i = 1; i < inputs.length; i++) acc = g.node(op, [acc, inputs[i].name], i === inputs.length - 1 ? base : `${base}/${i}`);
        return same(acc);
      }
      case 'Concatenate': {
        const rank = outShape.length;
        let axis = Number(cfg.axis ?? -1);
        if (axis < 0) axis += rank;
        if (x.nchw) axis = [0, 2, 3, 1][axis];
        return same(
          g.node(
            'Concat',
            inputs.map((v) => v.name),
            base,
            { axis },
          ),
        );
      }
      case 'Activation':
        return same(this.activation(x.name, String(cfg.activation), base, layer, cfg));
      case 'Softmax': {
        const axis = Number(Array.isArray(cfg.axis) ? cfg.axis[0] : (cfg.axis ?? -1));
        if (x.nchw || (axis !== -1 && axis !== outShape.length - 1))
          throw new UnsupportedLayer(layer, 'softmax over an axis other than the last of a flat value');
        return same(g.node('Softmax', [x.name], base, { axis: -1 }));
      }
      case 'ReLU': {
        const max = cfg.maxValue as number | null | undefined;
        if (cfg.negativeSlope || (cfg.threshold as number | undefined)) throw new UnsupportedLayer(layer, 'a ReLU with slope or threshold');
        return same(max == null ? g.node('Relu', [x.name], base) : g.node('Clip', [x.name, g.scalar(0), g.scalar(max)], base));
      }
      case 'LeakyReLU':
        return same(g.node('LeakyRelu', [x.name], base, { alpha: { float: Number(cfg.alpha ?? 0.3) } }));
      case 'HardSwish':
        return same(this.activation(x.name, 'hardswish', base, layer));
      case 'ConstantArithmetic': {
        const values = cfg.values as number[];
        const c = values.length === 1 ? g.scalar(values[0]) : g.floats(`${base}/const`, values, x.nchw ? [values.length, 1, 1] : [values.length]);
        return same(g.node(cfg.op === 'mul' ? 'Mul' : 'Add', [x.name, c], base));
      }
      case 'BatchNormalization':
        return same(this.batchNorm(layer, cfg, x));
      case 'Dropout':
      case 'SpatialDropout1D':
      case 'GaussianNoise':
        return same(x.name);
      default:
        throw new UnsupportedLayer(layer, 'no ONNX mapping for this layer type');
    }
  }

  private batchNorm(layer: tf.layers.Layer, cfg: Cfg, x: OnnxValue): string {
    const axis = Number(cfg.axis ?? -1);
    if (axis !== -1 && axis !== x.shape.length - 1) throw new UnsupportedLayer(layer, `batch normalization over axis ${axis}`);
    const c = x.shape[x.shape.length - 1] as number;
    const w = weightData(layer);
    let i = 0;
    const gamma = cfg.scale !== false ? w[i++] : new Float32Array(c).fill(1);
    const beta = cfg.center !== false ? w[i++] : new Float32Array(c);
    const [mean, variance] = [w[i], w[i + 1]];
    const g = this.g;
    const base = layer.name;
    const ins = [
      g.floats(`${base}/gamma`, gamma, [c]),
      g.floats(`${base}/beta`, beta, [c]),
      g.floats(`${base}/mean`, mean, [c]),
      g.floats(`${base}/variance`, variance, [c]),
    ];
    return g.node('BatchNormalization', [x.name, ...ins], base, { epsilon: { float: Number(cfg.epsilon ?? 1e-3) } });
  }
}
