/**
 * Near-duplicate candidates: pairs of rows of a unit-row matrix whose cosine distance is at most
 * maxDistance. A matrix product per block of rows (tfjs, in a worker); only the upper triangle
 * (b > a) is kept, so every pair appears once.
 */
import * as tf from '@tensorflow/tfjs';

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
  const all = tf.tensor2d(unit, [n, dim]);
  try {
    for (let s = from; s < to; s += block) {
      const e = Math.min(to, s + block);
      const sims = tf.tidy(() => tf.matMul(tf.slice(all, [s, 0], [e - s, dim]), all, false, true));
      const v = sims.dataSync() as Float32Array;
      sims.dispose();
      for (let r = s; r < e; r++) {
        const base = (r - s) * n;
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
    all.dispose();
  }
  return { a: Int32Array.from(a), b: Int32Array.from(b), distance: Float32Array.from(dist) };
}

/** Row ranges splitting the upper triangle of n rows into parts of about equal work. */
export function triangleRanges(n: number, parts: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let start = 0;
  for (let i = 1; i <= parts; i++) {
    const end = i === parts ? n : Math.round(n * (1 - Math.sqrt(1 - i / parts)));
    if (end > start) out.push([start, end]);
    start = Math.max(start, end);
  }
  return out;
}
