import { promises as fs } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

/** A sibling temp name, so the final rename stays on one file system (and is atomic). */
export function tempSibling(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** Write a file so that readers see either the old content or the new one, never half. */
export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  await writeFileAtomicWith(target, (fh) => fh.writeFile(data));
}

/** writeFileAtomic for content written piece by piece (a file too big to hold twice in memory). */
export async function writeFileAtomicWith(target: string, fill: (fh: fs.FileHandle) => Promise<void>): Promise<void> {
  await fs.mkdir(path.dirname(target), { recursive: true });
  const tmp = tempSibling(target);
  try {
    const fh = await fs.open(tmp, 'w');
    try {
      await fill(fh);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fs.rename(tmp, target);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
}

/**
 * Build a folder in a temp sibling, then swap it into place. An existing folder at `target` is
 * replaced only once the new one is complete, so an interruption never leaves a half-written model.
 */
export async function writeDirAtomic(target: string, fill: (dir: string) => Promise<void>): Promise<void> {
  await fs.mkdir(path.dirname(path.resolve(target)), { recursive: true });
  const tmp = tempSibling(target);
  await fs.mkdir(tmp);
  try {
    await fill(tmp);
    await swapDirInto(tmp, target);
  } catch (e) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

/**
 * Rename the finished folder `ready` to `target`, replacing what is there: the old folder is moved
 * aside first (`.NAME.tmp-PID-HEX.old`, put back by cleanupDeadTemps after a kill between the two
 * renames) and removed once the new one is in place. On failure, target is put back.
 */
export async function swapDirInto(ready: string, target: string): Promise<void> {
  let old: string | undefined;
  try {
    await fs.access(target);
    old = tempSibling(target) + '.old';
    await fs.rename(target, old);
  } catch {
    old = undefined;
  }
  try {
    await fs.rename(ready, target);
  } catch (e) {
    if (old) await fs.rename(old, target).catch(() => undefined);
    throw e;
  }
  if (old) await fs.rm(old, { recursive: true, force: true });
}
