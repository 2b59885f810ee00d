/**
 * What the workbench shows, as one plain object. The controller and the core's events change it;
 * panes read it. Types only from the core: nothing here loads TensorFlow.
 */
import type { LayerRow } from '../../core/backbones/layer-summary.js';
import type { Dataset } from '../../core/data/types.js';
import type { EpochEvent, Phase, ProgressEvent } from '../../core/events.js';
import type { Metrics, TopK } from '../../core/eval/metrics.js';

export type LogLevel = 'info' | 'phase' | 'warn' | 'error' | 'ok';

export interface LogLine {
  level: LogLevel;
  text: string;
}

export type TaskKind = 'train' | 'evaluate' | 'predict' | 'download' | 'load-model' | 'load-backbone';

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
}

export interface PredictionView {
  file: string;
  /** true label, when the file came from the dataset */
  label?: string;
  top: TopK[];
  error?: string;
  busy: boolean;
}

export interface WorkbenchState {
  tf: { status: 'starting' | 'ready' | 'failed'; backend?: string; workers?: number; error?: string };
  backbone: { ref: string; status: 'idle' | 'loading' | 'ready' | 'failed'; view?: BackboneView; error?: string };
  dataset: DatasetView;
  /** what runs now; undefined when idle */
  task?: { kind: TaskKind; stopping: boolean; startedAt: number };
  phase?: { phase: Phase; message: string };
  progress?: ProgressEvent;
  /** the current (or last) run's epochs */
  epochs: EpochEvent[];
  epochsPlanned?: number;
  batch?: { epoch: number; batch: number; batches: number; loss: number };
  log: LogLine[];
  model?: { dir: string; classes: string[]; accuracy?: number; epochsDone: number; hiddenUnits: number };
  evaluation?: { split: string; metrics: Metrics };
  prediction?: PredictionView;
  /** the image selected in the Dataset pane (what alt+p predicts) */
  selection?: { file: string; label: string };
  /** a one-line message in the status bar (a disabled key's reason, an error) */
  flash?: { text: string; level: 'info' | 'warn' | 'error'; id: number };
  /** training options changed from the prompt (alt+d): flags for the next run */
  trainFlags: Record<string, string>;
}

export const MAX_LOG_LINES = 500;

export function initialState(backboneRef: string): WorkbenchState {
  return {
    tf: { status: 'starting' },
    backbone: { ref: backboneRef, status: 'idle' },
    dataset: { status: 'none' },
    epochs: [],
    log: [],
    trainFlags: {},
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
