/**
 * N-way K-shot episodes: pick N classes, K support pictures of each and one query picture of
 * each (seeded); a query is right when the class it scores highest against is its own.
 */
import { PetlabError } from '../errors.js';
import { makeRng, shuffleInPlace } from '../random.js';
import { rowsByClass } from './sampler.js';

export interface Episode {
  classes: number[];
  /** support[c] = K rows of classes[c] */
  support: number[][];
  /** queries[c] = the query row of classes[c] */
  queries: number[];
}

export interface EpisodeOptions {
  ways: number;
  shots: number;
  episodes: number;
  seed: number;
}

/** Check the data can hold such episodes (a clear error when not), then draw them. */
export function makeEpisodes(labels: Int32Array, classNames: string[], o: EpisodeOptions): Episode[] {
  const byClass = rowsByClass(labels);
  const present = [...byClass.keys()].sort((x, y) => x - y);
  if (o.ways < 2) throw new PetlabError(`--ways must be at least 2, got ${o.ways}`, { kind: 'usage' });
  if (o.ways > present.length)
    throw new PetlabError(`--ways ${o.ways} is more than the ${present.length} classes with readable pictures`, {
      kind: 'usage',
      hint: `use --ways ${present.length} or fewer, or add class folders`,
    });
  const small = present.filter((c) => byClass.get(c)!.length < o.shots + 1);
  if (small.length) {
    const c = small[0];
    throw new PetlabError(
      `class "${classNames[c]}" has ${byClass.get(c)!.length} readable pictures; ${o.shots}-shot episodes need ${o.shots + 1} (${o.shots} examples and a query)${small.length > 1 ? ` (and ${small.length - 1} more classes like it)` : ''}`,
      {
        kind: 'usage',
        hint: `use --shots ${Math.max(1, byClass.get(c)!.length - 1)} or fewer, or leave that class out (--classes)`,
      },
    );
  }
  const rng = makeRng(o.seed);
  const out: Episode[] = [];
  for (let e = 0; e < o.episodes; e++) {
    const classes = shuffleInPlace([...present], rng).slice(0, o.ways);
    const support: number[][] = [];
    const queries: number[] = [];
    for (const c of classes) {
      const rows = shuffleInPlace([...byClass.get(c)!], rng);
      support.push(rows.slice(0, o.shots));
      queries.push(rows[o.shots]);
    }
    out.push({ classes, support, queries });
  }
  return out;
}

/** Every (query, support) pair the episodes compare, in the order scoreEpisodes reads them. */
export function episodePairs(episodes: Episode[]): { a: Int32Array; b: Int32Array } {
  const a: number[] = [];
  const b: number[] = [];
  for (const ep of episodes)
    for (const q of ep.queries)
      for (const s of ep.support)
        for (const r of s) {
          a.push(q);
          b.push(r);
        }
  return { a: Int32Array.from(a), b: Int32Array.from(b) };
}

export type Aggregate = 'mean' | 'max';

/**
 * Fraction of queries classified right, from one score per pair in episodePairs order. A class's
 * score is the mean (or the max: nearest neighbour) over its K support pictures.
 */
export function scoreEpisodes(episodes: Episode[], scores: Float32Array, agg: Aggregate): number {
  let i = 0;
  let right = 0;
  let total = 0;
  for (const ep of episodes) {
    for (let qc = 0; qc < ep.queries.length; qc++) {
      let best = -1;
      let bestScore = -Infinity;
      ep.support.forEach((rows, c) => {
        let s = agg === 'max' ? -Infinity : 0;
        for (let k = 0; k < rows.length; k++, i++) s = agg === 'max' ? Math.max(s, scores[i]) : s + scores[i] / rows.length;
        if (s > bestScore) [best, bestScore] = [c, s];
      });
      if (best === qc) right++;
      total++;
    }
  }
  return total ? right / total : NaN;
}
