/**
 * buildNetwork (export/classifier.ts), the copy of backbone + head that every export and the ONNX
 * Runtime inference start from: a layer it cannot copy is an error that leaves no tensor behind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/core/backend/select.js';
import { buildNetwork } from '../src/core/export/classifier.js';
import type { Backbone } from '../src/core/backbones/load.js';
import { PREPROCESS_MINUS1_1 } from '../src/core/backbones/spec.js';

/** A layer class tfjs's serialization map does not hold, so it cannot be cloned from its config. */
class NotRegistered extends tf.layers.Layer {
  static className = 'PetlabTestNotRegistered';
}

/** conv (with weights) → pooling as a backbone; `odd` puts a layer buildNetwork cannot clone between them. */
function tinyBackbone(odd: boolean): Backbone {
  const input = tf.input({ shape: [8, 8, 3] });
  let x = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }).apply(input) as tf.SymbolicTensor;
  if (odd) x = new NotRegistered({}).apply(x) as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling2d({ name: 'pool' }).apply(x) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: x });
  const spec = { name: 'tiny', inputSize: [8, 8], preprocess: PREPROCESS_MINUS1_1, embeddingLayer: 'pool', embeddingPool: 'none' };
  return { spec, model } as unknown as Backbone;
}

test('a backbone with a layer buildNetwork cannot copy: an error naming it, and the copies made before it are freed', async () => {
  await initBackend('cpu');
  const bb = tinyBackbone(true);
  const before = tf.memory().numTensors;
  assert.throws(() => buildNetwork(bb, {}), /cannot export layer .*: tfjs does not know its class PetlabTestNotRegistered/);
  assert.equal(tf.memory().numTensors, before, 'no tensor left by the failed build');
  // the backbone itself is untouched
  const y = bb.model.predict(tf.zeros([1, 8, 8, 3])) as tf.Tensor;
  assert.deepEqual(y.shape, [1, 4]);
  y.dispose();
  bb.model.dispose();
});

test('a head with a layer buildNetwork cannot copy: the backbone and head copies made before it are freed', async () => {
  await initBackend('cpu');
  const bb = tinyBackbone(false);
  const input = tf.input({ shape: [4] });
  const dense = tf.layers.dense({ units: 2 }).apply(input) as tf.SymbolicTensor;
  const head = tf.model({ inputs: input, outputs: new NotRegistered({}).apply(dense) as tf.SymbolicTensor });
  const before = tf.memory().numTensors;
  assert.throws(() => buildNetwork(bb, { head }), /tfjs does not know its class PetlabTestNotRegistered/);
  assert.equal(tf.memory().numTensors, before, 'no tensor left by the failed build');
  // the backbone alone builds, and dispose() frees all of it
  const ok = buildNetwork(bb, {});
  ok.dispose();
  assert.equal(tf.memory().numTensors, before);
  bb.model.dispose();
  head.dispose();
});
