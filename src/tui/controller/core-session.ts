/**
 * The small part of the core's Session the workbench uses. The real Session, with the few
 * fine-tuning operations of core-adapter.ts added, satisfies it; component tests pass a fake.
 * Types only: importing this loads nothing.
 */
import type { LrFindRequest } from '../../core/lr-find-run.js';
import type { LayerRow } from '../../core/backbones/layer-summary.js';
import type { UnfreezePlan, UnfreezeSpec } from '../../core/backbones/segments.js';
import type { ResizeMode } from '../../core/backbones/spec.js';
import type { Dataset, DatasetItem, SplitSelector } from '../../core/data/types.js';
import type { EventSink } from '../../core/events.js';
import type { Metrics } from '../../core/eval/metrics.js';
import type { ActivationPage, ActivationRequest } from '../../core/explain/activations.js';
import type { FineTuneOutcome, FineTuneRunRequest } from '../../core/fine-tune-run.js';
import type { GradCamOutcome, Prediction, TrainHeadRequest, TrainOutcome } from '../../core/session.js';
import type { LrFindResult } from '../../core/train/lr-find.js';
import type { ExportFormat } from '../../core/export/describe.js';
import type { ExportOutcome } from '../../core/export/run.js';
import type { ReviewRequest, ReviewResult } from '../../core/review/run.js';
import type { NeighbourIndex } from '../../core/review/neighbour-index.js';
import type { PairsTrainOutcome, PairsTrainRequest, PairsVerdict } from '../../core/pairs/run.js';

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

export interface CoreEvaluation {
  metrics: Metrics;
  /** the images evaluated, in the order of labels and probs */
  items: Pick<DatasetItem, 'file'>[];
  /** items.length rows of one probability per model class */
  probs: Float32Array;
  /** true class of each item, as an index into the model's classes */
  labels: Int32Array;
  skipped: { file: string; reason: string }[];
}

// the workbench asks lr-find what the core's one sweep takes
export type { LrFindRequest } from '../../core/lr-find-run.js';

export interface CoreSession {
  readonly backendName: string;
  readonly opts: { resize: ResizeMode };
  backbone: CoreBackbone | undefined;
  model: { dir: string; meta: CoreModelMeta } | undefined;
  useBackbone(ref: string): Promise<CoreBackbone>;
  trainHead(req: TrainHeadRequest): Promise<TrainOutcome>;
  predict(files: string[], k: number): Promise<Prediction[]>;
  evaluate(ds: Dataset, split: SplitSelector): Promise<CoreEvaluation>;
  loadModel(dir: string): Promise<CoreModelMeta>;
  activations(file: string, request: ActivationRequest): Promise<ActivationPage>;
  gradCam(file: string, o?: { className?: string; layer?: string }): Promise<GradCamOutcome>;
  /** which layers an unfreeze setting trains (the worker's planUnfreeze) */
  planUnfreeze(spec: UnfreezeSpec): Promise<UnfreezePlan>;
  /** the fine-tuning phase, from the trained head in req.out (core/fine-tune-run.ts) */
  fineTune(req: FineTuneRunRequest): Promise<FineTuneOutcome>;
  /** the learning-rate range test on the training split's (cached) embeddings */
  lrFind(req: LrFindRequest): Promise<LrFindResult>;
  /** export a saved model (core/export/); absent in fakes that do not export */
  exportModel?(dir: string, format: ExportFormat, out: string): Promise<ExportOutcome>;
  /** the dataset review: cross-validated suspects, duplicates, the similar-picture index (core/review/run.ts) */
  review(req: ReviewRequest): Promise<ReviewResult>;
  /** every picture's (cached) embedding, unit length: the Dataset pane's nearest pictures (core/review/neighbour-index.ts) */
  neighbourIndex(ds: Dataset): Promise<NeighbourIndex>;
  /** train a pairs (siamese) head and save it (core/pairs/run.ts); absent in fakes without pairs */
  pairsTrain?(req: PairsTrainRequest): Promise<PairsTrainOutcome>;
  /** same class or not, by the pairs model in dir */
  pairsCompare?(dir: string, fileA: string, fileB: string): Promise<PairsVerdict>;
  stop(): void;
  resetStop(): void;
  close(): Promise<void>;
}

/** Opens a session (starting TensorFlow worker threads); events go to onEvent. */
export type OpenSession = (onEvent: EventSink) => Promise<CoreSession>;
