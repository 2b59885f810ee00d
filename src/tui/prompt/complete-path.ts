/** File-path completion for typed paths (a folder to open, an image to predict), like a shell's Tab. */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface PathCompletion {
  /** the longest common completion of what was typed */
  value: string;
  /** matching entries (folders end with /) */
  candidates: string[];
}

function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? path.join(os.homedir(), p.slice(1)) : p;
}

function commonPrefix(xs: string[]): string {
  if (!xs.length) return '';
  let p = xs[0];
  for (const x of xs) while (!x.startsWith(p)) p = p.slice(0, -1);
  return p;
}

export async function completePath(typed: string, cwd = process.cwd(), max = 50): Promise<PathCompletion> {
  const dirPart = typed.endsWith('/') ? typed : path.dirname(typed) === '.' && !typed.startsWith('./') ? '' : path.dirname(typed) + '/';
  const base = typed.slice(dirPart.length);
  const dir = path.resolve(cwd, expandHome(dirPart || '.'));
  let names: { name: string; dir: boolean }[];
  try {
    const ents = await fs.readdir(dir, { withFileTypes: true });
    names = await Promise.all(
      ents
        .filter((e) => e.name.startsWith(base) && (base.startsWith('.') || !e.name.startsWith('.')))
        .map(async (e) => ({
          name: e.name,
          dir:
            e.isDirectory() ||
            (e.isSymbolicLink() &&
              (await fs.stat(path.join(dir, e.name)).then(
                (s) => s.isDirectory(),
                () => false,
              ))),
        })),
    );
  } catch {
    return { value: typed, candidates: [] };
  }
  names.sort((a, b) => a.name.localeCompare(b.name));
  const candidates = names.slice(0, max).map((n) => dirPart + n.name + (n.dir ? '/' : ''));
  if (names.length === 1) return { value: candidates[0], candidates };
  const common = commonPrefix(names.map((n) => n.name));
  return { value: dirPart + (common.length > base.length ? common : base), candidates };
}
