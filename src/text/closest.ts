/** Levenshtein distance: insertions, deletions and substitutions of one character each. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length];
}

/** The names most like `query`: containing it first, then by edit distance (to the name or one of its aliases). */
export function closestNames(query: string, names: string[], k = 5, aliases: (name: string) => string[] = (n) => [n]): string[] {
  const q = query.toLowerCase();
  const score = (n: string) =>
    Math.min(
      ...aliases(n).map((a) => {
        const l = a.toLowerCase();
        return l.includes(q) ? l.length - q.length - 1000 : editDistance(q, l);
      }),
    );
  return names
    .map((n) => ({ n, s: score(n) }))
    .sort((a, b) => a.s - b.s || a.n.localeCompare(b.n))
    .slice(0, k)
    .map((x) => x.n);
}
