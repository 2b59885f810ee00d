import * as tf from '@tensorflow/tfjs';
import { assertFiniteLoss } from './finite.js';
import type { EpochStats, EventSink } from '../events.js';
import { makeRng, shuffleInPlace } from '../random.js';
import { learningRateAt, type ScheduleName } from './schedule.js';

/** Embeddings (n rows of dim floats) with their labels. */
export interface LabelledEmbeddings {
  x: Float32Array;
  y: Int32Array;
  dim: number;
}

export interface HeadOptions {
  numClasses: number;
  hiddenUnits: number;
  dropout: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  schedule: ScheduleName;
  weightDecay: number;
  labelSmoothing: number;
  seed: number;
  /** class-balanced loss: each picture weighs n / (classes × its class's count) */
  balanced?: boolean;
  /** also train on the mirror images, and predict with flip TTA (Session.trainHead; train/mirror.ts) */
  flip?: boolean;
}

export type { EpochStats } from '../events.js';

/** The new top: optional hidden layer, then a dense layer giving logits (softmax applied at prediction). */
export function buildHead(inputDim: number, o: Pick<HeadOptions, 'numClasses' | 'hiddenUnits' | 'seed'>): tf.Sequential {
  const head = tf.sequential({ name: 'head' });
  if (o.hiddenUnits > 0) {
    head.add(
      tf.layers.dense({
        inputShape: [inputDim],
        units: o.hiddenUnits,
        activation: 'relu',
        name: 'head_hidden',
        kernelInitializer: tf.initializers.heNormal({ seed: o.seed }),
      }),
    );
  }
  head.add(
    tf.layers.dense({
      ...(o.hiddenUnits > 0 ? {} : { inputShape: [inputDim] }),
      units: o.numClasses,
      name: 'head_logits',
      kernelInitializer: tf.initializers.glorotUniform({ seed: o.seed + 1 }),
    }),
  );
  return head;
}

/** Forward pass of the head with inverted dropout before each dense layer when training (maskSeed set). */
export function headForward(head: tf.LayersModel, x: tf.Tensor2D, dropout: number, maskSeed: number | null): tf.Tensor2D {
  let h: tf.Tensor = x;
  head.layers.forEach((layer, i) => {
    if (maskSeed !== null && dropout > 0) {
      const keep = tf.greaterEqual(tf.randomUniform(h.shape, 0, 1, 'float32', maskSeed + i * 7919), dropout);
      h = tf.div(tf.mul(h, tf.cast(keep, 'float32')), 1 - dropout);
    }
    h = layer.apply(h) as tf.Tensor;
  });
  return h as tf.Tensor2D;
}

export function lossOf(logits: tf.Tensor2D, labels: tf.Tensor1D, numClasses: number, smoothing: number, classWeights?: tf.Tensor1D): tf.Scalar {
  const oneHot = tf.oneHot(labels, numClasses);
  const weights = classWeights ? tf.gather(classWeights, labels) : undefined;
  return tf.losses.softmaxCrossEntropy(oneHot, logits, weights, smoothing) as tf.Scalar;
}

/** Per-class loss weights n / (classes × count) (a class absent from training weighs 0). */
export function balancedWeights(y: Int32Array, numClasses: number): Float32Array {
  const counts = new Float32Array(numClasses);
  for (const l of y) counts[l]++;
  return counts.map((c) => (c ? y.length / (numClasses * c) : 0));
}

function batchTensors(d: LabelledEmbeddings, idx: number[]): { x: tf.Tensor2D; y: tf.Tensor1D } {
  const xs = new Float32Array(idx.length * d.dim);
  const ys = new Int32Array(idx.length);
  idx.forEach((r, i) => {
    xs.set(d.x.subarray(r * d.dim, (r + 1) * d.dim), i * d.dim);
    ys[i] = d.y[r];
  });
  return { x: tf.tensor2d(xs, [idx.length, d.dim]), y: tf.tensor1d(ys, 'int32') };
}

/** Probabilities of the head for every row, in batches. */
export function headProbabilities(head: tf.LayersModel, x: Float32Array, dim: number, batch = 512): Float32Array {
  const n = x.length / dim;
  const k = (head.outputs[0].shape[1] as number) ?? 0;
  const out = new Float32Array(n * k);
  for (let s = 0; s < n; s += batch) {
    const e = Math.min(n, s + batch);
    const p = tf.tidy(() => tf.softmax(head.predict(tf.tensor2d(x.subarray(s * dim, e * dim), [e - s, dim])) as tf.Tensor2D));
    out.set(p.dataSync() as Float32Array, s * k);
    p.dispose();
  }
  return out;
}

function evaluate(head: tf.Sequential, d: LabelledEmbeddings, numClasses: number): { loss: number; acc: number } {
  const n = d.y.length;
  if (n === 0) return { loss: NaN, acc: NaN };
  let loss = 0;
  let correct = 0;
  const step = 512;
  for (let s = 0; s < n; s += step) {
    const idx = Array.from({ length: Math.min(step, n - s) }, (_, i) => s + i);
    const [l, c] = tf.tidy(() => {
      const { x, y } = batchTensors(d, idx);
      const logits = headForward(head, x, 0, null);
      const lsum = tf.mul(lossOf(logits, y, numClasses, 0), idx.length);
      const corr = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), y), 'int32'));
      return [lsum.dataSync()[0], corr.dataSync()[0]];
    });
    loss += l;
    correct += c;
  }
  return { loss: loss / n, acc: correct / n };
}

export interface TrainHeadHooks {
  onEvent?: EventSink;
  shouldStop?: () => boolean;
  /** After each epoch, e.g. to write a checkpoint. */
  onEpochEnd?: (stats: EpochStats, head: tf.Sequential, optimizer: tf.Optimizer) => Promise<void> | void;
  /** Lets the worker's message loop run (a stop request must get through). */
  yieldEvery?: () => Promise<void>;
  startEpoch?: number;
  head?: tf.Sequential;
  optimizer?: tf.Optimizer;
}

/**
 * Train a new head on cached embeddings with Adam (decoupled weight decay) and a one-cycle schedule.
 * Deterministic for a seed: initial weights, batch order and dropout masks all derive from it.
 */
export async function trainHead(
  train: LabelledEmbeddings,
  val: LabelledEmbeddings | undefined,
  o: HeadOptions,
  hooks: TrainHeadHooks = {},
): Promise<{ head: tf.Sequential; history: EpochStats[]; stopped: boolean; optimizer: tf.Optimizer }> {
  const head = hooks.head ?? buildHead(train.dim, o);
  const optimizer = hooks.optimizer ?? tf.train.adam(o.learningRate);
  const classWeights = o.balanced ? tf.tensor1d(balancedWeights(train.y, o.numClasses)) : undefined;
  try {
    return await trainLoop(head, optimizer, train, val, o, hooks, classWeights);
  } catch (e) {
    // a run stopped by an error (e.g. a NaN loss) leaves no tensors behind
    if (!hooks.head) head.dispose();
    if (!hooks.optimizer) optimizer.dispose();
    throw e;
  } finally {
    classWeights?.dispose();
  }
}

async function trainLoop(
  head: tf.Sequential,
  optimizer: tf.Optimizer,
  train: LabelledEmbeddings,
  val: LabelledEmbeddings | undefined,
  o: HeadOptions,
  hooks: TrainHeadHooks,
  classWeights?: tf.Tensor1D,
): Promise<{ head: tf.Sequential; history: EpochStats[]; stopped: boolean; optimizer: tf.Optimizer }> {
  const n = train.y.length;
  const batchSize = Math.max(1, Math.min(o.batchSize, n));
  const batchesPerEpoch = Math.ceil(n / batchSize);
  const totalSteps = batchesPerEpoch * o.epochs;
  const vars = head.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
  const kernels = head.layers
    .map((l) => (l.getWeights(false)[0] ? (l as unknown as { kernel: { val: tf.Variable } }).kernel.val : undefined))
    .filter(Boolean) as tf.Variable[];
  const history: EpochStats[] = [];
  let stopped = false;
  const start = hooks.startEpoch ?? 0;
  for (let epoch = start; epoch < o.epochs && !stopped; epoch++) {
    const t0 = Date.now();
    const order = shuffleInPlace(
      Array.from({ length: n }, (_, i) => i),
      makeRng(o.seed + 1000 * (epoch + 1)),
    );
    let lossSum = 0;
    let correct = 0;
    let lr = o.learningRate;
    for (let b = 0; b < batchesPerEpoch; b++) {
      if (hooks.shouldStop?.()) {
        stopped = true;
        break;
      }
      const step = epoch * batchesPerEpoch + b;
      lr = learningRateAt(step, { name: o.schedule, maxLr: o.learningRate, totalSteps });
      (optimizer as unknown as { learningRate: number }).learningRate = lr;
      const idx = order.slice(b * batchSize, (b + 1) * batchSize);
      const [l, c] = tf.tidy((): number[] => {
        const { x, y } = batchTensors(train, idx);
        let correctT: tf.Scalar | undefined;
        const cost = optimizer.minimize(
          () => {
            const logits = headForward(head, x, o.dropout, o.seed * 65537 + step);
            correctT = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), y), 'int32')) as tf.Scalar);
            return lossOf(logits, y, o.numClasses, o.labelSmoothing, classWeights);
          },
          true,
          vars,
        )!;
        // decoupled weight decay on the kernels (AdamW)
        if (o.weightDecay > 0) for (const k of kernels) k.assign(tf.mul(k, 1 - lr * o.weightDecay));
        const out = [cost.dataSync()[0], correctT!.dataSync()[0]];
        correctT!.dispose();
        return out;
      });
      assertFiniteLoss(l, `epoch ${epoch + 1}, batch ${b + 1}`);
      lossSum += l * idx.length;
      correct += c;
      if (hooks.onEvent && (b % 10 === 0 || b === batchesPerEpoch - 1)) {
        hooks.onEvent({ type: 'batch', phase: 'train', epoch: epoch + 1, batch: b + 1, batches: batchesPerEpoch, loss: l, lr });
      }
      if (hooks.yieldEvery && b % 4 === 3) await hooks.yieldEvery();
    }
    if (stopped) break;
    const v = val && val.y.length ? evaluate(head, val, o.numClasses) : undefined;
    if (v) assertFiniteLoss(v.loss, `epoch ${epoch + 1} (validation)`);
    const stats: EpochStats = {
      epoch: epoch + 1,
      loss: lossSum / n,
      acc: correct / n,
      valLoss: v ? v.loss : null,
      valAcc: v ? v.acc : null,
      lr,
      seconds: (Date.now() - t0) / 1000,
    };
    history.push(stats);
    hooks.onEvent?.({ type: 'epoch', phase: 'train', epochs: o.epochs, ...stats });
    await hooks.onEpochEnd?.(stats, head, optimizer);
    if (hooks.yieldEvery) await hooks.yieldEvery();
  }
  return { head, history, stopped, optimizer };
}
