/**
 * Stratified K-fold splitting (cross-validation, the review's out-of-fold predictions). Pure:
 * the same labels, k and seed give the same folds.
 */
import { PetlabError } from '../errors.js';
import { makeRng, shuffleInPlace } from '../random.js';

/**
 * The k validation sets of a stratified K-fold split: arrays of indices into labels, sorted, which
 * together hold every index exactly once. Each class is dealt round-robin over the folds after a
 * seeded shuffle, continuing where the previous class stopped, so per-class counts differ by at
 * most one between folds and fold sizes by at most one overall.
 */
export function stratifiedFolds(labels: ArrayLike<number>, k: number, seed: number): number[][] {
  if (!Number.isInteger(k) || k < 2) throw new PetlabError(`k must be a whole number of at least 2, got ${k}`, { kind: 'usage' });
  if (k > labels.length) throw new PetlabError(`cannot make ${k} folds of ${labels.length} items`, { kind: 'usage', hint: 'use fewer folds or more pictures' });
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const list = byClass.get(labels[i]) ?? [];
    list.push(i);
    byClass.set(labels[i], list);
  }
  const rng = makeRng(seed);
  const folds: number[][] = Array.from({ length: k }, () => []);
  let next = 0;
  for (const c of [...byClass.keys()].sort((a, b) => a - b)) {
    for (const i of shuffleInPlace(byClass.get(c)!, rng)) {
      folds[next].push(i);
      next = (next + 1) % k;
    }
  }
  return folds.map((f) => f.sort((a, b) => a - b));
}

/** The training indices of a fold: every index of n not in its validation set. */
export function foldTrainIndices(n: number, validation: number[]): number[] {
  const held = new Set(validation);
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (!held.has(i)) out.push(i);
  return out;
}
