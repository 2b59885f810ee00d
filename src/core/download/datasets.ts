/**
 * getDataset: a registry dataset, downloaded (mirror first), verified, extracted, ready to use as
 * --data. All archives of a dataset are extracted together into a temp sibling that is renamed into
 * place only when complete, so an interrupted extraction never looks done; a second call does no
 * network and no extraction.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { PetlabError } from '../errors.js';
import type { EventSink } from '../events.js';
import { writeDirAtomic } from '../io/atomic.js';
import { datasetDownloadSize, getDatasetEntry, type DatasetEntry } from '../registry/datasets.js';
import { datasetCachePath, datasetDataDir, datasetDir, datasetExtractDir, datasetReady, EXTRACTED_MARKER } from './cache-layout.js';
import { removeWithMarker } from './digest.js';
import { checkContents } from './contents.js';
import { downloadFile } from './download-file.js';
import { extractArchive } from './extract/index.js';
import { mirrorFromEnv } from './mirror.js';
import { bytes as formatBytes } from '../../text/format.js';
import { ProgressMeter } from '../progress.js';

export { datasetStatus, type DatasetStatus } from '../registry/datasets.js';

export interface GetDatasetOptions {
  cacheDir: string;
  /** folder or base URL laid out like the cache; default PETLAB_MIRROR */
  mirror?: string;
  onEvent?: EventSink;
  signal?: AbortSignal;
  /** another registry file (tests) */
  registryFile?: string;
  /** keep the downloaded archives after extraction (default: delete them, they double the disk use) */
  keepArchives?: boolean;
  retries?: number;
  timeoutMs?: number;
}

async function exists(p: string): Promise<boolean> {
  return fs.stat(p).then(
    () => true,
    () => false,
  );
}

/** Temp folders of extractions killed midway (their process is gone): hundreds of MB each. */
async function removeStaleTemps(dir: string): Promise<void> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return;
  }
  for (const n of names) {
    const m = /^\.extracted\.tmp-(\d+)-/.exec(n);
    if (!m) continue;
    const pid = Number(m[1]);
    let alive = pid !== process.pid;
    try {
      if (alive) process.kill(pid, 0);
    } catch (e) {
      alive = (e as NodeJS.ErrnoException).code === 'EPERM';
    }
    if (!alive) await fs.rm(path.join(dir, n), { recursive: true, force: true });
  }
}

/** Free bytes where `dir` (or its nearest existing parent) lives, or undefined if unknown. */
async function freeBytes(dir: string): Promise<number | undefined> {
  let d = path.resolve(dir);
  for (;;) {
    try {
      const s = await fs.statfs(d);
      return s.bavail * s.bsize;
    } catch (e) {
      const parent = path.dirname(d);
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || parent === d) return undefined;
      d = parent;
    }
  }
}

/** Refuse early, with numbers, rather than fill the disk halfway through. */
async function checkDiskSpace(entry: DatasetEntry, dir: string, cacheDir: string): Promise<void> {
  const total = datasetDownloadSize(entry);
  if (total === null) return;
  let have = 0;
  for (const a of entry.archives)
    have += await fs.stat(path.join(dir, a.file)).then(
      (s) => s.size,
      () => 0,
    );
  // the rest of the archives, plus their extracted contents (JPEGs hardly compress: about the same size)
  const need = total - have + total * 1.05;
  const free = await freeBytes(dir);
  if (free !== undefined && free < need) {
    throw new PetlabError(`not enough disk space for ${entry.name} in ${cacheDir}: it needs about ${formatBytes(need)}, ${formatBytes(free)} is free`, {
      hint: 'Free some space, or move the cache: `petlab config set cacheDir DIR` (or PETLAB_CACHE_DIR=DIR).',
    });
  }
}

async function extractAll(entry: DatasetEntry, archives: string[], target: string, o: GetDatasetOptions): Promise<void> {
  let total = 0;
  for (const a of archives) total += (await fs.stat(a)).size;
  o.onEvent?.({ type: 'phase', phase: 'extract', message: `Extracting ${entry.name} (${formatBytes(total)})` });
  const meter = new ProgressMeter(o.onEvent, 'extract', 'bytes', total, { detail: entry.name });
  let files = 0;
  await writeDirAtomic(target, async (tmp) => {
    for (const [i, archive] of archives.entries()) {
      try {
        files += (await extractArchive(archive, tmp, { signal: o.signal, onBytes: (n) => meter.add(n) })).files;
      } catch (e) {
        const a = entry.archives[i];
        if (e instanceof PetlabError && !a.sha256 && !a.md5) {
          // nothing but extraction vouches for an archive without a checksum: a broken one must go
          await removeWithMarker(archive);
          throw new PetlabError(`${e.message}; the archive was deleted`, { hint: `Run the command again to download it anew (${a.url}).`, cause: e });
        }
        throw e;
      }
    }
    const missing: string[] = [];
    for (const rel of [...entry.expect, entry.dataDir]) if (!(await exists(path.join(tmp, rel)))) missing.push(rel);
    if (missing.length) {
      throw new PetlabError(`${entry.name}: the extracted archives lack ${missing.join(', ')}`, {
        hint: `The archives are not the expected ones; delete ${datasetDir(o.cacheDir, entry.name)} and run again, or check the mirror.`,
      });
    }
    const wrong = await checkContents(tmp, entry.contents);
    if (wrong) {
      // an archive without a checksum is vouched for by its contents only: a wrong one must go
      for (const [i, archive] of archives.entries()) if (!entry.archives[i].sha256 && !entry.archives[i].md5) await removeWithMarker(archive);
      throw new PetlabError(`${entry.name}: the downloaded archive is not the expected one: ${wrong}; it was deleted`, {
        hint: `Run the command again to download it anew; if this repeats, the file at ${entry.archives[0].url} (or the mirror's copy) changed.`,
      });
    }
    const marker = { name: entry.name, files, archives: entry.archives.map((a) => a.file), extractedAt: new Date().toISOString() };
    await fs.writeFile(path.join(tmp, EXTRACTED_MARKER), JSON.stringify(marker, null, 2) + '\n');
  });
  meter.finish();
}

/** Download (or take from the mirror), verify and extract a registry dataset; returns the --data folder. */
export async function getDataset(name: string, o: GetDatasetOptions): Promise<string> {
  const entry = getDatasetEntry(name, o.registryFile);
  const dataDir = datasetDataDir(o.cacheDir, entry);
  if (datasetReady(o.cacheDir, entry)) return dataDir;

  const dir = datasetDir(o.cacheDir, entry.name);
  await removeStaleTemps(dir);
  await checkDiskSpace(entry, dir, o.cacheDir);
  const mirror = mirrorFromEnv(o.mirror);
  const total = datasetDownloadSize(entry);
  const meter = new ProgressMeter(o.onEvent, 'download', 'bytes', total ?? 0, { detail: entry.name });
  const done = new Map<string, number>();
  const paths: string[] = [];
  let announced = false;
  for (const a of entry.archives) {
    const r = await downloadFile({
      url: a.url,
      dest: path.join(dir, a.file),
      sha256: a.sha256,
      md5: a.md5,
      size: a.size,
      mirror,
      cachePath: datasetCachePath(entry.name, a.file),
      onEvent: o.onEvent,
      signal: o.signal,
      label: `${entry.name}/${a.file}`,
      retries: o.retries,
      timeoutMs: o.timeoutMs,
      onBytes: (d, t) => {
        if (!announced) {
          announced = true;
          o.onEvent?.({ type: 'phase', phase: 'download', message: `Fetching dataset ${entry.name}${total ? ` (${formatBytes(total)})` : ''}` });
        }
        done.set(a.file, d);
        if (total === null) meter.setTotal(Math.max(t, d));
        meter.update([...done.values()].reduce((x, y) => x + y, 0));
      },
    });
    done.set(a.file, a.size ?? (await fs.stat(r.path)).size);
    paths.push(r.path);
  }
  if (announced) meter.finish();

  await extractAll(entry, paths, datasetExtractDir(o.cacheDir, entry.name), o);
  if (!o.keepArchives) for (const p of paths) await removeWithMarker(p);
  o.onEvent?.({ type: 'info', message: `${entry.name} is ready: --data ${dataDir}` });
  return dataDir;
}
