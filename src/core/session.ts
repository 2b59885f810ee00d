import { promises as fs } from 'node:fs';
import type { BackboneSource } from './backbones/source.js';
import { resolveBackbone } from './backbones/resolve.js';
import { describePrecision, RESIZE_MODES, type ResizeMode } from './backbones/spec.js';
import { itemsOf, scanDataset } from './data/scan.js';
import type { Dataset, DatasetItem, SplitSelector } from './data/types.js';
import { embedFileViews, type EmbedResult } from './embed/embed-files.js';
import { embeddedFor } from './embed/embedded.js';
import { gatherRows } from './embed/rows.js';
import type { UnfreezePlan, UnfreezeSpec } from './backbones/segments.js';
import { FLIP, PLAIN, type View } from './images/views.js';
import { PetlabError } from './errors.js';
import { prepareOutputDir } from './io/output-dir.js';
import type { EventSink } from './events.js';
import { computeMetrics, topK, type Metrics } from './eval/metrics.js';
import { assertClassesKnown } from './eval/class-match.js';
import { readSavedModelMeta, savedMetrics, type SavedModelMeta } from './model/meta.js';
import { checkpointDirFor, finishRunInto } from './model/run-folder.js';
import { runPoint } from './model/run-state.js';
import { describeModel, loadModelBackbone } from './model/describe.js';
import { verifySavedModel } from './model/digests.js';
import type { HeadOptions } from './train/head.js';
import { averageInto, modelTta, pickSplit, withMirrors } from './train/mirror.js';
import { WorkerPool } from './worker/pool.js';
import { decodeImage } from './images/decode.js';
import type { ActivationPage, ActivationRequest } from './explain/activations.js';
import { classNamesFor, resolveClassName } from './explain/classes.js';
import type { ExplainLayerRow } from './explain/layers.js';
import { count } from '../text/plural.js';
import type { ExportFormat } from './export/describe.js';
import type { ExportOutcome } from './export/run.js';
import type { ActiveBackbone, GradCamOutcome, Prediction, SessionOptions, TrainHeadRequest, TrainOutcome } from './session-types.js';

export type { ActiveBackbone, GradCamOutcome, Prediction, SessionOptions, TrainHeadRequest, TrainOutcome } from './session-types.js';

/**
 * A working session over the core: a pool of TensorFlow workers with a backbone loaded, and the
 * operations both front ends need. The CLI opens one per command; the TUI keeps one open.
 */
export class Session {
  readonly pool: WorkerPool;
  readonly opts: SessionOptions;
  backbone: ActiveBackbone | undefined;
  /** the model whose head is loaded in the main worker */
  model: { dir: string; meta: SavedModelMeta } | undefined;
  private abort = new AbortController();
  private currentCall: { cancel(): void } | undefined;

  private constructor(pool: WorkerPool, opts: SessionOptions) {
    this.pool = pool;
    this.opts = opts;
  }

  static async open(opts: SessionOptions): Promise<Session> {
    const pool = await WorkerPool.start(opts.workers ?? 0, opts.backend, opts.onEvent, { inference: opts.inference });
    return new Session(pool, opts);
  }

  private emit: EventSink = (e) => this.opts.onEvent?.(e);

  get backendName(): string {
    return this.pool.backend?.name ?? 'unknown';
  }

  /** Ask whatever runs to stop at its next safe point (training keeps its last checkpoint). */
  stop(): void {
    this.abort.abort();
    this.currentCall?.cancel();
    for (const fn of this.stopHooks) fn();
  }

  get stopRequested(): boolean {
    return this.abort.signal.aborted;
  }

  get abortSignal(): AbortSignal {
    return this.abort.signal;
  }

  private stopHooks = new Set<() => void>();

  /** Run fn when stop() is called; returns the unsubscribe. */
  onStop(fn: () => void): () => void {
    this.stopHooks.add(fn);
    return () => this.stopHooks.delete(fn);
  }

  /** A long worker call that stop() must cancel. */
  trackCall<T>(call: { cancel(): void } & Promise<T>): void {
    this.currentCall = call;
    if (this.stopRequested) call.cancel();
    void call
      .finally(() => {
        if (this.currentCall === call) this.currentCall = undefined;
      })
      .catch(() => undefined);
  }

  resetStop(): void {
    this.abort = new AbortController();
  }

  async useBackbone(ref: string, opts: { inputRange?: string } = {}): Promise<ActiveBackbone> {
    const source = await resolveBackbone(ref, {
      cacheDir: this.opts.cacheDir,
      mirror: this.opts.mirror,
      onEvent: this.opts.onEvent,
      inputRange: opts.inputRange,
    });
    return this.loadBackboneSource(ref, source);
  }

  async loadBackboneSource(ref: string, source: BackboneSource): Promise<ActiveBackbone> {
    this.emit({ type: 'phase', phase: 'load-backbone', message: `loading backbone ${source.name}` });
    const t0 = Date.now();
    // The first worker converts/caches (e.g. a TFLite import); the others then load the cached copy.
    const first = await this.pool.workers[0].call('loadBackbone', { source, cacheDir: this.opts.cacheDir, resize: this.opts.resize });
    await Promise.all(this.pool.workers.slice(1).map((w) => w.call('loadBackbone', { source, cacheDir: this.opts.cacheDir, resize: this.opts.resize })));
    for (const w of first.warnings) this.emit({ type: 'warning', code: 'unknown-preprocess', message: w });
    this.backbone = { ref, source, spec: first.spec, layers: first.layers, labels: first.labels, dim: first.embeddingDim, int8: first.int8 };
    this.emit({
      type: 'info',
      message: `backbone ${first.spec.name}: ${first.layers.length} layers, input ${first.spec.inputSize.join('x')}, embedding ${first.embeddingDim}-d from ${first.spec.embeddingLayer}${describePrecision(first.int8, source.format)}`,
      data: { seconds: (Date.now() - t0) / 1000 },
    });
    return this.backbone;
  }

  async scan(dir: string, opts: { valFraction: number; seed: number }): Promise<Dataset> {
    this.emit({ type: 'phase', phase: 'scan', message: `scanning ${dir}` });
    return scanDataset(dir, { ...opts, onEvent: this.emit });
  }

  async embed(files: string[], opts: { useCache?: boolean; view?: View } = {}): Promise<EmbedResult> {
    return (await this.embedViews(files, [opts.view ?? PLAIN], opts))[0];
  }

  /** Embeddings of several views of the files, computed together: a picture and its mirror image share one decode. */
  async embedViews(files: string[], views: View[], opts: { useCache?: boolean } = {}): Promise<EmbedResult[]> {
    const bb = this.requireBackbone();
    const what =
      views.length > 1
        ? `${count(files.length, 'image')} and ${files.length === 1 ? 'its mirror image' : 'their mirror images'}`
        : count(files.length, views[0].kind === 'flip' ? 'mirror image' : 'image');
    const where = `${this.pool.size} ${this.pool.inferenceName} worker${this.pool.size > 1 ? 's' : ''}`;
    this.emit({ type: 'phase', phase: 'embed', message: `embedding ${what} with ${bb.spec.name} on ${where}` });
    const o = this.opts;
    const common = { pool: this.pool, spec: bb.spec, int8: bb.int8, dim: bb.dim, cacheDir: o.cacheDir, resize: o.resize, batchSize: o.embedBatchSize };
    return embedFileViews(files, views, { ...common, onEvent: o.onEvent, signal: this.abort.signal, useCache: opts.useCache });
  }

  requireBackbone(): ActiveBackbone {
    if (!this.backbone) throw new PetlabError('no backbone loaded', { kind: 'internal' });
    return this.backbone;
  }

  /** Embed the train+val images, train a new head on them, evaluate on val, save the model. */
  async trainHead(req: TrainHeadRequest): Promise<TrainOutcome> {
    this.requireBackbone();
    // the same rule as the CLI's: never replace a folder that is not petlab's (and hold it meanwhile)
    const out = await prepareOutputDir(req.out, { dataRoot: req.dataset.root });
    return checkpointDirFor(req.out, { resume: req.resume })
      .then((work) => this.trainHeadInto(req, work))
      .finally(() => out.release());
  }

  /** Train with checkpoints in work (model/run-folder.ts: out itself, or beside it when out holds a finished model). */
  private async trainHeadInto(req: TrainHeadRequest, work: string): Promise<TrainOutcome> {
    const ds = req.dataset;
    const timings: Record<string, number> = {};
    const items = ds.items.filter((i) => i.split === 'train' || i.split === 'val');
    let t = Date.now();
    const files = items.map((i) => i.file);
    const earlier = embeddedFor(req.embedded, files);
    // flip augmentation: the mirror images' embeddings too, cached like the plain ones (train/mirror.ts)
    const [emb, computedMirror] = earlier?.result ? [earlier.result] : await this.embedViews(files, req.head.flip ? [PLAIN, FLIP] : [PLAIN]);
    const mirror = req.head.flip && !this.stopRequested ? (computedMirror ?? earlier?.mirror ?? (await this.embed(files, { view: FLIP }))) : undefined;
    timings.embed = (Date.now() - t) / 1000;
    if (this.stopRequested)
      throw new PetlabError('stopped before training started', { hint: 'nothing was saved; run again to continue (embeddings computed so far are cached)' });
    const skipped = [...ds.skipped, ...emb.failures];
    const train = pickSplit(items, 'train', emb, mirror);
    const val = pickSplit(items, 'val', emb, mirror);
    if (train.data.y.length === 0)
      throw new PetlabError(`no usable training images in ${ds.root}`, { hint: 'every image was skipped; see the warnings above' });
    const headOpts: HeadOptions = { ...req.head, numClasses: ds.classes.length };
    const meta = this.describeModel(ds, headOpts, req.extraMeta);
    this.emit({
      type: 'phase',
      phase: 'train',
      message: `training a ${headOpts.hiddenUnits ? `${headOpts.hiddenUnits}-unit hidden layer + ` : ''}linear head on ${count(train.data.y.length, 'image')}${mirror ? ' and their mirror images' : ''} (${val.data.y.length} for validation), ${count(headOpts.epochs, 'epoch')}`,
      epochs: headOpts.epochs,
    });
    t = Date.now();
    const trainData = train.mirrored ? withMirrors(train.data, train.mirrored) : train.data;
    const call = this.pool.main.call(
      'trainHead',
      { train: trainData, val: val.data, options: headOpts, checkpoint: { dir: work, meta }, resumeFrom: req.resume ? work : undefined },
      { onEvent: this.opts.onEvent },
    );
    this.currentCall = call;
    if (this.stopRequested) call.cancel();
    const { history, stopped } = await call.finally(() => (this.currentCall = undefined));
    timings.train = (Date.now() - t) / 1000;
    let metrics: Metrics | undefined;
    if (!stopped && val.data.y.length) {
      this.emit({ type: 'phase', phase: 'evaluate', message: `evaluating on ${count(val.data.y.length, 'validation image')}` });
      const probs = await this.pool.main.call('headProbabilities', { x: val.data.x, dim: val.data.dim });
      if (val.mirrored) averageInto(probs, await this.pool.main.call('headProbabilities', { x: val.mirrored, dim: val.data.dim }));
      metrics = computeMetrics(val.data.y, probs, ds.classes);
    }
    if (!stopped) {
      this.emit({ type: 'phase', phase: 'save', message: `saving model to ${req.out}` });
      const final: SavedModelMeta = {
        ...meta,
        complete: true,
        epochsDone: history.length,
        history: history.map((h) => ({ ...h, phase: 'train' })),
        ...(metrics ? { metrics: savedMetrics(metrics) } : {}),
      };
      await this.pool.main.call('saveModel', { dir: work, meta: final });
      // the run ends here unless fine-tuning follows (which goes on in work)
      const ends = (await runPoint(work, final)).phase === 'complete';
      if (ends) await finishRunInto(work, req.out);
      this.model = { dir: ends ? req.out : work, meta: final };
    }
    const checkpointDir = work !== req.out && (stopped || this.model?.dir === work) ? work : undefined;
    return { modelDir: req.out, history, stopped, metrics, embed: emb.stats, embedded: { files, result: emb, mirror }, skipped, timings, checkpointDir };
  }

  private describeModel(ds: Dataset, head: HeadOptions, extra: Record<string, unknown> = {}): SavedModelMeta {
    return describeModel(this.requireBackbone(), ds, head, { ...extra, backend: this.backendName, resize: this.opts.resize });
  }

  /** Load a saved model: its backbone (unless the same one is loaded) and its head. */
  async loadModel(dir: string): Promise<SavedModelMeta> {
    const meta = await readSavedModelMeta(dir);
    if ((meta as { kind?: string }).kind === 'pairs')
      throw new PetlabError(`${dir} is a pairs model (petlab pairs train), not a classifier`, {
        kind: 'usage',
        hint: 'use it with petlab pairs eval / pairs compare',
      });
    const resize = (RESIZE_MODES as string[]).includes(meta.training.resize as string) ? (meta.training.resize as ResizeMode) : 'fill';
    if (resize !== this.opts.resize) {
      this.opts.resize = resize;
      this.backbone = undefined; // its fingerprint includes the resize mode
    }
    await verifySavedModel(dir); // damaged files are named before anything is loaded
    const swapped = await loadModelBackbone(this, dir, meta);
    const info = await this.pool.main.call('loadHead', { dir });
    if (swapped && info.inputDim === this.backbone!.dim) this.emit({ type: 'warning', code: 'other', message: `${swapped}: predictions may be off` });
    if (info.inputDim !== this.backbone!.dim && swapped)
      throw new PetlabError(`${swapped}: its embedding has ${this.backbone!.dim} values, the model's head takes ${info.inputDim}`, {
        hint: 'use the backbone the model was trained with, or train again with this one',
      });
    if (info.numClasses !== meta.classes.length || info.inputDim !== this.backbone!.dim) {
      throw new PetlabError(
        `model in ${dir} is inconsistent: head has ${info.numClasses} outputs for ${meta.classes.length} classes, input ${info.inputDim} for a ${this.backbone!.dim}-d backbone`,
        { hint: 'the model folder is damaged; train again' },
      );
    }
    this.model = { dir, meta };
    return meta;
  }

  requireModel(): { dir: string; meta: SavedModelMeta } {
    if (!this.model) throw new PetlabError('no trained model loaded', { kind: 'internal' });
    return this.model;
  }

  /**
   * Class probabilities of the loaded model for files: rows (in order) of the files that could be
   * read. With tta, the average over the picture and its mirror image.
   */
  async probabilities(files: string[], tta = false): Promise<{ rows: number[]; probs: Float32Array; failures: EmbedResult['failures'] }> {
    const [emb, flipped] = await this.embedViews(files, tta ? [PLAIN, FLIP] : [PLAIN]);
    const rows = files.map((_, i) => i).filter((i) => emb.ok[i]);
    const gather = (e: EmbedResult) => gatherRows(e.vectors, e.dim, rows);
    if (!rows.length) return { rows, probs: new Float32Array(0), failures: emb.failures };
    const probs = await this.pool.main.call('headProbabilities', { x: gather(emb), dim: emb.dim });
    if (flipped) averageInto(probs, await this.pool.main.call('headProbabilities', { x: gather(flipped), dim: flipped.dim }));
    return { rows, probs, failures: emb.failures };
  }

  /** Top-k predictions of the loaded model for image files; unreadable files get an error entry. */
  async predict(files: string[], k: number, opts: { tta?: boolean } = {}): Promise<Prediction[]> {
    const { meta } = this.requireModel();
    const { rows, probs, failures } = await this.probabilities(files, opts.tta ?? modelTta(meta));
    const nc = meta.classes.length;
    const byRow = new Map(rows.map((r, j) => [r, j]));
    return files.map((file, i) => {
      const j = byRow.get(i);
      if (j === undefined) return { file, top: [], error: failures.find((f) => f.file === file)?.reason ?? 'could not be read' };
      return { file, top: topK(probs, meta.classes, k, j * nc) };
    });
  }

  /** Evaluate the loaded model on a split of a dataset whose class names match the model's. */
  async evaluate(
    ds: Dataset,
    split: SplitSelector,
    opts: { tta?: boolean } = {},
  ): Promise<{ metrics: Metrics; items: DatasetItem[]; probs: Float32Array; labels: Int32Array; skipped: { file: string; reason: string }[]; tta: boolean }> {
    const { meta } = this.requireModel();
    const tta = opts.tta ?? modelTta(meta);
    assertClassesKnown(ds.classes, ds.root, meta.classes);
    const items = itemsOf(ds, split);
    if (!items.length)
      throw new PetlabError(`no images in the ${split} split of ${ds.root}`, {
        hint: split === 'test' ? 'this folder has no test images; try --split val or --split all' : 'try --split all',
      });
    const {
      rows: keep,
      probs,
      failures,
    } = await this.probabilities(
      items.map((i) => i.file),
      tta,
    );
    this.emit({ type: 'phase', phase: 'evaluate', message: `evaluated ${count(items.length, 'image')} (${split})${tta ? ' with flip TTA' : ''}` });
    // map dataset labels onto the model's class order
    const labels = Int32Array.from(keep.map((r) => meta.classes.indexOf(ds.classes[items[r].label])));
    const metrics = computeMetrics(labels, probs, meta.classes);
    return { metrics, items: keep.map((r) => items[r]), probs, labels, skipped: [...ds.skipped, ...failures], tta };
  }

  /** Which layers an unfreeze setting would train (fine-tuning, the Model stack's marks). */
  async planUnfreeze(spec: UnfreezeSpec): Promise<UnfreezePlan> {
    this.requireBackbone();
    return (await this.pool.main.call('planUnfreeze', { spec })).plan;
  }

  // ---- seeing inside the stack (src/core/explain): all tensor work in the main worker ----

  private lastPixels: { key: string; pixels: Uint8Array } | undefined;

  /** One image as the backbone's input (uint8 RGB), the last one kept for paging and redraws. */
  private async inputPixels(file: string): Promise<Uint8Array> {
    const bb = this.requireBackbone();
    const mtime = (await fs.stat(file).catch(() => undefined))?.mtimeMs ?? 0;
    const key = `${file}|${mtime}|${bb.spec.inputSize.join('x')}|${this.opts.resize}`;
    if (this.lastPixels?.key !== key) this.lastPixels = { key, pixels: (await decodeImage(file, bb.spec.inputSize, this.opts.resize)).data };
    return this.lastPixels.pixels.slice(); // the copy is transferred to the worker
  }

  /** Layers of the backbone (to the embedding) and, with a model loaded, of its head. */
  async explainLayers(): Promise<ExplainLayerRow[]> {
    this.requireBackbone();
    return this.pool.main.call('explainLayers', undefined);
  }

  /** One page of a layer's feature maps for an image (see core/explain/activations.ts). */
  async activations(file: string, request: ActivationRequest): Promise<ActivationPage> {
    const pixels = await this.inputPixels(file);
    return this.pool.main.call('activations', { pixels, request, useHead: !!this.model }, { transfer: [pixels.buffer as ArrayBuffer] });
  }

  /**
   * Grad-CAM of an image: for the loaded model's head, or the backbone's pretrained top when no
   * model is loaded (or target says so). The class is the predicted one unless named.
   */
  async gradCam(file: string, o: { className?: string; layer?: string; target?: 'head' | 'pretrained' } = {}): Promise<GradCamOutcome> {
    const bb = this.requireBackbone();
    const target = o.target ?? (this.model ? 'head' : 'pretrained');
    if (target === 'head') this.requireModel();
    // the pretrained top's names come from its labels file (checked against its output size below)
    const known = target === 'head' ? this.model!.meta.classes : bb.labels;
    let classIndex = o.className !== undefined && known ? resolveClassName(o.className, known) : undefined;
    if (o.className !== undefined && !known && /^\d+$/.test(o.className.trim())) classIndex = Number(o.className);
    else if (o.className !== undefined && !known)
      throw new PetlabError(`${bb.spec.name} has no class names: cannot find class "${o.className}"`, {
        kind: 'usage',
        hint: 'give the class index instead (--class N)',
      });
    const pixels = await this.inputPixels(file);
    const r = await this.pool.main.call('gradCam', { pixels, request: { target, layer: o.layer, classIndex } }, { transfer: [pixels.buffer as ArrayBuffer] });
    const names = target === 'head' ? this.model!.meta.classes : classNamesFor(r.probabilities.length, bb.labels);
    return { ...r, className: names[r.classIndex], top: topK(r.probabilities, names, 5) };
  }

  /** Export a saved model as ONNX, a tfjs model or a web page (see core/export/). */
  async exportModel(dir: string, format: ExportFormat, out: string): Promise<ExportOutcome> {
    const { exportModel } = await import('./export/run.js');
    return exportModel(this, dir, format, out);
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}
