/** The state of one TFLite import: the layers graph so far, and the helpers the op builders share. */
import * as tf from '@tensorflow/tfjs';
import type { PetlabError } from '../../errors.js';
import { constantInts, dequantize, DequantizeError, type Scales } from './dequantize.js';
import { LayerNamer } from './layer-names.js';
import { Activation, opName, type Operator, type SubGraph, type Tensor } from './schema.js';
import { fileError } from './validate.js';

export type ActivationName = 'linear' | 'relu' | 'relu6' | 'tanh';

/** Builds the layers graph, one TFLite operator at a time. */
export class GraphBuilder {
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
    return fileError(
      this.source,
      `${opName(op.code, op.customCode)} (operator ${op.index}) ${what}`,
      'petlab imports standard image classifiers (MobileNet-like); this model uses a variant it cannot rebuild',
    );
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
