import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { balancedWeights, trainHead } from '../src/core/train/head.js';

test('class-balanced weights: n / (classes × count), 0 for a class absent from training', () => {
  const w = Array.from(balancedWeights(Int32Array.from([0, 0, 0, 1]), 3));
  [4 / 9, 4 / 3, 0].forEach((e, i) => assert.ok(Math.abs(w[i] - e) < 1e-6, `${w}`));
});

test('a head trained with the balanced loss leaves no tensor behind once disposed', async () => {
  await tf.setBackend('cpu');
  const before = tf.memory().numTensors;
  const dim = 8;
  const y = Int32Array.from({ length: 40 }, (_, i) => (i < 32 ? 0 : 1));
  const x = Float32Array.from({ length: 40 * dim }, (_, i) => (y[Math.floor(i / dim)] ? 1 : -1) + Math.sin(i));
  const { head, optimizer, history } = await trainHead({ x, y, dim }, undefined, {
    numClasses: 2,
    hiddenUnits: 0,
    dropout: 0,
    epochs: 3,
    batchSize: 16,
    learningRate: 1e-2,
    schedule: 'constant',
    weightDecay: 0,
    labelSmoothing: 0,
    seed: 1,
    balanced: true,
  });
  assert.equal(history.length, 3);
  assert.ok(history.every((h) => Number.isFinite(h.loss)));
  head.dispose();
  optimizer.dispose();
  assert.equal(tf.memory().numTensors, before);
});
