import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import { samplePairs, unitRows } from '../src/core/pairs/sampler.js';
import { buildPairsHead, pairProbabilities, trainPairsHead, PAIRS_DEFAULTS } from '../src/core/pairs/head.js';
import { episodePairs, makeEpisodes, scoreEpisodes } from '../src/core/pairs/episodes.js';

// Synthetic embeddings: class c points along its own direction, plus noise (seeded).
function blobs(classes: number, perClass: number, dim: number, noise = 0.3): { x: Float32Array; y: Int32Array } {
  let s = 12345;
  const rnd = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32 - 0.5;
  const centres = Array.from({ length: classes }, () => Float32Array.from({ length: dim }, rnd));
  const x = new Float32Array(classes * perClass * dim);
  const y = new Int32Array(classes * perClass);
  for (let c = 0; c < classes; c++)
    for (let i = 0; i < perClass; i++) {
      const r = c * perClass + i;
      y[r] = c;
      for (let k = 0; k < dim; k++) x[r * dim + k] = centres[c][k] + noise * rnd();
    }
  return { x, y };
}

test('pairs sampler: balanced, seeded, same pairs of one class, different pairs of two, only the classes given', () => {
  // what trainPairs hands the sampler: the rows of the classes left after --exclude (here 2 of 5 excluded)
  const all = blobs(5, 12, 16);
  const excluded = new Set([1, 3]);
  const keep = [...all.y.keys()].filter((r) => !excluded.has(all.y[r]));
  const labels = Int32Array.from(keep, (r) => all.y[r]);
  const unit = unitRows(Float32Array.from(keep.flatMap((r) => [...all.x.subarray(r * 16, r * 16 + 16)])), 16);
  const p = samplePairs(labels, { count: 1000, seed: 3, hardFraction: 0.5, unit: { x: unit, dim: 16 } });
  assert.equal(
    p.same.reduce((a, v) => a + v, 0),
    500,
    'half the pairs are "same"',
  );
  for (let i = 0; i < 1000; i++) {
    assert.ok(!excluded.has(labels[p.a[i]]) && !excluded.has(labels[p.b[i]]), 'an excluded class is never in a pair');
    assert.equal(labels[p.a[i]] === labels[p.b[i]], p.same[i] === 1, `pair ${i} is labelled right`);
    if (p.same[i]) assert.notEqual(p.a[i], p.b[i], 'a "same" pair is two different pictures');
  }
  const again = samplePairs(labels, { count: 1000, seed: 3, hardFraction: 0.5, unit: { x: unit, dim: 16 } });
  assert.deepEqual([...again.a, ...again.b], [...p.a, ...p.b], 'the same seed gives the same pairs');
  assert.throws(() => samplePairs(Int32Array.of(0, 0, 0), { count: 10, seed: 1 }), /at least 2 classes/);
});

test('episodes: N classes, K shots + 1 query each, seeded; a clear error for too many ways or too few pictures', () => {
  const { y } = blobs(6, 4, 4);
  const names = ['a', 'b', 'c', 'd', 'e', 'f'];
  const eps = makeEpisodes(y, names, { ways: 5, shots: 3, episodes: 20, seed: 1 });
  assert.equal(eps.length, 20);
  for (const ep of eps) {
    assert.equal(new Set(ep.classes).size, 5);
    ep.support.forEach((rows, c) => {
      assert.equal(rows.length, 3);
      for (const r of [...rows, ep.queries[c]]) assert.equal(y[r], ep.classes[c]);
      assert.ok(!rows.includes(ep.queries[c]), 'the query is not one of the examples');
    });
  }
  assert.deepEqual(makeEpisodes(y, names, { ways: 5, shots: 3, episodes: 20, seed: 1 }), eps);
  assert.throws(() => makeEpisodes(y, names, { ways: 7, shots: 1, episodes: 1, seed: 1 }), /--ways 7 is more than the 6 classes/);
  assert.throws(() => makeEpisodes(y, names, { ways: 2, shots: 4, episodes: 1, seed: 1 }), /class "a" has 4 readable pictures; 4-shot episodes need 5/);
  // a score that is 1 for the query's own class gets every query right; a constant gets 1/N (ties → first)
  const { a, b } = episodePairs(eps);
  assert.equal(
    scoreEpisodes(
      eps,
      Float32Array.from(a, (q, i) => (y[q] === y[b[i]] ? 1 : 0)),
      'mean',
    ),
    1,
  );
  assert.equal(scoreEpisodes(eps, new Float32Array(a.length), 'max'), 0.2);
});

test('pairs head: starts as a scaled cosine, learns to tell classes apart, leaves no tensors behind', async () => {
  await tf.setBackend('cpu');
  const dim = 32;
  const { x, y } = blobs(6, 10, dim, 1.2);
  const before = tf.memory().numTensors;
  const fresh = { head: buildPairsHead(dim, { hiddenUnits: 8, seed: 1 }), center: new Float32Array(dim) };
  const [self] = pairProbabilities(fresh, x, dim, Int32Array.of(0), Int32Array.of(0));
  assert.ok(self > 0.99, `a picture against itself (cosine 1) starts near certain "same": ${self}`);
  const pairs = samplePairs(y, { count: 200, seed: 99 });
  const rightOf = (probs: Float32Array) => probs.reduce((n, p, i) => n + Number(p >= 0.5 === (pairs.same[i] === 1)), 0) / 200;
  const untrained = rightOf(pairProbabilities(fresh, x, dim, pairs.a, pairs.b));
  fresh.head.dispose();
  const trainedHead = await trainPairsHead(x, y, dim, { ...PAIRS_DEFAULTS, hiddenUnits: 8, epochs: 6, pairsPerEpoch: 512, learningRate: 3e-3 });
  const history = trainedHead.history;
  assert.equal(history.length, 6);
  assert.ok(history.at(-1)!.acc > 0.7, `training pair accuracy ${history.at(-1)!.acc}`);
  const trained = rightOf(pairProbabilities(trainedHead, x, dim, pairs.a, pairs.b));
  assert.ok(trained > 0.85 && trained > untrained, `pairs right: ${untrained} untrained (cosine), ${trained} trained`);
  trainedHead.head.dispose();
  assert.equal(tf.memory().numTensors, before, 'no tensor leaks');
});
