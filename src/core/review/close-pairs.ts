/**
 * Near-duplicate candidates: pairs of rows of a unit-row matrix whose cosine distance is at most
 * maxDistance. A matrix product per block of rows (tfjs, in a worker); only the upper triangle
 * (b > a) is kept, so every pair appears once.
 */
import * as tf from '@tensorflow/tfjs';

// apart from TensorFlow: review/run.ts splits the work on the main thread
export { triangleRanges } from './triangle-ranges.js';

export interface ClosePairs {
  a: Int32Array;
  b: Int32Array;
  distance: Float32Array;
}

export function closePairs(unit: Float32Array, dim: number, from: number, to: number, maxDistance: number, block = 256): ClosePairs {
  const n = unit.length / dim;
  const a: number[] = [];
  const b: number[] = [];
  const dist: number[] = [];
  const minSim = 1 - maxDistance;
  // tfjs-wasm's matMul with transposeB is ~7x slower than on a transposed copy (measured)
  const allT = tf.tidy(() => tf.transpose(tf.tensor2d(unit, [n, dim])));
  try {
    for (let s = from; s < to; s += block) {
      const e = Math.min(to, s + block);
      // only columns from s on: the upper triangle of this block of rows
      const sims = tf.tidy(() => tf.matMul(tf.tensor2d(unit.subarray(s * dim, e * dim), [e - s, dim]), tf.slice(allT, [0, s], [dim, n - s])));
      const v = sims.dataSync() as Float32Array;
      sims.dispose();
      const w = n - s;
      for (let r = s; r < e; r++) {
        const base = (r - s) * w - s;
        for (let c = r + 1; c < n; c++) {
          if (v[base + c] >= minSim) {
            a.push(r);
            b.push(c);
            dist.push(Math.max(0, 1 - v[base + c]));
          }
        }
      }
    }
  } finally {
    allT.dispose();
  }
  return { a: Int32Array.from(a), b: Int32Array.from(b), distance: Float32Array.from(dist) };
}
