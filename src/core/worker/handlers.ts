import * as tf from '@tensorflow/tfjs';
import { assertFiniteValues } from '../train/finite.js';
import { initBackend, type BackendInfo, type BackendPreference } from '../backend/select.js';
import { loadBackbone, type BackboneSource } from '../backbones/load.js';
import type { LayerRow } from '../backbones/layer-summary.js';
import type { BackboneSpec, ResizeMode } from '../backbones/spec.js';
import { state, requireBackbone, requireHead } from './state.js';
import { networkInput } from './pixels.js';
import { fineTuneHandlers } from './fine-tune-handlers.js';
import { pairsHandlers } from './pairs-handlers.js';
import { exportHandlers } from './export-handlers.js';
import { reviewHandlers } from './review-handlers.js';
import { cvHandlers } from './cv-handlers.js';
import type { CallContext } from './protocol.js';
import type { InferencePreference } from '../backend/names.js';
import { backboneChanged, runsInt8, initInference, onnxOrFallback, setInferenceThreads } from './onnx-inference.js';
import { headProbabilities, trainHead, type EpochStats, type HeadOptions, type LabelledEmbeddings } from '../train/head.js';
import { loadHead, readSavedModelMeta, readStateJson, readStateTensors, writeSavedModel, type SavedModelMeta } from '../model/saved-model.js';

const readSavedModelMetaSafe = (dir: string) => readSavedModelMeta(dir).catch(() => undefined);
import { clearActivationCache, computeActivations, explainLayerRows, type ActivationPage, type ActivationRequest } from '../explain/activations.js';
import { computeGradCam, type GradCamRequest, type GradCamResult } from '../explain/grad-cam.js';
import type { ExplainLayerRow } from '../explain/layers.js';

/**
 * What a worker thread can do. State (the loaded backbone, the trained head) lives here, in the
 * worker, so big tensors never cross threads: only pixels in and small arrays out.
 */

type Out<T> = Promise<{ result: T; transfer?: ArrayBuffer[] }>;

const nextTick = () => new Promise<void>((r) => setImmediate(r));

export interface LoadedBackboneInfo {
  spec: BackboneSpec;
  layers: LayerRow[];
  warnings: string[];
  labels?: string[];
  embeddingDim: number;
  /** the embedding runs in int8 on ONNX Runtime (its values differ from float's: cached apart) */
  int8: boolean;
}

export const handlers = {
  ...fineTuneHandlers,
  ...pairsHandlers,
  ...exportHandlers,
  ...reviewHandlers,
  ...cvHandlers,
  async init(p: { backend: BackendPreference; nodeModule?: string; inference?: InferencePreference; onnxModule?: string }): Out<BackendInfo> {
    state.backend = await initBackend(p.backend, { nodeModule: p.nodeModule });
    const inf = await initInference(p.inference ?? 'auto', state.backend.name, p.onnxModule);
    return { result: { ...state.backend, inference: inf.engine, inferenceNote: inf.note, pointwise: inf.pointwise, int8: inf.int8 } };
  },

  async setInferenceThreads(p: { threads: number }): Out<null> {
    setInferenceThreads(p.threads);
    return { result: null };
  },

  /** What the wasm backend can use on this machine (petlab doctor): SIMD, threads. */
  async wasmFeatures(): Out<{ simd: boolean; multithread: boolean; threads: number | null }> {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
    const multithread = Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'));
    return { result: { simd, multithread, threads: tf.getBackend() === 'wasm' ? wasm.getThreadsCount() : null } };
  },

  async loadBackbone(p: { source: BackboneSource; cacheDir: string; resize: ResizeMode }): Out<LoadedBackboneInfo> {
    clearActivationCache();
    backboneChanged();
    state.backbone?.dispose();
    state.backbone = undefined;
    const bb = await loadBackbone(p.source, { cacheDir: p.cacheDir, resize: p.resize });
    state.backbone = bb;
    const shape = bb.model.getLayer(bb.spec.embeddingLayer).outputShape as number[];
    const embeddingDim = shape[shape.length - 1];
    return { result: { spec: bb.spec, layers: bb.layers(), warnings: bb.warnings, labels: bb.labels, embeddingDim, int8: runsInt8(bb) } };
  },

  async embed(p: { pixels: Uint8Array; n: number }, ctx: CallContext): Out<Float32Array> {
    const bb = requireBackbone();
    const fast = await onnxOrFallback(bb, p.pixels, p.n, undefined, ctx);
    if (fast) return { result: fast, transfer: [fast.buffer as ArrayBuffer] };
    const out = tf.tidy(() => bb.embedInput(networkInput(p.pixels, p.n, bb.spec)));
    try {
      const data = (await out.data()) as Float32Array;
      return { result: data, transfer: [data.buffer as ArrayBuffer] };
    } finally {
      out.dispose();
    }
  },

  /** ImageNet (pretrained top) probabilities, for sanity checks of a backbone. */
  async classifyPretrained(p: { pixels: Uint8Array; n: number }): Out<Float32Array> {
    const bb = requireBackbone();
    const out = tf.tidy(() => {
      const y = bb.model.predict(networkInput(p.pixels, p.n, bb.spec)) as tf.Tensor;
      return tf.reshape(y, [p.n, -1]);
    });
    const data = (await out.data()) as Float32Array;
    out.dispose();
    return { result: data, transfer: [data.buffer as ArrayBuffer] };
  },

  async trainHead(
    p: { train: LabelledEmbeddings; val?: LabelledEmbeddings; options: HeadOptions; checkpoint?: { dir: string; meta: SavedModelMeta }; resumeFrom?: string },
    ctx: CallContext,
  ): Out<{ history: EpochStats[]; stopped: boolean }> {
    state.head?.dispose();
    state.head = undefined;
    const history: EpochStats[] = [];
    // --resume: the head and Adam's moments of the last checkpoint, and its epoch
    let resume: { head: tf.Sequential; optimizer: tf.Optimizer; startEpoch: number } | undefined;
    if (p.resumeFrom) {
      const json = await readStateJson(p.resumeFrom);
      const tensors = await readStateTensors(p.resumeFrom);
      if (json?.phase === 'train' && typeof json.epoch === 'number') {
        const head = (await loadHead(p.resumeFrom)) as tf.Sequential;
        const optimizer = tf.train.adam(p.options.learningRate);
        // Adam's setWeights copies the moments into new variables (in the order they were saved)
        if (tensors) await optimizer.setWeights(Object.entries(tensors).map(([name, tensor]) => ({ name, tensor })));
        resume = { head, optimizer, startEpoch: json.epoch };
        history.push(...(((await readSavedModelMetaSafe(p.resumeFrom))?.history ?? []) as unknown as EpochStats[]));
      }
      if (tensors) tf.dispose(Object.values(tensors));
    }
    const { head, stopped, optimizer } = await trainHead(p.train, p.val, p.options, {
      onEvent: ctx.emit,
      shouldStop: ctx.cancelled,
      yieldEvery: nextTick,
      ...(resume ? { head: resume.head, optimizer: resume.optimizer, startEpoch: resume.startEpoch } : {}),
      onEpochEnd: async (stats, h, opt) => {
        history.push(stats);
        if (p.checkpoint) {
          const meta: SavedModelMeta = {
            ...p.checkpoint.meta,
            complete: false,
            epochsDone: stats.epoch,
            history: history.map((s) => ({ ...s, phase: 'train' })),
          };
          const weights = await opt.getWeights();
          const tensors: tf.NamedTensorMap = Object.fromEntries(weights.map((w) => [w.name, w.tensor]));
          try {
            await writeSavedModel(p.checkpoint.dir, meta, { head: h, state: { json: { epoch: stats.epoch, phase: 'train' }, tensors } });
          } finally {
            tf.dispose(weights.filter((w) => w.name === 'iter').map((w) => w.tensor)); // a fresh scalar; the rest are Adam's own
          }
          ctx.emit({ type: 'checkpoint', path: p.checkpoint.dir, epoch: stats.epoch, valAcc: stats.valAcc });
        }
      },
    });
    optimizer.dispose();
    state.head = head;
    return { result: { history, stopped } };
  },

  async headProbabilities(p: { x: Float32Array; dim: number }): Out<Float32Array> {
    assertFiniteValues(p.x, 'a feature of the backbone is');
    const probs = headProbabilities(requireHead(), p.x, p.dim);
    assertFiniteValues(probs, 'a prediction is');
    return { result: probs, transfer: [probs.buffer as ArrayBuffer] };
  },

  async loadHead(p: { dir: string }): Out<{ inputDim: number; numClasses: number }> {
    state.head?.dispose();
    state.head = await loadHead(p.dir);
    return { result: { inputDim: state.head.inputs[0].shape[1] as number, numClasses: state.head.outputs[0].shape[1] as number } };
  },

  async saveModel(p: { dir: string; meta: SavedModelMeta }): Out<null> {
    await writeSavedModel(p.dir, p.meta, { head: requireHead() });
    return { result: null };
  },

  async memory(): Out<{ numTensors: number; numBytes: number }> {
    const m = tf.memory();
    return { result: { numTensors: m.numTensors, numBytes: m.numBytes } };
  },

  /** Layers of the backbone (to the embedding) and of the loaded head, for the activations view. */
  async explainLayers(): Out<ExplainLayerRow[]> {
    return { result: explainLayerRows({ backbone: requireBackbone(), head: state.head }) };
  },

  /** One page of a layer's feature maps for one image (pixels at the backbone's input size). */
  async activations(p: { pixels: Uint8Array; request: ActivationRequest; useHead: boolean }): Out<ActivationPage> {
    const page = await computeActivations({ backbone: requireBackbone(), head: p.useHead ? state.head : undefined }, p.pixels, p.request);
    const s = page.stats;
    return {
      result: page,
      transfer: [page.maps.buffer, page.heat.buffer, s.mean.buffer, s.max.buffer, s.active.buffer, s.strength.buffer, s.order.buffer] as ArrayBuffer[],
    };
  },

  async gradCam(p: { pixels: Uint8Array; request: GradCamRequest }): Out<GradCamResult> {
    const r = await computeGradCam(requireBackbone(), p.request.target === 'head' ? requireHead() : undefined, p.pixels, p.request);
    return { result: r, transfer: [r.cam.buffer, r.probabilities.buffer] as ArrayBuffer[] };
  },

  async release(): Out<null> {
    clearActivationCache();
    backboneChanged();
    state.head?.dispose();
    state.head = undefined;
    state.backbone?.dispose();
    state.backbone = undefined;
    await nextTick();
    return { result: null };
  },
};

export type Handlers = typeof handlers;
