/** What Session takes and gives back (src/core/session.ts), apart so the class reads on its own. */
import type { BackendPreference, InferencePreference } from './backend/names.js';
import type { BackboneSource } from './backbones/source.js';
import type { BackboneSpec, ResizeMode } from './backbones/spec.js';
import type { LayerRow } from './backbones/layer-summary.js';
import type { Dataset } from './data/types.js';
import type { EmbedResult } from './embed/embed-files.js';
import type { EmbeddedItems } from './embed/embedded.js';
import type { EventSink } from './events.js';
import type { Metrics, TopK } from './eval/metrics.js';
import type { GradCamResult } from './explain/grad-cam.js';
import type { EpochStats, HeadOptions } from './train/head.js';

export interface SessionOptions {
  backend: BackendPreference;
  /** what runs the frozen backbone's inference (default auto: ONNX Runtime when it loads) */
  inference?: InferencePreference;
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
  /** its embedding runs in int8 (on ONNX Runtime) */
  int8?: boolean;
}

export interface TrainHeadRequest {
  dataset: Dataset;
  head: Omit<HeadOptions, 'numClasses'>;
  out: string;
  extraMeta?: Record<string, unknown>;
  /** continue from the head-phase checkpoint in `out` */
  resume?: boolean;
  /** an earlier run's embeddings (a refit's validated run): used, not read again, when they are of the same pictures */
  embedded?: EmbeddedItems;
}

export interface TrainOutcome {
  modelDir: string;
  history: EpochStats[];
  stopped: boolean;
  metrics: Metrics | undefined;
  embed: EmbedResult['stats'];
  /** what was embedded, for a refit to reuse */
  embedded?: EmbeddedItems;
  skipped: { file: string; reason: string }[];
  timings: Record<string, number>;
  /**
   * Set when out held a finished model, which this run has not replaced (stopped, or fine-tuning
   * follows): the folder beside it that holds this run's checkpoint (model/run-folder.ts).
   */
  checkpointDir?: string;
}

/** Grad-CAM with class names: what the model predicts and which class the map is for. */
export interface GradCamOutcome extends GradCamResult {
  className: string;
  top: TopK[];
}

export interface Prediction {
  file: string;
  top: TopK[];
  error?: string;
}
