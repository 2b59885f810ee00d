import * as tf from '@tensorflow/tfjs';
import { assertFiniteLoss, assertFiniteValues } from './finite.js';
import type { EventSink } from '../events.js';
import { makeRng, shuffleInPlace } from '../random.js';
import { fromBf16, type TrainablePart } from '../backbones/trainable.js';
import { AdamW, type ParamGroup } from './adamw.js';
import { sumRanks, type GradientExchange } from './data-parallel.js';
import { withHeapViews } from '../backend/heap-views.js';
import { headForward, lossOf, type EpochStats } from './head.js';
import { learningRateAt, type ScheduleName } from './schedule.js';
import { count } from '../../text/plural.js';

/**
 * Cut features: the frozen part's output for each image (and each augmented view), computed once,
 * stored as bfloat16. Row r of view v is at ((v * n) + r) * rowSize.
 */
export interface CutFeatures {
  data: Uint16Array;
  n: number;
  views: number;
  rowShape: number[];
  labels: Int32Array;
  /** rows of the flipped picture, for test-time augmentation of validation */
  flip?: Uint16Array;
}

export interface FineTuneOptions {
  numClasses: number;
  epochs: number;
  batchSize: number;
  /** peak learning rate of the top layers and the head */
  learningRate: number;
  /** the lowest unfrozen block learns at learningRate * lrFloor; blocks in between, geometrically */
  lrFloor: number;
  weightDecay: number;
  labelSmoothing: number;
  dropout: number;
  schedule: ScheduleName;
  seed: number;
  /** stop when validation loss has not improved for this many epochs (0 = never) */
  patience: number;
  /** accumulate gradients over micro-batches of at most this many images (bounds the wasm heap) */
  microBatch: number;
  /** decay of an exponential moving average of the weights, evaluated and saved instead of the raw ones (0 = off) */
  ema: number;
}

export interface FineTuneHooks {
  onEvent?: EventSink;
  shouldStop?: () => boolean;
  yieldNow?: () => Promise<void>;
  onEpochEnd?: (stats: EpochStats, optimizer: AdamW, rawWeights?: tf.Tensor[]) => Promise<void> | void;
  startEpoch?: number;
  optimizerState?: { step: number; tensors: tf.NamedTensorMap };
  /** data parallelism with other workers (each runs this same loop with its own rank) */
  exchange?: GradientExchange;
  /** when resuming with EMA on: the raw (training) weights; the model holds the averaged ones */
  rawWeights?: tf.Tensor[];
}

/**
 * An exponential moving average of the weights (Polyak averaging): the average of the last few
 * hundred steps generalises better than the last step's weights, especially on small data.
 */
class WeightAverage {
  private avg: tf.Variable[];
  private raw: tf.Tensor[] | undefined;
  private steps = 0;

  constructor(
    private readonly vars: tf.Variable[],
    private readonly decay: number,
  ) {
    this.avg = vars.map((v) => tf.tidy(() => tf.variable(v.clone(), false)));
  }

  update(): void {
    this.steps++;
    // short runs: a warm-up of the decay, so the first steps are not frozen in
    const d = Math.min(this.decay, (1 + this.steps) / (10 + this.steps));
    tf.tidy(() => this.vars.forEach((v, i) => this.avg[i].assign(tf.add(tf.mul(this.avg[i], d), tf.mul(v, 1 - d)))));
  }

  /** Put the averaged weights in the model (keeping the raw ones aside). */
  swapIn(): void {
    this.raw = this.vars.map((v) => v.clone());
    this.vars.forEach((v, i) => v.assign(this.avg[i]));
  }

  /** The raw weights (for a resumable checkpoint) while swapped in. */
  rawWeights(): tf.Tensor[] | undefined {
    return this.raw;
  }

  swapOut(): void {
    if (!this.raw) return;
    this.vars.forEach((v, i) => v.assign(this.raw![i]));
    tf.dispose(this.raw);
    this.raw = undefined;
  }

  dispose(): void {
    tf.dispose(this.avg);
    if (this.raw) tf.dispose(this.raw);
  }
}

function rowSize(f: CutFeatures): number {
  return f.rowShape.reduce((a, b) => a * b, 1);
}

function gather(src: Uint16Array, rows: number[], size: number, shape: number[]): tf.Tensor4D {
  const out = new Float32Array(rows.length * size);
  rows.forEach((r, i) => fromBf16(src.subarray(r * size, (r + 1) * size), out, i * size));
  return tf.tensor4d(out, [rows.length, ...shape] as [number, number, number, number]);
}

export function paramGroups(part: TrainablePart, head: tf.Sequential, lrFloor: number): ParamGroup[] {
  const blocks = Math.max(1, ...part.vars.map((v) => v.block + 1));
  const groups: ParamGroup[] = [];
  for (let b = 0; b < blocks; b++) {
    const vs = part.vars.filter((v) => v.block === b);
    if (!vs.length) continue;
    const lrMult = blocks === 1 ? 1 : Math.pow(lrFloor, (blocks - 1 - b) / (blocks - 1));
    groups.push({ vars: vs.map((v) => v.variable), lrMult, decay: vs.map((v) => v.decay) });
  }
  const hv = head.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
  groups.push({ vars: hv, lrMult: 1, decay: head.trainableWeights.map((w) => /kernel/.test(w.name)) });
  return groups;
}

/** Probabilities on validation rows (averaged with the flipped rows when given). */
export function evaluateRows(
  part: TrainablePart,
  head: tf.Sequential,
  f: CutFeatures,
  batch = 32,
  ex?: GradientExchange,
): { probs: Float32Array; loss: number; acc: number } | undefined {
  const size = rowSize(f);
  const k = head.outputs[0].shape[1] as number;
  // shared across the workers: each takes every world-th batch, and one exchange puts them together
  const share = sharesEvaluation(ex, f.n * k) ? ex : undefined;
  const probs = share
    ? share
        .local()
        .subarray(0, f.n * k)
        .fill(0)
    : new Float32Array(f.n * k);
  for (let s = 0, b = 0; s < f.n; s += batch, b++) {
    if (share && b % share.world !== share.rank) continue;
    const rows = Array.from({ length: Math.min(batch, f.n - s) }, (_, i) => s + i);
    const p = tf.tidy(() => {
      const one = (src: Uint16Array) => tf.softmax(headForward(head, part.forward(gather(src, rows, size, f.rowShape)), 0, null));
      return f.flip ? tf.div(tf.add(one(f.data), one(f.flip)), 2) : one(f.data);
    });
    probs.set(p.dataSync() as Float32Array, s * k);
    p.dispose();
  }
  if (share) {
    // every row is non-zero in one rank's share only: the sums are that rank's values exactly
    const all = share.allReduce(share.local(), 0, 0, (ranks) => sumRanks(ranks.map((r) => r.subarray(0, f.n * k))));
    if (!all) return undefined; // a stop was requested
    return scoreProbs(all.grads, f, k);
  }
  return scoreProbs(probs, f, k);
}

/** Whether the workers of `ex` evaluate together: more than one, and the probabilities (`floats`) fit its regions. */
export function sharesEvaluation(ex: GradientExchange | undefined, floats: number): ex is GradientExchange {
  return !!ex && ex.world > 1 && floats <= ex.capacity;
}

/** Mean cross-entropy and accuracy of class probabilities against the rows' labels. */
function scoreProbs(probs: Float32Array, f: CutFeatures, k: number): { probs: Float32Array; loss: number; acc: number } {
  let loss = 0;
  let correct = 0;
  for (let i = 0; i < f.n; i++) {
    const y = f.labels[i];
    loss -= Math.log(Math.max(probs[i * k + y], 1e-7));
    let best = 0;
    for (let j = 1; j < k; j++) if (probs[i * k + j] > probs[i * k + best]) best = j;
    if (best === y) correct++;
  }
  return { probs, loss: f.n ? loss / f.n : NaN, acc: f.n ? correct / f.n : NaN };
}

/**
 * The ranks' gradients (shared memory, flattened in `vars` order) as one summed tensor per
 * variable: each rank's part copied into a tensor (a memcpy), then added in rank order on the
 * backend (XNNPACK on wasm). ~4x faster than summing in a JS loop over the shared memory.
 */
function sumIntoTensors(ranks: Float32Array[], vars: tf.Variable[]): tf.Tensor[] {
  let off = 0;
  return vars.map((v) => {
    const at = off;
    off += v.size;
    const parts = withHeapViews(
      [],
      ranks.map(() => v.shape),
      (_, outs) =>
        ranks.map((r, k) => {
          const o = outs[k] ?? new Float32Array(v.size);
          o.set(r.subarray(at, at + v.size));
          return o;
        }),
    );
    if (parts.length === 1) return parts[0];
    try {
      return tf.tidy(() => parts.reduce((a, b) => tf.add(a, b)));
    } finally {
      tf.dispose(parts);
    }
  });
}

/**
 * Fine-tune the unfrozen top of the backbone and the head on cached cut features, with AdamW,
 * discriminative learning rates and a one-cycle schedule. Each step picks, per image, one of its
 * cached augmented views (seeded), so augmentation costs nothing per epoch.
 */
export async function fineTune(
  part: TrainablePart,
  head: tf.Sequential,
  train: CutFeatures,
  val: CutFeatures | undefined,
  o: FineTuneOptions,
  hooks: FineTuneHooks = {},
): Promise<{ history: EpochStats[]; stopped: boolean; earlyStopped: boolean }> {
  const groups = paramGroups(part, head, o.lrFloor);
  const opt = new AdamW(groups, { weightDecay: o.weightDecay });
  if (hooks.optimizerState) opt.importState(hooks.optimizerState);
  const vars = opt.allVars;
  const ex = hooks.exchange;
  const size = rowSize(train);
  const n = train.n;
  const batchSize = Math.max(1, Math.min(o.batchSize, n));
  const micro = Math.max(1, Math.min(o.microBatch, batchSize));
  const perEpoch = Math.ceil(n / batchSize);
  const totalSteps = perEpoch * o.epochs;
  const history: EpochStats[] = [];
  let stopped = false;
  let earlyStopped = false;
  let best = Infinity;
  let sinceBest = 0;
  // with EMA on, the model (and a resumed checkpoint) holds the average; training continues from the raw weights
  const ema = o.ema > 0 ? new WeightAverage(vars, o.ema) : undefined;
  if (ema && hooks.rawWeights) vars.forEach((v, i) => v.assign(hooks.rawWeights![i]));
  try {
    for (let epoch = hooks.startEpoch ?? 0; epoch < o.epochs && !stopped; epoch++) {
      const t0 = Date.now();
      const rng = makeRng(o.seed + 7777 * (epoch + 1));
      const order = shuffleInPlace(
        Array.from({ length: n }, (_, i) => i),
        rng,
      );
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      let lr = o.learningRate;
      for (let b = 0; b < perEpoch; b++) {
        if (hooks.shouldStop?.()) {
          ex?.requestStop(); // release the other workers waiting at the barrier
          stopped = true;
          break;
        }
        const step = epoch * perEpoch + b;
        lr = learningRateAt(step, { name: o.schedule, maxLr: o.learningRate, totalSteps });
        const idx = order.slice(b * batchSize, (b + 1) * batchSize);
        // each image of the batch in one of its views
        const allRows = idx.map((i) => (train.views > 1 ? Math.floor(rng() * train.views) * n + i : i));
        // The batch is cut into micro-batches (bounded memory on the backend); with data
        // parallelism each worker takes every world-th one. A micro-batch is computed the same way
        // (rows, dropout mask) whichever worker runs it: any number of workers gives the same run.
        const starts: number[] = [];
        for (let m = 0; m < allRows.length; m += micro) if (!ex || (m / micro) % ex.world === ex.rank) starts.push(m);
        let grads: tf.Tensor[] | undefined;
        let stepLoss = 0; // this worker's part of the batch's mean loss
        let stepCorrect = 0;
        for (const m of starts) {
          const part_ = allRows.slice(m, m + micro);
          const labels = idx.slice(m, m + micro).map((i) => train.labels[i]);
          const weight = part_.length / allRows.length;
          const { value, grads: g } = tf.variableGrads(() => {
            const x = gather(train.data, part_, size, train.rowShape);
            const logits = headForward(head, part.forward(x), o.dropout, o.seed * 131 + step * 17 + m);
            const y = tf.tensor1d(labels, 'int32');
            stepCorrect += tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), y), 'int32')).dataSync()[0];
            return tf.mul(lossOf(logits, y, o.numClasses, o.labelSmoothing), weight) as tf.Scalar;
          }, vars);
          stepLoss += value.dataSync()[0];
          value.dispose();
          const ordered = vars.map((v) => g[v.name]);
          if (!grads) grads = ordered;
          else {
            const sum = grads.map((a, i) => tf.add(a, ordered[i]));
            tf.dispose([...grads, ...ordered]);
            grads = sum;
          }
        }
        if (ex) {
          // gradients straight from the tensors' memory into the shared region: no per-step arrays to collect
          const local = ex.local();
          if (grads) {
            const g = grads;
            withHeapViews(g, [], (ins) => {
              let off = 0;
              for (const d of ins) {
                local.set(d, off);
                off += d.length;
              }
              return [];
            });
            tf.dispose(g);
          } else local.fill(0);
          const red = ex.allReduce(local, stepLoss, stepCorrect, (ranks) => sumIntoTensors(ranks, vars));
          if (!red) {
            stopped = true;
            break;
          }
          grads = red.grads;
          stepLoss = red.lossSum;
          stepCorrect = red.correct;
        }
        opt.apply(grads!, lr);
        tf.dispose(grads!);
        ema?.update();
        assertFiniteLoss(stepLoss, `fine-tune epoch ${epoch + 1}, batch ${b + 1}`);
        lossSum += stepLoss * allRows.length;
        correct += stepCorrect;
        seen += allRows.length;
        if (hooks.onEvent && (b % 5 === 0 || b === perEpoch - 1))
          hooks.onEvent({ type: 'batch', phase: 'fine-tune', epoch: epoch + 1, batch: b + 1, batches: perEpoch, loss: lossSum / Math.max(1, seen), lr });
        if (hooks.yieldNow) await hooks.yieldNow();
      }
      if (stopped) break;
      const trainSeconds = (Date.now() - t0) / 1000;
      // in a data-parallel run, all ranks evaluate (each its share, when the exchange can carry the
      // probabilities; else rank 0 alone) and rank 0 writes checkpoints while the others wait
      const lead = !ex || ex.rank === 0;
      ema?.swapIn();
      const shared = !!val && sharesEvaluation(ex, val.n * o.numClasses);
      const v = (lead || shared) && val && val.n ? evaluateRows(part, head, val, 32, shared ? ex : undefined) : undefined;
      if (shared && !v) {
        stopped = true;
        break;
      }
      if (v) assertFiniteValues(v.probs, `fine-tune epoch ${epoch + 1}: a validation probability is`);
      const stats: EpochStats = {
        epoch: epoch + 1,
        loss: lossSum / Math.max(1, seen),
        acc: correct / Math.max(1, seen),
        valLoss: v ? v.loss : null,
        valAcc: v ? v.acc : null,
        lr,
        seconds: (Date.now() - t0) / 1000,
        trainSeconds,
      };
      history.push(stats);
      if (lead) {
        hooks.onEvent?.({ type: 'epoch', phase: 'fine-tune', epochs: o.epochs, ...stats });
        await hooks.onEpochEnd?.(stats, opt, ema?.rawWeights());
      }
      if (v && o.patience > 0) {
        if (v.loss < best - 1e-4) {
          best = v.loss;
          sinceBest = 0;
        } else if (++sinceBest >= o.patience) {
          earlyStopped = true;
          hooks.onEvent?.({ type: 'info', message: `early stop: validation loss has not improved for ${count(o.patience, 'epoch')}` });
        }
      }
      if (ex) {
        if (earlyStopped) ex.requestStop();
        if (!ex.sync() && !earlyStopped) stopped = true;
      }
      // the last epoch's weights stay averaged: that is the model
      if (epoch + 1 < o.epochs && !earlyStopped && !stopped) ema?.swapOut();
      if (earlyStopped) break;
    }
  } finally {
    opt.dispose();
    ema?.dispose();
  }
  return { history, stopped, earlyStopped };
}
