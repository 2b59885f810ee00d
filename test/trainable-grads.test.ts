import { test, before } from 'node:test';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/core/backend/select.js';
import { buildTrainablePart } from '../src/core/backbones/trainable.js';
import { makeRng } from '../src/core/random.js';
import { on, randomArray, relativeError, TOLERANCE } from './helpers/wasm-grad-support.js';
import type * as Ort from 'onnxruntime-node';
import { loadPointwiseEngine, type PointwiseEngine } from '../src/core/train/ort-pointwise.js';

/**
 * The trainable part's gradients (buildTrainablePart): the same as tfjs-layers' own on cpu, on
 * both backends, and the first conv after the cut computes no input gradient (nothing needs it).
 */

before(async () => {
  await initBackend('wasm');
});

/** cut -> 1x1 conv (relu6) -> depthwise 3x3 -> 1x1 conv -> add(cut) -> global average pool. */
function smallModel(expand: { activation: 'relu6' | 'relu'; useBias: boolean } = { activation: 'relu6', useBias: true }): tf.LayersModel {
  const init = (seed: number) => tf.initializers.glorotUniform({ seed });
  const input = tf.input({ shape: [6, 6, 4], name: 'cut' });
  const a = tf.layers.conv2d({ filters: 8, kernelSize: 1, ...expand, name: 'expand', kernelInitializer: init(1), biasInitializer: 'ones' }).apply(input);
  const d = tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', activation: 'relu6', name: 'dw', depthwiseInitializer: init(2) }).apply(a);
  const p = tf.layers.conv2d({ filters: 4, kernelSize: 1, name: 'project', kernelInitializer: init(3) }).apply(d);
  const sum = tf.layers.add({ name: 'add' }).apply([p, input] as tf.SymbolicTensor[]);
  const out = tf.layers.globalAveragePooling2d({ name: 'pool' }).apply(sum) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

/** The weight gradients of sum(output * up) through smallModel: tfjs-layers' own (mine false) or the trainable part's. */
function partGrads(mine: boolean, xv: Float32Array, up: Float32Array, pointwise?: PointwiseEngine, expand?: Parameters<typeof smallModel>[0]): Float32Array[] {
  return tf.tidy(() => {
    const model = smallModel(expand);
    const upstream = tf.tensor2d(up, [3, 4]);
    const part = buildTrainablePart(model, 'cut', ['expand', 'dw', 'project', 'add', 'pool'], 'pool', 'none', () => 0, pointwise);
    const vars = part.vars.map((v) => v.variable);
    // x made inside f, as fine-tune.ts does: it is freed before the backward pass
    const f = () => {
      const x = tf.tensor4d(xv, [3, 6, 6, 4]);
      return tf.sum(tf.mul(mine ? part.forward(x) : (model.apply(x) as tf.Tensor), upstream)) as tf.Scalar;
    };
    const { grads: g } = tf.variableGrads(f, vars);
    const out = vars.map((v) => g[v.name].dataSync() as Float32Array);
    model.dispose();
    return out;
  });
}

test('trainable part: weight gradients match tfjs-layers on cpu (cpu and wasm), and no dx for the first conv', async () => {
  const rng = makeRng(41);
  const xv = randomArray(rng, 3 * 6 * 6 * 4).map((v) => v * 3);
  const up = randomArray(rng, 3 * 4);
  const grads = (mine: boolean) => partGrads(mine, xv, up);
  const ref = await on('cpu', () => grads(false));
  const seen: string[] = [];
  const engine = tf.engine();
  const runKernel = engine.runKernel.bind(engine);
  engine.runKernel = ((name: string, inputs: tf.NamedTensorMap, attrs: tf.NamedAttrMap) => {
    if (name === 'Conv2DBackpropInput') seen.push(`[${(attrs as { inputShape: number[] }).inputShape}]`);
    return runKernel(name, inputs, attrs);
  }) as typeof engine.runKernel;
  try {
    for (const backend of ['cpu', 'wasm'] as const) {
      seen.length = 0;
      const mine = await on(backend, () => grads(true));
      assert.equal(mine.length, ref.length);
      mine.forEach((g, i) => assert.ok(relativeError(g, ref[i]) < TOLERANCE, `${backend} variable ${i}: ${relativeError(g, ref[i])}`));
      assert.deepEqual(seen, ['[3,6,6,8]'], `${backend}: dx only for the project conv, not for the conv reading the cut`);
    }
  } finally {
    engine.runKernel = runKernel;
  }
});

/** onnxruntime-node is an optional dependency: without it these tests have nothing to run. */
async function pointwiseEngine(): Promise<PointwiseEngine | undefined> {
  try {
    const name = 'onnxruntime-node';
    const m = (await import(name)) as { default?: typeof Ort } & typeof Ort;
    return loadPointwiseEngine(m.default ?? m);
  } catch {
    return undefined;
  }
}

const engine = await pointwiseEngine();

test(
  'pointwise convs on ONNX Runtime: the same weight gradients (cpu and wasm), none of them on a tfjs conv kernel, no tensor left',
  { skip: engine ? false : 'onnxruntime-node is not installed' },
  async () => {
    const rng = makeRng(43);
    const xv = randomArray(rng, 3 * 6 * 6 * 4).map((v) => v * 3);
    const up = randomArray(rng, 3 * 4);
    const tfEngine = tf.engine();
    const runKernel = tfEngine.runKernel.bind(tfEngine);
    const convKernels: string[] = [];
    tfEngine.runKernel = ((name: string, inputs: tf.NamedTensorMap, attrs: tf.NamedAttrMap) => {
      if (/^(Fused)?Conv2D|^Conv2DBackprop/.test(name)) convKernels.push(name);
      return runKernel(name, inputs, attrs);
    }) as typeof tfEngine.runKernel;
    try {
      // relu6 with a bias (the MobileNetV2 expand) and relu without one: each graph variant
      for (const expand of [
        { activation: 'relu6', useBias: true },
        { activation: 'relu', useBias: false },
      ] as const) {
        const ref = await on('cpu', () => partGrads(false, xv, up, undefined, expand));
        for (const backend of ['cpu', 'wasm'] as const) {
          convKernels.length = 0;
          engine!.resetClock();
          const before = await on(backend, () => tf.memory().numTensors);
          const mine = await on(backend, () => partGrads(true, xv, up, engine, expand));
          assert.equal(tf.memory().numTensors, before, `${backend}: tensors left behind`);
          assert.equal(mine.length, ref.length);
          mine.forEach((g, i) => assert.ok(relativeError(g, ref[i]) < TOLERANCE, `${backend} ${expand.activation} variable ${i}: ${relativeError(g, ref[i])}`));
          assert.deepEqual(convKernels, [], `${backend}: the pointwise convs ran on tfjs`);
          assert.ok(engine!.ms > 0, 'ONNX Runtime ran');
        }
      }
    } finally {
      tfEngine.runKernel = runKernel;
    }
  },
);

test(
  'an onnxruntime-node without its synchronous binding (another version, a stand-in) leaves the pointwise convs to tfjs',
  { skip: engine ? false : 'onnxruntime-node is not installed' },
  async () => {
    const m = (await import('onnxruntime-node')) as { default?: typeof Ort } & typeof Ort;
    assert.equal(loadPointwiseEngine(m.default ?? m, path.join(os.tmpdir(), 'no-such-onnxruntime', 'index.js')), undefined);
  },
);
