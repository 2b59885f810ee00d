import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/core/backend/select.js';
import { compileInferencePlan } from '../src/core/backbones/executor.js';
import { loadLayersModelFrom } from '../src/core/io/layers-model-files.js';
import { loadBackbone, sourceFromPath, findEmbeddingLayer } from '../src/core/backbones/load.js';
import { DARKNET_TINY, MOBILENET_V2_TFJS, skipUnless, tempDir } from './helpers/shared.js';

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

test(
  'the fused inference plan computes what the layers model computes (MobileNetV2, darknet with folded BatchNorm)',
  { skip: skipUnless('mobilenet-v2-tfjs', 'darknet-tiny', 'imagenet-labels') },
  async () => {
    await initBackend('wasm');
    for (const [dir, layer] of [
      [MOBILENET_V2_TFJS, 'MobilenetV2_Logits_AvgPool'],
      [DARKNET_TINY, 'leaky_re_lu_15'],
    ] as const) {
      const model = await loadLayersModelFrom(dir);
      const plan = compileInferencePlan(model);
      const x = tf.randomUniform([2, 224, 224, 3], -1, 1, 'float32', 3) as tf.Tensor4D;
      const reference = tf.model({ inputs: model.inputs, outputs: model.getLayer(layer).output as tf.SymbolicTensor });
      const want = reference.predict(x) as tf.Tensor;
      const before = tf.memory().numTensors;
      const got = plan.run(x, layer);
      assert.equal(tf.memory().numTensors, before + 1, 'only the result survives a run');
      assert.deepEqual(got.shape, want.shape);
      const scale = tf.tidy(() => tf.max(tf.abs(want)).dataSync()[0]);
      assert.ok(maxAbsDiff(got, want) <= 1e-4 * Math.max(1, scale), `${dir}: max diff ${maxAbsDiff(got, want)}`);
      tf.dispose([x, want, got]);
      plan.dispose();
      model.dispose();
    }
  },
);

test(
  'the embedding layer is found from the model: input of the final classifier',
  { skip: skipUnless('mobilenet-v2-tfjs', 'darknet-tiny', 'imagenet-labels') },
  async () => {
    await initBackend('wasm');
    const mn = await loadLayersModelFrom(MOBILENET_V2_TFJS);
    assert.deepEqual(findEmbeddingLayer(mn), { layer: 'MobilenetV2_Logits_AvgPool', pool: 'none' });
    mn.dispose();
    const dk = await loadLayersModelFrom(DARKNET_TINY);
    assert.deepEqual(findEmbeddingLayer(dk), { layer: 'leaky_re_lu_15', pool: 'avg' });
    dk.dispose();
  },
);

test(
  'a loaded backbone embeds without leaking tensors and knows its preprocessing',
  { skip: skipUnless('mobilenet-v2-tfjs', 'darknet-tiny', 'imagenet-labels') },
  async () => {
    await initBackend('wasm');
    const start = tf.memory().numTensors;
    const bb = await loadBackbone(await sourceFromPath(MOBILENET_V2_TFJS), { cacheDir: tempDir(), resize: 'cover' });
    assert.deepEqual(bb.spec.inputSize, [224, 224]);
    assert.ok(Math.abs(bb.spec.preprocess.offset + 1) < 1e-9, 'MobileNet takes [-1, 1]');
    assert.equal(bb.labels?.[0], 'background');
    const loaded = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) {
      const px = tf.randomUniform([2, 224, 224, 3], 0, 255, 'int32') as tf.Tensor4D;
      const e = bb.embed(px);
      assert.deepEqual(e.shape, [2, 1280]);
      tf.dispose([px, e]);
    }
    assert.equal(tf.memory().numTensors, loaded, 'embedding leaks nothing');
    bb.dispose();
    assert.equal(tf.memory().numTensors, start, 'dispose frees the backbone');
    const dk = await loadBackbone(await sourceFromPath(DARKNET_TINY), { cacheDir: tempDir(), resize: 'cover' });
    // recognised by its model.json as the registry's darknet_tiny: [0, 1] input, no guessing
    assert.equal(dk.spec.embeddingPool, 'avg');
    assert.equal(dk.spec.preprocess.offset, 0);
    assert.ok(Math.abs(dk.spec.preprocess.scale - 1 / 255) < 1e-12);
    assert.deepEqual(dk.warnings, []);
    dk.dispose();
  },
);
