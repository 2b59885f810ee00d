import type { BackboneSpec, ResizeMode } from '../backbones/spec.js';
import { isPetlabError } from '../errors.js';
import type { EventSink, Phase } from '../events.js';
import { decodeForView, PLAIN, viewKey, type View } from '../images/views.js';
import type { TfWorker } from '../worker/client.js';
import type { WorkerPool } from '../worker/pool.js';
import { EmbeddingCache, hashFile, inferenceKey, isUndecodable } from './cache.js';
import { ProgressMeter } from '../progress.js';
import { printable } from '../data/scan.js';

export interface EmbedStats {
  total: number;
  cacheHits: number;
  computed: number;
  failed: number;
  seconds: number;
  imagesPerSecond: number;
  decodeSeconds: number;
}

export interface EmbedResult {
  dim: number;
  /** n rows of dim floats; rows of failed files are zeros */
  vectors: Float32Array;
  ok: boolean[];
  failures: { file: string; reason: string }[];
  stats: EmbedStats;
  /** sha256 of each file's bytes ('' where it could not be read): exact duplicates */
  sha256?: string[];
}

export interface EmbedOptions {
  pool: WorkerPool;
  spec: BackboneSpec;
  /** the workers embed in int8: its rows are cached apart from float ones */
  int8?: boolean;
  dim: number;
  cacheDir: string;
  resize: ResizeMode;
  batchSize: number;
  onEvent?: EventSink;
  signal?: AbortSignal;
  /** false: compute everything, ignore and leave the cache alone (benchmarks) */
  useCache?: boolean;
  view?: View;
  /** progress phase name, default 'embed' */
  phase?: Phase;
}

export async function mapLimit<T, R>(items: T[], limit: number, fn: (x: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i], i);
      }
    }),
  );
  return out;
}

export interface RowsJob<R extends Float32Array | Uint16Array> {
  pool: WorkerPool;
  size: [number, number];
  resize: ResizeMode;
  view: View;
  batchSize: number;
  rowSize: number;
  /** runs one batch of pixels on a worker, returns n rows */
  run(worker: TfWorker, pixels: Uint8Array, n: number): Promise<R>;
  alloc(n: number): R;
  onEvent?: EventSink;
  signal?: AbortSignal;
  meter: ProgressMeter;
  detail?: () => string;
  /** decodes row i (default: files[i] in `view`), e.g. to share one decode between views */
  decode?: (i: number) => Promise<{ data: Uint8Array }>;
  /** called once per file that decodes badly */
  onBad?: (i: number, reason: string) => void;
  /** called when rows for these indices have landed in `out` */
  onRows?: (idx: number[]) => void;
}

/**
 * Decode pictures with sharp (libuv's thread pool, off the event loop) while the worker threads run
 * the network on earlier batches: decoding and inference overlap and every core is busy. Returns
 * the rows of the indices given, in place into `out`.
 */
export async function runRows<R extends Float32Array | Uint16Array>(
  files: string[],
  indices: number[],
  out: R,
  ok: boolean[],
  job: RowsJob<R>,
  doneBefore: number,
): Promise<{ decodeSeconds: number; failed: number }> {
  const [h, w] = job.size;
  const px = h * w * 3;
  const batchSize = Math.max(1, job.batchSize);
  let decodeMs = 0;
  let failed = 0;
  let cursor = 0;
  let done = doneBefore;
  const inflight = new Set<Promise<void>>();
  let firstError: unknown;

  const decodeBatch = async (): Promise<{ idx: number[]; pixels: Uint8Array } | undefined> => {
    const idx: number[] = [];
    const imgs: Uint8Array[] = [];
    while (idx.length < batchSize && cursor < indices.length) {
      const take = indices.slice(cursor, cursor + (batchSize - idx.length));
      cursor += take.length;
      const td = Date.now();
      const decoded = await Promise.all(
        take.map(async (i) => {
          try {
            return (await (job.decode ? job.decode(i) : decodeForView(files[i], [h, w], job.resize, job.view))).data;
          } catch (e) {
            const reason = isPetlabError(e) ? e.message.replace(/^cannot decode [^:]*: /, '') : String(e);
            failed++;
            done++;
            job.onBad?.(i, reason);
            return undefined;
          }
        }),
      );
      decodeMs += Date.now() - td;
      take.forEach((i, j) => {
        if (decoded[j]) {
          idx.push(i);
          imgs.push(decoded[j]!);
        }
      });
    }
    if (!idx.length) return undefined;
    const pixels = new Uint8Array(idx.length * px);
    imgs.forEach((d, j) => pixels.set(d, j * px));
    return { idx, pixels };
  };

  while (cursor < indices.length && !job.signal?.aborted && !firstError) {
    const batch = await decodeBatch();
    if (!batch) break;
    const worker = await job.pool.acquire();
    const p = (async () => {
      try {
        const rows = await job.run(worker, batch.pixels, batch.idx.length);
        batch.idx.forEach((i, j) => {
          out.set(rows.subarray(j * job.rowSize, (j + 1) * job.rowSize) as never, i * job.rowSize);
          ok[i] = true;
        });
        job.onRows?.(batch.idx);
        done += batch.idx.length;
        job.meter.update(done, false, job.detail?.());
      } catch (e) {
        firstError ??= e;
      } finally {
        job.pool.release(worker);
      }
    })();
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
  }
  await Promise.all(inflight);
  if (firstError) throw firstError;
  return { decodeSeconds: decodeMs / 1000, failed };
}

/** Events of the workers' calls, each warning once (every worker says the same, e.g. an ONNX Runtime fallback). */
export function onceEach(sink: EventSink | undefined): EventSink | undefined {
  if (!sink) return undefined;
  const seen = new Set<string>();
  return (e) => {
    if (e.type === 'warning') {
      if (seen.has(e.message)) return;
      seen.add(e.message);
    }
    sink(e);
  };
}

/**
 * Embeddings for image files (one view of each), through the on-disk cache. A file that cannot be
 * decoded is reported once and remembered as undecodable.
 */
export async function embedFiles(files: string[], o: EmbedOptions): Promise<EmbedResult> {
  const t0 = Date.now();
  const view = o.view ?? PLAIN;
  const useCache = o.useCache !== false;
  const cache = useCache ? await EmbeddingCache.open(o.cacheDir, inferenceKey(o.spec.fingerprint, o.int8), o.dim) : undefined;
  if (cache?.damaged) {
    o.onEvent?.({
      type: 'warning',
      code: 'other',
      message: `embedding cache ${cache.file}: ${cache.damaged} damaged record${cache.damaged > 1 ? 's' : ''} (checksum or values) dropped; those pictures are embedded again`,
    });
  }
  const n = files.length;
  const vectors = new Float32Array(n * o.dim);
  const ok = new Array<boolean>(n).fill(false);
  const failures: { file: string; reason: string }[] = [];
  const meter = new ProgressMeter(o.onEvent, o.phase ?? 'embed', 'images', n);

  const shas = await mapLimit(files, 16, async (f) => {
    try {
      return await hashFile(f);
    } catch {
      return undefined;
    }
  });
  const keys = shas.map((s) => (s === undefined ? undefined : viewKey(s, view)));
  const misses: number[] = [];
  let hits = 0;
  for (let i = 0; i < n; i++) {
    const k = keys[i];
    if (k === undefined) {
      failures.push({ file: files[i], reason: 'cannot read file' });
      continue;
    }
    // undecodable is a property of the file, whatever the view
    const remembered = cache?.get(shas[i]!);
    const c = isUndecodable(remembered) ? remembered : cache?.get(k);
    if (c === undefined) misses.push(i);
    else if (isUndecodable(c)) failures.push({ file: files[i], reason: `${c.undecodable} (remembered from an earlier run for these exact bytes)` });
    else {
      vectors.set(c, i * o.dim);
      ok[i] = true;
      hits++;
    }
  }
  const detail = () => (hits === n ? 'all from cache' : `cache hits ${hits}/${n}`);
  meter.skip(n - misses.length);
  meter.update(n - misses.length, true, detail());
  const computeStart = Date.now();
  let pendingFlush = Promise.resolve();
  let flushError: unknown;
  const workerEvents = onceEach(o.onEvent);
  const { decodeSeconds, failed } = await runRows(
    files,
    misses,
    vectors,
    ok,
    {
      pool: o.pool,
      size: o.spec.inputSize,
      resize: o.resize,
      view,
      batchSize: o.batchSize,
      rowSize: o.dim,
      alloc: (k) => new Float32Array(k * o.dim),
      run: (worker, pixels, k) => worker.call('embed', { pixels, n: k }, { transfer: [pixels.buffer as ArrayBuffer], onEvent: workerEvents }),
      onEvent: o.onEvent,
      signal: o.signal,
      meter,
      detail,
      onRows: (idx) => {
        if (!cache) return;
        for (const i of idx) cache.put(keys[i]!, vectors.slice(i * o.dim, (i + 1) * o.dim));
        // written as they come: an interrupted run keeps what it computed
        // (a failed write, e.g. a full disk, is reported once the batch in flight is done)
        pendingFlush = pendingFlush
          .then(() => cache.flush())
          .catch((e: unknown) => {
            flushError ??= e;
          });
      },
      onBad: (i, reason) => {
        failures.push({ file: files[i], reason });
        o.onEvent?.({ type: 'warning', code: 'skipped-file', message: `skipped ${printable(files[i])}: ${reason}`, file: files[i] });
        if (cache && shas[i]) cache.put(shas[i]!, { undecodable: reason });
      },
    },
    n - misses.length,
  );
  await pendingFlush;
  if (flushError) throw flushError;
  await cache?.flush();
  const secs = (Date.now() - computeStart) / 1000;
  const computed = misses.length - failed;
  const imagesPerSecond = computed && secs > 0 ? computed / secs : 0;
  // the last event says what the summary says: the run's rate, not the last moments' smoothed one
  meter.update(n - (o.signal?.aborted ? misses.filter((i) => !ok[i]).length : 0), true, detail(), imagesPerSecond);
  return {
    dim: o.dim,
    vectors,
    ok,
    failures,
    sha256: shas.map((h) => h ?? ''),
    stats: { total: n, cacheHits: hits, computed, failed: failures.length, seconds: (Date.now() - t0) / 1000, imagesPerSecond, decodeSeconds },
  };
}
