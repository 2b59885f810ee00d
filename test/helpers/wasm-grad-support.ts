/** Shared by the wasm-gradients and wasm-training tests: random data, the error measure, a backend switch. */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../src/core/random.js';

export type Pad = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;
export type Shape4 = [number, number, number, number];
export const TOLERANCE = 1e-4;

export function randomArray(rng: Rng, n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng() * 2 - 1;
  return a;
}

/** max |a - b| / max(1, max |b|): relative to the reference's magnitude, absolute near zero. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, 'same number of elements');
  let diff = 0;
  let mag = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    mag = Math.max(mag, Math.abs(b[i]));
  }
  return Number.isFinite(diff) ? diff / Math.max(1, mag) : Infinity;
}

/** Run f with `backend` as the current one. */
export async function on<T>(backend: 'cpu' | 'wasm', f: () => T): Promise<T> {
  await tf.setBackend(backend);
  return f();
}
