import type { BackboneSpec, ResizeMode } from '../backbones/spec.js';
import { isPetlabError } from '../errors.js';
import type { EventSink, Phase } from '../events.js';
import { decodeForView, PLAIN, ViewDecoder, viewKey, type View } from '../images/views.js';
import type { TfWorker } from '../worker/client.js';
import type { WorkerPool } from '../worker/pool.js';
import { EmbeddingCache, hashFile, inferenceKey, isUndecodable } from './cache.js';
import { ProgressMeter } from '../progress.js';
import { printable } from '../data/scan.js';

export interface EmbedStats {
  /** files */
  total: number;
  /** views of each file computed together (2: the pictures and their mirror images); hits, computed and the rate count rows */
  views?: number;
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
  return (await embedFileViews(files, [o.view ?? PLAIN], o))[0];
}

/**
 * Embeddings of several views of each file (the picture and its mirror image), one result per view:
 * the views of a file are computed together from one decode where they share one (ViewDecoder).
 */
export async function embedFileViews(files: string[], views: View[], o: EmbedOptions): Promise<EmbedResult[]> {
  const t0 = Date.now();
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
  const rows = n * views.length;
  // row r is file r % n in view Math.floor(r / n)
  const vectors = new Float32Array(rows * o.dim);
  const ok = new Array<boolean>(rows).fill(false);
  const failures: { file: string; reason: string }[] = [];
  const meter = new ProgressMeter(o.onEvent, o.phase ?? 'embed', 'images', rows);

  const shas = await mapLimit(files, 16, async (f) => {
    try {
      return await hashFile(f);
    } catch {
      return undefined;
    }
  });
  const keys = views.flatMap((v) => shas.map((s) => (s === undefined ? undefined : viewKey(s, v))));
  const decoder = new ViewDecoder(o.spec.inputSize, o.resize);
  const misses: number[] = [];
  const failed = new Set<number>();
  let hits = 0;
  // file-major: the views of a file are asked for together, so they share its decode
  for (let i = 0; i < n; i++)
    for (let v = 0; v < views.length; v++) {
      const r = v * n + i;
      const k = keys[r];
      if (k === undefined) {
        if (v === 0) failures.push({ file: files[i], reason: 'cannot read file' });
        continue;
      }
      // undecodable is a property of the file, whatever the view
      const remembered = cache?.get(shas[i]!);
      const c = isUndecodable(remembered) ? remembered : cache?.get(k);
      if (c === undefined) {
        misses.push(r);
        decoder.expect(files[i], 1);
      } else if (isUndecodable(c)) {
        if (!failed.has(i)) failures.push({ file: files[i], reason: `${c.undecodable} (remembered from an earlier run for these exact bytes)` });
        failed.add(i);
      } else {
        vectors.set(c, r * o.dim);
        ok[r] = true;
        hits++;
      }
    }
  const detail = () => (hits === rows ? 'all from cache' : `cache hits ${hits}/${rows}`);
  meter.skip(rows - misses.length);
  meter.update(rows - misses.length, true, detail());
  const computeStart = Date.now();
  let pendingFlush = Promise.resolve();
  let flushError: unknown;
  const workerEvents = onceEach(o.onEvent);
  const fileOf = Array.from({ length: rows }, (_, r) => files[r % n]);
  const { decodeSeconds, failed: failedRows } = await runRows(
    fileOf,
    misses,
    vectors,
    ok,
    {
      pool: o.pool,
      size: o.spec.inputSize,
      resize: o.resize,
      view: views[0],
      decode: (r) => decoder.decode(fileOf[r], views[Math.floor(r / n)]),
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
        for (const r of idx) cache.put(keys[r]!, vectors.slice(r * o.dim, (r + 1) * o.dim));
        // written as they come: an interrupted run keeps what it computed
        // (a failed write, e.g. a full disk, is reported once the batch in flight is done)
        pendingFlush = pendingFlush
          .then(() => cache.flush())
          .catch((e: unknown) => {
            flushError ??= e;
          });
      },
      onBad: (r, reason) => {
        const i = r % n;
        if (failed.has(i)) return;
        failed.add(i);
        failures.push({ file: files[i], reason });
        o.onEvent?.({ type: 'warning', code: 'skipped-file', message: `skipped ${printable(files[i])}: ${reason}`, file: files[i] });
        if (cache && shas[i]) cache.put(shas[i]!, { undecodable: reason });
      },
    },
    rows - misses.length,
  );
  await pendingFlush;
  if (flushError) throw flushError;
  await cache?.flush();
  const secs = (Date.now() - computeStart) / 1000;
  const computed = misses.length - failedRows;
  // the last event says what the summary says: the run's rate, not the last moments' smoothed one
  meter.update(rows - (o.signal?.aborted ? misses.filter((r) => !ok[r]).length : 0), true, detail(), computed && secs > 0 ? computed / secs : 0);
  // one summary for the job: its rows are the views of the files (the rate is the progress line's)
  const stats: EmbedStats = {
    total: n,
    views: views.length,
    cacheHits: hits,
    computed,
    failed: failures.length,
    seconds: (Date.now() - t0) / 1000,
    imagesPerSecond: computed && secs > 0 ? computed / secs : 0,
    decodeSeconds,
  };
  return views.map((_, v) => ({
    dim: o.dim,
    vectors: vectors.subarray(v * n * o.dim, (v + 1) * n * o.dim),
    // a file is failed in every view once one of its views failed (its rows are zeros)
    ok: ok.slice(v * n, (v + 1) * n).map((x, i) => x && !failed.has(i)),
    failures,
    sha256: shas.map((h) => h ?? ''),
    stats,
  }));
}
