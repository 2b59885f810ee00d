/**
 * The workbench's conductor: opens the dataset and the session, runs training, prediction and
 * evaluation, and writes what happens into the store. No React here; every failure becomes a line
 * in the log and the status bar, never a crash (a worker that dies rejects its call: said, and the
 * workbench keeps running).
 */
import path from 'node:path';
import { parseUnfreeze, type UnfreezeSpec } from '../../core/backbones/segments.js';
import type { ResizeMode } from '../../core/backbones/spec.js';
import type { Dataset } from '../../core/data/types.js';
import type { ActivationPage, ActivationRequest } from '../../core/explain/activations.js';
import { interpretEvaluation } from '../../core/explain/interpretation.js';
import type { GradCamOutcome } from '../../core/session.js';
import type { Settings } from '../../core/settings.js';
import { describeFlags } from './train-flags.js';
import type { CoreSession, OpenSession } from './core-session.js';
import type { WorkbenchStore } from '../state/store.js';
import type { BackboneView, TaskKind, UnfreezeView, WorkbenchState } from '../state/types.js';

export interface WorkbenchOptions {
  /** --data DIR; undefined: the default dataset from the settings */
  data?: string;
  backbone: string;
  /** --model DIR: open a trained model */
  model?: string;
  cacheDir: string;
  settings: Settings;
}

export interface ControllerDeps {
  openSession: OpenSession;
  /** defaults to the core's scanDataset */
  scan?: (dir: string, o: { valFraction: number; seed: number }) => Promise<Dataset>;
  /** defaults to the core's datasetStatus */
  datasetStatus?: (name: string, cacheDir: string) => Promise<{ ready: boolean; dataDir: string; downloadBytes: number | null }>;
  /** defaults to the core's getDataset */
  getDataset?: (name: string, o: { cacheDir: string; mirror?: string; onEvent?: (e: import('../../core/events.js').PetlabEvent) => void; signal?: AbortSignal }) => Promise<string>;
}

export function errorText(e: unknown): string {
  const err = e as { message?: string; hint?: string };
  const msg = err?.message ?? String(e);
  return err?.hint ? `${msg} (${err.hint})` : msg;
}

/** "3", "30%", "all", "0" as the setting is written (what parseUnfreeze reads back). */
export function unfreezeText(u: UnfreezeSpec): string {
  return u.kind === 'all' ? 'all' : u.kind === 'percent' ? `${u.p}%` : u.kind === 'blocks' ? String(u.n) : '0';
}

/** Defaults of fine-tuning, the same as `petlab train --fine-tune`'s. */

function backboneView(bb: CoreSession['backbone']): BackboneView | undefined {
  return bb ? { name: bb.spec.name, inputSize: bb.spec.inputSize, dim: bb.dim, layers: bb.layers } : undefined;
}

/** "the top 5 of 17 blocks (1.23M parameters)" */
export function describeUnfreeze(u: UnfreezeView): string {
  const p = u.plan;
  if (!p) return `"${u.spec}"`;
  if (p.blocks === 0) return 'nothing';
  return `the top ${p.blocks} of ${p.totalBlocks} blocks (${p.trainableLayers.length} layers, ${(p.trainableParams / 1e6).toFixed(2)}M parameters)`;
}

export class WorkbenchController {
  readonly store: WorkbenchStore;
  readonly opts: WorkbenchOptions;
  private deps: ControllerDeps;
  private session: CoreSession | undefined;
  private sessionPromise: Promise<CoreSession | undefined> | undefined;
  private download: AbortController | undefined;
  private closed = false;
  /** the task running now, so tests and quit can wait for it */
  current: Promise<void> | undefined;

  constructor(store: WorkbenchStore, opts: WorkbenchOptions, deps: ControllerDeps) {
    this.store = store;
    this.opts = opts;
    this.deps = deps;
  }

  private get s(): WorkbenchState {
    return this.store.get();
  }

  /** Open the dataset at once; start TensorFlow (worker threads) in the background. */
  start(): Promise<void> {
    const data = this.openInitialDataset();
    this.sessionPromise = this.openSession();
    return data;
  }

  private async openInitialDataset(): Promise<void> {
    if (this.opts.data) return this.openDataset(this.opts.data);
    const name = this.opts.settings.dataset;
    try {
      const status = this.deps.datasetStatus ?? (await import('../../core/registry/datasets.js')).datasetStatus;
      const st = await status(name, this.opts.cacheDir);
      if (st.ready) return this.openDataset(st.dataDir);
      let title: string | undefined;
      try {
        title = (await import('../../core/registry/datasets.js')).getDatasetEntry(name).title;
      } catch {
        title = undefined;
      }
      this.store.update((s) => ({ ...s, dataset: { status: 'missing', missing: { name, title, bytes: st.downloadBytes, dataDir: st.dataDir } } }));
    } catch (e) {
      this.store.update((s) => ({ ...s, dataset: { status: 'failed', error: errorText(e) } }));
    }
  }

  async openDataset(dir: string): Promise<void> {
    const root = path.resolve(dir);
    this.store.update((s) => ({ ...s, dataset: { status: 'scanning', root }, selection: undefined }));
    try {
      const scan = this.deps.scan ?? (await import('../../core/data/scan.js')).scanDataset;
      const valFraction = this.s.trainFlags['val-split'] !== undefined ? Number(this.s.trainFlags['val-split']) : this.opts.settings.valSplit;
      const seed = this.s.trainFlags.seed !== undefined ? Number(this.s.trainFlags.seed) : this.opts.settings.seed;
      const ds = await scan(root, { valFraction, seed });
      this.store.update((s) => ({ ...s, dataset: { status: 'ready', root: ds.root, ds } }));
      if (ds.skipped.length) this.store.log('warn', `${ds.skipped.length} file${ds.skipped.length > 1 ? 's' : ''} skipped in ${ds.root} (see the Dataset pane)`);
    } catch (e) {
      this.store.update((s) => ({ ...s, dataset: { status: 'failed', root, error: errorText(e) } }));
      this.store.flash(`data: ${errorText(e)}`, 'error');
    }
  }

  private async openSession(): Promise<CoreSession | undefined> {
    try {
      const session = await this.deps.openSession(this.store.onEvent);
      if (this.closed) {
        await session.close();
        return undefined;
      }
      this.session = session;
      this.store.update((s) => ({ ...s, tf: { ...s.tf, status: 'ready', backend: session.backendName } }));
      if (this.opts.model) await this.runTask('load-model', () => this.loadModelNow(this.opts.model!));
      else await this.runTask('load-backbone', () => this.loadBackboneNow(this.opts.backbone));
      return session;
    } catch (e) {
      this.store.update((s) => ({ ...s, tf: { status: 'failed', error: errorText(e) } }));
      this.store.log('error', `TensorFlow did not start: ${errorText(e)}`);
      this.store.flash(`TensorFlow did not start: ${errorText(e)}`, 'error');
      return undefined;
    }
  }

  /** Run one task at a time: its errors go to the log and the status bar. */
  private runTask(kind: TaskKind, body: () => Promise<void>): Promise<void> {
    this.store.update((s) => ({ ...s, task: { kind, stopping: false, startedAt: Date.now() }, progress: undefined }));
    let p: Promise<void> | undefined = undefined;
    p = (async () => {
      try {
        await body();
      } catch (e) {
        if (!this.closed) {
          this.store.log('error', `${kind}: ${errorText(e)}`);
          this.store.flash(`${kind}: ${errorText(e)}`, 'error');
        }
      } finally {
        this.store.update((s) => ({ ...s, task: undefined, progress: undefined }));
        if (this.current === p) this.current = undefined;
      }
    })();
    this.current = p;
    return p!;
  }

  private async loadBackboneNow(ref: string): Promise<void> {
    const session = this.session!;
    this.store.update((s) => ({ ...s, backbone: { ref, status: 'loading' } }));
    try {
      await session.useBackbone(ref);
      this.store.update((s) => ({ ...s, backbone: { ref, status: 'ready', view: backboneView(session.backbone) }, layer: undefined }));
      void this.refreshUnfreeze();
    } catch (e) {
      this.store.update((s) => ({ ...s, backbone: { ref, status: 'failed', error: errorText(e) } }));
      throw e;
    }
  }

  private async loadModelNow(dir: string): Promise<void> {
    const session = this.session!;
    const abs = path.resolve(dir);
    this.store.update((s) => ({ ...s, backbone: { ...s.backbone, status: 'loading' } }));
    try {
      const meta = await session.loadModel(abs);
      this.store.update((s) => ({
        ...s,
        backbone: { ref: s.backbone.ref, status: 'ready', view: backboneView(session.backbone) },
        model: { dir: abs, classes: meta.classes, accuracy: meta.metrics?.accuracy, epochsDone: meta.epochsDone, hiddenUnits: meta.head.hiddenUnits },
      }));
      this.store.log('ok', `model ${abs}: ${meta.classes.length} classes${meta.metrics ? `, val accuracy ${(meta.metrics.accuracy * 100).toFixed(1)}%` : ''}`);
      void this.refreshUnfreeze();
    } catch (e) {
      this.store.update((s) => ({ ...s, backbone: { ...s.backbone, status: s.backbone.view ? 'ready' : 'failed' } }));
      throw e;
    }
  }

  useBackbone(ref: string): Promise<void> {
    return this.runTask('load-backbone', () => this.loadBackboneNow(ref));
  }

  openModel(dir: string): Promise<void> {
    return this.runTask('load-model', () => this.loadModelNow(dir));
  }

  /** Where training writes: --out from the prompt, else ./models/<data>-<backbone> like the CLI. */
  outDir(): string {
    const ds = this.s.dataset.ds;
    const out = this.s.trainFlags.out;
    if (out) return path.resolve(out);
    return path.resolve('models', `${path.basename(ds?.root ?? 'data')}-${this.s.backbone.view?.name ?? this.opts.backbone}`);
  }

  train(): Promise<void> {
    const ds = this.s.dataset.ds!;
    const f = this.s.trainFlags;
    const st = this.opts.settings;
    const num = (k: string, d: number) => (f[k] !== undefined ? Number(f[k]) : d);
    const head = {
      epochs: num('epochs', st.epochs),
      learningRate: num('lr', st.learningRate),
      batchSize: num('batch', st.batchSize),
      hiddenUnits: num('hidden', st.hiddenUnits),
      dropout: num('dropout', st.dropout),
      weightDecay: 0.01,
      labelSmoothing: 0,
      schedule: 'one-cycle' as const,
      seed: num('seed', st.seed),
    };
    const out = this.outDir();
    // a new head is written over the model folder: a stopped fine-tuning there can no longer resume
    this.store.update((s) => ({ ...s, epochs: [], epochsPlanned: head.epochs, batch: undefined, evaluation: undefined, fineTuneStopped: undefined }));
    this.store.log('phase', `train: ${ds.classes.length} classes from ${ds.root} → ${out}${Object.keys(f).length ? `  (${describeFlags(f)})` : ''}`);
    return this.runTask('train', async () => {
      const session = this.session!;
      session.resetStop();
      const res = await session.trainHead({ dataset: ds, head, out, extraMeta: { cacheDir: this.opts.cacheDir, from: 'workbench' } });
      if (res.stopped) {
        if (res.history.length) {
          this.store.log('warn', `stopped after epoch ${res.history.length}: the model of that epoch is kept in ${out}`);
          // the checkpoint of the last finished epoch is a usable model
          await this.loadModelNow(out).catch((e) => this.store.log('warn', `could not load the checkpoint: ${errorText(e)}`));
        } else this.store.log('warn', 'stopped before the first epoch finished: nothing saved');
        return;
      }
      const m = res.metrics;
      this.store.update((s) => ({
        ...s,
        model: { dir: out, classes: ds.classes, accuracy: m?.accuracy, epochsDone: res.history.length, hiddenUnits: head.hiddenUnits },
        ...(m ? { evaluation: { split: 'val', metrics: m } } : {}),
      }));
      this.store.log('ok', `trained${m ? `: val accuracy ${(m.accuracy * 100).toFixed(1)}% (${Math.round(m.accuracy * m.n)}/${m.n})` : ''} in ${Math.round((Date.now() - (this.s.task?.startedAt ?? Date.now())) / 100) / 10}s, saved to ${out}`);
      if (res.embed.failed) this.store.log('warn', `${res.embed.failed} image${res.embed.failed > 1 ? 's' : ''} could not be read`);
    });
  }

  /** Stop what runs: training stops at its next batch and keeps its last checkpoint. */
  stop(): void {
    if (!this.s.task) return;
    this.store.update((s) => (s.task ? { ...s, task: { ...s.task, stopping: true } } : s));
    this.store.log('warn', this.s.task?.kind === 'train' ? 'stopping after this batch (the last finished epoch is kept)…' : 'stopping…');
    this.download?.abort();
    this.session?.stop();
  }

  /** Predict an image (default: the one selected in the Dataset pane). */
  predict(file?: string): Promise<void> {
    const sel = this.s.selection;
    const target = file ? path.resolve(file) : sel!.file;
    const label = this.labelOf(target);
    this.store.update((s) => ({ ...s, prediction: { file: target, label, top: [], busy: true }, inspect: { file: target, label } }));
    return this.runTask('predict', async () => {
      const session = this.session!;
      session.resetStop();
      try {
        const [p] = await session.predict([target], Math.max(5, this.opts.settings.topK));
        this.store.update((s) => ({ ...s, prediction: { file: target, label, top: p.top.slice(0, 5), error: p.error, busy: false } }));
        if (p.error) this.store.flash(`predict: ${p.error}`, 'error');
      } catch (e) {
        this.store.update((s) => ({ ...s, prediction: { file: target, label, top: [], error: errorText(e), busy: false } }));
        throw e;
      }
    });
  }

  private labelOf(file: string): string | undefined {
    const ds = this.s.dataset.ds;
    const it = ds?.items.find((i) => i.file === file);
    return it && ds ? ds.classes[it.label] : undefined;
  }

  evaluate(): Promise<void> {
    const ds = this.s.dataset.ds!;
    const split = ds.items.some((i) => i.split === 'val') ? 'val' : 'all';
    this.store.log('phase', `evaluate: ${split} images of ${ds.root}`);
    return this.runTask('evaluate', async () => {
      const session = this.session!;
      session.resetStop();
      const r = await session.evaluate(ds, split);
      const m = r.metrics;
      const classes = session.model?.meta.classes ?? this.s.model?.classes ?? ds.classes;
      const interpretation = interpretEvaluation({ classes, files: r.items.map((i) => i.file), labels: r.labels, probs: r.probs }, { topLosses: 100, topPairs: 30 });
      this.store.update((s) => ({ ...s, evaluation: { split, metrics: m }, interpretation: { ...interpretation, split } }));
      this.store.log('ok', `${split} accuracy ${(m.accuracy * 100).toFixed(1)}% (${Math.round(m.accuracy * m.n)}/${m.n}), loss ${m.loss.toFixed(4)}`);
      const worst = [...m.perClass].sort((a, b) => a.accuracy - b.accuracy).slice(0, 5);
      this.store.log('info', `per class: ${worst.map((c) => `${c.name} ${(c.accuracy * 100).toFixed(0)}%`).join(', ')}${m.perClass.length > 5 ? ', …' : ''}`);
    });
  }

  /** Download the default dataset (progress shows in the Training log), then open it. */
  downloadDataset(): Promise<void> {
    const missing = this.s.dataset.missing!;
    this.download = new AbortController();
    const signal = this.download.signal;
    return this.runTask('download', async () => {
      const get = this.deps.getDataset ?? (await import('../../core/download/datasets.js')).getDataset;
      const dir = await get(missing.name, { cacheDir: this.opts.cacheDir, mirror: this.opts.settings.mirror || undefined, onEvent: this.store.onEvent, signal });
      this.download = undefined;
      await this.openDataset(dir);
    });
  }

  setTrainFlags(flags: Record<string, string>): void {
    const rescan = 'val-split' in flags || 'seed' in flags;
    this.store.update((s) => ({ ...s, trainFlags: { ...s.trainFlags, ...flags } }));
    this.store.log('info', `next training: ${describeFlags(this.s.trainFlags)}`);
    if (rescan && this.s.dataset.root && this.s.dataset.status === 'ready') void this.openDataset(this.s.dataset.root);
  }

  // ---- seeing inside the stack: activations, Grad-CAM (not tasks: a pane asks, and never waits) ----

  private need(what: string): CoreSession {
    if (!this.session) throw new Error(`${what}: TensorFlow is still starting…`);
    return this.session;
  }

  /** How pictures are fitted to the backbone's input (what Grad-CAM maps cover). */
  get resize(): ResizeMode {
    return this.session?.opts.resize ?? this.opts.settings.resize;
  }

  activations(file: string, request: ActivationRequest): Promise<ActivationPage> {
    return this.need('activations').activations(file, request);
  }

  gradCam(file: string, className?: string): Promise<GradCamOutcome> {
    return this.need('Grad-CAM').gradCam(file, className === undefined ? {} : { className });
  }

  /** The image the Activations pane shows (Dataset selection, a prediction, a top loss). */
  inspect(file: string, label?: string): void {
    this.store.update((s) => (s.inspect?.file === file ? s : { ...s, inspect: { file, label } }));
  }

  // ---- fine-tuning: the unfreeze setting, the fine-tune phase, lr-find ----

  /** Set what fine-tuning unfreezes ("3" blocks, "30%", "all", "0"); the Model stack shows it. */
  async setUnfreeze(text: string): Promise<boolean> {
    let spec: UnfreezeSpec;
    try {
      spec = parseUnfreeze(text.trim());
    } catch (e) {
      const pctBad = /%$/.test(text.trim()) && /percentage/.test(errorText(e));
      this.store.flash(pctBad ? 'unfreeze: a percentage must be in (0, 100]' : `unfreeze: "${text.trim()}"? give 3 (blocks), 30% or all`, 'error');
      return false;
    }
    const t = unfreezeText(spec);
    this.store.update((s) => ({ ...s, unfreeze: { ...s.unfreeze, spec: t, error: undefined } }));
    await this.refreshUnfreeze();
    const u = this.s.unfreeze;
    if (u.plan && u.spec === t) this.store.log('info', `fine-tuning will unfreeze ${describeUnfreeze(u)}`);
    return true;
  }

  /** One block more (+1) or fewer (-1) to unfreeze. */
  stepUnfreeze(delta: number): Promise<boolean> {
    const plan = this.s.unfreeze.plan;
    const total = plan?.totalBlocks ?? Infinity;
    const n = Math.max(0, Math.min(total, (plan?.blocks ?? 0) + delta));
    return this.setUnfreeze(plan && n === total ? 'all' : String(n));
  }

  /** Recompute which layers the unfreeze setting trains (when the backbone is there). */
  private async refreshUnfreeze(): Promise<void> {
    const session = this.session;
    const spec = this.s.unfreeze.spec;
    if (!session?.backbone) return;
    this.store.update((s) => ({ ...s, unfreeze: { ...s.unfreeze, busy: true } }));
    try {
      const plan = await session.planUnfreeze(parseUnfreeze(spec));
      this.store.update((s) =>
        s.unfreeze.spec !== spec ? s : { ...s, unfreeze: { spec, busy: false, plan: { blocks: plan.blocks, totalBlocks: plan.totalBlocks, trainableLayers: plan.trainableLayers, cut: plan.cut, trainableParams: plan.trainableParams, totalParams: plan.totalParams } } },
      );
    } catch (e) {
      this.store.update((s) => (s.unfreeze.spec !== spec ? s : { ...s, unfreeze: { spec, busy: false, error: errorText(e) } }));
    }
  }

  /** "fine-tune E": the next fine-tuning runs E epochs, from the start (a stopped one is not resumed). */
  setFineTuneEpochs(n: number): void {
    this.store.update((s) => ({ ...s, fineTuneEpochs: n, fineTuneStopped: undefined }));
  }

  /**
   * The fine-tuning phase on the trained model: the top of the backbone and the head train together.
   * After alt+s stopped one, it continues from that checkpoint (schedule, optimizer and all, like
   * `petlab train --resume`) as long as the model and the unfreeze setting are the same.
   */
  fineTune(): Promise<void> {
    const ds = this.s.dataset.ds!;
    const model = this.s.model!;
    const stopped = this.s.fineTuneStopped;
    const resume = stopped !== undefined && stopped.dir === model.dir && stopped.unfreeze === this.s.unfreeze.spec && stopped.done < stopped.epochs;
    const epochs = resume ? stopped.epochs : this.s.fineTuneEpochs;
    const f = this.s.trainFlags;
    const st = this.opts.settings;
    const num = (k: string, d: number) => (f[k] !== undefined ? Number(f[k]) : d);
    const unfreeze = parseUnfreeze(this.s.unfreeze.spec);
    const seed = num('seed', st.seed);
    const options = {
      epochs,
      learningRate: num('ft-lr', st.fineTune.learningRate),
      lrFloor: num('lr-floor', st.fineTune.lrFloor),
      batchSize: num('ft-batch', st.fineTune.batchSize),
      microBatch: num('micro-batch', st.fineTune.microBatch),
      weightDecay: 0.01,
      labelSmoothing: 0,
      dropout: num('dropout', st.dropout),
      schedule: 'one-cycle' as const,
      seed,
      patience: num('early-stop', st.fineTune.patience),
      ema: num('ema', st.fineTune.ema),
    };
    const views = num('views', st.fineTune.views);
    // a resumed run keeps the epochs it already logged
    this.store.update((s) => ({ ...s, fineTuneEpochs: epochs, fineTuneStopped: undefined, batch: undefined, evaluation: undefined, epochs: resume ? s.epochs : s.epochs.filter((e) => e.phase !== 'fine-tune') }));
    this.store.log(
      'phase',
      resume
        ? `fine-tune: resuming at epoch ${stopped.done + 1} of ${epochs} from the checkpoint in ${model.dir}`
        : `fine-tune: ${epochs} epoch${epochs > 1 ? 's' : ''}, unfreezing ${describeUnfreeze(this.s.unfreeze)} of ${model.dir}`,
    );
    return this.runTask('fine-tune', async () => {
      const session = this.session!;
      session.resetStop();
      const res = await session.fineTune({ dataset: ds, out: model.dir, unfreeze, views, tta: false, options, resume });
      if (res.stopped) {
        // epochs are numbered across a resume; a stop before the first new one keeps the old checkpoint
        const done = res.history.at(-1)?.epoch ?? (resume ? stopped.done : 0);
        if (done) {
          this.store.update((s) => ({ ...s, fineTuneStopped: { dir: model.dir, done, epochs, unfreeze: this.s.unfreeze.spec } }));
          this.store.log('warn', `fine-tuning stopped after epoch ${done} of ${epochs}: its checkpoint is in ${model.dir} — alt+f resumes it, "fine-tune E" (alt+d) starts over`);
        } else {
          this.store.log('warn', 'fine-tuning stopped before its first epoch: the head-only model is kept');
        }
        await this.loadModelNow(model.dir).catch((e) => this.store.log('warn', `could not reload ${model.dir}: ${errorText(e)}`));
        return;
      }
      const m = res.metrics;
      const meta = session.model?.meta;
      this.store.update((s) => ({
        ...s,
        backbone: { ...s.backbone, status: 'ready', view: backboneView(session.backbone) ?? s.backbone.view },
        model: { dir: model.dir, classes: meta?.classes ?? model.classes, accuracy: m?.accuracy ?? model.accuracy, epochsDone: model.epochsDone + res.history.length, hiddenUnits: model.hiddenUnits },
        ...(m ? { evaluation: { split: 'val', metrics: m } } : {}),
      }));
      this.store.log('ok', `fine-tuned the top ${res.plan.blocks}/${res.plan.totalBlocks} blocks for ${res.history.at(-1)?.epoch ?? res.history.length} epochs${resume ? ' (resumed)' : ''}${m ? `: val accuracy ${(m.accuracy * 100).toFixed(1)}% (${Math.round(m.accuracy * m.n)}/${m.n})` : ''}${res.earlyStopped ? ' (stopped early)' : ''}, saved to ${model.dir}`);
      void this.refreshUnfreeze();
    });
  }

  /** The learning-rate range test: loss against a growing rate on the training split. */
  lrFind(): Promise<void> {
    const ds = this.s.dataset.ds!;
    const f = this.s.trainFlags;
    const st = this.opts.settings;
    const num = (k: string, d: number) => (f[k] !== undefined ? Number(f[k]) : d);
    this.store.log('phase', `lr-find: ${ds.classes.length} classes from ${ds.root}`);
    this.store.update((s) => ({ ...s, lrFind: undefined }));
    return this.runTask('lr-find', async () => {
      const session = this.session!;
      session.resetStop();
      const res = await session.lrFind({ dataset: ds, hiddenUnits: num('hidden', st.hiddenUnits), batchSize: num('batch', st.batchSize), seed: num('seed', st.seed), steps: 200, startLr: 1e-7, endLr: 10 });
      this.store.update((s) => ({ ...s, lrFind: res }));
      this.store.log('ok', `lr-find: suggested learning rate ${res.suggestion.toExponential(1)} (minimum/10: ${res.minOver10.toExponential(1)}) — a in the LR finder pane uses it`);
    });
  }

  /** The suggested rate of the last lr-find becomes --lr of the next training. */
  applyLrSuggestion(): void {
    const r = this.s.lrFind;
    if (!r) return;
    const lr = String(Number(r.suggestion.toPrecision(2)));
    this.store.update((s) => ({ ...s, trainFlags: { ...s.trainFlags, lr }, lrFind: s.lrFind && { ...s.lrFind, applied: true } }));
    this.store.log('info', `next training: ${describeFlags(this.s.trainFlags)}`);
    this.store.flash(`--lr ${lr} set for the next training (alt+t)`);
  }

  /** Stop everything and let the worker threads go. */
  async close(): Promise<void> {
    this.closed = true;
    this.download?.abort();
    const session = this.session ?? (await Promise.race([this.sessionPromise, new Promise<undefined>((r) => setTimeout(() => r(undefined), 50))]));
    if (!session) return;
    session.stop();
    await Promise.race([session.close(), new Promise((r) => setTimeout(r, 3000))]);
  }

  get hasSession(): boolean {
    return this.session !== undefined;
  }
}
