import type { DatasetItem } from './data/types.js';
import { mapLimit, onceEach, runRows } from './embed/embed-files.js';
import { hashFile } from './embed/cache.js';
import { FeatureCache } from './embed/feature-cache.js';
import { ProgressMeter } from './progress.js';
import { ViewDecoder, viewKey, type View } from './images/views.js';
import type { Session } from './session.js';
import type { CutFeatures } from './train/fine-tune.js';
import { count } from '../text/plural.js';

/**
 * The frozen part's output (bfloat16 rows at the cut layer) that fine-tuning trains and validates
 * on, computed on every worker, through the on-disk feature cache (embed/feature-cache.ts).
 */

function sharedU16(n: number): Uint16Array {
  return new Uint16Array(new SharedArrayBuffer(n * 2));
}

/** One set of pictures to compute the frozen features of: the training split in its views, or the validation split. */
export interface FeaturePart {
  items: DatasetItem[];
  views: View[];
  labelOf: (it: DatasetItem) => number;
  /** named in the progress ("train: frozen features, 4 views") */
  label: string;
}

/**
 * The frozen features of each part, in order. With `cacheKey` (the fingerprint of the backbone
 * whose frozen part this is), rows go through the feature cache: a resumed or repeated
 * fine-tuning reads them instead of recomputing. The cache file is opened (read and every record
 * checked) once for all the parts, not once per part: it holds every part's rows.
 */
export async function frozenFeatures(
  session: Session,
  parts: FeaturePart[],
  cut: string,
  rowShape: number[],
  cacheKey?: string,
): Promise<Array<CutFeatures & { ok: boolean[] }>> {
  const size = rowShape.reduce((a, b) => a * b, 1);
  const keysOf = await Promise.all(
    parts.map(async (p) => {
      const shas = cacheKey ? await mapLimit(p.items, 16, (i) => hashFile(i.file).catch(() => undefined)) : [];
      return p.views.map((view) => shas.map((s) => (s ? viewKey(s, view) : undefined)));
    }),
  );
  // every part's keys, each as often as it is looked up: a row is kept in memory until its last use
  const wanted = keysOf.flat(2).filter((k): k is string => !!k);
  const cache = cacheKey ? await FeatureCache.open(session.opts.cacheDir, cacheKey, cut, size, wanted) : undefined;
  if (cache?.damage) {
    const { records, tornBytes } = cache.damage;
    const what = [records ? `${count(records, 'damaged record')} (checksum or values) dropped` : '', tornBytes ? 'a torn end cut' : ''].filter(Boolean);
    session.opts.onEvent?.({
      type: 'warning',
      code: 'other',
      message: `frozen features cache damaged: rebuilt (${what.join(', ')}; those features are computed again) ${cache.file}`,
    });
  }
  const out: Array<CutFeatures & { ok: boolean[] }> = [];
  for (const [i, p] of parts.entries()) out.push(await cutFeatures(session, p, cut, rowShape, keysOf[i], cache));
  return out;
}

/**
 * One part's features: its rows from the cache where it has them (keysOf[view][item]), the others
 * computed and added to it. One pass over the files, each with all its missing views together, so
 * the views share their decodes (images/views.ts ViewDecoder). Row r of the result is view
 * floor(r / n) of item r % n.
 */
async function cutFeatures(
  session: Session,
  part: FeaturePart,
  cut: string,
  rowShape: number[],
  keysOf: Array<Array<string | undefined>>,
  cache: FeatureCache | undefined,
): Promise<CutFeatures & { ok: boolean[] }> {
  const { items, views, labelOf, label } = part;
  const bb = session.requireBackbone();
  const size = rowShape.reduce((a, b) => a * b, 1);
  const n = items.length;
  const rows = views.length * n;
  const fileOf = Array.from({ length: rows }, (_, r) => items[r % n].file);
  // shared memory: every fine-tuning worker reads the same features, none gets a copy
  const data = sharedU16(rows * size);
  const ok = new Array<boolean>(rows).fill(false);
  const decoder = new ViewDecoder(bb.spec.inputSize, session.opts.resize);
  const misses: number[] = [];
  for (let i = 0; i < n; i++) {
    let missing = 0;
    for (let v = 0; v < views.length; v++) {
      const key = keysOf[v][i];
      const row = key ? cache?.take(key) : undefined;
      if (row) {
        data.set(row, (v * n + i) * size);
        ok[v * n + i] = true;
      } else {
        misses.push(v * n + i);
        missing++;
      }
    }
    if (missing) decoder.expect(items[i].file, missing);
  }
  const fromCache = rows - misses.length;
  const meter = new ProgressMeter(session.opts.onEvent, 'embed', 'images', rows);
  const detail = () => `${label}: frozen features, ${count(views.length, 'view')}${cache ? `, cached ${fromCache}/${rows}` : ''}`;
  if (fromCache) {
    meter.skip(fromCache);
    meter.update(fromCache, true, detail());
  }
  const workerEvents = onceEach(session.opts.onEvent);
  let flushing = Promise.resolve();
  let flushError: unknown;
  await runRows(
    fileOf,
    misses,
    data,
    ok,
    {
      pool: session.pool,
      size: bb.spec.inputSize,
      resize: session.opts.resize,
      view: views[0],
      decode: (r) => decoder.decode(fileOf[r], views[Math.floor(r / n)]),
      batchSize: session.opts.embedBatchSize,
      rowSize: size,
      alloc: (k) => new Uint16Array(k * size),
      run: (w, pixels, k) => w.call('cutFeatures', { pixels, n: k, cut }, { transfer: [pixels.buffer as ArrayBuffer], onEvent: workerEvents }),
      meter,
      detail,
      signal: session.abortSignal,
      onRows: (idx) => {
        if (!cache) return;
        for (const r of idx) {
          const key = keysOf[Math.floor(r / n)][r % n];
          if (key) cache.put(key, data.subarray(r * size, (r + 1) * size));
        }
        flushing = flushing
          .then(() => cache.flush())
          .catch((e: unknown) => {
            flushError ??= e;
          });
      },
    },
    fromCache,
  );
  await flushing;
  if (flushError) throw flushError;
  // an item is kept only with every one of its views
  const okAll = Array.from({ length: n }, (_, i) => views.every((_, v) => ok[v * n + i]));
  // the phase's summary says where the features came from ("frozen features: 6400 from cache, 0 computed")
  if (cache && !session.stopRequested) meter.update(rows, true, `${label}: frozen features: ${fromCache} from cache, ${rows - fromCache} computed`);
  return { data, n, views: views.length, rowShape, labels: Int32Array.from(items.map(labelOf)), ok: okAll };
}

export function dropRows(f: CutFeatures & { ok: boolean[] }): CutFeatures {
  if (f.ok.every(Boolean)) return f;
  const size = f.rowShape.reduce((a, b) => a * b, 1);
  const keep = f.ok.map((o, i) => (o ? i : -1)).filter((i) => i >= 0);
  const data = sharedU16(f.views * keep.length * size);
  for (let v = 0; v < f.views; v++)
    keep.forEach((r, j) => data.set(f.data.subarray((v * f.n + r) * size, (v * f.n + r + 1) * size), (v * keep.length + j) * size));
  return { data, n: keep.length, views: f.views, rowShape: f.rowShape, labels: Int32Array.from(keep.map((r) => f.labels[r])) };
}
