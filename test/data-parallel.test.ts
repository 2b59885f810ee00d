import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createExchange, GradientExchange } from '../src/core/train/data-parallel.js';

/** The exchange's own contract; two real workers are tested end to end in cli-fine-tune.test.ts. */

test('allReduce reads gradients written in its region in place and hands every rank to the reduce', () => {
  const ex = new GradientExchange(createExchange(1, 5), 0);
  const local = ex.local();
  assert.equal(local.length, 5);
  local.set([1, -2, 2.5, 3, 4]);
  const red = ex.allReduce(local, 1.5, 7, (ranks) => ranks.map((r) => [...r]))!;
  assert.deepEqual(red.grads, [[1, -2, 2.5, 3, 4]]);
  assert.equal(red.lossSum, 1.5);
  assert.equal(red.correct, 7);
  // the next step uses the other slot; a plain array is copied in and, by default, summed into a new one
  assert.notEqual(ex.local().byteOffset, local.byteOffset);
  const src = Float32Array.from([5, 4, 3, 2, 1]);
  const again = ex.allReduce(src, 0, 0)!;
  assert.deepEqual([...again.grads], [5, 4, 3, 2, 1]);
  assert.notEqual(again.grads.buffer, src.buffer);
});
