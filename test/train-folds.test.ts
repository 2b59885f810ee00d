import { test } from 'node:test';
import assert from 'node:assert/strict';
import { foldTrainIndices, stratifiedFolds, thinClasses } from '../src/core/train/folds.js';

/** labels: `counts[c]` pictures of class c, interleaved like a scanned folder would not be. */
function labelsOf(counts: number[]): number[] {
  return counts.flatMap((n, c) => Array.from({ length: n }, () => c));
}

test('folds are disjoint, cover every picture once, and spread every class evenly', () => {
  // Oxford pets partial's shape: 3 complete breeds, 34 thin ones
  const labels = labelsOf([100, 100, 100, ...Array.from({ length: 34 }, (_, i) => 10 + (i % 5))]);
  const folds = stratifiedFolds(labels, 5, 42);
  assert.equal(folds.length, 5);
  const all = folds.flat().sort((a, b) => a - b);
  assert.deepEqual(
    all,
    labels.map((_, i) => i),
    'every picture in exactly one fold',
  );
  for (const f of folds)
    assert.deepEqual(
      f,
      [...f].sort((a, b) => a - b),
      'indices in order',
    );
  const sizes = folds.map((f) => f.length);
  assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `fold sizes ${sizes}`);
  // stratified: each class's share of a fold is within one picture of its share of the data
  for (let c = 0; c < 37; c++) {
    const n = labels.filter((l) => l === c).length;
    const per = folds.map((f) => f.filter((i) => labels[i] === c).length);
    assert.ok(Math.max(...per) - Math.min(...per) <= 1, `class ${c} (${n}) per fold: ${per}`);
    assert.ok(
      per.every((p) => Math.abs(p - n / 5) < 1),
      `class ${c}: ${per}`,
    );
  }
});

test('same seed, same folds; another seed, other folds', () => {
  const labels = labelsOf([20, 30, 7]);
  assert.deepEqual(stratifiedFolds(labels, 4, 1), stratifiedFolds(labels, 4, 1));
  assert.notDeepEqual(stratifiedFolds(labels, 4, 1), stratifiedFolds(labels, 4, 2));
});

test('a class with fewer pictures than folds: each picture in one fold, the class is named as thin', () => {
  const labels = labelsOf([12, 3, 1]);
  const folds = stratifiedFolds(labels, 5, 7);
  assert.deepEqual(
    folds.flat().sort((a, b) => a - b),
    labels.map((_, i) => i),
  );
  const per = (c: number) => folds.map((f) => f.filter((i) => labels[i] === c).length);
  assert.deepEqual([...per(1)].sort(), [0, 0, 1, 1, 1], 'three pictures: three folds get one');
  assert.equal(
    per(2).reduce((a, b) => a + b),
    1,
  );
  // the fold sizes still differ by at most one (thin classes do not pile up in the first folds)
  const sizes = folds.map((f) => f.length);
  assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `fold sizes ${sizes}`);
  assert.deepEqual(thinClasses(labels, 5), [
    { label: 1, count: 3 },
    { label: 2, count: 1 },
  ]);
});

test('bad k is refused in one line', () => {
  assert.throws(() => stratifiedFolds([0, 1, 0], 1, 0), /k must be a whole number from 2/);
  assert.throws(() => stratifiedFolds([0, 1, 0], 2.5, 0), /whole number/);
  assert.throws(() => stratifiedFolds([0, 1, 0], 4, 0), /4 folds of 3 pictures/);
});

test('foldTrainIndices: every index not validated, in order', () => {
  assert.deepEqual(foldTrainIndices(6, [1, 4]), [0, 2, 3, 5]);
});
