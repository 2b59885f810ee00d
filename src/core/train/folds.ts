import { PetlabError } from '../errors.js';
import { makeRng, shuffleInPlace } from '../random.js';

/**
 * Stratified, seeded K-fold split: the validation indices of each of the k folds (each sorted).
 * Every picture is in exactly one fold. Each class is shuffled (seeded) and dealt round-robin over
 * the folds, starting where the previous class stopped, so a class's count differs by at most one
 * between folds and so do the fold sizes. A class with fewer than k pictures (see thinClasses) has
 * one picture in each of that many folds and none in the rest: the folds it misses still train
 * on all of it, and a class of one picture is never in training when it is validated.
 */
export function stratifiedFolds(labels: ArrayLike<number>, k: number, seed: number): number[][] {
  if (!Number.isInteger(k) || k < 2) throw new PetlabError(`k must be a whole number from 2 up, not ${k}`, { kind: 'usage', hint: 'e.g. 5 folds' });
  if (k > labels.length)
    throw new PetlabError(`cannot make ${k} folds of ${labels.length} pictures`, { kind: 'usage', hint: `use at most ${labels.length} folds` });
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const list = byClass.get(labels[i]);
    if (list) list.push(i);
    else byClass.set(labels[i], [i]);
  }
  const folds: number[][] = Array.from({ length: k }, () => []);
  const rng = makeRng(seed);
  let cursor = 0;
  for (const c of [...byClass.keys()].sort((a, b) => a - b)) {
    for (const i of shuffleInPlace(byClass.get(c)!, rng)) folds[cursor++ % k].push(i);
  }
  return folds.map((f) => f.sort((a, b) => a - b));
}

/** Classes with fewer than k pictures (some folds validate none of them), by label. */
export function thinClasses(labels: number[], k: number): { label: number; count: number }[] {
  const counts = new Map<number, number>();
  for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  return [...counts]
    .filter(([, n]) => n < k)
    .map(([label, count]) => ({ label, count }))
    .sort((a, b) => a.label - b.label);
}

/** The training indices of a fold: every index of n not in its validation set. */
export function foldTrainIndices(n: number, validation: number[]): number[] {
  const held = new Set(validation);
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (!held.has(i)) out.push(i);
  return out;
}
