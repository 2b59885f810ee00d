import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { rankSuspects } from '../src/core/review/suspects.js';
import { nearestRows, normaliseRows } from '../src/core/review/cosine.js';
import { duplicatePairs } from '../src/core/review/duplicates.js';
import { triangleRanges } from '../src/core/review/close-pairs.js';
import { moveFile, relabelTarget } from '../src/core/review/relabel.js';
import { tempDir } from './helpers/shared.js';

test('rankSuspects: the label the model doubts most comes first, with the class it prefers', () => {
  // 3 classes; row 1 is labelled 0 but the model says 2; row 2 is a coin toss; rows 0 and 3 are fine
  const probs = Float32Array.from([0.9, 0.05, 0.05, 0.05, 0.1, 0.85, 0.45, 0.5, 0.05, 0.1, 0.8, 0.1]);
  const ranked = rankSuspects(probs, [0, 0, 0, 1], 3);
  assert.deepEqual(
    ranked.map((s) => s.row),
    [1, 2, 3, 0],
  );
  assert.equal(ranked[0].suggested, 2);
  assert.ok(Math.abs(ranked[0].score - 0.8) < 1e-6);
  assert.ok(Math.abs(ranked[0].loss + Math.log(0.05)) < 1e-6);
  assert.ok(ranked[3].score < 0, 'a confident right label scores below 0');
});

test('nearestRows: cosine neighbours, nearest first, the query itself left out', () => {
  const unit = normaliseRows(Float32Array.from([1, 0, 0.9, 0.1, 0, 1, -1, 0]), 2);
  const nb = nearestRows(unit, 2, unit.subarray(0, 2), 3, (r) => r === 0);
  assert.deepEqual(
    nb.map((n) => n.row),
    [1, 2, 3],
  );
  assert.ok(nb[0].distance < 0.01 && Math.abs(nb[1].distance - 1) < 1e-6 && Math.abs(nb[2].distance - 2) < 1e-6);
  assert.deepEqual(normaliseRows(Float32Array.from([0, 0]), 2), Float32Array.from([0, 0]), 'a zero row stays zero');
});

test('duplicatePairs: near pairs and same bytes merged once each, same bytes first, leaks across splits marked', () => {
  const near = { a: Int32Array.from([0, 1]), b: Int32Array.from([3, 2]), distance: Float32Array.from([0.05, 0.01]) };
  const pairs = duplicatePairs([near], ['h0', 'h1', 'h2', 'h0', 'h4', 'h4'], ['train', 'train', 'val', 'train', 'val', 'val']);
  assert.deepEqual(
    pairs.map((p) => [p.rows, p.exact, p.leak]),
    [
      [[0, 3], true, false],
      [[4, 5], true, false],
      [[1, 2], false, true],
    ],
  );
  assert.equal(pairs[0].distance, 0);
});

test('triangleRanges: the rows are covered once, in parts of about equal work', () => {
  const r = triangleRanges(1000, 3);
  assert.equal(r[0][0], 0);
  assert.equal(r.at(-1)![1], 1000);
  for (let i = 1; i < r.length; i++) assert.equal(r[i][0], r[i - 1][1]);
  const work = r.map(([a, b]) => (b - a) * (1000 - (a + b) / 2));
  assert.ok(Math.max(...work) / Math.min(...work) < 1.1, `${work}`);
  assert.deepEqual(triangleRanges(1, 4), [[0, 1]]);
});

test('relabel: the sibling class folder, nested folders kept; none for labels in file names; never over a file', async () => {
  assert.equal(relabelTarget('/d/cats/x.jpg', 'cats', 'dogs'), path.join('/d/dogs/x.jpg'));
  assert.equal(relabelTarget('/d/train/cats/indoor/x.jpg', 'cats', 'dogs'), path.join('/d/train/dogs/indoor/x.jpg'));
  assert.equal(relabelTarget('/d/images/Abyssinian_1.jpg', 'Abyssinian', 'Bengal'), undefined);
  const root = tempDir();
  mkdirSync(path.join(root, 'cats'));
  mkdirSync(path.join(root, 'dogs'));
  writeFileSync(path.join(root, 'cats', 'a.jpg'), 'A');
  writeFileSync(path.join(root, 'dogs', 'a.jpg'), 'B');
  await assert.rejects(moveFile(path.join(root, 'cats', 'a.jpg'), path.join(root, 'dogs', 'a.jpg')), /already exists: not replaced/);
  assert.equal(readFileSync(path.join(root, 'dogs', 'a.jpg'), 'utf8'), 'B');
  await moveFile(path.join(root, 'cats', 'a.jpg'), path.join(root, 'dogs', 'nested', 'a.jpg'));
  assert.ok(!existsSync(path.join(root, 'cats', 'a.jpg')));
  assert.equal(readFileSync(path.join(root, 'dogs', 'nested', 'a.jpg'), 'utf8'), 'A');
  await assert.rejects(moveFile(path.join(root, 'cats', 'a.jpg'), path.join(root, 'dogs', 'b.jpg')), /is no longer there/);
});

test('closePairs: every pair within the distance once (a < b), whatever the block size', async () => {
  const { closePairs } = await import('../src/core/review/close-pairs.js');
  const n = 37;
  const dim = 8;
  const x = new Float32Array(n * dim).map((_, i) => (Math.sin(i * 12.9898) * 43758.5453) % 1);
  for (let j = 0; j < dim; j++) x[30 * dim + j] = x[3 * dim + j] * 1.01 + 0.001; // row 30 copies row 3
  const unit = normaliseRows(x, dim);
  const brute: string[] = [];
  for (let a = 0; a < n; a++)
    for (let b = a + 1; b < n; b++) {
      let dot = 0;
      for (let j = 0; j < dim; j++) dot += unit[a * dim + j] * unit[b * dim + j];
      if (1 - dot <= 0.3) brute.push(`${a},${b}`);
    }
  assert.ok(brute.includes('3,30'));
  for (const block of [5, 64]) {
    const parts = triangleRanges(n, 3).map(([f, t]) => closePairs(unit, dim, f, t, 0.3, block));
    const got = parts.flatMap((p) => [...p.a].map((a, i) => `${a},${p.b[i]}`)).sort();
    assert.deepEqual(got, [...brute].sort(), `block ${block}`);
  }
});
