/**
 * The controller's core: the session (TensorFlow in worker threads), one task at a time, loading
 * backbones and models. No React here; every failure becomes a line in the log and the status bar,
 * never a crash (a worker that dies rejects its call: said, and the workbench keeps running).
 * The concerns built on it: data.ts (datasets), inspect.ts (predict, evaluate, activations),
 * training.ts (train, lr-find), controller.ts (fine-tuning).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseUnfreeze, type UnfreezeSpec } from '../../core/backbones/segments.js';
import type { ResizeMode } from '../../core/backbones/spec.js';
import type { Dataset } from '../../core/data/types.js';
import { lastModelFor, recordLastModel, type LastModel } from '../../core/model/last-models.js';
import { modelFolderState } from '../../core/model/run-folder.js';
import { defaultDataDir } from '../../core/paths.js';
import type { Settings } from '../../core/settings.js';
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
  /** petlab's data folder (models, the last model per dataset); default: defaultDataDir() */
  dataDir?: string;
  settings: Settings;
}

export interface ControllerDeps {
  openSession: OpenSession;
  /** defaults to the core's scanDataset */
  scan?: (dir: string, o: { valFraction: number; seed: number }) => Promise<Dataset>;
  /** defaults to the core's datasetStatus */
  datasetStatus?: (name: string, cacheDir: string) => Promise<{ ready: boolean; dataDir: string; downloadBytes: number | null }>;
  /** defaults to the core's getDataset */
  getDataset?: (
    name: string,
    o: { cacheDir: string; mirror?: string; onEvent?: (e: import('../../core/events.js').PetlabEvent) => void; signal?: AbortSignal },
  ) => Promise<string>;
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

export function backboneView(bb: CoreSession['backbone']): BackboneView | undefined {
  return bb ? { name: bb.spec.name, inputSize: bb.spec.inputSize, dim: bb.dim, layers: bb.layers } : undefined;
}

/** "the top 5 of 17 blocks (1.23M parameters)" */
export function describeUnfreeze(u: UnfreezeView): string {
  const p = u.plan;
  if (!p) return `"${u.spec}"`;
  if (p.blocks === 0) return 'nothing';
  return `the top ${p.blocks} of ${p.totalBlocks} blocks (${p.trainableLayers.length} layers, ${(p.trainableParams / 1e6).toFixed(2)}M parameters)`;
}

/** Each model the workbench holds gets a new id: what a pane shows says which model it came from. */
let modelSerial = 0;
export const nextModelId = (): number => ++modelSerial;

/** "val 98.2%, 2026-12-03 05:40" */
function lastModelNote(m: LastModel): string {
  const when = m.savedAt.replace('T', ' ').slice(0, 16);
  return [m.accuracy !== undefined ? `val ${(m.accuracy * 100).toFixed(1)}%` : undefined, when].filter(Boolean).join(', ');
}

export class ControllerBase {
  readonly store: WorkbenchStore;
  readonly opts: WorkbenchOptions;
  protected deps: ControllerDeps;
  protected session: CoreSession | undefined;
  protected sessionPromise: Promise<CoreSession | undefined> | undefined;
  protected download: AbortController | undefined;
  protected closed = false;
  /** the dataset opened at start (the last model is looked up for it) */
  protected initialData: Promise<void> | undefined;
  /** the task running now, so tests and quit can wait for it */
  current: Promise<void> | undefined;

  constructor(store: WorkbenchStore, opts: WorkbenchOptions, deps: ControllerDeps) {
    this.store = store;
    this.opts = opts;
    this.deps = deps;
  }

  protected get s(): WorkbenchState {
    return this.store.get();
  }

  /** Run one task at a time: its errors go to the log and the status bar. */
  protected runTask(kind: TaskKind, body: () => Promise<void>): Promise<void> {
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
        if (!this.closed) this.afterTask(kind);
      }
    })();
    this.current = p;
    return p!;
  }

  /** After each task (inspect.ts: a prediction of an older model is made again). */
  protected afterTask(kind: TaskKind): void {
    void kind;
  }

  /** petlab's data folder: where the workbench saves models and remembers the last one per dataset. */
  get dataDir(): string {
    return this.opts.dataDir ?? defaultDataDir();
  }

  /** Remember the model just saved as the last one for the open dataset (a failure is only a warning). */
  protected async rememberModel(dir: string, accuracy: number | undefined): Promise<void> {
    const root = this.s.dataset.ds?.root;
    if (!root) return;
    try {
      await recordLastModel(this.dataDir, root, { dir, backbone: this.s.backbone.ref, accuracy });
    } catch (e) {
      this.store.log('warn', `could not note ${dir} as the last model for ${root}: ${errorText(e)}`);
    }
  }

  /** At start: the model last saved for this dataset, when there is one for this backbone. */
  protected async lastModel(): Promise<LastModel | undefined> {
    await this.initialData;
    const root = this.s.dataset.ds?.root;
    if (!root) return undefined;
    const last = await lastModelFor(this.dataDir, root).catch(() => undefined);
    if (!last) return undefined;
    if (!existsSync(path.join(last.dir, 'petlab.json'))) {
      this.store.log('info', `the last model for ${root} (${last.dir}) is gone: starting without a model`);
      return undefined;
    }
    if (last.backbone !== this.opts.backbone) {
      this.store.log(
        'info',
        `the last model for ${root} (${last.dir}) uses backbone ${last.backbone}, not ${this.opts.backbone}: --model ${last.dir} opens it`,
      );
      return undefined;
    }
    return last;
  }

  protected async loadLastModelNow(last: LastModel): Promise<void> {
    const root = this.s.dataset.ds?.root;
    try {
      await this.loadModelNow(last.dir, `loaded last model for ${root}: ${last.dir} (${lastModelNote(last)})`);
    } catch (e) {
      this.store.log('warn', `the last model for ${root} (${last.dir}) did not load: ${errorText(e)} — starting without it`);
      await this.loadBackboneNow(this.opts.backbone);
    }
  }

  // ---- seeing inside the stack: activations, Grad-CAM (not tasks: a pane asks, and never waits) ----

  protected need(what: string): CoreSession {
    if (!this.session) throw new Error(`${what}: TensorFlow is still starting…`);
    return this.session;
  }

  /** How pictures are fitted to the backbone's input (what Grad-CAM maps cover). */
  get resize(): ResizeMode {
    return this.session?.opts.resize ?? this.opts.settings.resize;
  }

  protected async openSession(): Promise<CoreSession | undefined> {
    try {
      const session = await this.deps.openSession(this.store.onEvent);
      if (this.closed) {
        await session.close();
        return undefined;
      }
      this.session = session;
      this.store.update((s) => ({ ...s, tf: { ...s.tf, status: 'ready', backend: session.backendName } }));
      if (this.opts.model)
        await this.runTask('load-model', () => this.loadModelNow(this.opts.model!)).finally(() => this.store.update((s) => ({ ...s, modelComing: false })));
      else {
        // the model last saved for this dataset, if any (with its backbone); else the backbone alone
        await this.runTask('load-backbone', async () => {
          const last = await this.lastModel();
          await (last ? this.loadLastModelNow(last) : this.loadBackboneNow(this.opts.backbone));
        });
      }
      return session;
    } catch (e) {
      this.store.update((s) => ({ ...s, tf: { status: 'failed', error: errorText(e) }, modelComing: false }));
      this.store.log('error', `TensorFlow did not start: ${errorText(e)}`);
      this.store.flash(`TensorFlow did not start: ${errorText(e)}`, 'error');
      return undefined;
    }
  }

  protected async loadBackboneNow(ref: string): Promise<void> {
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

  /** Open a saved model; `said` replaces the log line that says so. */
  protected async loadModelNow(dir: string, said?: string): Promise<void> {
    const session = this.session!;
    const abs = path.resolve(dir);
    this.store.update((s) => ({ ...s, backbone: { ...s.backbone, status: 'loading' } }));
    try {
      const meta = await session.loadModel(abs);
      this.store.update((s) => ({
        ...s,
        backbone: { ref: s.backbone.ref, status: 'ready', view: backboneView(session.backbone) },
        model: {
          id: nextModelId(),
          dir: abs,
          classes: meta.classes,
          accuracy: meta.metrics?.accuracy,
          epochsDone: meta.epochsDone,
          hiddenUnits: meta.head.hiddenUnits,
        },
      }));
      if (said) this.store.log('ok', said);
      else
        this.store.log(
          'ok',
          `model ${abs}: ${meta.classes.length} classes${meta.metrics ? `, val accuracy ${(meta.metrics.accuracy * 100).toFixed(1)}%` : ''}`,
        );
      // a stopped run's checkpoint says so, and so does a re-train waiting beside the model (not awaited: loading is done)
      void modelFolderState(dir).then((f) => f.notes.forEach((n) => this.store.log('warn', n)));
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

  /** Recompute which layers the unfreeze setting trains (when the backbone is there). */
  protected async refreshUnfreeze(): Promise<void> {
    const session = this.session;
    const spec = this.s.unfreeze.spec;
    if (!session?.backbone) return;
    this.store.update((s) => ({ ...s, unfreeze: { ...s.unfreeze, busy: true } }));
    try {
      const plan = await session.planUnfreeze(parseUnfreeze(spec));
      this.store.update((s) =>
        s.unfreeze.spec !== spec
          ? s
          : {
              ...s,
              unfreeze: {
                spec,
                busy: false,
                plan: {
                  blocks: plan.blocks,
                  totalBlocks: plan.totalBlocks,
                  trainableLayers: plan.trainableLayers,
                  cut: plan.cut,
                  trainableParams: plan.trainableParams,
                  totalParams: plan.totalParams,
                },
              },
            },
      );
    } catch (e) {
      this.store.update((s) => (s.unfreeze.spec !== spec ? s : { ...s, unfreeze: { spec, busy: false, error: errorText(e) } }));
    }
  }

  /** Stop what runs: training stops at its next batch and keeps its last checkpoint. */
  stop(): void {
    if (!this.s.task) return;
    this.store.update((s) => (s.task ? { ...s, task: { ...s.task, stopping: true } } : s));
    this.store.log('warn', this.s.task?.kind === 'train' ? 'stopping after this batch (the last finished epoch is kept)…' : 'stopping…');
    this.download?.abort();
    this.session?.stop();
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
