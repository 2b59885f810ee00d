import * as tf from '@tensorflow/tfjs';
import { initBackend, type BackendInfo, type BackendPreference } from '../backend/select.js';
import { loadBackbone, type Backbone, type BackboneSource } from '../backbones/load.js';
import type { LayerRow } from '../backbones/layer-summary.js';
import type { BackboneSpec, ResizeMode } from '../backbones/spec.js';
import type { PetlabEvent } from '../events.js';
import { headProbabilities, trainHead, type EpochStats, type HeadOptions, type LabelledEmbeddings } from '../train/head.js';
import { loadHead, writeSavedModel, type SavedModelMeta } from '../model/saved-model.js';

/**
 * What a worker thread can do. State (the loaded backbone, the trained head) lives here, in the
 * worker, so big tensors never cross threads: only pixels in and small arrays out.
 */
export interface CallContext {
  emit(e: PetlabEvent): void;
  cancelled(): boolean;
}

interface WorkerState {
  backend?: BackendInfo;
  backbone?: Backbone;
  head?: tf.LayersModel;
}
const state: WorkerState = {};

type Out<T> = Promise<{ result: T; transfer?: ArrayBuffer[] }>;

const nextTick = () => new Promise<void>((r) => setImmediate(r));

export interface LoadedBackboneInfo {
  spec: BackboneSpec;
  layers: LayerRow[];
  warnings: string[];
  labels?: string[];
  embeddingDim: number;
}

function requireBackbone(): Backbone {
  if (!state.backbone) throw new Error('no backbone loaded in this worker');
  return state.backbone;
}

function requireHead(): tf.LayersModel {
  if (!state.head) throw new Error('no head loaded in this worker');
  return state.head;
}

function pixelsTensor(pixels: Uint8Array, n: number, spec: BackboneSpec): tf.Tensor4D {
  const [h, w] = spec.inputSize;
  // int32 avoids a float copy in JS; the backbone casts once, on the backend
  return tf.tensor4d(Int32Array.from(pixels), [n, h, w, 3], 'int32');
}

export const handlers = {
  async init(p: { backend: BackendPreference }): Out<BackendInfo> {
    state.backend = await initBackend(p.backend);
    return { result: state.backend };
  },

  async loadBackbone(p: { source: BackboneSource; cacheDir: string; resize: ResizeMode }): Out<LoadedBackboneInfo> {
    state.backbone?.dispose();
    state.backbone = undefined;
    const bb = await loadBackbone(p.source, { cacheDir: p.cacheDir, resize: p.resize });
    state.backbone = bb;
    const shape = bb.model.getLayer(bb.spec.embeddingLayer).outputShape as number[];
    const embeddingDim = shape[shape.length - 1];
    return { result: { spec: bb.spec, layers: bb.layers(), warnings: bb.warnings, labels: bb.labels, embeddingDim } };
  },

  async embed(p: { pixels: Uint8Array; n: number }): Out<Float32Array> {
    const bb = requireBackbone();
    const out = tf.tidy(() => bb.embed(pixelsTensor(p.pixels, p.n, bb.spec)));
    const data = (await out.data()) as Float32Array;
    out.dispose();
    return { result: data, transfer: [data.buffer as ArrayBuffer] };
  },

  /** ImageNet (pretrained top) probabilities, for sanity checks of a backbone. */
  async classifyPretrained(p: { pixels: Uint8Array; n: number }): Out<Float32Array> {
    const bb = requireBackbone();
    const out = tf.tidy(() => {
      const y = bb.model.predict(bb.preprocess(pixelsTensor(p.pixels, p.n, bb.spec))) as tf.Tensor;
      return tf.reshape(y, [p.n, -1]);
    });
    const data = (await out.data()) as Float32Array;
    out.dispose();
    return { result: data, transfer: [data.buffer as ArrayBuffer] };
  },

  async trainHead(
    p: { train: LabelledEmbeddings; val?: LabelledEmbeddings; options: HeadOptions; checkpoint?: { dir: string; meta: SavedModelMeta } },
    ctx: CallContext,
  ): Out<{ history: EpochStats[]; stopped: boolean }> {
    state.head?.dispose();
    state.head = undefined;
    const history: EpochStats[] = [];
    const { head, stopped, optimizer } = await trainHead(p.train, p.val, p.options, {
      onEvent: ctx.emit,
      shouldStop: ctx.cancelled,
      yieldEvery: nextTick,
      onEpochEnd: async (stats, h) => {
        history.push(stats);
        if (p.checkpoint) {
          const meta: SavedModelMeta = { ...p.checkpoint.meta, complete: false, epochsDone: stats.epoch, history: history.map((s) => ({ ...s })) };
          await writeSavedModel(p.checkpoint.dir, meta, { head: h, state: { json: { epoch: stats.epoch, phase: 'train' } } });
          ctx.emit({ type: 'checkpoint', path: p.checkpoint.dir, epoch: stats.epoch, valAcc: stats.valAcc });
        }
      },
    });
    optimizer.dispose();
    state.head = head;
    return { result: { history, stopped } };
  },

  async headProbabilities(p: { x: Float32Array; dim: number }): Out<Float32Array> {
    const probs = headProbabilities(requireHead(), p.x, p.dim);
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

  async release(): Out<null> {
    state.head?.dispose();
    state.head = undefined;
    state.backbone?.dispose();
    state.backbone = undefined;
    await nextTick();
    return { result: null };
  },
};

export type Handlers = typeof handlers;
