import type { LayerRow } from '../backbones/layer-summary.js';
import { PetlabError } from '../errors.js';

/** A row of the stack as the activations view lists it. */
export interface ExplainLayerRow extends LayerRow {
  /**
   * The fast inference plan folds this layer into a convolution (a BatchNorm, an activation, or a
   * conv whose BatchNorm/activation follows): its own output is then computed unfused.
   */
  fusedAway: boolean;
}

export function formatShape(shape: (number | null)[]): string {
  return shape
    .slice(1)
    .map((d) => d ?? '?')
    .join('x');
}

function editDistance(a: string, b: string): number {
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

/**
 * The inspectable layer named `name` (exact, or the only case-insensitive match). Otherwise a
 * PetlabError naming the closest layer names, or saying why the layer cannot be shown.
 */
export function resolveInspectableLayer<T extends LayerRow>(rows: T[], name: string, what = 'the backbone'): T {
  const exact = rows.filter((r) => r.name === name);
  const found = exact.length ? exact : rows.filter((r) => r.name.toLowerCase() === name.toLowerCase());
  const inspectable = rows.filter((r) => r.inspectable);
  if (found.length !== 1) {
    const near = closestNames(
      name,
      inspectable.map((r) => r.name),
    );
    throw new PetlabError(`no layer "${name}" in ${what}${near.length ? `; closest: ${near.join(', ')}` : ''}`, {
      hint: 'list the layers with --list-layers',
    });
  }
  const row = found[0];
  if (!row.inspectable) {
    const before = inspectable.filter((r) => r.part === row.part && r.index < row.index).at(-1);
    const after = inspectable.find((r) => r.part === row.part && r.index > row.index);
    const near = [before, after].filter((r): r is T => !!r).map((r) => r.name);
    throw new PetlabError(`layer ${row.name} (${row.type}) has no feature maps to show`, {
      hint: `pick a conv, depthwise, pooling or dense layer${near.length ? `, e.g. ${near.join(' or ')}` : ''} (see --list-layers)`,
    });
  }
  return row;
}
