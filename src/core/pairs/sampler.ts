/**
 * Same/different pairs from labelled rows, for training a pairs head: balanced (half the pairs of
 * one class, half of two), classes drawn uniformly (a 100-picture breed counts as much as a
 * 10-picture one), seeded. With embeddings given, part of the negatives are hard: of a few random
 * candidates from other classes, the one most similar to the anchor.
 */
import { PetlabError } from '../errors.js';
import { makeRng } from '../random.js';

export interface Pairs {
  a: Int32Array;
  b: Int32Array;
  /** 1 = same class */
  same: Float32Array;
}

export interface PairOptions {
  count: number;
  seed: number;
  /** fraction of the negatives that are hard (needs `unit`) */
  hardFraction?: number;
  /** candidates looked at per hard negative */
  hardCandidates?: number;
  /** L2-normalised embeddings (rows × dim), for hard negatives */
  unit?: { x: Float32Array; dim: number };
}

export function rowsByClass(labels: Int32Array): Map<number, number[]> {
  const m = new Map<number, number[]>();
  labels.forEach((l, r) => (m.get(l) ?? m.set(l, []).get(l)!).push(r));
  return m;
}

function dot(x: Float32Array, dim: number, i: number, j: number): number {
  let s = 0;
  for (let k = 0, a = i * dim, b = j * dim; k < dim; k++) s += x[a + k] * x[b + k];
  return s;
}

export function samplePairs(labels: Int32Array, o: PairOptions): Pairs {
  const byClass = rowsByClass(labels);
  const classes = [...byClass.keys()];
  const multi = classes.filter((c) => byClass.get(c)!.length >= 2);
  if (classes.length < 2)
    throw new PetlabError(`pairs need at least 2 classes to train on, found ${classes.length}`, { hint: 'exclude fewer classes, or add class folders' });
  if (!multi.length) throw new PetlabError('pairs need a class with at least 2 pictures to make a "same" pair', { hint: 'add pictures to the class folders' });
  const rng = makeRng(o.seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rng() * xs.length)];
  const n = o.count;
  const a = new Int32Array(n);
  const b = new Int32Array(n);
  const same = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    if (i % 2 === 0) {
      const rows = byClass.get(pick(multi))!;
      const x = Math.floor(rng() * rows.length);
      const y = (x + 1 + Math.floor(rng() * (rows.length - 1))) % rows.length;
      a[i] = rows[x];
      b[i] = rows[y];
      same[i] = 1;
      continue;
    }
    const ca = pick(classes);
    let cb = pick(classes);
    while (cb === ca) cb = pick(classes);
    a[i] = pick(byClass.get(ca)!);
    if (o.unit && rng() < (o.hardFraction ?? 0)) {
      // the most similar of a few candidates from other classes
      let best = -1;
      let bestSim = -Infinity;
      for (let k = 0; k < (o.hardCandidates ?? 8); k++) {
        let c = pick(classes);
        while (c === ca) c = pick(classes);
        const r = pick(byClass.get(c)!);
        const s = dot(o.unit.x, o.unit.dim, a[i], r);
        if (s > bestSim) [best, bestSim] = [r, s];
      }
      b[i] = best;
    } else b[i] = pick(byClass.get(cb)!);
  }
  return { a, b, same };
}

/** Rows minus `center` (when given), scaled to unit length: cosine similarity becomes a dot product. */
export function unitRows(x: Float32Array, dim: number, center?: Float32Array): Float32Array {
  const out = new Float32Array(x.length);
  for (let r = 0; r < x.length / dim; r++) {
    let s = 0;
    for (let k = 0; k < dim; k++) {
      const v = x[r * dim + k] - (center ? center[k] : 0);
      out[r * dim + k] = v;
      s += v * v;
    }
    const inv = 1 / Math.max(Math.sqrt(s), 1e-12);
    for (let k = 0; k < dim; k++) out[r * dim + k] *= inv;
  }
  return out;
}

/** The mean row. */
export function meanRow(x: Float32Array, dim: number): Float32Array {
  const m = new Float32Array(dim);
  const n = x.length / dim;
  for (let r = 0; r < n; r++) for (let k = 0; k < dim; k++) m[k] += x[r * dim + k] / n;
  return m;
}

export function cosine(unit: Float32Array, dim: number, i: number, j: number): number {
  return dot(unit, dim, i, j);
}
