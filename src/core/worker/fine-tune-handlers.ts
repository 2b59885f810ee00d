import * as tf from '@tensorflow/tfjs';
import { buildTrainablePart, toBf16 } from '../backbones/trainable.js';
import { planUnfreeze, segmentsUpTo, type Segment, type UnfreezePlan, type UnfreezeSpec } from '../backbones/segments.js';
import { loadHead, readStateJson, readStateTensors, writeSavedModel, type SavedModelMeta } from '../model/saved-model.js';
import type { EpochStats, LabelledEmbeddings } from '../train/head.js';
import { lrFind, type LrFindOptions, type LrFindResult } from '../train/lr-find.js';
import { fineTune, type CutFeatures, type FineTuneOptions } from '../train/fine-tune.js';
import type { CallContext } from './protocol.js';
import { networkInput } from './pixels.js';
import { backboneTrained, onnxOrFallback, trainingPointwise } from './onnx-inference.js';
import { requireBackbone, requireHead, state } from './state.js';
import type { Backbone } from '../backbones/load.js';
import { frozenPartRanges } from '../backbones/tflite/activation-ranges.js';
import { GradientExchange, type ExchangeLayout } from '../train/data-parallel.js';

type Out<T> = Promise<{ result: T; transfer?: ArrayBuffer[] }>;

const nextTick = () => new Promise<void>((r) => setImmediate(r));

export interface FineTuneRequest {
  cut: string;
  trainable: string[];
  /** layer name → block index (0 = lowest unfrozen block) */
  blocks: Record<string, number>;
  train: CutFeatures;
  val?: CutFeatures;
  options: FineTuneOptions;
  checkpoint?: { dir: string; meta: SavedModelMeta };
  /** continue from the checkpoint in this model folder */
  resumeFrom?: string;
  /** data parallelism: this worker's rank in a shared gradient exchange; ranks > 0 load the head from headFrom */
  parallel?: { layout: ExchangeLayout; rank: number; headFrom?: string };
}

/** Worker handlers of the fine-tuning phase: frozen-part features, then training of the top. */
export const fineTuneHandlers = {
  /** Floats in the trainable part plus the head: the size of a gradient exchange. */
  async trainableSize(p: { cut: string; trainable: string[] }): Out<number> {
    const bb = requireBackbone();
    const part = buildTrainablePart(bb.model, p.cut, p.trainable, bb.spec.embeddingLayer, bb.spec.embeddingPool, () => 0);
    const head = requireHead();
    return { result: part.vars.reduce((a, v) => a + v.variable.size, 0) + head.trainableWeights.reduce((a, w) => a + w.read().size, 0) };
  },

  /** The learning-rate range test on a fresh head over frozen embeddings. */
  async lrFind(p: { train: LabelledEmbeddings; options: LrFindOptions }, ctx: CallContext): Out<LrFindResult> {
    return { result: await lrFind(p.train, p.options, { onEvent: ctx.emit, shouldStop: ctx.cancelled, yieldNow: nextTick }) };
  },

  /** Which layers --unfreeze makes trainable, and where the network is cut. */
  async planUnfreeze(p: { spec: UnfreezeSpec }): Out<{ plan: UnfreezePlan; blocks: Record<string, number>; cutShape: number[]; segments: Segment[] }> {
    const bb = requireBackbone();
    const segs = segmentsUpTo(bb.model, bb.spec.embeddingLayer, bb.plan.visible);
    const plan = planUnfreeze(segs, p.spec, (l) => bb.model.getLayer(l).countParams());
    const blocks: Record<string, number> = {};
    const first = segs.length - plan.blocks;
    segs.forEach((s, i) => {
      if (i >= first) for (const l of s.layers) blocks[l] = i - first;
    });
    const cutShape = (bb.model.getLayer(plan.cut).outputShape as number[]).slice(1);
    return { result: { plan, blocks, cutShape, segments: segs } };
  },

  /** The frozen part's output (the cut layer) for n pictures, as bfloat16 rows. */
  async cutFeatures(p: { pixels: Uint8Array; n: number; cut: string }, ctx: CallContext): Out<Uint16Array> {
    const bb = requireBackbone();
    const fast = await onnxOrFallback(bb, p.pixels, p.n, p.cut, ctx);
    if (fast) {
      const data = toBf16(fast);
      return { result: data, transfer: [data.buffer as ArrayBuffer] };
    }
    const y = tf.tidy(() => bb.plan.run(networkInput(p.pixels, p.n, bb.spec), p.cut));
    try {
      const data = toBf16((await y.data()) as Float32Array);
      return { result: data, transfer: [data.buffer as ArrayBuffer] };
    } finally {
      y.dispose();
    }
  },

  async fineTune(p: FineTuneRequest, ctx: CallContext): Out<{ history: EpochStats[]; stopped: boolean; earlyStopped: boolean }> {
    const bb = requireBackbone();
    const rank = p.parallel?.rank ?? 0;
    if (rank > 0 && p.parallel?.headFrom) {
      state.head?.dispose();
      state.head = await loadHead(p.parallel.headFrom);
    }
    const head = requireHead() as tf.Sequential;
    const exchange = p.parallel ? new GradientExchange(p.parallel.layout, rank) : undefined;
    const part = buildTrainablePart(bb.model, p.cut, p.trainable, bb.spec.embeddingLayer, bb.spec.embeddingPool, (l) => p.blocks[l] ?? 0, trainingPointwise());
    keepFrozenRanges(bb, p.cut);
    let startEpoch = 0;
    let optimizerState: { step: number; tensors: tf.NamedTensorMap } | undefined;
    let rawWeights: tf.Tensor[] | undefined;
    if (p.resumeFrom) {
      const json = await readStateJson(p.resumeFrom);
      const tensors = await readStateTensors(p.resumeFrom);
      if (json?.phase === 'fine-tune' && typeof json.epoch === 'number') {
        startEpoch = json.epoch;
        if (tensors && typeof json.step === 'number') optimizerState = { step: json.step, tensors };
        const raw = Object.keys(tensors ?? {})
          .filter((k) => k.startsWith('raw/'))
          .sort((a, b) => Number(a.slice(4)) - Number(b.slice(4)));
        if (raw.length) rawWeights = raw.map((k) => tensors![k]);
      } else if (tensors) tf.dispose(Object.values(tensors));
    }
    const history: EpochStats[] = [];
    // the backbone's top is trained from here on: inference built from its old weights is stale
    backboneTrained();
    try {
      const res = await fineTune(part, head, p.train, p.val, p.options, {
        exchange,
        onEvent: rank === 0 ? ctx.emit : undefined,
        shouldStop: ctx.cancelled,
        yieldNow: nextTick,
        startEpoch,
        optimizerState,
        rawWeights,
        onEpochEnd: async (stats, opt, raw) => {
          history.push(stats);
          if (!p.checkpoint) return;
          const meta: SavedModelMeta = {
            ...p.checkpoint.meta,
            complete: false,
            epochsDone: stats.epoch,
            history: [...p.checkpoint.meta.history, ...history.map((s) => ({ ...s, phase: 'fine-tune' }))],
          };
          const st = opt.exportState();
          // with weight averaging, the model files hold the average and the state the raw weights
          const tensors: tf.NamedTensorMap = { ...st.tensors, ...Object.fromEntries((raw ?? []).map((t, i) => [`raw/${i}`, t])) };
          try {
            await writeSavedModel(p.checkpoint.dir, meta, {
              head,
              backbone: bb.model,
              state: { json: { phase: 'fine-tune', epoch: stats.epoch, step: st.step, cut: p.cut }, tensors },
            });
          } finally {
            tf.dispose(Object.values(st.tensors));
          }
          ctx.emit({ type: 'checkpoint', path: p.checkpoint.dir, epoch: stats.epoch, valAcc: stats.valAcc });
        },
      });
      return { result: { history: res.history, stopped: res.stopped, earlyStopped: res.earlyStopped } };
    } finally {
      backboneTrained();
      if (optimizerState) tf.dispose(Object.values(optimizerState.tensors));
    }
  },
};

/**
 * The saved backbone carries the int8 grids of its frozen part only (model.json's petlab metadata):
 * a fine-tuned model then predicts its lower part in int8 (on ONNX Runtime), from the very features
 * its top was trained on, and its top in float. The grids of the trained layers no longer hold.
 */
function keepFrozenRanges(bb: Backbone, cut: string): void {
  const md = (bb.model.getUserDefinedMetadata() ?? {}) as { petlab?: Record<string, unknown> };
  const petlab = { ...md.petlab };
  delete petlab.activationRanges;
  const frozen = bb.activationRanges && frozenPartRanges(bb.model, bb.activationRanges, cut);
  if (frozen) petlab.frozenActivationRanges = frozen;
  bb.model.setUserDefinedMetadata({ ...md, petlab });
}
