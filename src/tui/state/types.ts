/**
 * What the workbench shows, as one plain object. The controller and the core's events change it;
 * panes read it. Types only from the core: nothing here loads TensorFlow.
 */
import type { LayerRow } from '../../core/backbones/layer-summary.js';
import type { Dataset } from '../../core/data/types.js';
import type { EpochEvent, Phase, ProgressEvent } from '../../core/events.js';
import type { Metrics, TopK } from '../../core/eval/metrics.js';
import type { Interpretation } from '../../core/explain/interpretation.js';
import type { LrFindResult } from '../../core/train/lr-find.js';
import type { PairsView } from './pairs-view.js';
import type { ReviewView } from './review-view.js';
import type { NeighbourIndexView, NeighboursView } from './neighbours-view.js';

export type LogLevel = 'info' | 'phase' | 'warn' | 'error' | 'ok';

export interface LogLine {
  level: LogLevel;
  text: string;
}

export type TaskKind =
  | 'train'
  | 'fine-tune'
  | 'lr-find'
  | 'evaluate'
  | 'predict'
  | 'download'
  | 'load-model'
  | 'load-backbone'
  | 'export'
  | 'review'
  | 'pairs-train'
  | 'pairs-compare'
  | 'neighbours';

export interface BackboneView {
  name: string;
  inputSize: [number, number];
  dim: number;
  layers: LayerRow[];
}

export interface DatasetView {
  status: 'none' | 'scanning' | 'ready' | 'missing' | 'failed';
  /** folder given or found */
  root?: string;
  ds?: Dataset;
  /** the default dataset is not in the cache: what a download would take */
  missing?: { name: string; title?: string; bytes: number | null; dataDir: string };
  error?: string;
  /** the last download of the missing dataset failed: the whole message, shown in the Dataset pane */
  downloadError?: { message: string; hint?: string; cacheDir: string };
}

export interface PredictionView {
  file: string;
  /** true label, when the file came from the dataset */
  label?: string;
  top: TopK[];
  error?: string;
  busy: boolean;
  /** the model that made it (its id changes with every train, fine-tune or load) */
  model?: { id?: number; text: string };
}

/** Which backbone layers fine-tuning trains, for the unfreeze setting (from the worker's planUnfreeze). */
export interface UnfreezeView {
  /** as typed: "3" (blocks), "30%", "all", "0" */
  spec: string;
  plan?: { blocks: number; totalBlocks: number; trainableLayers: string[]; cut: string; trainableParams: number; totalParams: number };
  /** the plan is being computed */
  busy?: boolean;
  error?: string;
}

/** Grad-CAM over the picture in the Predictions pane: on or off, and for which class. */
export interface GradCamView {
  on: boolean;
  /** undefined: the predicted class */
  className?: string;
}

export interface WorkbenchState {
  tf: { status: 'starting' | 'ready' | 'failed'; backend?: string; workers?: number; workerBackends?: string[]; reason?: string; error?: string };
  backbone: { ref: string; status: 'idle' | 'loading' | 'ready' | 'failed'; view?: BackboneView; error?: string };
  dataset: DatasetView;
  /** a review decision is being written and the dataset re-read: keys that read the dataset wait for it */
  datasetChanging?: boolean;
  /** what runs now; undefined when idle */
  task?: { kind: TaskKind; stopping: boolean; startedAt: number };
  phase?: { phase: Phase; message: string };
  progress?: ProgressEvent;
  /** the current (or last) run's epochs */
  epochs: EpochEvent[];
  epochsPlanned?: number;
  batch?: { epoch: number; batch: number; batches: number; loss: number };
  log: LogLine[];
  /** id: new for every model trained, fine-tuned or loaded (what a pane drew it from) */
  model?: { id?: number; dir: string; classes: string[]; accuracy?: number; epochsDone: number; hiddenUnits: number };
  evaluation?: { split: string; metrics: Metrics };
  prediction?: PredictionView;
  /** the image selected in the Dataset pane (what alt+p predicts) */
  selection?: { file: string; label: string };
  /** a one-line message in the status bar (a disabled key's reason, an error) */
  flash?: { text: string; level: 'info' | 'warn' | 'error'; id: number };
  /** training options changed from the prompt (alt+d): flags for the next run */
  trainFlags: Record<string, string>;
  /** the layer picked in the Model stack pane: what the Activations pane shows */
  layer?: { name: string; part: 'backbone' | 'head' };
  /** the image the Activations pane shows: the latest one selected in Dataset or predicted */
  inspect?: { file: string; label?: string };
  /** what fine-tuning unfreezes (the Model stack marks those layers trainable) */
  unfreeze: UnfreezeView;
  /** epochs of the next fine-tuning (alt+f, or "fine-tune E" at the prompt) */
  fineTuneEpochs: number;
  /** start-up will load a model (--model): keys that need one wait for it instead of saying there is none */
  modelComing?: boolean;
  /** a fine-tuning stopped (alt+s) after some epochs: alt+f continues it from its checkpoint */
  fineTuneStopped?: { dir: string; done: number; epochs: number; unfreeze: string };
  gradCam: GradCamView;
  /** from the last evaluation (alt+e): the Interpretation pane */
  interpretation?: Interpretation & { split: string };
  /** the last learning-rate range test (lr-find) */
  lrFind?: LrFindResult & { applied?: boolean };
  /** the last dataset review (alt+r): the Review pane */
  review?: ReviewView;
  /** the Pairs pane: two pictures, same class or not (a siamese pairs model) */
  pairs?: PairsView;
  /** the Dataset pane's n: a picture's nearest pictures */
  neighbours?: NeighboursView;
  /** which dataset the nearest-picture index is built for (n is instant there) */
  neighbourIndex?: NeighbourIndexView;
}

/** What the CLI's `train --fine-tune` unfreezes by default. */
export const DEFAULT_UNFREEZE = '30%';
export const DEFAULT_FINE_TUNE_EPOCHS = 5;

export const MAX_LOG_LINES = 500;

/**
 * The state of the first frame. With `model` (--model), that model is on its way from the start:
 * TensorFlow starts only once the keys typed at first sight are answered (launch.ts), and an alt+p
 * among them must wait for the model, not say there is none.
 */
export function initialState(backboneRef: string, model?: string): WorkbenchState {
  return {
    ...(model ? { modelComing: true } : {}),
    tf: { status: 'starting' },
    backbone: { ref: backboneRef, status: 'idle' },
    dataset: { status: 'none' },
    epochs: [],
    log: [],
    trainFlags: {},
    unfreeze: { spec: DEFAULT_UNFREEZE },
    fineTuneEpochs: DEFAULT_FINE_TUNE_EPOCHS,
    gradCam: { on: false },
  };
}

/** The run's state in a few words, for the status bar. */
export function runStateLabel(s: WorkbenchState): string {
  if (s.task) {
    if (s.task.stopping) return 'stopping…';
    if (s.task.kind === 'train') {
      if (s.phase?.phase === 'embed') return 'embedding';
      if (s.epochs.length || s.phase?.phase === 'train') return `training ${s.epochs.length}/${s.epochsPlanned ?? '?'}`;
      return 'preparing';
    }
    if (s.task.kind === 'fine-tune') {
      const ft = s.epochs.filter((e) => e.phase === 'fine-tune');
      if (ft.length || s.phase?.phase === 'fine-tune') return `fine-tuning ${ft.length}/${ft.at(-1)?.epochs ?? s.fineTuneEpochs}`;
      return s.phase?.phase === 'embed' ? 'frozen features' : 'preparing fine-tune';
    }
    if (s.task.kind === 'lr-find') return 'lr-find';
    if (s.task.kind === 'review') return 'reviewing';
    if (s.task.kind === 'pairs-train') return 'training pairs';
    if (s.task.kind === 'pairs-compare') return 'comparing';
    if (s.task.kind === 'neighbours') return 'finding neighbours';
    if (s.task.kind === 'download') return 'downloading';
    if (s.task.kind === 'evaluate') return 'evaluating';
    if (s.task.kind === 'predict') return 'predicting';
    if (s.task.kind === 'load-model') return 'loading model';
    if (s.task.kind === 'load-backbone') return 'loading backbone';
  }
  if (s.tf.status === 'starting') return 'starting TensorFlow…';
  if (s.tf.status === 'failed') return 'TensorFlow failed';
  if (s.model) return s.model.accuracy !== undefined ? `trained (val ${(s.model.accuracy * 100).toFixed(1)}%)` : 'trained';
  return 'idle';
}
