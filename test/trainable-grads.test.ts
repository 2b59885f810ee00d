import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/core/backend/select.js';
import { buildTrainablePart } from '../src/core/backbones/trainable.js';
import { makeRng } from '../src/core/random.js';
import { on, randomArray, relativeError, TOLERANCE } from './helpers/wasm-grad-support.js';

/**
 * The trainable part's gradients (buildTrainablePart): the same as tfjs-layers' own on cpu, on
 * both backends, and the first conv after the cut computes no input gradient (nothing needs it).
 */

before(async () => {
  await initBackend('wasm');
});

/** cut -> 1x1 conv (relu6) -> depthwise 3x3 -> 1x1 conv -> add(cut) -> global average pool. */
function smallModel(): tf.LayersModel {
  const init = (seed: number) => tf.initializers.glorotUniform({ seed });
  const input = tf.input({ shape: [6, 6, 4], name: 'cut' });
  const a = tf.layers
    .conv2d({ filters: 8, kernelSize: 1, activation: 'relu6', name: 'expand', kernelInitializer: init(1), biasInitializer: 'ones' })
    .apply(input);
  const d = tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', activation: 'relu6', name: 'dw', depthwiseInitializer: init(2) }).apply(a);
  const p = tf.layers.conv2d({ filters: 4, kernelSize: 1, name: 'project', kernelInitializer: init(3) }).apply(d);
  const sum = tf.layers.add({ name: 'add' }).apply([p, input] as tf.SymbolicTensor[]);
  const out = tf.layers.globalAveragePooling2d({ name: 'pool' }).apply(sum) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

test('trainable part: weight gradients match tfjs-layers on cpu (cpu and wasm), and no dx for the first conv', async () => {
  const rng = makeRng(41);
  const xv = randomArray(rng, 3 * 6 * 6 * 4).map((v) => v * 3);
  const up = randomArray(rng, 3 * 4);
  const grads = (mine: boolean) =>
    tf.tidy(() => {
      const model = smallModel();
      const upstream = tf.tensor2d(up, [3, 4]);
      const part = buildTrainablePart(model, 'cut', ['expand', 'dw', 'project', 'add', 'pool'], 'pool', 'none', () => 0);
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
