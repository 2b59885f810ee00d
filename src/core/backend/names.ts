import { UsageError } from '../errors.js';

// Backend names without TensorFlow: front ends parse --backend before anything heavy loads.

export type BackendName = 'node' | 'wasm' | 'cpu';
export type BackendPreference = BackendName | 'auto';
/** What runs the frozen backbone's inference: ONNX Runtime (much faster on CPU) or the tfjs backend. */
export type InferenceEngine = 'onnxruntime' | 'tfjs';
/** onnxruntime-float: ONNX Runtime without int8, for a quantized backbone whose float values are wanted. */
export type InferencePreference = InferenceEngine | 'auto' | 'onnxruntime-float';
export const INFERENCE_PREFERENCES: InferencePreference[] = ['auto', 'onnxruntime', 'onnxruntime-float', 'tfjs'];

export interface BackendInfo {
  /** petlab's name for it: node (libtensorflow via tfjs-node), wasm (XNNPACK, SIMD) or cpu (plain JS). */
  name: BackendName;
  /** tfjs's own backend name. */
  tfName: string;
  /** Why this backend and not a faster one, when we fell back (the loaders' own words). */
  note?: string;
  /** The few words of why, e.g. "tfjs-node not installed" (the first fallback's summary). */
  why?: string;
  // Set by the worker pool, for all its workers:
  /** TensorFlow worker threads. */
  workers?: number;
  /** each worker's own backend, in worker order (they must all agree) */
  workerBackends?: BackendName[];
  /** threads per worker: libtensorflow's own pool on node, 1 on wasm and cpu */
  threads?: number;
  /** For people: "wasm (2 workers; tfjs-node not installed)". */
  reason?: string;
  /** what runs the frozen backbone's inference (embeddings, frozen-part features) */
  inference?: InferenceEngine;
  /** why not ONNX Runtime, when auto fell back */
  inferenceNote?: string;
  /** fine-tuning's 1x1 convolutions run on ONNX Runtime too (its synchronous binding loaded) */
  pointwise?: boolean;
  /** a quantized backbone's embedding runs in int8 on ONNX Runtime (not --inference onnxruntime-float) */
  int8?: boolean;
}

/** What runs on ONNX Runtime, for the "backend:" line people read ("" when nothing does). */
export function onnxRuntimeNote(e: { inference?: InferenceEngine; pointwise?: boolean }): string {
  if (e.inference !== 'onnxruntime') return '';
  return e.pointwise ? "; backbone inference and fine-tuning's 1x1 convolutions on ONNX Runtime" : '; backbone inference on ONNX Runtime';
}

export function parseBackend(s: string | undefined): BackendPreference {
  if (s === undefined || s === 'auto') return 'auto';
  if (s === 'node' || s === 'wasm' || s === 'cpu') return s;
  throw new UsageError(`unknown backend "${s}"`, 'use --backend node, wasm, cpu or auto');
}

export function parseInference(s: string | undefined): InferencePreference {
  if (s === undefined || s === 'auto') return 'auto';
  if ((INFERENCE_PREFERENCES as string[]).includes(s)) return s as InferencePreference;
  throw new UsageError(`unknown inference engine "${s}"`, 'use --inference onnxruntime, onnxruntime-float, tfjs or auto');
}
