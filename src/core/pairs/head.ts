/**
 * The pairs head: two embeddings a, b, L2-normalised (optionally first centred on the mean
 * training embedding, as SimpleShot does) → [|a-b|, a*b] → a small ReLU layer, plus a
 * linear path straight from the features, → one logit, sigmoid = P(same class). The linear path
 * starts as a scaled cosine similarity (the sum of a*b), so training starts from the baseline
 * and learns which feature dimensions matter for telling classes apart.
 */
import * as tf from '@tensorflow/tfjs';
import type { EpochStats, EventSink } from '../events.js';
import { assertFiniteLoss } from '../train/finite.js';
import type { PairsHeadOptions } from './options.js';
import { meanRow, samplePairs, unitRows } from './sampler.js';

export { PAIRS_DEFAULTS, type PairsHeadOptions } from './options.js';

/** initial logit = COS_SCALE * (cosine - COS_THRESHOLD) */
const COS_SCALE = 10;
const COS_THRESHOLD = 0.3;

export function buildPairsHead(dim: number, o: Pick<PairsHeadOptions, 'hiddenUnits' | 'seed'>): tf.LayersModel {
  const input = tf.input({ shape: [2 * dim], name: 'pair_features' });
  // hiddenUnits 0: the linear path alone (a learned, weighted cosine)
  const hidden =
    o.hiddenUnits > 0
      ? (tf.layers
          .dense({ units: o.hiddenUnits, activation: 'relu', name: 'pairs_hidden', kernelInitializer: tf.initializers.heNormal({ seed: o.seed }) })
          .apply(input) as tf.SymbolicTensor)
      : undefined;
  const joined = hidden ? (tf.layers.concatenate({ name: 'pairs_join' }).apply([input, hidden]) as tf.SymbolicTensor) : input;
  const logit = tf.layers.dense({ units: 1, name: 'pairs_logit', kernelInitializer: 'zeros' }).apply(joined) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: logit, name: 'pairs_head' });
  const out = model.getLayer('pairs_logit');
  const kernel = new Float32Array(2 * dim + o.hiddenUnits);
  kernel.fill(COS_SCALE / dim, dim, 2 * dim); // the a*b half (scaled by dim, see pairFeatures): sums to the cosine
  const [k, b] = [tf.tensor2d(kernel, [kernel.length, 1]), tf.tensor1d([-COS_SCALE * COS_THRESHOLD])];
  out.setWeights([k, b]);
  tf.dispose([k, b]);
  return model;
}

/**
 * [|a-b|, a*b] for the given row pairs of unit embeddings, scaled by sqrt(dim) so that each
 * feature is of order 1 (unit rows of 1280 values are tiny each; the hidden layer would barely learn).
 */
export function pairFeatures(unit: tf.Tensor2D, a: Int32Array, b: Int32Array): tf.Tensor2D {
  return tf.tidy(() => {
    const scale = Math.sqrt(unit.shape[1]);
    const ea = tf.mul(tf.gather(unit, tf.tensor1d(a, 'int32')), scale);
    const eb = tf.mul(tf.gather(unit, tf.tensor1d(b, 'int32')), scale);
    return tf.concat([tf.abs(tf.sub(ea, eb)), tf.mul(ea, eb)], 1) as tf.Tensor2D;
  });
}

/** A trained head and the centre it was trained with. */
export interface PairsHead {
  head: tf.LayersModel;
  center: Float32Array;
}

/** P(same) for each pair (a[i], b[i]) of rows of raw embeddings x. */
export function pairProbabilities(h: PairsHead, x: Float32Array, dim: number, a: Int32Array, b: Int32Array, batch = 2048): Float32Array {
  const out = new Float32Array(a.length);
  const head = h.head;
  const unit = tf.tensor2d(unitRows(x, dim, h.center), [x.length / dim, dim]);
  try {
    for (let s = 0; s < a.length; s += batch) {
      const e = Math.min(a.length, s + batch);
      const p = tf.tidy(() => tf.sigmoid(head.predict(pairFeatures(unit, a.subarray(s, e), b.subarray(s, e))) as tf.Tensor));
      out.set(p.dataSync() as Float32Array, s);
      p.dispose();
    }
  } finally {
    unit.dispose();
  }
  return out;
}

export interface PairsTrainHooks {
  onEvent?: EventSink;
  shouldStop?: () => boolean;
  yieldEvery?: () => Promise<void>;
}

/**
 * Train a pairs head on the embeddings of labelled rows: each epoch a fresh seeded set of
 * balanced pairs (half the negatives hard), Adam on the sigmoid cross-entropy.
 */
export async function trainPairsHead(
  x: Float32Array,
  labels: Int32Array,
  dim: number,
  o: PairsHeadOptions,
  hooks: PairsTrainHooks = {},
): Promise<PairsHead & { history: EpochStats[]; stopped: boolean }> {
  const center = o.center ? meanRow(x, dim) : new Float32Array(dim);
  const unitX = unitRows(x, dim, center);
  const head = buildPairsHead(dim, o);
  const optimizer = tf.train.adam(o.learningRate);
  const unit = tf.tensor2d(unitX, [labels.length, dim]);
  const kernels = head.layers.flatMap((l) =>
    l.name.startsWith('pairs_') && l.getWeights(false)[0] ? [(l as unknown as { kernel: { val: tf.Variable } }).kernel.val] : [],
  );
  const vars = head.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
  const history: EpochStats[] = [];
  let stopped = false;
  try {
    for (let epoch = 0; epoch < o.epochs && !stopped; epoch++) {
      const t0 = Date.now();
      const pairs = samplePairs(labels, { count: o.pairsPerEpoch, seed: o.seed * 7919 + epoch, hardFraction: o.hardFraction, unit: { x: unitX, dim } });
      const batches = Math.ceil(pairs.a.length / o.batchSize);
      let lossSum = 0;
      let correct = 0;
      for (let bi = 0; bi < batches; bi++) {
        if (hooks.shouldStop?.()) {
          stopped = true;
          break;
        }
        const [s, e] = [bi * o.batchSize, Math.min(pairs.a.length, (bi + 1) * o.batchSize)];
        const [l, c] = tf.tidy((): number[] => {
          const feats = pairFeatures(unit, pairs.a.subarray(s, e), pairs.b.subarray(s, e));
          const y = tf.tensor2d(pairs.same.subarray(s, e), [e - s, 1]);
          let right: tf.Scalar | undefined;
          const cost = optimizer.minimize(
            () => {
              const logits = head.apply(feats) as tf.Tensor2D;
              right = tf.keep(tf.sum(tf.cast(tf.equal(tf.greater(logits, 0), tf.greater(y, 0.5)), 'int32')) as tf.Scalar);
              return tf.losses.sigmoidCrossEntropy(y, logits) as tf.Scalar;
            },
            true,
            vars,
          )!;
          for (const k of kernels) k.assign(tf.mul(k, 1 - o.learningRate * o.weightDecay));
          const r = [cost.dataSync()[0], right!.dataSync()[0]];
          right!.dispose();
          return r;
        });
        assertFiniteLoss(l, `pairs epoch ${epoch + 1}, batch ${bi + 1}`);
        lossSum += l * (e - s);
        correct += c;
        if (hooks.yieldEvery && bi % 8 === 7) await hooks.yieldEvery();
      }
      if (stopped) break;
      const n = pairs.a.length;
      const stats: EpochStats = {
        epoch: epoch + 1,
        loss: lossSum / n,
        acc: correct / n,
        valLoss: null,
        valAcc: null,
        lr: o.learningRate,
        seconds: (Date.now() - t0) / 1000,
      };
      history.push(stats);
      hooks.onEvent?.({ type: 'epoch', phase: 'train', epochs: o.epochs, ...stats });
    }
  } catch (e) {
    head.dispose();
    throw e;
  } finally {
    unit.dispose();
    optimizer.dispose();
  }
  return { head, center, history, stopped };
}
