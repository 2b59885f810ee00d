import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { UnfreezePlan, UnfreezeSpec } from './backbones/segments.js';
import type { Dataset, DatasetItem } from './data/types.js';
import { dropRows, frozenFeatures } from './fine-tune-features.js';
import { inferenceKey } from './embed/cache.js';
import { PetlabError } from './errors.js';
import type { Metrics } from './eval/metrics.js';
import { FLIP, PLAIN, type View } from './images/views.js';
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

/** Rows in shared memory (copied there unless they are), which a worker receives without a copy of its own. */
function sharedRows(f: CutFeatures): CutFeatures {
  const share = (a: Uint16Array) => {
    if (a.buffer instanceof SharedArrayBuffer) return a;
    const s = new Uint16Array(new SharedArrayBuffer(a.byteLength));
    s.set(a);
    return s;
  };
  return { ...f, data: share(f.data), flip: f.flip ? share(f.flip) : undefined };
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
  const bb = session.requireBackbone();
  const featuresFrom = req.resume && typeof prevKey === 'string' && stateCut === plan.cut ? prevKey : inferenceKey(bb.spec.fingerprint, bb.int8);
  // one opening of the feature cache for both splits (it is read and checked whole)
  const labelOf = (i: DatasetItem) => i.label;
  const valPart = { items: valItems, views: req.tta ? [PLAIN, FLIP] : [PLAIN], labelOf, label: 'val' };
  const parts = [{ items: trainItems, views, labelOf, label: 'train' }, ...(valItems.length ? [valPart] : [])];
  const [trainRows, val] = await frozenFeatures(session, parts, plan.cut, cutShape, featuresFrom);
  const train = dropRows(trainRows);
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
  // with several workers, the features sit in shared memory: one copy for all (validation's was one per worker)
  const common = {
    cut: plan.cut,
    trainable: plan.trainableLayers,
    blocks,
    train: layout ? sharedRows(train) : train,
    val: layout && valF ? sharedRows(valF) : valF,
    options: { ...req.options, numClasses: ds.classes.length },
    resumeFrom: req.resume ? from : undefined,
  };
  const call = session.pool.main.call(
    'fineTune',
    { ...common, checkpoint: { dir: work, meta: baseMeta }, ...(layout ? { parallel: { layout, rank: 0 } } : {}) },
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
