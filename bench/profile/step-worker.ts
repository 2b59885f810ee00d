import { parentPort, workerData } from 'node:worker_threads';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/core/backend/select.js';
import { loadBackbone, sourceFromPath } from '../../src/core/backbones/load.js';
import { parseUnfreeze, planUnfreeze, segmentsUpTo } from '../../src/core/backbones/segments.js';
import { buildTrainablePart, toBf16 } from '../../src/core/backbones/trainable.js';
import { buildHead } from '../../src/core/train/head.js';
import { fineTune, type CutFeatures } from '../../src/core/train/fine-tune.js';
import { GradientExchange, type ExchangeLayout } from '../../src/core/train/data-parallel.js';
import { makeRng } from '../../src/core/random.js';
import { startStepProfile } from '../../src/core/train/step-profile.js';
import { initInference, trainingPointwise } from '../../src/core/worker/onnx-inference.js';

export interface StepWorkerData {
  backbone: string;
  unfreeze: string;
  rank: number;
  layout?: ExchangeLayout;
  /** rows of random cut features (the same on every rank: seeded) */
  n: number;
  numClasses: number;
  batchSize: number;
  microBatch: number;
  warmupSteps: number;
  /** only say the size of a gradient exchange (trainable floats) */
  sizeOnly?: boolean;
  /** what runs the pointwise convolutions: ONNX Runtime (petlab's default where it loads) or tfjs */
  inference?: 'auto' | 'tfjs';
}

/** One data-parallel rank of the profiled fine-tuning step (the real fineTune loop, random cut features). */
const d = workerData as StepWorkerData;
await initBackend('wasm');
await initInference(d.inference ?? 'auto', 'wasm');
const pointwise = trainingPointwise();
const bb = await loadBackbone(await sourceFromPath(d.backbone), { cacheDir: mkdtempSync(path.join(os.tmpdir(), 'petlab-profile-')), resize: 'cover' });
const segs = segmentsUpTo(bb.model, bb.spec.embeddingLayer, bb.plan.visible);
const plan = planUnfreeze(segs, parseUnfreeze(d.unfreeze), (l) => bb.model.getLayer(l).countParams());
const blocks = new Map<string, number>();
const first = segs.length - plan.blocks;
segs.forEach((s, i) => {
  if (i >= first) for (const l of s.layers) blocks.set(l, i - first);
});
const part = buildTrainablePart(bb.model, plan.cut, plan.trainableLayers, bb.spec.embeddingLayer, bb.spec.embeddingPool, (l) => blocks.get(l) ?? 0, pointwise);
const dim = (bb.model.getLayer(bb.spec.embeddingLayer).outputShape as number[]).at(-1)!;
const head = buildHead(dim, { numClasses: d.numClasses, hiddenUnits: 0, seed: 42 });
if (d.sizeOnly) {
  const trainableSize = part.vars.reduce((a, v) => a + v.variable.size, 0) + head.trainableWeights.reduce((a, w) => a + w.read().size, 0);
  parentPort!.postMessage({ trainableSize });
  await new Promise(() => undefined); // the parent ends this worker
}
const size = part.inputShape.reduce((a, b) => a * b, 1);
const rng = makeRng(7);
const data = toBf16(Float32Array.from({ length: d.n * size }, () => (rng() - 0.5) * 4));
const labels = Int32Array.from({ length: d.n }, (_, i) => i % d.numClasses);
const train: CutFeatures = { data, n: d.n, views: 1, rowShape: part.inputShape, labels };
const profile = startStepProfile();
let steps = 0;
let t0 = 0;
await fineTune(
  part,
  head,
  train,
  undefined,
  {
    numClasses: d.numClasses,
    epochs: 1,
    batchSize: d.batchSize,
    learningRate: 3e-4,
    lrFloor: 0.3,
    weightDecay: 0.01,
    labelSmoothing: 0,
    dropout: 0.2,
    schedule: 'one-cycle',
    seed: 42,
    patience: 0,
    microBatch: d.microBatch,
    ema: 0,
  },
  {
    exchange: d.layout ? new GradientExchange(d.layout, d.rank) : undefined,
    // called once after every step, on every rank: the step clock and the warm-up cut-off
    yieldNow: async () => {
      steps++;
      if (steps === d.warmupSteps) {
        profile.reset();
        pointwise?.resetClock();
        t0 = performance.now();
      } else if (steps > d.warmupSteps) profile.markStep();
    },
  },
);
const elapsed = performance.now() - t0;
const result = profile.stop();
parentPort!.postMessage({
  profile: result,
  stepMs: elapsed / Math.max(1, result.steps),
  pointwiseMs: pointwise ? pointwise.ms / Math.max(1, result.steps) : undefined,
  cut: plan.cut,
  blocks: plan.blocks,
  totalBlocks: plan.totalBlocks,
  numTensors: tf.memory().numTensors,
});
