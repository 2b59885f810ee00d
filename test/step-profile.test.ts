import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/core/backend/select.js';
import { AdamW } from '../src/core/train/adamw.js';
import { formatStepProfile, startStepProfile } from '../src/core/train/step-profile.js';

test('the step profile times each wasm kernel in its phase (forward, backward, AdamW) and leaves the kernels as they were', async () => {
  await initBackend('wasm');
  const conv = tf.getKernel('Conv2DBackpropFilter', 'wasm')!.kernelFunc;
  const before = tf.memory().numTensors;
  const w = tf.tidy(() => tf.variable(tf.randomNormal([3, 3, 4, 8], 0, 0.1, 'float32', 1)));
  const x = tf.randomNormal([2, 8, 8, 4], 0, 1, 'float32', 2);
  const opt = new AdamW([{ vars: [w], lrMult: 1, decay: [true] }]);
  const p = startStepProfile();
  for (let s = 0; s < 2; s++) {
    const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same'))) as tf.Scalar);
    opt.apply([grads[w.name]], 1e-3);
    tf.dispose([value, ...Object.values(grads)]);
    p.markStep();
  }
  const prof = p.stop();
  opt.dispose();
  tf.dispose([w, x]);
  assert.equal(prof.steps, 2);
  const row = (kernel: string, phase: string) => prof.kernels.find((k) => k.kernel === kernel && k.phase === phase);
  assert.equal(row('Conv2D', 'forward')?.calls, 2);
  assert.equal(row('Conv2DBackpropFilter', 'backward')?.category, 'ours');
  // our kernel runs XNNPACK through the registry: those calls are charged to them, not to ours
  const ours = row('Conv2DBackpropFilter', 'backward')!;
  assert.ok(ours.totalMs >= ours.selfMs);
  // AdamW is one native pass per variable on wasm
  assert.equal(row('PetlabAdamWStep', 'adamw')?.calls, 2);
  assert.equal(row('PetlabAdamWStep', 'adamw')?.category, 'ours');
  assert.ok(prof.phaseMs.forward > 0 && prof.phaseMs.backward > 0 && prof.phaseMs.adamw > 0);
  assert.equal(tf.getKernel('Conv2DBackpropFilter', 'wasm')!.kernelFunc, conv, 'kernels restored');
  assert.equal(AdamW.prototype.apply.name, 'apply');
  const text = formatStepProfile(prof, 10).join('\n');
  assert.match(text, /our wasm gradient kernels/);
  assert.match(text, /AdamW update/);
  assert.equal(tf.memory().numTensors, before);
});
