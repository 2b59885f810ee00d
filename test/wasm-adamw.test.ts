import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/core/backend/select.js';
import { registerWasmGradientKernels } from '../src/core/backend/wasm-gradients.js';
import { ADAMW_STEP } from '../src/core/backend/wasm-grad/adamw-kernel.js';
import { AdamW } from '../src/core/train/adamw.js';
import { makeRng } from '../src/core/random.js';
import { on, randomArray } from './helpers/wasm-grad-support.js';

/**
 * AdamW's native step on wasm (native/kernels.c adamw_step) must give the very bits of the tfjs
 * ops it replaces, so a fine-tuning run is the same run with or without it.
 */

before(async () => {
  await initBackend('wasm');
});

const SHAPES = [[37], [3, 3, 8, 1], [16, 24], [5]];

/** Weights and moments after `steps` AdamW updates from seeded values, two groups (one decayed). */
function run(steps: number): { weights: Float32Array[]; moments: Float32Array[] } {
  const rng = makeRng(5);
  const vars = SHAPES.map((s) =>
    tf.variable(
      tf.tensor(
        randomArray(
          rng,
          s.reduce((a, b) => a * b, 1),
        ),
        s,
      ),
    ),
  );
  const opt = new AdamW(
    [
      { vars: vars.slice(0, 2), lrMult: 0.1, decay: [true, false] },
      { vars: vars.slice(2), lrMult: 1, decay: [true, false] },
    ],
    { weightDecay: 0.05 },
  );
  for (let s = 0; s < steps; s++) {
    const grads = SHAPES.map((sh) =>
      tf.tensor(
        randomArray(
          rng,
          sh.reduce((a, b) => a * b, 1),
        ),
        sh,
      ),
    );
    opt.apply(grads, 3e-3 * (s + 1));
    tf.dispose(grads);
  }
  const state = opt.exportState();
  const out = {
    weights: vars.map((v) => v.dataSync() as Float32Array),
    moments: Object.values(state.tensors).map((t) => t.dataSync() as Float32Array),
  };
  tf.dispose([...vars, ...Object.values(state.tensors)]);
  opt.dispose();
  return out;
}

const bits = (a: Float32Array[]) => a.map((x) => Buffer.from(x.buffer, x.byteOffset, x.byteLength).toString('hex'));

test('the native AdamW step on wasm gives the same bits as the tfjs ops, on wasm and on cpu', async () => {
  assert.ok(tf.getKernel(ADAMW_STEP, 'wasm'), 'registered for wasm');
  const fused = await on('wasm', () => run(6));
  tf.unregisterKernel(ADAMW_STEP, 'wasm');
  let ops;
  try {
    ops = await on('wasm', () => run(6));
  } finally {
    registerWasmGradientKernels();
  }
  const cpu = await on('cpu', () => run(6));
  assert.deepEqual(bits(fused.weights), bits(ops.weights), 'weights: native vs tfjs ops on wasm');
  assert.deepEqual(bits(fused.moments), bits(ops.moments), 'moments: native vs tfjs ops on wasm');
  assert.deepEqual(bits(fused.weights), bits(cpu.weights), 'weights: native vs cpu');
  // and the weights did move
  const start = randomArray(makeRng(5), 37);
  assert.ok(fused.weights[0].some((w, i) => w !== start[i]));
});

test('the native AdamW step leaks no tensor and leaves a checkpoint clone of the moments as it was', async () => {
  await on('wasm', () => {
    const w = tf.variable(tf.ones([64]));
    const opt = new AdamW([{ vars: [w], lrMult: 1, decay: [true] }]);
    opt.apply([tf.fill([64], 0.5)], 1e-2);
    const saved = opt.exportState();
    const before = Array.from(saved.tensors['m/0/0'].dataSync());
    const n = tf.memory().numTensors;
    const g = tf.fill([64], 0.25);
    opt.apply([g], 1e-2);
    g.dispose();
    assert.equal(tf.memory().numTensors, n, 'tensors before and after a step');
    assert.deepEqual(Array.from(saved.tensors['m/0/0'].dataSync()), before, 'the clone kept its values');
    tf.dispose(Object.values(saved.tensors));
    opt.dispose();
    w.dispose();
  });
});
