/**
 * Accepting a review's suggestion: the picture moves into the suggested class's folder (one atomic
 * rename on the same file system), and back again on undo. Nothing is ever deleted or overwritten.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { PetlabError } from '../errors.js';

/**
 * Where a picture of class `label` goes to be of class `suggested`: the same place under the
 * sibling class folder (cats/indoor/x.jpg -> dogs/indoor/x.jpg; train/cats/x.jpg -> train/dogs/x.jpg).
 * Undefined when no folder names the class (Oxford-IIIT Pet: the label is in the file name).
 */
export function relabelTarget(file: string, label: string, suggested: string): string | undefined {
  let dir = path.dirname(file);
  while (path.basename(dir) !== label) {
    const up = path.dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
  return path.join(path.dirname(dir), suggested, path.relative(dir, file));
}

/** Move a file with one rename, refusing to replace anything at `to`. */
export async function moveFile(from: string, to: string): Promise<void> {
  if (
    await fs.lstat(to).then(
      () => true,
      () => false,
    )
  )
    throw new PetlabError(`${to} already exists: not replaced`, { hint: 'rename one of the two pictures first' });
  await fs.mkdir(path.dirname(to), { recursive: true });
  try {
    await fs.rename(from, to);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new PetlabError(`${from} is no longer there`, { hint: 'it was moved or deleted since the review; run the review again' });
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS')
      throw new PetlabError(`cannot move ${from}: the folder is read-only (${code})`, { hint: 'make the dataset folder writable, or fix the label by hand' });
    throw e;
  }
}
