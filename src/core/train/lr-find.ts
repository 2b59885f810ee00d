import * as tf from '@tensorflow/tfjs';
import { gatherRows } from '../embed/rows.js';
import type { EventSink } from '../events.js';
import { makeRng, shuffleInPlace } from '../random.js';
import { buildHead, lossOf, type LabelledEmbeddings } from './head.js';

/**
 * The learning-rate range test (Smith 2015, fastai's lr_find): train a fresh head for a few
 * hundred steps while the learning rate grows exponentially, and watch the loss. It falls, then
 * blows up; a good rate is where it falls fastest, well before the minimum.
 */
export interface LrPoint {
  lr: number;
  loss: number;
  /** exponentially smoothed, bias-corrected */
  smoothed: number;
}

export interface LrFindResult {
  points: LrPoint[];
  /** steepest descent of the smoothed loss (per log-lr), before its minimum */
  suggestion: number;
  /** the rate at the minimum of the smoothed loss, divided by 10 (fastai's classic rule) */
  minOver10: number;
  /**
   * whether the loss rose again within the range: false when it still falls at the end, so the
   * "minimum" is only the range's end (minOver10 means nothing then: a wider range would tell)
   */
  lossRose: boolean;
}

export interface LrFindOptions {
  numClasses: number;
  hiddenUnits: number;
  batchSize: number;
  startLr: number;
  endLr: number;
  steps: number;
  seed: number;
}

export function suggestLr(points: LrPoint[]): { suggestion: number; minOver10: number; lossRose: boolean } {
  if (points.length < 10) return { suggestion: points[0]?.lr ?? 1e-3, minOver10: (points[0]?.lr ?? 1e-2) / 10, lossRose: false };
  let iMin = 0;
  points.forEach((p, i) => {
    if (p.smoothed < points[iMin].smoothed) iMin = i;
  });
  // slope over a window (the first steps are noise: the smoothing is still warming up)
  const w = Math.max(2, Math.round(points.length / 20));
  const start = Math.max(w, Math.round(points.length / 10));
  let best = 0;
  let iBest = Math.min(iMin, start);
  for (let i = start; i + w <= iMin; i++) {
    const a = points[i - w];
    const b = points[i + w];
    const slope = (b.smoothed - a.smoothed) / (Math.log10(b.lr) - Math.log10(a.lr));
    if (slope < best) {
      best = slope;
      iBest = i;
    }
  }
  // risen: after its minimum the smoothed loss climbed by more than noise (or blew up: the sweep stops there)
  const lossRose = iMin < points.length - 1 && points[points.length - 1].smoothed > points[iMin].smoothed * 1.05;
  return { suggestion: points[iBest].lr, minOver10: points[iMin].lr / 10, lossRose };
}

export async function lrFind(
  train: LabelledEmbeddings,
  o: LrFindOptions,
  hooks: { onEvent?: EventSink; shouldStop?: () => boolean; yieldNow?: () => Promise<void> } = {},
): Promise<LrFindResult> {
  const head = buildHead(train.dim, { numClasses: o.numClasses, hiddenUnits: o.hiddenUnits, seed: o.seed });
  const opt = tf.train.adam(o.startLr);
  const vars = head.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
  const n = train.y.length;
  const bs = Math.max(1, Math.min(o.batchSize, n));
  const rng = makeRng(o.seed);
  let order = shuffleInPlace(
    Array.from({ length: n }, (_, i) => i),
    rng,
  );
  let cursor = 0;
  const points: LrPoint[] = [];
  let avg = 0;
  let best = Infinity;
  const ratio = Math.pow(o.endLr / o.startLr, 1 / Math.max(1, o.steps - 1));
  try {
    for (let s = 0; s < o.steps; s++) {
      if (hooks.shouldStop?.()) break;
      const lr = o.startLr * Math.pow(ratio, s);
      (opt as unknown as { learningRate: number }).learningRate = lr;
      if (cursor + bs > n) {
        order = shuffleInPlace(order, rng);
        cursor = 0;
      }
      const idx = order.slice(cursor, cursor + bs);
      cursor += bs;
      const loss = tf.tidy(() => {
        const x = tf.tensor2d(gatherRows(train.x, train.dim, idx), [idx.length, train.dim]);
        const y = tf.tensor1d(Int32Array.from(idx.map((r) => train.y[r])), 'int32');
        const cost = opt.minimize(() => lossOf(head.apply(x) as tf.Tensor2D, y, o.numClasses, 0), true, vars)!;
        return cost.dataSync()[0];
      });
      avg = 0.98 * avg + 0.02 * loss;
      const smoothed = avg / (1 - Math.pow(0.98, s + 1));
      points.push({ lr, loss, smoothed });
      best = Math.min(best, smoothed);
      if (hooks.onEvent && (s % 10 === 0 || s === o.steps - 1))
        hooks.onEvent({ type: 'batch', phase: 'lr-find', epoch: 1, batch: s + 1, batches: o.steps, loss: smoothed, lr });
      if (!Number.isFinite(loss) || (s > 10 && smoothed > 4 * best)) break; // diverged: the rest says nothing
      if (hooks.yieldNow && s % 8 === 7) await hooks.yieldNow();
    }
  } finally {
    head.dispose();
    opt.dispose();
  }
  return { points, ...suggestLr(points) };
}
