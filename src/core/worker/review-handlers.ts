import { headProbabilities, trainHead, type HeadOptions, type LabelledEmbeddings } from '../train/head.js';
import { closePairs, type ClosePairs } from '../review/close-pairs.js';
import type { CallContext } from './protocol.js';

type Out<T> = Promise<{ result: T; transfer?: ArrayBuffer[] }>;

const nextTick = () => new Promise<void>((r) => setImmediate(r));

/** Worker handlers of the dataset review: a head per fold, near-duplicate candidates. */
export const reviewHandlers = {
  /** Train a throwaway head on one fold's training rows and return its probabilities for the held-out rows. */
  async foldProbabilities(
    p: { train: LabelledEmbeddings; heldOut: Float32Array; options: HeadOptions },
    ctx: CallContext,
  ): Out<{ probs: Float32Array; stopped: boolean }> {
    const { head, optimizer, stopped } = await trainHead(p.train, undefined, p.options, { shouldStop: ctx.cancelled, yieldEvery: nextTick });
    try {
      const probs = stopped ? new Float32Array(0) : headProbabilities(head, p.heldOut, p.train.dim);
      return { result: { probs, stopped }, transfer: [probs.buffer as ArrayBuffer] };
    } finally {
      optimizer.dispose();
      head.dispose();
    }
  },

  async closePairs(p: { unit: Float32Array; dim: number; from: number; to: number; maxDistance: number }): Out<ClosePairs> {
    const r = closePairs(p.unit, p.dim, p.from, p.to, p.maxDistance);
    return { result: r, transfer: [r.a.buffer, r.b.buffer, r.distance.buffer] as ArrayBuffer[] };
  },
};
