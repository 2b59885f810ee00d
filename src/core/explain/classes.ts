import { PetlabError } from '../errors.js';
import { closestNames } from './layers.js';

/** Class names for `count` outputs: the given labels where there are enough, else "class N". */
export function classNamesFor(count: number, labels?: string[]): string[] {
  return Array.from({ length: count }, (_, i) => (labels && labels.length === count && labels[i] ? labels[i] : `class ${i}`));
}

/**
 * The index of the class a user named: its full name, one of its comma-separated aliases
 * ("tabby, tabby cat"), case-insensitive, or its index. Otherwise an error naming the closest.
 */
export function resolveClassName(name: string, classes: string[]): number {
  const q = name.trim().toLowerCase();
  const full = classes.findIndex((c) => c.toLowerCase() === q);
  if (full >= 0) return full;
  const byAlias = classes.map((c, i) => ({ i, aliases: c.split(',').map((a) => a.trim().toLowerCase()) })).filter((c) => c.aliases.includes(q));
  if (byAlias.length === 1) return byAlias[0].i;
  if (/^\d+$/.test(q) && Number(q) < classes.length) return Number(q);
  const near =
    byAlias.length > 1 ? byAlias.map((c) => classes[c.i]).slice(0, 5) : closestNames(name, classes, 5, (c) => [c, ...c.split(',').map((a) => a.trim())]);
  throw new PetlabError(
    `${byAlias.length > 1 ? `class name "${name}" is ambiguous` : `no class "${name}"`}; ${byAlias.length > 1 ? 'it names' : 'closest'}: ${near.join(' | ')}`,
    {
      kind: 'usage',
      hint: 'give a class name exactly as the model lists it, or its index',
    },
  );
}
