/**
 * Duplicate pairs from near-duplicate candidates (close embeddings) and file hashes (same bytes),
 * each said to be within a split or across splits (a picture in both train and val leaks).
 */
import type { SplitName } from '../data/types.js';
import type { ClosePairs } from './close-pairs.js';

export interface DuplicatePair {
  rows: [number, number];
  /** cosine distance of the embeddings (0 for the same bytes) */
  distance: number;
  /** the two files hold the same bytes */
  exact: boolean;
  splits: [SplitName, SplitName];
  /** across train and val/test: the model is checked on a picture it trained on */
  leak: boolean;
}

/** Candidates and hashes merged into pairs (a < b), exact ones first, then by distance. */
export function duplicatePairs(candidates: ClosePairs[], hashes: string[], splits: SplitName[]): DuplicatePair[] {
  const byKey = new Map<string, DuplicatePair>();
  const add = (a: number, b: number, distance: number, exact: boolean) => {
    const [x, y] = a < b ? [a, b] : [b, a];
    const key = `${x},${y}`;
    const old = byKey.get(key);
    if (old) {
      old.exact ||= exact;
      old.distance = Math.min(old.distance, distance);
      return;
    }
    byKey.set(key, { rows: [x, y], distance, exact, splits: [splits[x], splits[y]], leak: splits[x] !== splits[y] });
  };
  for (const c of candidates)
    for (let i = 0; i < c.a.length; i++) add(c.a[i], c.b[i], c.distance[i], hashes[c.a[i]] !== '' && hashes[c.a[i]] === hashes[c.b[i]]);
  const sameBytes = new Map<string, number[]>();
  hashes.forEach((h, r) => {
    if (h) sameBytes.set(h, [...(sameBytes.get(h) ?? []), r]);
  });
  for (const rows of sameBytes.values()) for (let i = 0; i < rows.length; i++) for (let j = i + 1; j < rows.length; j++) add(rows[i], rows[j], 0, true);
  for (const p of byKey.values()) if (p.exact) p.distance = 0;
  return [...byKey.values()].sort((p, q) => Number(q.exact) - Number(p.exact) || p.distance - q.distance || p.rows[0] - q.rows[0] || p.rows[1] - q.rows[1]);
}
