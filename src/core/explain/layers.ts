import type { LayerRow } from '../backbones/layer-summary.js';
import { PetlabError } from '../errors.js';
import { closestNames } from '../../text/closest.js';

export { closestNames };

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
