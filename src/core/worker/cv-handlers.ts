import { headProbabilities, trainHead, type HeadOptions, type LabelledEmbeddings } from '../train/head.js';
import type { CallContext } from './protocol.js';

type Out<T> = Promise<{ result: T; transfer?: ArrayBuffer[] }>;

const nextTick = () => new Promise<void>((r) => setImmediate(r));

/**
 * One fold of a cross-validation: a throwaway head trained on the fold's training rows, its class
 * probabilities for the held-out rows (and for their mirror images, for flip TTA). The worker's
 * own head (the model loaded for predictions) is left alone.
 */
export const cvHandlers = {
  async crossValidateFold(
    p: { train: LabelledEmbeddings; val: { x: Float32Array; dim: number }; valFlipped?: Float32Array; options: HeadOptions },
    ctx: CallContext,
  ): Out<{ probs: Float32Array; flippedProbs?: Float32Array; stopped: boolean }> {
    const { head, optimizer, stopped } = await trainHead(p.train, undefined, p.options, { shouldStop: ctx.cancelled, yieldEvery: nextTick });
    try {
      const probs = headProbabilities(head, p.val.x, p.val.dim);
      const flippedProbs = p.valFlipped ? headProbabilities(head, p.valFlipped, p.val.dim) : undefined;
      return {
        result: { probs, flippedProbs, stopped },
        transfer: [probs.buffer as ArrayBuffer, ...(flippedProbs ? [flippedProbs.buffer as ArrayBuffer] : [])],
      };
    } finally {
      optimizer.dispose();
      head.dispose();
    }
  },
};
