/**
 * ensureBackboneFiles: the files of a registry backbone in the cache, fetched (mirror first, then
 * origin) and verified when missing. A start-up with everything cached touches no network and
 * hashes nothing: each file's `.verified` marker vouches for it.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { PetlabError } from '../errors.js';
import type { EventSink } from '../events.js';
import type { BackboneSource } from '../backbones/source.js';
import { getBackboneEntry, type BackboneEntry, type BackboneFile } from '../registry/backbones.js';
import { backboneCachePath, backboneDir } from './cache-layout.js';
import { markerConfirms } from './digest.js';
import { downloadFile } from './download-file.js';
import { mirrorFromEnv } from './mirror.js';
import { bytes as formatBytes } from '../../text/format.js';
import { ProgressMeter } from '../progress.js';

export interface EnsureBackboneOptions {
  cacheDir: string;
  /** folder or base URL laid out like the cache; default PETLAB_MIRROR */
  mirror?: string;
  onEvent?: EventSink;
  signal?: AbortSignal;
  /** another registry file (tests) */
  registryFile?: string;
  /** parallel transfers (darknet_tiny has 33 small files) */
  concurrency?: number;
  retries?: number;
  timeoutMs?: number;
}

export interface BackboneFiles {
  name: string;
  entry: BackboneEntry;
  /** <cacheDir>/backbones/<name> */
  dir: string;
  /** the .tflite file, or model.json */
  modelPath: string;
  /** the labels file, when the entry has one and it is available */
  labelsFile?: string;
  /** relative path → absolute path, for every file present */
  files: Record<string, string>;
  /** bytes fetched by this call (0 when all was cached) */
  downloadedBytes: number;
}

async function runPool<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export async function ensureBackboneFiles(name: string, o: EnsureBackboneOptions): Promise<BackboneFiles> {
  const entry = getBackboneEntry(name, o.registryFile);
  const dir = backboneDir(o.cacheDir, entry.name);
  const mirror = mirrorFromEnv(o.mirror);
  const dest = (f: BackboneFile) => path.join(dir, f.path);

  const files: Record<string, string> = {};
  const todo: BackboneFile[] = [];
  for (const f of entry.files) {
    if (await markerConfirms(dest(f), { sha256: f.sha256, size: f.size })) {
      files[f.path] = dest(f);
      continue;
    }
    // an optional file nobody can provide is skipped quietly; one put in the cache by hand is checked
    const present = await fs.stat(dest(f)).then(
      () => true,
      () => false,
    );
    if (f.optional && !f.url && !mirror && !present) continue;
    todo.push(f);
  }

  let downloadedBytes = 0;
  if (todo.length > 0) {
    const total = todo.reduce((s, f) => s + f.size, 0);
    o.onEvent?.({
      type: 'phase',
      phase: 'download',
      message: `Fetching backbone ${entry.name}: ${todo.length} file${todo.length > 1 ? 's' : ''}, ${formatBytes(total)}`,
    });
    const meter = new ProgressMeter(o.onEvent, 'download', 'bytes', total, { detail: entry.name });
    const perFile = new Map<string, number>();
    const report = () => meter.update([...perFile.values()].reduce((a, b) => a + b, 0));
    // the first required failure stops the other transfers (their .part files stay for a resume)
    const stop = new AbortController();
    const signal = o.signal ? AbortSignal.any([o.signal, stop.signal]) : stop.signal;
    let failure: unknown;
    await runPool(todo, o.concurrency ?? 4, async (f) => {
      if (failure !== undefined) return;
      try {
        const r = await downloadFile({
          url: f.url,
          dest: dest(f),
          sha256: f.sha256,
          size: f.size,
          mirror,
          cachePath: backboneCachePath(entry.name, f.path),
          onEvent: o.onEvent,
          signal,
          label: `${entry.name}/${f.path}`,
          retries: o.retries,
          timeoutMs: o.timeoutMs,
          onBytes: (d) => {
            perFile.set(f.path, d);
            report();
          },
        });
        downloadedBytes += r.bytes;
        perFile.set(f.path, f.size);
        report();
        files[f.path] = r.path;
      } catch (e) {
        if (f.optional && e instanceof PetlabError && !o.signal?.aborted) {
          // e.g. the labels: nice to have, not needed to train
          meter.setTotal(total - f.size);
          perFile.delete(f.path);
          if (f.url) o.onEvent?.({ type: 'warning', code: 'other', message: `optional ${entry.name}/${f.path} not available: ${e.message}`, file: dest(f) });
          return;
        }
        if (failure === undefined) {
          failure = e;
          stop.abort();
        }
      }
    });
    if (failure !== undefined) throw failure;
    meter.finish();
  }

  const labelsFile = entry.labels && files[entry.labels.file] ? files[entry.labels.file] : undefined;
  return { name: entry.name, entry, dir, modelPath: path.join(dir, entry.model), labelsFile, files, downloadedBytes };
}

/**
 * A registry backbone as the loader wants it: files ensured in the cache (downloaded or taken from
 * the mirror when missing), plus what the registry declares. For tflite entries the importer reads
 * input range and embedding from the file itself, so only the labels file is passed on.
 */
export async function backboneSourceFor(
  name: string,
  o: { cacheDir: string; mirror?: string; onEvent?: EventSink; signal?: AbortSignal; registryFile?: string },
): Promise<BackboneSource> {
  const got = await ensureBackboneFiles(name, o);
  const e = got.entry;
  const declared: NonNullable<BackboneSource['declared']> = {};
  if (got.labelsFile) declared.labelsFile = got.labelsFile;
  if (e.format === 'tfjs-layers') {
    declared.inputRange = e.inputRange;
    declared.embeddingLayer = e.embedding.layer;
    declared.embeddingPool = e.embedding.pool;
  }
  return { name: e.name, format: e.format, path: got.modelPath, declared };
}
