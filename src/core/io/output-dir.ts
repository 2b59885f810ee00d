import { promises as fs, unlinkSync } from 'node:fs';
import path from 'node:path';
import { PetlabError } from '../errors.js';
import { MODEL_FORMAT } from '../model/meta.js';
import { environmentError } from './fs-errors.js';

/**
 * The one rule for every folder petlab writes as a whole (a model): it is replaced only when it is
 * absent, empty, or a petlab model holding nothing but petlab's own files. Anything else is
 * refused before any work starts, and so is a folder that is, holds, or sits inside the dataset.
 */

/** What a model folder may hold (see model/saved-model.ts). */
const MODEL_ENTRIES = new Set(['petlab.json', 'head', 'backbone', 'state']);

/** `.NAME.tmp-PID-HEX` (io/atomic.ts), and `.NAME.tmp-PID-HEX.old`: the folder being replaced. */
export function parseTempName(entry: string): { base: string; pid: number; old: boolean } | undefined {
  const m = /^\.(.+)\.tmp-(\d+)-[0-9a-f]+(\.old)?$/.exec(entry);
  return m ? { base: m[1], pid: Number(m[2]), old: !!m[3] } : undefined;
}

export function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const exists = (p: string) =>
  fs.lstat(p).then(
    () => true,
    () => false,
  );

/**
 * Where a run into `out` keeps its checkpoints while `out` holds a finished model (model/run-folder.ts):
 * beside it, so that the model stays whole and loadable until the new run finishes and replaces it.
 */
export function inProgressDirFor(out: string): string {
  return path.join(path.dirname(out), `.${path.basename(out)}.in-progress`);
}

/**
 * Remove what a dead run (killed mid-write) left beside `out` and inside it (and beside and inside
 * its in-progress folder): temp folders and files named with its PID. A folder moved aside but
 * never replaced is put back first.
 */
export async function cleanupDeadTemps(out: string): Promise<string[]> {
  const parent = path.dirname(out);
  const base = path.basename(out);
  const work = inProgressDirFor(out);
  const removed: string[] = [];
  const sweep = async (dir: string, owns: (t: { base: string }) => boolean) => {
    const entries = await fs.readdir(dir).catch(() => [] as string[]);
    // the .old copies first: a kill between the two renames of a swap leaves the model only there
    for (const e of entries.sort((a, b) => Number(b.endsWith('.old')) - Number(a.endsWith('.old')))) {
      const t = parseTempName(e);
      if (!t || !owns(t) || pidAlive(t.pid)) continue;
      const p = path.join(dir, e);
      const target = path.join(parent, t.base);
      if (t.old && dir === parent && !(await exists(target))) await fs.rename(p, target);
      else await fs.rm(p, { recursive: true, force: true });
      removed.push(p);
    }
  };
  await sweep(parent, (t) => t.base === base || t.base === path.basename(work));
  await sweep(out, () => true);
  await sweep(work, () => true);
  return removed;
}

/** The real path of p, for a path that may not exist yet (its nearest existing ancestor resolved). */
async function realish(p: string): Promise<string> {
  const abs = path.resolve(p);
  try {
    return await fs.realpath(abs);
  } catch {
    const parent = path.dirname(abs);
    return parent === abs ? abs : path.join(await realish(parent), path.basename(abs));
  }
}

const within = (child: string, parent: string) => {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
};

/** --out must not be the dataset, hold it, or sit inside it. */
export async function assertApartFromData(out: string, dataRoot: string): Promise<void> {
  const [o, d] = await Promise.all([realish(out), realish(dataRoot)]);
  const hint = 'choose an --out outside the dataset, e.g. --out models/NAME';
  if (o === d) throw new PetlabError(`--out ${out} is the dataset folder itself: saving there would replace the pictures`, { kind: 'usage', hint });
  if (within(d, o)) throw new PetlabError(`--out ${out} holds the dataset ${dataRoot}: saving there would delete it`, { kind: 'usage', hint });
  if (within(o, d)) throw new PetlabError(`--out ${out} is inside the dataset ${dataRoot}: the model would be scanned as pictures`, { kind: 'usage', hint });
}

/** Refuse a folder that is not petlab's to replace (see the rule above). */
export async function assertReplaceable(out: string): Promise<void> {
  let st;
  try {
    st = await fs.stat(out);
  } catch {
    return; // absent: petlab creates it
  }
  const hint = 'choose a new or empty folder for --out (petlab replaces the folder as a whole)';
  if (!st.isDirectory()) throw new PetlabError(`--out ${out} is a file, not a folder`, { hint });
  const entries = (await fs.readdir(out)).filter((e) => !parseTempName(e));
  if (!entries.length) return;
  const isModel = await fs
    .readFile(path.join(out, 'petlab.json'), 'utf8')
    .then((t) => (JSON.parse(t) as { format?: string }).format === MODEL_FORMAT)
    .catch(() => false);
  const foreign = isModel ? entries.filter((e) => !MODEL_ENTRIES.has(e)) : entries;
  if (!foreign.length) return;
  const list = foreign.slice(0, 3).join(', ') + (foreign.length > 3 ? ` and ${foreign.length - 3} more` : '');
  throw new PetlabError(
    isModel
      ? `--out ${out} is a petlab model but also holds files petlab did not write (${list}): they would be deleted`
      : `--out ${out} is not empty and not a petlab model (it holds ${list}): saving there would delete it`,
    { hint: isModel ? 'move those files out of the model folder, or choose another --out' : hint },
  );
}

/** A mount point cannot be renamed: the folder must be one petlab can swap. */
async function assertNotMountPoint(out: string): Promise<void> {
  const [a, b] = await Promise.all([fs.stat(out).catch(() => undefined), fs.stat(path.dirname(out)).catch(() => undefined)]);
  if (a && b && a.dev !== b.dev)
    throw new PetlabError(`--out ${out} is a mount point: petlab writes a model beside it and renames it into place`, {
      hint: `give a folder inside it, e.g. --out ${path.join(out, 'model')}`,
    });
}

// ---- one run per output folder: a lock file beside it, holding the PID ----

const held = new Map<string, { file: string; count: number }>();
process.on('exit', () => {
  for (const { file } of held.values()) {
    try {
      unlinkSync(file);
    } catch {
      /* already gone */
    }
  }
});

export function lockFileFor(out: string): string {
  return path.join(path.dirname(out), `.${path.basename(out)}.lock`);
}

/** Hold `out` for this process (re-entrant); a lock of a dead PID is taken over. */
export async function lockOutputDir(out: string): Promise<() => Promise<void>> {
  const key = path.resolve(out);
  const mine = held.get(key);
  const release = async () => {
    const h = held.get(key);
    if (!h || --h.count > 0) return;
    held.delete(key);
    await fs.rm(h.file, { force: true });
  };
  if (mine) {
    mine.count++;
    return release;
  }
  const file = lockFileFor(key);
  const fault = (e: unknown) => environmentError(e, { where: path.dirname(key), doing: 'writing --out', fix: 'choose a writable folder for --out' }) ?? e;
  await fs.mkdir(path.dirname(key), { recursive: true }).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'EEXIST')
      throw new PetlabError(`--out ${key}: ${e.path ?? path.dirname(key)} is a file, not a folder`, { hint: 'check the path, or choose another --out' });
    throw fault(e);
  });
  for (let attempt = 0; ; attempt++) {
    try {
      await fs.writeFile(file, `${process.pid}\n`, { flag: 'wx' });
      held.set(key, { file, count: 1 });
      return release;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw fault(e);
      const pid = Number((await fs.readFile(file, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(pid) && pid > 0 && pidAlive(pid)) {
        throw new PetlabError(`another petlab run (PID ${pid}) is writing to ${key}`, {
          hint: `wait for it to finish, or choose another --out (if no such run exists, delete ${file})`,
        });
      }
      await fs.rm(file, { force: true }); // its run is dead: take over
    }
  }
}

export interface PreparedOutput {
  dir: string;
  release(): Promise<void>;
  /** temp folders of dead runs that were removed */
  cleaned: string[];
}

/**
 * Everything that must hold before a run writes a model folder, checked before any work: the
 * folder is petlab's to replace, apart from the dataset, writable, and no other run holds it.
 * What dead runs left beside it is cleaned up. Call release() when the run ends.
 */
export async function prepareOutputDir(out: string, o: { dataRoot?: string } = {}): Promise<PreparedOutput> {
  const dir = path.resolve(out);
  if (o.dataRoot) await assertApartFromData(dir, o.dataRoot);
  await assertReplaceable(dir);
  await assertNotMountPoint(dir);
  const release = await lockOutputDir(dir);
  try {
    const cleaned = await cleanupDeadTemps(dir);
    await assertReplaceable(dir); // a restored .old copy is checked too
    return { dir, release, cleaned };
  } catch (e) {
    await release();
    throw e;
  }
}

/** A folder petlab writes files into (a cache): creatable and writable, checked with a probe file. */
export async function assertWritableDir(dir: string, what: string, fix: string): Promise<void> {
  const probe = path.join(dir, `.petlab-probe-${process.pid}`);
  try {
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(probe, 'ok');
  } catch (e) {
    throw environmentError(e, { where: dir, doing: `writing ${what}`, fix }) ?? e;
  } finally {
    await fs.rm(probe, { force: true }).catch(() => undefined);
  }
}

/** Free bytes on the disk of p (or of its nearest existing ancestor). */
export async function freeBytes(p: string): Promise<number | undefined> {
  let dir = path.resolve(p);
  for (;;) {
    try {
      const s = await fs.statfs(dir);
      return s.bavail * s.bsize;
    } catch {
      const up = path.dirname(dir);
      if (up === dir) return undefined;
      dir = up;
    }
  }
}

const mb = (n: number) => `${(n / 1e6).toFixed(n < 1e7 ? 1 : 0)} MB`;

/** Refuse to start when the disk of dir cannot hold what the run will write there. */
export async function assertFreeSpace(dir: string, bytes: number, what: string, fix: string): Promise<void> {
  const free = await freeBytes(dir);
  if (free !== undefined && free < bytes) throw new PetlabError(`only ${mb(free)} free on the disk of ${dir}: ${what} needs about ${mb(bytes)}`, { hint: fix });
}
