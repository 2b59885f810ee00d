/**
 * The small part of the core's Session the workbench uses. The real Session satisfies it; component
 * tests pass a fake. Types only: importing this loads nothing.
 */
import type { LayerRow } from '../../core/backbones/layer-summary.js';
import type { Dataset, SplitSelector } from '../../core/data/types.js';
import type { EventSink } from '../../core/events.js';
import type { Metrics } from '../../core/eval/metrics.js';
import type { Prediction, TrainHeadRequest, TrainOutcome } from '../../core/session.js';

export interface CoreBackbone {
  spec: { name: string; inputSize: [number, number] };
  layers: LayerRow[];
  dim: number;
}

export interface CoreModelMeta {
  classes: string[];
  head: { hiddenUnits: number };
  epochsDone: number;
  complete: boolean;
  metrics?: { accuracy: number };
}

export interface CoreSession {
  readonly backendName: string;
  backbone: CoreBackbone | undefined;
  model: { dir: string; meta: CoreModelMeta } | undefined;
  useBackbone(ref: string): Promise<CoreBackbone>;
  trainHead(req: TrainHeadRequest): Promise<TrainOutcome>;
  predict(files: string[], k: number): Promise<Prediction[]>;
  evaluate(ds: Dataset, split: SplitSelector): Promise<{ metrics: Metrics; skipped: { file: string; reason: string }[] }>;
  loadModel(dir: string): Promise<CoreModelMeta>;
  stop(): void;
  resetStop(): void;
  close(): Promise<void>;
}

/** Opens a session (starting TensorFlow worker threads); events go to onEvent. */
export type OpenSession = (onEvent: EventSink) => Promise<CoreSession>;
