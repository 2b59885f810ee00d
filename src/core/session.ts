import path from 'node:path';
import type { BackendPreference } from './backend/select.js';
import type { BackboneSource } from './backbones/load.js';
import { resolveBackbone } from './backbones/resolve.js';
import { RESIZE_MODES, type BackboneSpec, type ResizeMode } from './backbones/spec.js';
import type { LayerRow } from './backbones/layer-summary.js';
import { itemsOf, scanDataset } from './data/scan.js';
import type { Dataset, DatasetItem, SplitSelector } from './data/types.js';
import { embedFiles, type EmbedResult } from './embed/embed-files.js';
import { PetlabError } from './errors.js';
import type { EventSink } from './events.js';
import { computeMetrics, topK, type Metrics, type TopK } from './eval/metrics.js';
import { readSavedModelMeta, type SavedModelMeta } from './model/saved-model.js';
import type { EpochStats, HeadOptions, LabelledEmbeddings } from './train/head.js';
import { defaultWorkerCount, WorkerPool } from './worker/pool.js';

export interface SessionOptions {
  backend: BackendPreference;
  workers: number;
  cacheDir: string;
  mirror?: string;
  resize: ResizeMode;
  embedBatchSize: number;
  onEvent?: EventSink;
}

export interface ActiveBackbone {
  ref: string;
  source: BackboneSource;
  spec: BackboneSpec;
  layers: LayerRow[];
  labels?: string[];
  dim: number;
}

export interface TrainHeadRequest {
  dataset: Dataset;
  head: Omit<HeadOptions, 'numClasses'>;
  out: string;
  extraMeta?: Record<string, unknown>;
}

export interface TrainOutcome {
  modelDir: string;
  history: EpochStats[];
  stopped: boolean;
  metrics: Metrics | undefined;
  embed: EmbedResult['stats'];
  skipped: { file: string; reason: string }[];
  timings: Record<string, number>;
}

export interface Prediction {
  file: string;
  top: TopK[];
  error?: string;
}

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
    const pool = await WorkerPool.start(defaultWorkerCount(opts.workers), opts.backend, opts.onEvent);
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
  }

  get stopRequested(): boolean {
    return this.abort.signal.aborted;
  }

  resetStop(): void {
    this.abort = new AbortController();
  }

  async useBackbone(ref: string, opts: { inputRange?: string } = {}): Promise<ActiveBackbone> {
    const source = await resolveBackbone(ref, { cacheDir: this.opts.cacheDir, mirror: this.opts.mirror, onEvent: this.opts.onEvent, inputRange: opts.inputRange });
    return this.loadBackboneSource(ref, source);
  }

  async loadBackboneSource(ref: string, source: BackboneSource): Promise<ActiveBackbone> {
    this.emit({ type: 'phase', phase: 'load-backbone', message: `loading backbone ${source.name}` });
    const t0 = Date.now();
    // The first worker converts/caches (e.g. a TFLite import); the others then load the cached copy.
    const first = await this.pool.workers[0].call('loadBackbone', { source, cacheDir: this.opts.cacheDir, resize: this.opts.resize });
    await Promise.all(this.pool.workers.slice(1).map((w) => w.call('loadBackbone', { source, cacheDir: this.opts.cacheDir, resize: this.opts.resize })));
    for (const w of first.warnings) this.emit({ type: 'warning', code: 'unknown-preprocess', message: w });
    this.backbone = { ref, source, spec: first.spec, layers: first.layers, labels: first.labels, dim: first.embeddingDim };
    this.emit({ type: 'info', message: `backbone ${first.spec.name}: ${first.layers.length} layers, input ${first.spec.inputSize.join('x')}, embedding ${first.embeddingDim}-d from ${first.spec.embeddingLayer}`, data: { seconds: (Date.now() - t0) / 1000 } });
    return this.backbone;
  }

  async scan(dir: string, opts: { valFraction: number; seed: number }): Promise<Dataset> {
    this.emit({ type: 'phase', phase: 'scan', message: `scanning ${dir}` });
    const ds = await scanDataset(dir, opts);
    for (const s of ds.skipped) this.emit({ type: 'warning', code: 'skipped-file', message: `skipped ${s.file}: ${s.reason}`, file: s.file });
    return ds;
  }

  async embed(files: string[], opts: { useCache?: boolean } = {}): Promise<EmbedResult> {
    const bb = this.requireBackbone();
    this.emit({ type: 'phase', phase: 'embed', message: `embedding ${files.length} images with ${bb.spec.name} on ${this.pool.size} ${this.backendName} worker${this.pool.size > 1 ? 's' : ''}` });
    return embedFiles(files, {
      pool: this.pool,
      spec: bb.spec,
      dim: bb.dim,
      cacheDir: this.opts.cacheDir,
      resize: this.opts.resize,
      batchSize: this.opts.embedBatchSize,
      onEvent: this.opts.onEvent,
      signal: this.abort.signal,
      useCache: opts.useCache,
    });
  }

  requireBackbone(): ActiveBackbone {
    if (!this.backbone) throw new PetlabError('no backbone loaded', { kind: 'internal' });
    return this.backbone;
  }

  /** Embed the train+val images, train a new head on them, evaluate on val, save the model. */
  async trainHead(req: TrainHeadRequest): Promise<TrainOutcome> {
    const bb = this.requireBackbone();
    const ds = req.dataset;
    const timings: Record<string, number> = {};
    const items = ds.items.filter((i) => i.split === 'train' || i.split === 'val');
    let t = Date.now();
    const emb = await this.embed(items.map((i) => i.file));
    timings.embed = (Date.now() - t) / 1000;
    if (this.stopRequested) throw new PetlabError('stopped before training started', { hint: 'nothing was saved; run again to continue (embeddings computed so far are cached)' });
    const skipped = [...ds.skipped, ...emb.failures];
    const pick = (split: 'train' | 'val'): { data: LabelledEmbeddings; items: DatasetItem[] } => {
      const rows: number[] = [];
      items.forEach((it, i) => {
        if (it.split === split && emb.ok[i]) rows.push(i);
      });
      const x = new Float32Array(rows.length * emb.dim);
      rows.forEach((r, j) => x.set(emb.vectors.subarray(r * emb.dim, (r + 1) * emb.dim), j * emb.dim));
      return { data: { x, y: Int32Array.from(rows.map((r) => items[r].label)), dim: emb.dim }, items: rows.map((r) => items[r]) };
    };
    const train = pick('train');
    const val = pick('val');
    if (train.data.y.length === 0) throw new PetlabError(`no usable training images in ${ds.root}`, { hint: 'every image was skipped; see the warnings above' });
    const headOpts: HeadOptions = { ...req.head, numClasses: ds.classes.length };
    const meta = this.describeModel(ds, headOpts, req.extraMeta);
    this.emit({ type: 'phase', phase: 'train', message: `training a ${headOpts.hiddenUnits ? `${headOpts.hiddenUnits}-unit hidden layer + ` : ''}linear head on ${train.data.y.length} images (${val.data.y.length} for validation), ${headOpts.epochs} epochs` });
    t = Date.now();
    const call = this.pool.main.call('trainHead', { train: train.data, val: val.data, options: headOpts, checkpoint: { dir: req.out, meta } }, { onEvent: this.opts.onEvent });
    this.currentCall = call;
    if (this.stopRequested) call.cancel();
    const { history, stopped } = await call.finally(() => (this.currentCall = undefined));
    timings.train = (Date.now() - t) / 1000;
    let metrics: Metrics | undefined;
    if (!stopped && val.data.y.length) {
      this.emit({ type: 'phase', phase: 'evaluate', message: `evaluating on ${val.data.y.length} validation images` });
      const probs = await this.pool.main.call('headProbabilities', { x: val.data.x, dim: val.data.dim });
      metrics = computeMetrics(val.data.y, probs, ds.classes);
    }
    if (!stopped) {
      this.emit({ type: 'phase', phase: 'save', message: `saving model to ${req.out}` });
      const final: SavedModelMeta = {
        ...meta,
        complete: true,
        epochsDone: history.length,
        history: history.map((h) => ({ ...h })),
        ...(metrics ? { metrics: { split: 'val', accuracy: metrics.accuracy, loss: metrics.loss, n: metrics.n, perClass: metrics.perClass, mostConfused: metrics.mostConfused } } : {}),
      };
      await this.pool.main.call('saveModel', { dir: req.out, meta: final });
      this.model = { dir: req.out, meta: final };
    }
    return { modelDir: req.out, history, stopped, metrics, embed: emb.stats, skipped, timings };
  }

  private describeModel(ds: Dataset, head: HeadOptions, extra: Record<string, unknown> = {}): SavedModelMeta {
    const bb = this.requireBackbone();
    const counts = { train: 0, val: 0, test: 0 };
    for (const it of ds.items) counts[it.split]++;
    return {
      format: 'petlab-model',
      version: 1,
      createdAt: new Date().toISOString(),
      classes: ds.classes,
      backbone: { ref: bb.ref, source: bb.source, spec: bb.spec, fineTuned: false },
      head: { hiddenUnits: head.hiddenUnits, dropout: head.dropout, outputs: 'logits' },
      training: { ...head, backend: this.backendName, resize: this.opts.resize, ...extra },
      dataset: { root: ds.root, layout: ds.layout, seed: ds.seed, valFraction: ds.valFraction, splitSource: ds.splitSource, counts },
      complete: false,
      epochsDone: 0,
      history: [],
    };
  }

  /** Load a saved model: its backbone (unless the same one is loaded) and its head. */
  async loadModel(dir: string): Promise<SavedModelMeta> {
    const meta = await readSavedModelMeta(dir);
    const src = meta.backbone.source;
    const resize = (RESIZE_MODES as string[]).includes(meta.training.resize as string) ? (meta.training.resize as ResizeMode) : 'fill';
    if (resize !== this.opts.resize) {
      this.opts.resize = resize;
      this.backbone = undefined; // its fingerprint includes the resize mode
    }
    if (!this.backbone || this.backbone.spec.fingerprint !== meta.backbone.spec.fingerprint) {
      let source = src;
      // A registry backbone is re-resolved (the cache may have moved); a path is used as saved.
      if (meta.backbone.ref && !path.isAbsolute(meta.backbone.ref) && !meta.backbone.ref.includes('/')) {
        source = await resolveBackbone(meta.backbone.ref, { cacheDir: this.opts.cacheDir, mirror: this.opts.mirror, onEvent: this.opts.onEvent }).catch(() => src);
      }
      await this.loadBackboneSource(meta.backbone.ref, { ...source, declared: { ...source.declared, inputRange: [meta.backbone.spec.preprocess.offset, meta.backbone.spec.preprocess.offset + 255 * meta.backbone.spec.preprocess.scale], embeddingLayer: meta.backbone.spec.embeddingLayer, embeddingPool: meta.backbone.spec.embeddingPool } });
      if (this.backbone!.spec.fingerprint !== meta.backbone.spec.fingerprint) {
        this.emit({ type: 'warning', code: 'other', message: `backbone ${meta.backbone.ref} differs from the one this model was trained with (files changed?): predictions may be off` });
      }
    }
    const info = await this.pool.main.call('loadHead', { dir });
    if (info.numClasses !== meta.classes.length || info.inputDim !== this.backbone!.dim) {
      throw new PetlabError(`model in ${dir} is inconsistent: head has ${info.numClasses} outputs for ${meta.classes.length} classes, input ${info.inputDim} for a ${this.backbone!.dim}-d backbone`, { hint: 'the model folder is damaged; train again' });
    }
    this.model = { dir, meta };
    return meta;
  }

  requireModel(): { dir: string; meta: SavedModelMeta } {
    if (!this.model) throw new PetlabError('no trained model loaded', { kind: 'internal' });
    return this.model;
  }

  /** Top-k predictions of the loaded model for image files; unreadable files get an error entry. */
  async predict(files: string[], k: number): Promise<Prediction[]> {
    const { meta } = this.requireModel();
    const emb = await this.embed(files);
    const rows = files.map((_, i) => i).filter((i) => emb.ok[i]);
    const x = new Float32Array(rows.length * emb.dim);
    rows.forEach((r, j) => x.set(emb.vectors.subarray(r * emb.dim, (r + 1) * emb.dim), j * emb.dim));
    const probs = rows.length ? await this.pool.main.call('headProbabilities', { x, dim: emb.dim }) : new Float32Array(0);
    const nc = meta.classes.length;
    const byRow = new Map(rows.map((r, j) => [r, j]));
    return files.map((file, i) => {
      const j = byRow.get(i);
      if (j === undefined) return { file, top: [], error: emb.failures.find((f) => f.file === file)?.reason ?? 'could not be read' };
      return { file, top: topK(probs, meta.classes, k, j * nc) };
    });
  }

  /** Evaluate the loaded model on a split of a dataset whose class names match the model's. */
  async evaluate(ds: Dataset, split: SplitSelector): Promise<{ metrics: Metrics; items: DatasetItem[]; probs: Float32Array; skipped: { file: string; reason: string }[] }> {
    const { meta } = this.requireModel();
    const missing = ds.classes.filter((c) => !meta.classes.includes(c));
    if (missing.length) {
      throw new PetlabError(`class${missing.length > 1 ? 'es' : ''} ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? '…' : ''} of ${ds.root} ${missing.length > 1 ? 'are' : 'is'} not among the model's classes (${meta.classes.slice(0, 5).join(', ')}${meta.classes.length > 5 ? '…' : ''})`, {
        hint: 'evaluate on a folder whose class folders are named like the training classes',
      });
    }
    const items = itemsOf(ds, split);
    if (!items.length) throw new PetlabError(`no images in the ${split} split of ${ds.root}`, { hint: split === 'test' ? 'this folder has no test images; try --split val or --split all' : 'try --split all' });
    const emb = await this.embed(items.map((i) => i.file));
    this.emit({ type: 'phase', phase: 'evaluate', message: `evaluating on ${items.length} images (${split})` });
    const keep = items.map((_, i) => i).filter((i) => emb.ok[i]);
    const x = new Float32Array(keep.length * emb.dim);
    keep.forEach((r, j) => x.set(emb.vectors.subarray(r * emb.dim, (r + 1) * emb.dim), j * emb.dim));
    const probs = await this.pool.main.call('headProbabilities', { x, dim: emb.dim });
    // map dataset labels onto the model's class order
    const labels = Int32Array.from(keep.map((r) => meta.classes.indexOf(ds.classes[items[r].label])));
    const metrics = computeMetrics(labels, probs, meta.classes);
    return { metrics, items: keep.map((r) => items[r]), probs, skipped: [...ds.skipped, ...emb.failures] };
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}
