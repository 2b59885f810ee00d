import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { createExchange } from '../src/core/train/data-parallel.js';
import { formatStepProfile, type StepProfile } from '../src/core/train/step-profile.js';
import { defaultWorkerCount } from '../src/core/worker/pool.js';
import { defaultSettings } from '../src/core/settings.js';
import { heading, row, SHARED } from './lib.js';
import { aroundPeer, loadAverage, peerFigure, ratioText, type PeerFigure } from './peer.js';
import type { StepWorkerData } from './profile/step-worker.js';

const DEFAULT_RECIPE = defaultSettings().fineTune;
const BACKBONE = path.join(SHARED, 'models', 'mobilenet_v2_1.0_224_quant', 'tfjs-reference');

export interface StepProfileResult {
  profile: StepProfile;
  stepMs: number;
  pointwiseMs?: number;
  imagesPerSecond: number;
  cut: string;
  blocks: number;
  totalBlocks: number;
  peerTop?: number;
}

/**
 * Profile petlab's fine-tuning step (the real fineTune loop on `workers` data-parallel wasm
 * workers, random cut features, the default recipe's unfreeze / batch / micro-batch): rank 0's
 * breakdown per phase and kernel. `npm run bench -- fine-tune-profile [--steps N] [--workers N]`.
 */
export async function profileFineTuneStep(
  opts: { workers?: number; steps?: number; warmup?: number; beforeRun?: (blocks: number) => Promise<unknown> } = {},
): Promise<StepProfileResult> {
  const world = opts.workers ?? defaultWorkerCount();
  const warmupSteps = opts.warmup ?? 2;
  const batchSize = DEFAULT_RECIPE.batchSize;
  // 16 steps (~7 s): 6 gave 0.95x-1.28x of PyTorch in one hour, 16 gave 1.11x-1.17x
  const n = batchSize * (warmupSteps + (opts.steps ?? 16));
  // the exchange is sized by the trainable floats: one worker says how many before the run
  const sizeProbe = await runWorker({ ...base(), rank: 0, n: batchSize, warmupSteps: 0, sizeOnly: true });
  const layout = world > 1 ? createExchange(world, sizeProbe.trainableSize) : undefined;
  await opts.beforeRun?.(sizeProbe.blocks);
  const results = await Promise.all(Array.from({ length: world }, (_, rank) => runWorker({ ...base(), rank, layout, n, warmupSteps })));
  const r = results[0];
  return {
    profile: r.profile,
    stepMs: r.stepMs,
    pointwiseMs: r.pointwiseMs,
    imagesPerSecond: (1000 * batchSize) / r.stepMs,
    cut: r.cut,
    blocks: r.blocks,
    totalBlocks: r.totalBlocks,
  };

  function base() {
    return { backbone: BACKBONE, unfreeze: DEFAULT_RECIPE.unfreeze, numClasses: 37, batchSize, microBatch: DEFAULT_RECIPE.microBatch };
  }
}

interface WorkerReply {
  profile: StepProfile;
  stepMs: number;
  /** in the ONNX Runtime pointwise convolutions, per step (undefined: tfjs ran them) */
  pointwiseMs?: number;
  cut: string;
  blocks: number;
  totalBlocks: number;
  trainableSize: number;
}

function runWorker(data: StepWorkerData): Promise<WorkerReply> {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL('./profile/step-entry.js', import.meta.url), { workerData: data, resourceLimits: { maxOldGenerationSizeMb: 4096 } });
    w.once('message', (m: WorkerReply) => {
      resolve(m);
      void w.terminate();
    });
    w.once('error', reject);
    w.once('exit', (code) => code !== 0 && reject(new Error(`profile worker exited with ${code}`)));
  });
}

export async function benchFineTuneProfile(opts: { workers?: number; steps?: number } = {}): Promise<StepProfileResult> {
  // the same work in PyTorch, half before and half after: top blocks from cached lower-part features, AdamW, same batch
  const peerTop = (blocks: number) => peerFigure('top', { batch: DEFAULT_RECIPE.batchSize, blocks, classes: 37, seconds: 13 });
  let before: PeerFigure | undefined;
  const r = await profileFineTuneStep({ ...opts, beforeRun: async (blocks) => (before = await peerTop(blocks)) });
  heading(
    `fine-tuning step profile (wasm, rank 0 of ${opts.workers ?? defaultWorkerCount()} workers, top ${r.blocks}/${r.totalBlocks} blocks from ${r.cut}, batch ${DEFAULT_RECIPE.batchSize} in micro-batches of ${DEFAULT_RECIPE.microBatch}, ${r.profile.steps} steps)`,
  );
  for (const l of formatStepProfile(r.profile, r.stepMs)) process.stdout.write(`  ${l}\n`);
  if (r.pointwiseMs !== undefined)
    row(
      '  of which ONNX Runtime, pointwise convs (fwd + bwd)',
      `${r.pointwiseMs.toFixed(1)} ms per step (${((100 * r.pointwiseMs) / r.stepMs).toFixed(0)}%; counted in "JS outside kernels")`,
    );
  row('petlab images/s through the step', `${r.imagesPerSecond.toFixed(1)} (${loadAverage()})`);
  const top = aroundPeer(before, await peerTop(r.blocks));
  row(`  vs PyTorch, top ${r.blocks}/${r.totalBlocks} blocks, batch ${DEFAULT_RECIPE.batchSize}`, `${ratioText(r.imagesPerSecond, top)} (${loadAverage()})`);
  // and the step of a full fine-tuning (every layer, from pictures) for scale: not petlab's recipe
  const full = await peerFigure('full', { batch: 32, classes: 37, seconds: 25 });
  if (full)
    row('  PyTorch full MobileNetV2 step, batch 32', `${full.imagesPerSecond.toFixed(1)} images/s (all 19 blocks from 224x224 pictures; ${loadAverage()})`);
  return { ...r, peerTop: top?.imagesPerSecond };
}
