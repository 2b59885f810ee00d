import type { BackboneSpec, ResizeMode } from '../backbones/spec.js';
import { isPetlabError } from '../errors.js';
import type { EventSink } from '../events.js';
import { decodeImage } from '../images/decode.js';
import type { WorkerPool } from '../worker/pool.js';
import { EmbeddingCache, hashFile } from './cache.js';
import { ProgressMeter } from './progress.js';

export interface EmbedResult {
  dim: number;
  /** n rows of dim floats; rows of failed files are zeros */
  vectors: Float32Array;
  ok: boolean[];
  failures: { file: string; reason: string }[];
  stats: { total: number; cacheHits: number; computed: number; failed: number; seconds: number; imagesPerSecond: number; decodeSeconds: number };
}

export interface EmbedOptions {
  pool: WorkerPool;
  spec: BackboneSpec;
  dim: number;
  cacheDir: string;
  resize: ResizeMode;
  batchSize: number;
  onEvent?: EventSink;
  signal?: AbortSignal;
  /** false: compute everything, ignore and leave the cache alone (benchmarks) */
  useCache?: boolean;
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (x: T, i: number) => Promise<R>): Promise<R[]> {
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

/**
 * Embeddings for image files, through the cache. Misses are decoded with sharp (libuv's thread pool,
 * off the event loop) while the worker threads run the backbone on earlier batches, so decoding and
 * inference overlap and every core is busy. A file that cannot be decoded is reported once and
 * remembered as undecodable.
 */
export async function embedFiles(files: string[], o: EmbedOptions): Promise<EmbedResult> {
  const t0 = Date.now();
  const useCache = o.useCache !== false;
  const cache = useCache ? await EmbeddingCache.open(o.cacheDir, o.spec.fingerprint, o.dim) : undefined;
  const n = files.length;
  const vectors = new Float32Array(n * o.dim);
  const ok = new Array<boolean>(n).fill(false);
  const failures: { file: string; reason: string }[] = [];
  const meter = new ProgressMeter(o.onEvent, 'embed', n, 'images');

  // 1. content hashes → cache hits
  const keys = await mapLimit(files, 16, async (f) => {
    try {
      return await hashFile(f);
    } catch {
      return undefined;
    }
  });
  const misses: number[] = [];
  let hits = 0;
  for (let i = 0; i < n; i++) {
    const k = keys[i];
    if (k === undefined) {
      failures.push({ file: files[i], reason: 'cannot read file' });
      continue;
    }
    const c = cache?.get(k);
    if (c === undefined) misses.push(i);
    else if (c === 'undecodable') failures.push({ file: files[i], reason: 'corrupt or not an image (remembered from an earlier run)' });
    else {
      vectors.set(c, i * o.dim);
      ok[i] = true;
      hits++;
    }
  }
  let done = n - misses.length;
  meter.update(done, `cache hits ${hits}/${n}`, true);

  // 2. decode + embed the misses, batches in flight on every worker
  const [h, w] = o.spec.inputSize;
  const px = h * w * 3;
  const batchSize = Math.max(1, o.batchSize);
  let decodeMs = 0;
  let decodeFailures = 0;
  const inflight = new Set<Promise<void>>();
  let cursor = 0;
  const computeStart = Date.now();

  const decodeBatch = async (): Promise<{ idx: number[]; pixels: Uint8Array } | undefined> => {
    const idx: number[] = [];
    const imgs: Uint8Array[] = [];
    while (idx.length < batchSize && cursor < misses.length) {
      const take = misses.slice(cursor, cursor + (batchSize - idx.length));
      cursor += take.length;
      const td = Date.now();
      const decoded = await Promise.all(
        take.map(async (i) => {
          try {
            return (await decodeImage(files[i], [h, w], o.resize)).data;
          } catch (e) {
            const reason = isPetlabError(e) ? e.message.replace(/^cannot decode [^:]*: /, '') : String(e);
            failures.push({ file: files[i], reason });
            decodeFailures++;
            o.onEvent?.({ type: 'warning', code: 'skipped-file', message: `skipped ${files[i]}: ${reason}`, file: files[i] });
            if (cache && keys[i]) cache.put(keys[i]!, 'undecodable');
            done++;
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

  let firstError: unknown;
  while (cursor < misses.length && !o.signal?.aborted && !firstError) {
    const batch = await decodeBatch();
    if (!batch) break;
    const worker = await o.pool.acquire();
    const job = (async () => {
      try {
        const emb = await worker.call('embed', { pixels: batch.pixels, n: batch.idx.length }, { transfer: [batch.pixels.buffer as ArrayBuffer] });
        batch.idx.forEach((i, j) => {
          const v = emb.subarray(j * o.dim, (j + 1) * o.dim);
          vectors.set(v, i * o.dim);
          ok[i] = true;
          if (cache && keys[i]) cache.put(keys[i]!, v.slice());
        });
        done += batch.idx.length;
        meter.update(done, `cache hits ${hits}/${n}`);
        await cache?.flush();
      } catch (e) {
        firstError ??= e;
      } finally {
        o.pool.release(worker);
      }
    })();
    inflight.add(job);
    void job.finally(() => inflight.delete(job));
  }
  await Promise.all(inflight);
  await cache?.flush();
  if (firstError) throw firstError;
  meter.update(done, `cache hits ${hits}/${n}`, true);
  const computed = misses.length;
  const secs = (Date.now() - computeStart) / 1000;
  return {
    dim: o.dim,
    vectors,
    ok,
    failures,
    stats: { total: n, cacheHits: hits, computed: computed - decodeFailures, failed: failures.length, seconds: (Date.now() - t0) / 1000, imagesPerSecond: computed && secs > 0 ? computed / secs : 0, decodeSeconds: decodeMs / 1000 },
  };
}
