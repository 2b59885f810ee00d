import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/core/backend/select.js';
import { loadBackbone, sourceFromPath } from '../src/core/backbones/load.js';
import { parseUnfreeze, planUnfreeze, segmentsUpTo } from '../src/core/backbones/segments.js';
import { buildTrainablePart, fromBf16, toBf16 } from '../src/core/backbones/trainable.js';
import { AdamW } from '../src/core/train/adamw.js';
import { buildHead } from '../src/core/train/head.js';
import { fineTune, type CutFeatures } from '../src/core/train/fine-tune.js';
import { isPetlabError } from '../src/core/errors.js';
import { MOBILENET_V2_TFJS, skipUnless, tempDir } from './helpers/shared.js';

test(
  '--unfreeze counts MobileNetV2 blocks from the top; 30% of the weighted layers is a block boundary',
  { skip: skipUnless('mobilenet-v2-tfjs') },
  async () => {
    await initBackend('wasm');
    const bb = await loadBackbone(await sourceFromPath(MOBILENET_V2_TFJS), { cacheDir: tempDir(), resize: 'cover' });
    try {
      const segs = segmentsUpTo(bb.model, bb.spec.embeddingLayer, bb.plan.visible);
      const params = (l: string) => bb.model.getLayer(l).countParams();
      // 17 inverted-residual blocks + the stem conv + the last 1x1 conv (with the pooling)
      assert.equal(segs.length, 19);
      assert.equal(segs.at(-1)!.to, bb.spec.embeddingLayer);
      const two = planUnfreeze(segs, parseUnfreeze('2'), params);
      assert.equal(two.cut, 'MobilenetV2_expanded_conv_15_add');
      assert.deepEqual(two.trainableLayers.slice(0, 3), [
        'MobilenetV2_expanded_conv_16_expand',
        'MobilenetV2_expanded_conv_16_depthwise',
        'MobilenetV2_expanded_conv_16_project',
      ]);
      const pct = planUnfreeze(segs, parseUnfreeze('30%'), params);
      assert.ok(pct.layerShare >= 0.3 && pct.layerShare < 0.4, `share ${pct.layerShare}`);
      const all = planUnfreeze(segs, parseUnfreeze('all'), params);
      assert.equal(all.trainableParams, all.totalParams);
      assert.equal(all.frozenLayers.length, 0);
      for (const bad of ['-1', 'lots', '0%', '150%'])
        assert.throws(
          () => parseUnfreeze(bad),
          (e: unknown) => isPetlabError(e),
        );
    } finally {
      bb.dispose();
    }
  },
);

test('AdamW with one group and no decay takes the same steps as tfjs Adam', async () => {
  await initBackend('cpu');
  const target = tf.tensor1d([3, -2, 0.5]);
  const a = tf.variable(tf.tensor1d([0, 0, 0]));
  const b = tf.variable(tf.tensor1d([0, 0, 0]));
  const adamw = new AdamW([{ vars: [a], lrMult: 1, decay: [false] }], { weightDecay: 0, beta2: 0.999 });
  const adam = tf.train.adam(0.1, 0.9, 0.999, 1e-7);
  for (let i = 0; i < 5; i++) {
    const { grads } = tf.variableGrads(() => tf.sum(tf.square(tf.sub(a, target))) as tf.Scalar, [a]);
    adamw.apply([grads[a.name]], 0.1);
    tf.dispose(Object.values(grads));
    adam.minimize(() => tf.sum(tf.square(tf.sub(b, target))) as tf.Scalar, false, [b]);
  }
  const diff = tf.max(tf.abs(tf.sub(a, b))).dataSync()[0];
  assert.ok(diff < 1e-5, `diff ${diff}`);
  adamw.dispose();
  adam.dispose();
  tf.dispose([a, b, target]);
});

test('bfloat16 packing of cut features keeps 3 significant digits', () => {
  const x = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 10 ** ((i % 7) - 3));
  const y = fromBf16(toBf16(x));
  for (let i = 0; i < x.length; i++) assert.ok(Math.abs(y[i] - x[i]) <= Math.abs(x[i]) * 4e-3, `${x[i]} → ${y[i]}`);
});

/** 3 fine-tuning steps of the top 2 blocks from the same seed: the losses, and the tensors left over. */
async function threeSteps(backend: 'wasm' | 'cpu', features: Float32Array, shape: number[], labels: Int32Array): Promise<{ loss: number; leaked: number }> {
  await initBackend(backend);
  const bb = await loadBackbone(await sourceFromPath(MOBILENET_V2_TFJS), { cacheDir: tempDir(), resize: 'cover' });
  const before = tf.memory().numTensors;
  const segs = segmentsUpTo(bb.model, bb.spec.embeddingLayer, bb.plan.visible);
  const plan = planUnfreeze(segs, parseUnfreeze('2'), (l) => bb.model.getLayer(l).countParams());
  const first = segs.length - plan.blocks;
  const blockOf = (l: string) => segs.findIndex((s) => s.layers.includes(l)) - first;
  const part = buildTrainablePart(bb.model, plan.cut, plan.trainableLayers, bb.spec.embeddingLayer, bb.spec.embeddingPool, blockOf);
  const head = buildHead(1280, { numClasses: 2, hiddenUnits: 0, seed: 7 });
  const n = labels.length;
  const train: CutFeatures = { data: toBf16(features), n, views: 1, rowShape: shape, labels };
  const res = await fineTune(part, head, train, undefined, {
    numClasses: 2,
    epochs: 1,
    batchSize: Math.ceil(n / 3),
    learningRate: 1e-3,
    lrFloor: 0.1,
    weightDecay: 0.01,
    labelSmoothing: 0,
    dropout: 0.2,
    schedule: 'constant',
    seed: 3,
    patience: 0,
    microBatch: 32,
    ema: 0,
  });
  head.dispose();
  const leaked = tf.memory().numTensors - before;
  bb.dispose();
  return { loss: res.history[0].loss, leaked };
}

test(
  'fine-tuning gives the same loss on wasm and on cpu after 3 steps from the same seed, and leaks nothing',
  { skip: skipUnless('mobilenet-v2-tfjs') },
  async () => {
    await initBackend('wasm');
    // real frozen features: 3 random pictures through the frozen part, computed once
    const bb = await loadBackbone(await sourceFromPath(MOBILENET_V2_TFJS), { cacheDir: tempDir(), resize: 'cover' });
    const segs = segmentsUpTo(bb.model, bb.spec.embeddingLayer, bb.plan.visible);
    const cut = planUnfreeze(segs, parseUnfreeze('2'), (l) => bb.model.getLayer(l).countParams()).cut;
    const px = tf.randomUniform([3, 224, 224, 3], 0, 255, 'int32', 11) as tf.Tensor4D; // 3 steps of 1: the cpu backend's conv gradients are slow
    const f = tf.tidy(() => bb.plan.run(bb.preprocess(px), cut));
    const shape = f.shape.slice(1);
    const features = fromBf16(toBf16(f.dataSync() as Float32Array)); // exactly what the cache would hold
    tf.dispose([px, f]);
    bb.dispose();
    const labels = Int32Array.from([0, 1, 0]);
    const wasm = await threeSteps('wasm', features, shape, labels);
    const cpu = await threeSteps('cpu', features, shape, labels);
    assert.ok(Number.isFinite(wasm.loss) && wasm.loss > 0);
    assert.ok(Math.abs(wasm.loss - cpu.loss) < 1e-3, `wasm ${wasm.loss} vs cpu ${cpu.loss}`);
    assert.equal(wasm.leaked, 0, 'no tensors left on wasm');
    assert.equal(cpu.leaked, 0, 'no tensors left on cpu');
  },
);
