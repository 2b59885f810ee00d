import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { initBackend } from '../src/core/backend/select.js';
import { makeRng } from '../src/core/random.js';
import { on, randomArray, relativeError, TOLERANCE } from './helpers/wasm-grad-support.js';

/**
 * The wasm kernels petlab wraps with a fast path for training: Identity (what every saved tensor
 * of a gradient goes through) and AvgPoolGrad of a global pool. Same values as cpu, no copies.
 */

before(async () => {
  await initBackend('wasm');
});

test('tf.clone on wasm shares the memory (no copy) and the values outlive the original', async () => {
  const backend = (await on('wasm', () => tf.backend())) as BackendWasm;
  const x = tf.tensor4d(
    Float32Array.from({ length: 2 * 3 * 3 * 4 }, (_, i) => i),
    [2, 3, 3, 4],
  );
  const buffers = tf.memory().numDataBuffers;
  const ids = backend.numDataIds();
  const y = tf.clone(x);
  assert.equal(tf.memory().numDataBuffers, buffers, 'the clone has no buffer of its own');
  assert.equal(backend.numDataIds(), ids, 'no wasm allocation');
  x.dispose();
  assert.deepEqual(Array.from(y.dataSync()).slice(0, 5), [0, 1, 2, 3, 4]);
  y.dispose();
  assert.equal(backend.numDataIds(), ids - 1, 'freed with the last reference');
  const s = tf.tensor1d(['a', 'b'], 'string');
  const sc = tf.clone(s);
  s.dispose();
  assert.deepEqual(sc.dataSync(), ['a', 'b']);
  sc.dispose();
});

test('gradients that save tensors (conv, relu6, fused conv) match cpu with the shared Identity', async () => {
  const rng = makeRng(31);
  const xv = randomArray(rng, 2 * 6 * 6 * 3);
  const fv = randomArray(rng, 3 * 3 * 3 * 4);
  const bv = randomArray(rng, 4);
  const grads = () =>
    tf.tidy(() => {
      const f = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.relu6(tf.fused.conv2d({ x: x as tf.Tensor4D, filter: w as tf.Tensor4D, bias: b, strides: 1, pad: 'same' })).mul(3));
      return tf
        .grads(f)([tf.tensor4d(xv, [2, 6, 6, 3]), tf.tensor4d(fv, [3, 3, 3, 4]), tf.tensor1d(bv)])
        .map((g) => g.dataSync() as Float32Array);
    });
  const cpu = await on('cpu', grads);
  const wasm = await on('wasm', grads);
  cpu.forEach((c, i) => assert.ok(relativeError(wasm[i], c) < TOLERANCE, `input ${i}: ${relativeError(wasm[i], c)}`));
});

test('AvgPoolGrad on wasm matches cpu: global pools (fast path) and every other pool', async () => {
  const rng = makeRng(32);
  const cases: Array<{ x: [number, number, number, number]; size: [number, number]; stride: number; pad: 'valid' | 'same' }> = [
    { x: [3, 7, 7, 16], size: [7, 7], stride: 1, pad: 'valid' },
    { x: [2, 5, 3, 6], size: [5, 3], stride: 2, pad: 'valid' },
    { x: [2, 6, 6, 4], size: [2, 2], stride: 2, pad: 'valid' },
    { x: [2, 5, 5, 3], size: [3, 3], stride: 1, pad: 'same' },
    { x: [1, 4, 4, 2], size: [4, 4], stride: 1, pad: 'same' },
  ];
  for (const c of cases) {
    const xv = randomArray(rng, tf.util.sizeFromShape(c.x));
    const run = () =>
      tf.tidy(() => {
        const x = tf.tensor4d(xv, c.x);
        const out = tf.avgPool(x, c.size, c.stride, c.pad);
        const up = tf.tensor(randomArray(makeRng(33), out.size), out.shape);
        return tf
          .grad((t: tf.Tensor) => tf.sum(tf.mul(tf.avgPool(t as tf.Tensor4D, c.size, c.stride, c.pad), up)))(x)
          .dataSync() as Float32Array;
      });
    const cpu = await on('cpu', run);
    const backend = (await on('wasm', () => tf.backend())) as BackendWasm;
    const ids = backend.numDataIds();
    const wasm = run();
    assert.equal(backend.numDataIds(), ids, `[${c.x}] pool ${c.size}: no wasm buffer left behind`);
    assert.ok(relativeError(wasm, cpu) < TOLERANCE, `[${c.x}] pool ${c.size} stride ${c.stride} ${c.pad}: ${relativeError(wasm, cpu)}`);
  }
});
