import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { UnfreezePlan, UnfreezeSpec } from './backbones/segments.js';
import type { Dataset, DatasetItem } from './data/types.js';
import { mapLimit, runRows } from './embed/embed-files.js';
import { hashFile } from './embed/cache.js';
import { FeatureCache } from './embed/feature-cache.js';
import { ProgressMeter } from './progress.js';
import { PetlabError } from './errors.js';
import type { Metrics } from './eval/metrics.js';
import { FLIP, PLAIN, viewKey, type View } from './images/views.js';
import { writeFileAtomic } from './io/atomic.js';
import { createExchange, requestStop } from './train/data-parallel.js';
import { readSavedModelMeta, readStateJson, savedMetrics, type SavedModelMeta } from './model/meta.js';
import { runPoint } from './model/run-state.js';
import { checkpointDirFor, finishRunInto, runDirOf } from './model/run-folder.js';
import { prepareOutputDir } from './io/output-dir.js';
import type { Session } from './session.js';
import type { EpochStats } from './train/head.js';
import type { CutFeatures, FineTuneOptions } from './train/fine-tune.js';
import { count } from '../text/plural.js';

export interface FineTuneRunRequest {
  dataset: Dataset;
  /** the model folder: holds the head-phase model (or a fine-tune checkpoint when resuming) */
  out: string;
  unfreeze: UnfreezeSpec;
  /** views cached per training image: 1 plain, 2 + mirror image, more: + random resized crops with jitter */
  views: number;
  /** validate with flip test-time augmentation */
  tta: boolean;
  options: Omit<FineTuneOptions, 'numClasses'>;
  resume: boolean;
  /** the folder of this run's head phase when not out (TrainOutcome.checkpointDir; on --resume: runDirOf(out)) */
  runDir?: string;
  /** spread the fine-tuning steps over every worker (default true) */
  parallel?: boolean;
}

export interface FineTuneOutcome {
  plan: UnfreezePlan;
  history: EpochStats[];
  stopped: boolean;
  earlyStopped: boolean;
  metrics?: Metrics;
  timings: { features: number; fineTune: number; evaluate: number };
  /** training images per second through the unfrozen part (forward + backward + update) */
  trainImagesPerSecond: number;
  /** set when stopped while out holds a finished model, left as it was: the folder of this run's checkpoint */
  checkpointDir?: string;
}

function sharedU16(n: number): Uint16Array {
  return new Uint16Array(new SharedArrayBuffer(n * 2));
}

export function trainingViews(n: number, seed: number): View[] {
  const views: View[] = [PLAIN];
  if (n >= 2) views.push(FLIP);
  for (let k = 2; k < n; k++) views.push({ kind: 'random', index: k - 2, seed });
  return views;
}

/** Number of trainable floats (unfrozen layers + head): the size of one gradient exchange. */
async function trainableSize(session: Session, cut: string, layers: string[]): Promise<number> {
  return session.pool.main.call('trainableSize', { cut, trainable: layers });
}

/**
 * The frozen part's output for each item in each view, as bfloat16 rows, computed on every worker.
 * With `cacheKey` (the fingerprint of the backbone whose frozen part this is), rows go through the
 * on-disk feature cache: a resumed or repeated fine-tuning reads them instead of recomputing.
 */
export async function cutFeatures(
  session: Session,
  items: DatasetItem[],
  views: View[],
  cut: string,
  rowShape: number[],
  labelOf: (it: DatasetItem) => number,
  label: string,
  cacheKey?: string,
): Promise<CutFeatures & { ok: boolean[] }> {
  const bb = session.requireBackbone();
  const size = rowShape.reduce((a, b) => a * b, 1);
  const n = items.length;
  const files = items.map((i) => i.file);
  // shared memory: every fine-tuning worker reads the same features, none gets a copy
  const data = sharedU16(views.length * n * size);
  const okAll = new Array<boolean>(n).fill(true);
  const meter = new ProgressMeter(session.opts.onEvent, 'embed', 'images', views.length * n);
  const shas = cacheKey ? await mapLimit(files, 16, (f) => hashFile(f).catch(() => undefined)) : [];
  const keysOf = views.map((view) => shas.map((s) => (s ? viewKey(s, view) : undefined)));
  // only this call's rows are loaded: the validation call does not hold the training rows too
  const wanted = new Set(keysOf.flat().filter((k): k is string => !!k));
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
  let fromCache = 0;
  for (const [v, view] of views.entries()) {
    const out = new Uint16Array(n * size);
    const ok = new Array<boolean>(n).fill(false);
    const keys = keysOf[v];
    const misses: number[] = [];
    for (let i = 0; i < n; i++) {
      const row = keys[i] ? cache?.take(keys[i]!) : undefined;
      if (row) {
        out.set(row, i * size);
        ok[i] = true;
      } else misses.push(i);
    }
    const detail = () => `${label}: frozen features, view ${v + 1}/${views.length}${cache ? `, cached ${n - misses.length}/${n}` : ''}`;
    fromCache += n - misses.length;
    if (misses.length < n) {
      meter.skip(v * n + n - misses.length);
      meter.update(v * n + n - misses.length, true, detail());
    }
    let flushing = Promise.resolve();
    let flushError: unknown;
    await runRows(
      files,
      misses,
      out,
      ok,
      {
        pool: session.pool,
        size: bb.spec.inputSize,
        resize: session.opts.resize,
        view,
        batchSize: session.opts.embedBatchSize,
        rowSize: size,
        alloc: (k) => new Uint16Array(k * size),
        run: (w, pixels, k) => w.call('cutFeatures', { pixels, n: k, cut }, { transfer: [pixels.buffer as ArrayBuffer] }),
        meter,
        detail,
        signal: session.abortSignal,
        onRows: (idx) => {
          if (!cache) return;
          for (const i of idx) if (keys[i]) cache.put(keys[i]!, out.subarray(i * size, (i + 1) * size));
          flushing = flushing
            .then(() => cache.flush())
            .catch((e: unknown) => {
              flushError ??= e;
            });
        },
      },
      v * n + n - misses.length,
    );
    await flushing;
    if (flushError) throw flushError;
    data.set(out, v * n * size);
    ok.forEach((o, i) => (okAll[i] &&= o));
    if (session.stopRequested) break;
  }
  // the phase's summary says where the features came from ("frozen features: 6400 from cache, 0 computed")
  if (cache && !session.stopRequested)
    meter.update(views.length * n, true, `${label}: frozen features: ${fromCache} from cache, ${views.length * n - fromCache} computed`);
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

/**
 * Unfreeze the top of the backbone and fine-tune it with the head. The frozen part runs once per
 * image and view (on all workers); the epochs then only run the trainable top (on the main worker,
 * which holds the head from the frozen phase). Checkpoints every epoch; the final model is reloaded
 * from its folder and evaluated on the validation split, as `petlab eval` would.
 */
export async function runFineTune(session: Session, req: FineTuneRunRequest): Promise<FineTuneOutcome> {
  const out = await prepareOutputDir(req.out, { dataRoot: req.dataset.root });
  try {
    // from: the model this run starts from; work: where its checkpoints go (model/run-folder.ts)
    const from = req.runDir ?? (req.resume ? await runDirOf(req.out) : req.out);
    if (req.resume) {
      const meta = await readSavedModelMeta(from);
      if ((await runPoint(from, meta)).phase === 'complete')
        throw new PetlabError(`the run in ${req.out} is already complete: nothing to resume`, { hint: 'fine-tune again from the start' });
    }
    const work = from !== req.out || req.resume ? from : await checkpointDirFor(req.out);
    if (path.resolve(session.model?.dir ?? '') !== path.resolve(from)) await session.loadModel(from);
    const res = await fineTuneInto(session, req, from, work);
    return res.stopped && work !== req.out ? { ...res, checkpointDir: work } : res;
  } finally {
    await out.release();
  }
}

async function fineTuneInto(session: Session, req: FineTuneRunRequest, from: string, work: string): Promise<FineTuneOutcome> {
  const emit = session.opts.onEvent ?? (() => undefined);
  const ds = req.dataset;
  const { plan, blocks, cutShape } = await session.pool.main.call('planUnfreeze', { spec: req.unfreeze });
  if (plan.blocks === 0)
    throw new PetlabError('--unfreeze selects no layers', { kind: 'usage', hint: 'e.g. --unfreeze 4 (blocks), --unfreeze 30% or --unfreeze all' });
  emit({
    type: 'info',
    message: `unfreezing the top ${plan.blocks} of ${plan.totalBlocks} blocks (${plan.trainableLayers.length} layers from ${plan.trainableLayers[0]}, ${(plan.trainableParams / 1e6).toFixed(2)}M of ${(plan.totalParams / 1e6).toFixed(2)}M parameters, ${Math.round(plan.layerShare * 100)}% of the weighted layers); frozen features cached at ${plan.cut} [${cutShape.join('x')}]`,
    data: { plan },
  });
  const trainItems = ds.items.filter((i) => i.split === 'train');
  const valItems = ds.items.filter((i) => i.split === 'val');
  const views = trainingViews(req.views, req.options.seed);
  emit({
    type: 'phase',
    phase: 'embed',
    message: `computing frozen features of ${count(trainItems.length, 'training image')} × ${count(views.length, 'view')} and ${count(valItems.length, 'validation image')}`,
  });
  let t = Date.now();
  const meta = await readSavedModelMeta(from);
  // Features are cached under the backbone whose frozen part computed them. A resumed run has the
  // fine-tuned backbone loaded, but below the same cut it is that same backbone.
  const prevKey = (meta.training.fineTune as { featuresFrom?: unknown } | undefined)?.featuresFrom;
  const stateCut = (await readStateJson(from))?.cut;
  const featuresFrom = req.resume && typeof prevKey === 'string' && stateCut === plan.cut ? prevKey : session.requireBackbone().spec.fingerprint;
  const train = dropRows(await cutFeatures(session, trainItems, views, plan.cut, cutShape, (i) => i.label, 'train', featuresFrom));
  const val = valItems.length
    ? await cutFeatures(session, valItems, req.tta ? [PLAIN, FLIP] : [PLAIN], plan.cut, cutShape, (i) => i.label, 'val', featuresFrom)
    : undefined;
  let valF: CutFeatures | undefined;
  if (val) {
    const v = dropRows(val);
    const size = cutShape.reduce((a, b) => a * b, 1);
    valF = req.tta ? { ...v, views: 1, data: v.data.slice(0, v.n * size), flip: v.data.slice(v.n * size, 2 * v.n * size) } : v;
  }
  const features = (Date.now() - t) / 1000;
  // stopped while computing features: the model in out is still the frozen-phase one, to resume from
  if (session.stopRequested)
    return { plan, history: [], stopped: true, earlyStopped: false, timings: { features, fineTune: 0, evaluate: 0 }, trainImagesPerSecond: 0 };

  const baseMeta: SavedModelMeta = {
    ...meta,
    backbone: { ...meta.backbone, fineTuned: true },
    training: {
      ...meta.training,
      fineTune: {
        ...req.options,
        unfreeze: req.unfreeze,
        cut: plan.cut,
        views: req.views,
        tta: req.tta,
        trainableLayers: plan.trainableLayers.length,
        trainableParams: plan.trainableParams,
        featuresFrom,
      },
    },
    history: meta.history, // on --resume it holds the fine-tuning epochs done so far
  };
  emit({
    type: 'phase',
    phase: 'fine-tune',
    message: `fine-tuning ${plan.trainableLayers.length} layers + head for ${count(req.options.epochs, 'epoch')} on ${count(train.n, 'image')} (batch ${req.options.batchSize}, peak lr ${req.options.learningRate})`,
    epochs: req.options.epochs,
  });
  t = Date.now();
  // Data parallel over every worker (each a single-threaded wasm instance): the same loop on each,
  // gradients summed through shared memory. Workers other than the first load the head from `out`.
  const world = req.parallel === false ? 1 : session.pool.size;
  const layout = world > 1 ? createExchange(world, await trainableSize(session, plan.cut, plan.trainableLayers)) : undefined;
  const common = {
    cut: plan.cut,
    trainable: plan.trainableLayers,
    blocks,
    train,
    options: { ...req.options, numClasses: ds.classes.length },
    resumeFrom: req.resume ? from : undefined,
  };
  const call = session.pool.main.call(
    'fineTune',
    { ...common, val: valF, checkpoint: { dir: work, meta: baseMeta }, ...(layout ? { parallel: { layout, rank: 0 } } : {}) },
    { onEvent: session.opts.onEvent },
  );
  const others = layout
    ? session.pool.workers.slice(1, world).map((w, i) => w.call('fineTune', { ...common, parallel: { layout, rank: i + 1, headFrom: from } }))
    : [];
  session.trackCall(call);
  const unstop = layout ? session.onStop(() => requestStop(layout)) : () => undefined;
  let res: Awaited<typeof call>;
  try {
    // a failing worker must release the others from the barrier
    [res] = await Promise.all(
      [call, ...others].map((c) =>
        c.catch((e: unknown) => {
          if (layout) requestStop(layout);
          throw e;
        }),
      ),
    );
  } finally {
    unstop();
  }
  const fineTuneS = (Date.now() - t) / 1000;
  const epochsRun = res.history.length;
  const trainImagesPerSecond = epochsRun ? (epochsRun * train.n) / res.history.reduce((a, h) => a + h.seconds, 0) : 0;
  // a resume after the last epoch's checkpoint (killed before the end) only has the evaluation left
  const finished = !res.stopped && (epochsRun > 0 || (req.resume && (await runPoint(from, meta)).phase === 'fine-tune'));
  if (!finished)
    return { plan, history: res.history, stopped: true, earlyStopped: false, timings: { features, fineTune: fineTuneS, evaluate: 0 }, trainImagesPerSecond };

  // The saved model, as a user would load it: reload and evaluate on the validation split.
  t = Date.now();
  const saved = await session.loadModel(work);
  let metrics: Metrics | undefined;
  if (valItems.length) {
    const ev = await session.evaluate(ds, 'val', { tta: req.tta });
    metrics = ev.metrics;
  }
  const final: SavedModelMeta = {
    ...saved,
    complete: true,
    // state/ (what --resume needs) is removed below: its digests go with it
    ...(saved.files ? { files: Object.fromEntries(Object.entries(saved.files).filter(([rel]) => !rel.startsWith('state/'))) } : {}),
    ...(metrics ? { metrics: savedMetrics(metrics, { tta: req.tta }) } : {}),
  };
  await writeFileAtomic(path.join(work, 'petlab.json'), JSON.stringify(final, null, 2));
  await fs.rm(path.join(work, 'state'), { recursive: true, force: true });
  await finishRunInto(work, req.out);
  movedModel(session, work, req.out, final);
  return {
    plan,
    history: res.history,
    stopped: false,
    earlyStopped: res.earlyStopped,
    metrics,
    timings: { features, fineTune: fineTuneS, evaluate: (Date.now() - t) / 1000 },
    trainImagesPerSecond,
  };
}

/** The model loaded from work now lives in out: the session says so (its fine-tuned backbone's files too). */
function movedModel(session: Session, work: string, out: string, meta: SavedModelMeta): void {
  session.model = { dir: out, meta };
  const bb = session.backbone;
  const rel = bb ? path.relative(path.resolve(work), path.resolve(bb.source.path)) : '..';
  if (bb && work !== out && !rel.startsWith('..')) session.backbone = { ...bb, source: { ...bb.source, path: path.join(out, rel) } };
}
