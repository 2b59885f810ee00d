import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stratifiedFolds } from '../src/core/train/folds.js';

// 7 of class 0, 13 of class 1, 3 of class 2 (fewer than k)
const labels = [...Array(7).fill(0), ...Array(13).fill(1), ...Array(3).fill(2)].map((l, i) => (i % 2 ? l : l)) as number[];

test('stratifiedFolds: k validation sets that cover every index exactly once', () => {
  const folds = stratifiedFolds(labels, 5, 42);
  assert.equal(folds.length, 5);
  const all = folds.flat().sort((a, b) => a - b);
  assert.deepEqual(all, labels.map((_, i) => i));
  for (const f of folds) assert.ok(f.length >= 4 && f.length <= 5, `fold of ${f.length}`);
});

test('stratifiedFolds: each class is spread over the folds (per-class counts differ by at most 1)', () => {
  const folds = stratifiedFolds(labels, 5, 42);
  for (const c of [0, 1, 2]) {
    const perFold = folds.map((f) => f.filter((i) => labels[i] === c).length);
    assert.ok(Math.max(...perFold) - Math.min(...perFold) <= 1, `class ${c}: ${perFold}`);
  }
});

test('stratifiedFolds: seeded (same seed same folds, another seed other folds), folds sorted', () => {
  assert.deepEqual(stratifiedFolds(labels, 5, 42), stratifiedFolds(labels, 5, 42));
  assert.notDeepEqual(stratifiedFolds(labels, 5, 42), stratifiedFolds(labels, 5, 43));
  for (const f of stratifiedFolds(labels, 3, 1)) assert.deepEqual(f, [...f].sort((a, b) => a - b));
});

test('stratifiedFolds: refuses k < 2 or more folds than items', () => {
  assert.throws(() => stratifiedFolds(labels, 1, 0), /k must be/);
  assert.throws(() => stratifiedFolds([0, 1], 3, 0), /3 folds of 2/);
});
