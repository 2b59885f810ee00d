import { PetlabError } from '../errors.js';
import { assertFiniteValues } from '../train/finite.js';
import type { EpochStats } from '../train/head.js';
import { pairProbabilities, trainPairsHead, type PairsHead, type PairsHeadOptions } from '../pairs/head.js';
import { loadPairsHead, writePairsModel, type PairsModelMeta } from '../pairs/saved.js';
import type { CallContext } from './protocol.js';

type Out<T> = Promise<{ result: T; transfer?: ArrayBuffer[] }>;

const nextTick = () => new Promise<void>((r) => setImmediate(r));

/** the pairs head of this worker (beside, not instead of, a classifier head) */
let pairsHead: PairsHead | undefined;

function requirePairsHead(): PairsHead {
  if (!pairsHead) throw new PetlabError('no pairs model loaded', { kind: 'internal' });
  return pairsHead;
}

/** Worker handlers of pairs models (src/core/pairs): train, save, load, score pairs. */
export const pairsHandlers = {
  async pairsTrain(
    p: { x: Float32Array; y: Int32Array; dim: number; options: PairsHeadOptions },
    ctx: CallContext,
  ): Out<{ history: EpochStats[]; stopped: boolean }> {
    assertFiniteValues(p.x, 'a feature of the backbone is');
    pairsHead?.head.dispose();
    pairsHead = undefined;
    const { head, center, history, stopped } = await trainPairsHead(p.x, p.y, p.dim, p.options, {
      onEvent: ctx.emit,
      shouldStop: ctx.cancelled,
      yieldEvery: nextTick,
    });
    pairsHead = { head, center };
    return { result: { history, stopped } };
  },

  async pairsSave(p: { dir: string; meta: PairsModelMeta }): Out<null> {
    await writePairsModel(p.dir, p.meta, requirePairsHead());
    return { result: null };
  },

  async pairsLoad(p: { dir: string; dim: number }): Out<null> {
    const head = await loadPairsHead(p.dir, p.dim);
    pairsHead?.head.dispose();
    pairsHead = head;
    return { result: null };
  },

  /** The loaded head's centre (the mean training embedding). */
  async pairsCenter(): Out<Float32Array> {
    return { result: requirePairsHead().center.slice() };
  },

  /** P(same) of each pair of rows (a[i], b[i]) of the embeddings x. */
  async pairsScore(p: { x: Float32Array; dim: number; a: Int32Array; b: Int32Array }): Out<Float32Array> {
    assertFiniteValues(p.x, 'a feature of the backbone is');
    const probs = pairProbabilities(requirePairsHead(), p.x, p.dim, p.a, p.b);
    assertFiniteValues(probs, 'a pair probability is');
    return { result: probs, transfer: [probs.buffer as ArrayBuffer] };
  },
};
