/**
 * One registry file (config/backbones.json, config/datasets.json): read once per path, every entry
 * validated, names unique, at most one default; looked up by name with a clear error for a name it
 * does not know. The two registries differ only in their entries.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PetlabError } from '../errors.js';
import { RegistryReader, readRegistryJson } from './validate.js';

export interface RegistryOptions<E> {
  defaultFile: string;
  /** the top-level key holding the entries, e.g. 'backbones' */
  key: string;
  /** what one entry is called in messages, e.g. 'backbone' */
  what: string;
  parse(file: string, v: unknown, i: number): E;
  /** the hint of "unknown <what>", given the known names joined with ', ' */
  unknownHint(known: string): string;
}

export interface Registry<E extends { name: string; isDefault: boolean }> {
  load(file?: string): E[];
  names(file?: string): string[];
  has(name: string, file?: string): boolean;
  get(name: string, file?: string): E;
  defaultName(file?: string): string;
}

export function createRegistry<E extends { name: string; isDefault: boolean }>(o: RegistryOptions<E>): Registry<E> {
  const cache = new Map<string, E[]>();
  const load = (file: string = o.defaultFile): E[] => {
    const abs = path.resolve(file);
    const hit = cache.get(abs);
    if (hit) return hit;
    const raw = readRegistryJson(abs, (f) => readFileSync(f, 'utf8'));
    const entries = new RegistryReader(abs, 'top level').arr(raw[o.key], o.key, 1).map((v, i) => o.parse(abs, v, i));
    const names = new Set<string>();
    for (const e of entries) {
      if (names.has(e.name)) new RegistryReader(abs, `${o.what} '${e.name}'`).fail('name', 'is used by two entries');
      names.add(e.name);
    }
    if (entries.filter((e) => e.isDefault).length > 1) new RegistryReader(abs, 'top level').fail('default', `is set on more than one ${o.what}`);
    cache.set(abs, entries);
    return entries;
  };
  return {
    load,
    names: (file) => load(file).map((e) => e.name),
    has: (name, file) => load(file).some((e) => e.name === name),
    get(name, file) {
      const entries = load(file);
      const e = entries.find((x) => x.name === name);
      if (!e) throw new PetlabError(`unknown ${o.what} '${name}'`, { kind: 'usage', hint: o.unknownHint(entries.map((x) => x.name).join(', ')) });
      return e;
    },
    defaultName(file) {
      const entries = load(file);
      return (entries.find((e) => e.isDefault) ?? entries[0]).name;
    },
  };
}
