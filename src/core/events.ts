/**
 * The one language in which the core reports progress. The CLI prints these (as JSON lines with
 * --json), the TUI draws them. Everything here must survive structured cloning (worker messages).
 */
import type { BackendName, InferenceEngine } from './backend/names.js';

export type Phase =
  | 'backend'
  | 'scan'
  | 'download'
  | 'extract'
  | 'load-backbone'
  | 'embed'
  | 'train'
  | 'fine-tune'
  | 'lr-find'
  | 'review'
  | 'evaluate'
  | 'predict'
  | 'save'
  | 'done';

export interface BackendEvent {
  type: 'backend';
  backend: BackendName;
  workers: number;
  /** each worker's own backend, in worker order */
  workerBackends: BackendName[];
  /** threads per worker: libtensorflow's pool on node, 1 on wasm and cpu */
  threads: number;
  /** the longer story (every backend tried and why it failed), for --verbose */
  note?: string;
  /** for people: "wasm (2 workers; tfjs-node not installed)" */
  reason: string;
  /** what runs the frozen backbone's inference */
  inference?: InferenceEngine;
  /** fine-tuning's 1x1 convolutions run on ONNX Runtime too */
  pointwise?: boolean;
}

export interface PhaseEvent {
  type: 'phase';
  phase: Phase;
  message: string;
  /** the epochs a training phase (train, fine-tune) will run: read this, not the message */
  epochs?: number;
}

export interface ProgressEvent {
  type: 'progress';
  phase: Phase;
  done: number;
  total: number;
  unit: 'images' | 'bytes' | 'batches' | 'files';
  /** units per second, smoothed */
  rate: number;
  etaSeconds: number | null;
  /** free text, e.g. "cache hits 1200/2000" */
  detail?: string;
}

export interface WarningEvent {
  type: 'warning';
  code: 'skipped-file' | 'unknown-preprocess' | 'class-mismatch' | 'fallback' | 'other';
  message: string;
  file?: string;
}

/** What one epoch of training measured. */
export interface EpochStats {
  epoch: number;
  loss: number;
  acc: number;
  valLoss: number | null;
  valAcc: number | null;
  lr: number;
  seconds: number;
  /** of `seconds`, the training steps alone (fine-tuning: the rest is validation) */
  trainSeconds?: number;
}

export interface EpochEvent extends EpochStats {
  type: 'epoch';
  phase: 'train' | 'fine-tune';
  epochs: number;
}

export interface BatchEvent {
  type: 'batch';
  phase: 'train' | 'fine-tune' | 'lr-find';
  epoch: number;
  batch: number;
  batches: number;
  loss: number;
  lr: number;
}

export interface CheckpointEvent {
  type: 'checkpoint';
  path: string;
  epoch: number;
  valAcc: number | null;
}

export interface InfoEvent {
  type: 'info';
  message: string;
  data?: Record<string, unknown>;
}

export type PetlabEvent = BackendEvent | PhaseEvent | ProgressEvent | WarningEvent | EpochEvent | BatchEvent | CheckpointEvent | InfoEvent;

export type EventSink = (e: PetlabEvent) => void;

export const ignoreEvents: EventSink = () => undefined;
