import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/core/backend/select.js';
import { importTflite, loadTflite } from '../src/core/backbones/tflite/index.js';
import { tempDir } from './helpers/shared.js';
import { floatModel, int8Model, noise, OP, toHWIO } from './helpers/tflite-op-models.js';
import { bool, buildTflite, f32Bytes, i32, i32Bytes, i8, T, type TensorSpec } from './helpers/tflite-builder.js';

// Small synthetic .tflite graphs for the ops and encodings the three shared models do not use.
// Each expectation is computed with plain tf ops from the weights the test itself stored.

before(async () => {
  await initBackend('wasm');
});

async function maxDiff(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const d = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))));
  const v = (await d.data())[0];
  d.dispose();
  return v;
}

test('PAD, float16 DEQUANTIZE, int8 per-channel depthwise, HARD_SWISH, pools, MUL, CONCATENATION, MEAN, uint8 dense, SOFTMAX', async () => {
  const start = tf.memory().numTensors;
  const { bytes, expected } = floatModel();
  const imp = importTflite(bytes, 'synthetic.tflite');
  const x = tf.tensor4d(noise(8 * 8 * 3, 99), [1, 8, 8, 3]);
  const y = imp.model.predict(x) as tf.Tensor;
  const want = expected(x);
  try {
    assert.ok((await maxDiff(y, want)) < 1e-5);
    const kinds = imp.model.layers.map((l) => l.getClassName());
    for (const k of [
      'ZeroPadding2D',
      'Conv2D',
      'DepthwiseConv2D',
      'HardSwish',
      'MaxPooling2D',
      'AveragePooling2D',
      'Multiply',
      'Concatenate',
      'GlobalAveragePooling2D',
      'Dense',
      'Softmax',
    ]) {
      assert.ok(kinds.includes(k), `has a ${k} layer`);
    }
    const dw = imp.model.layers.find((l) => l.getClassName() === 'DepthwiseConv2D')!;
    assert.equal(dw.getConfig().depthMultiplier, 2);
    assert.equal(dw.getConfig().activation, 'relu6');
    assert.equal(dw.name, 'net/dw');
    // float input without quantization: the MobileNet default, flagged as assumed
    assert.equal(imp.preprocessAssumed, true);
    assert.deepEqual(imp.preprocess, { scale: 1 / 127.5, offset: -1 });
    assert.equal(imp.outputKind, 'probabilities');
    assert.equal(imp.embeddingLayer, 'net/pool/Mean');
    assert.equal(imp.embeddingPool, 'none');
  } finally {
    tf.dispose([x, y, want]);
    imp.model.dispose();
  }
  assert.equal(tf.memory().numTensors, start);
});

test('a saved model with the HardSwish layer loads again from the cache', async () => {
  const dir = tempDir('petlab-tflite-ops-');
  const file = path.join(dir, 'hswish.tflite');
  writeFileSync(file, floatModel().bytes);
  const first = await loadTflite(file, { cacheDir: dir });
  const second = await loadTflite(file, { cacheDir: dir });
  const x = tf.tensor4d(noise(2 * 8 * 8 * 3, 5), [2, 8, 8, 3]);
  const [a, b] = [first.model.predict(x) as tf.Tensor, second.model.predict(x) as tf.Tensor];
  try {
    assert.equal(second.fromCache, true);
    assert.ok(second.model.layers.some((l) => l.getClassName() === 'HardSwish'));
    assert.deepEqual(await b.data(), await a.data());
  } finally {
    tf.dispose([x, a, b]);
    first.model.dispose();
    second.model.dispose();
  }
});

test('int8 input: preprocessing from its quantization (pixel - 128 = q); int32 biases scaled by input x weight scale', async () => {
  const { bytes, expected, inScale, inZp } = int8Model();
  const imp = importTflite(bytes, 'int8.tflite');
  try {
    assert.equal(imp.preprocessAssumed, false);
    assert.equal(imp.preprocess.scale, inScale);
    assert.equal(imp.preprocess.offset, -inScale * (inZp + 128));
    assert.deepEqual(imp.inputSize, [4, 4]);
    assert.equal(imp.outputKind, 'logits');
    assert.equal(imp.embeddingLayer, 'm/flatten/Reshape');
    assert.equal(imp.embeddingPool, 'none');
    const pixels = tf.tensor4d(
      Float32Array.from(noise(4 * 4 * 3, 21), (v) => Math.round((v + 1) * 127.5)),
      [1, 4, 4, 3],
    );
    // what the int8 model computes from pixel p: q = p - 128, real = scale * (q - zero_point)
    const real = tf.tidy(() => tf.mul(tf.sub(tf.sub(pixels, 128), inZp), inScale)) as tf.Tensor4D;
    const fed = tf.tidy(() => tf.add(tf.mul(pixels, imp.preprocess.scale), imp.preprocess.offset));
    const y = imp.model.predict(fed) as tf.Tensor;
    const want = expected(real);
    assert.ok((await maxDiff(y, want)) < 1e-4);
    tf.dispose([pixels, real, fed, y, want]);
  } finally {
    imp.model.dispose();
  }
});

test('an op that cannot be rebuilt mid-graph fails cleanly, leaving no tensors behind', () => {
  // MEAN over the channel axis is not a global average pool: refused, after convs were built.
  const bad = floatModel([1, 3]).bytes;
  const start = tf.memory().numTensors;
  assert.throws(
    () => importTflite(bad, 'odd-mean.tflite'),
    (e: Error) => e.name === 'PetlabError' && /odd-mean\.tflite: MEAN .*axes \[1,3\]/.test(e.message),
  );
  assert.equal(tf.memory().numTensors, start);
});

test('MEAN with keep_dims feeding FULLY_CONNECTED: the embedding is the pooled vector, the dense flattens its input', async () => {
  const fcW = noise(2 * 3, 31);
  const fcB = noise(2, 32);
  const bytes = buildTflite({
    tensors: [
      { name: 'x', shape: [1, 4, 4, 3], type: T.FLOAT32 },
      { name: 'axes', shape: [2], type: T.INT32, data: i32Bytes([1, 2]) },
      { name: 'top/Mean', shape: [1, 1, 1, 3], type: T.FLOAT32 },
      { name: 'top/dense/kernel', shape: [2, 3], type: T.FLOAT32, data: f32Bytes(fcW) },
      { name: 'top/dense/bias', shape: [2], type: T.FLOAT32, data: f32Bytes(fcB) },
      { name: 'top/dense/BiasAdd', shape: [1, 2], type: T.FLOAT32 },
    ],
    inputs: [0],
    outputs: [5],
    operators: [
      { code: OP.MEAN, inputs: [0, 1], outputs: [2], options: [bool(true)] },
      { code: OP.FULLY_CONNECTED, inputs: [2, 3, 4], outputs: [5], options: [i8(0)] },
    ],
  });
  const imp = importTflite(bytes, 'keepdims.tflite');
  const x = tf.tensor4d(noise(2 * 4 * 4 * 3, 33), [2, 4, 4, 3]);
  const y = imp.model.predict(x) as tf.Tensor;
  const want = tf.tidy(() => tf.add(tf.matMul(tf.mean(x, [1, 2]), tf.transpose(tf.tensor2d(fcW, [2, 3]))), fcB));
  try {
    assert.ok((await maxDiff(y, want)) < 1e-5);
    assert.equal(imp.embeddingLayer, 'top/Mean');
    assert.deepEqual(imp.model.getLayer(imp.embeddingLayer).outputShape, [null, 3]);
    assert.equal(imp.embeddingPool, 'none');
    assert.equal(imp.outputKind, 'logits');
    assert.ok(imp.model.layers.some((l) => l.getClassName() === 'Flatten'));
  } finally {
    tf.dispose([x, y, want]);
    imp.model.dispose();
  }
});

test('MobileNetV3-style squeeze-excite: ADD/MUL with constants, RELU6, broadcast MUL; reloads from the cache', async () => {
  const seW = noise(3 * 3, 41);
  const seB = noise(3, 42);
  const fcW = noise(4 * 3, 43);
  const t = (name: string, shape: number[], data?: Uint8Array): TensorSpec => ({ name, shape, type: T.FLOAT32, data });
  const bytes = buildTflite({
    tensors: [
      t('x', [1, 4, 4, 3]),
      { name: 'axes', shape: [2], type: T.INT32, data: i32Bytes([1, 2]) },
      t('se/squeeze/Mean', [1, 1, 1, 3]),
      t('se/conv/kernel', [3, 1, 1, 3], f32Bytes(seW)),
      t('se/conv/bias', [3], f32Bytes(seB)),
      t('se/conv/Relu', [1, 1, 1, 3]),
      t('three', [], f32Bytes([3])),
      t('se/hsig/add', [1, 1, 1, 3]),
      t('se/hsig/Relu6', [1, 1, 1, 3]),
      t('sixth', [1], f32Bytes([1 / 6])),
      t('se/hsig/mul', [1, 1, 1, 3]),
      t('se/excite/mul', [1, 4, 4, 3]),
      t('head/pool/Mean', [1, 3]),
      t('head/kernel', [4, 3], f32Bytes(fcW)),
      t('head/logits', [1, 4]),
    ],
    inputs: [0],
    outputs: [14],
    operators: [
      { code: OP.MEAN, inputs: [0, 1], outputs: [2], options: [bool(true)] },
      { code: OP.CONV_2D, inputs: [2, 3, 4], outputs: [5], options: [i8(0), i32(1), i32(1), i8(1)] },
      { code: OP.ADD, inputs: [5, 6], outputs: [7], options: [i8(0)] },
      { code: 21 /* RELU6 */, inputs: [7], outputs: [8] },
      { code: OP.MUL, inputs: [9, 8], outputs: [10], options: [i8(0)] },
      { code: OP.MUL, inputs: [0, 10], outputs: [11], options: [i8(0)] },
      { code: OP.MEAN, inputs: [11, 1], outputs: [12], options: [bool(false)] },
      { code: OP.FULLY_CONNECTED, inputs: [12, 13, -1], outputs: [14], options: [i8(0)] },
    ],
  });
  const dir = tempDir('petlab-tflite-ops-');
  const file = path.join(dir, 'se.tflite');
  writeFileSync(file, bytes);
  const first = await loadTflite(file, { cacheDir: dir });
  const second = await loadTflite(file, { cacheDir: dir });
  const x = tf.tensor4d(noise(2 * 4 * 4 * 3, 44), [2, 4, 4, 3]);
  const want = tf.tidy(() => {
    const s = tf.mean(x, [1, 2], true);
    const c = tf.relu(tf.add(tf.conv2d(s as tf.Tensor4D, toHWIO(seW, [3, 1, 1, 3]), 1, 'same'), seB));
    const gate = tf.mul(tf.relu6(tf.add(c, 3)), 1 / 6);
    return tf.matMul(tf.mean(tf.mul(x, gate), [1, 2]), tf.transpose(tf.tensor2d(fcW, [4, 3])));
  });
  const [a, b] = [first.model.predict(x) as tf.Tensor, second.model.predict(x) as tf.Tensor];
  try {
    assert.ok((await maxDiff(a, want)) < 1e-5);
    assert.equal(second.fromCache, true);
    assert.deepEqual(await b.data(), await a.data());
    assert.equal(second.model.layers.filter((l) => l.getClassName() === 'ConstantArithmetic').length, 2);
    assert.equal(first.embeddingLayer, 'head/pool/Mean');
  } finally {
    tf.dispose([x, want, a, b]);
    first.model.dispose();
    second.model.dispose();
  }
});
