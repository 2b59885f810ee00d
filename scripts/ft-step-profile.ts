/**
 * One fine-tuning step of the top 30% of MobileNetV2 on wasm, timed per kernel.
 *
 *   npx tsx scripts/ft-step-profile.ts [--batch 32] [--reps 6] [--classes 2]
 *
 * The same work as one worker's share of a `petlab train --fine-tune` step: cached cut features
 * (random, the cut layer's shape) through the trainable part and a dense head, softmax loss,
 * backward, AdamW. Every wasm kernel is wrapped with a wall-clock timer (they run synchronously);
 * nested kernels (ours call the backend's) are counted in their own row and subtracted from the
 * caller's ("self" time). Times are this process's CPU time (process.cpuUsage), not wall-clock:
 * on a machine shared with other jobs, wall time swings 2x while CPU time stays put.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { initBackend } from '../src/core/backend/select.js';
import { loadLayersModelFrom } from '../src/core/io/layers-model-files.js';
import { compileInferencePlan } from '../src/core/backbones/executor.js';
import { findEmbeddingLayer } from '../src/core/backbones/load.js';
import { planUnfreeze, segmentsUpTo } from '../src/core/backbones/segments.js';
import { buildTrainablePart } from '../src/core/backbones/trainable.js';
import { AdamW } from '../src/core/train/adamw.js';
import { paramGroups } from '../src/core/train/fine-tune.js';
import { headForward, lossOf } from '../src/core/train/head.js';
import { MOBILENET_V2_TFJS } from '../test/helpers/shared.js';

const args = process.argv.slice(2);
const flag = (name: string, dflt: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const BATCH = flag('--batch', 32);
const REPS = flag('--reps', 6);
const CLASSES = flag('--classes', 2);

await initBackend('wasm');

// --- per-kernel timers -------------------------------------------------------------------
let phase = 'forward';
const self = new Map<string, { ms: number; calls: number }>();
const stack: number[] = []; // child time accumulated per open kernel
let recording = false;
/** CPU milliseconds of this process (user + system). */
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const SHAPED = new Set((process.env.SHAPED ?? '').split(',').filter(Boolean));
for (const cfg of tf.getKernelsForBackend('wasm')) {
  const inner = cfg.kernelFunc;
  const name = cfg.kernelName;
  tf.unregisterKernel(name, 'wasm');
  tf.registerKernel({
    ...cfg,
    kernelFunc: (a) => {
      if (!recording) return inner(a);
      stack.push(0);
      const t0 = cpuMs();
      const out = inner(a);
      const dt = cpuMs() - t0;
      const child = stack.pop()!;
      if (stack.length) stack[stack.length - 1] += dt;
      const detail = SHAPED.has(name)
        ? ` ${Object.values(a.inputs)
            .map((t) => `[${(t as tf.TensorInfo | undefined)?.shape}]`)
            .join('')}`
        : '';
      const key = `${phase} ${name}${detail}`;
      const e = self.get(key) ?? { ms: 0, calls: 0 };
      e.ms += dt - child;
      e.calls++;
      self.set(key, e);
      return out;
    },
  });
}

// --- the model ---------------------------------------------------------------------------
const model = await loadLayersModelFrom(MOBILENET_V2_TFJS);
const plan0 = compileInferencePlan(model);
const emb = findEmbeddingLayer(model);
const segs = segmentsUpTo(model, emb.layer, plan0.visible);
const plan = planUnfreeze(segs, { kind: 'percent', p: 30 }, (l) => model.getLayer(l).countParams());
const first = segs.length - plan.blocks;
const blockOf = new Map<string, number>();
segs.forEach((s, i) => {
  if (i >= first) for (const l of s.layers) blockOf.set(l, i - first);
});
const part = buildTrainablePart(model, plan.cut, plan.trainableLayers, emb.layer, emb.pool, (l) => blockOf.get(l) ?? 0);
const head = tf.sequential({ layers: [tf.layers.dense({ units: CLASSES, inputShape: [part.vars.length ? 1280 : 1280] })] });
const opt = new AdamW(paramGroups(part, head, 0.3), { weightDecay: 0.01 });
const vars = opt.allVars;
const cutShape = part.inputShape;
console.log(
  `cut ${plan.cut} [${cutShape}], ${plan.blocks}/${plan.totalBlocks} blocks, ${plan.trainableLayers.length} layers, ${(plan.trainableParams / 1e6).toFixed(2)}M params; batch ${BATCH}`,
);

const markBackward = tf.customGrad((...a: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const x = a[0] as tf.Tensor;
  return {
    value: tf.clone(x),
    gradFunc: (dy: tf.Tensor) => {
      phase = 'backward';
      return tf.clone(dy);
    },
  };
}) as (x: tf.Scalar) => tf.Scalar;

const x = tf.randomNormal([BATCH, ...cutShape], 0, 1, 'float32', 1) as tf.Tensor4D;
const labels = tf.tensor1d(
  Array.from({ length: BATCH }, (_, i) => i % CLASSES),
  'int32',
);

function step(i: number): { fwdBwd: number; adam: number } {
  phase = 'forward';
  const t0 = cpuMs();
  const { value, grads } = tf.variableGrads(() => {
    const logits = headForward(head, part.forward(x), 0.2, 42 + i);
    return markBackward(lossOf(logits, labels, CLASSES, 0));
  }, vars);
  value.dataSync();
  const t1 = cpuMs();
  phase = 'adamw';
  opt.apply(
    vars.map((v) => grads[v.name]),
    1e-4,
  );
  tf.dispose([value, ...Object.values(grads)]);
  return { fwdBwd: t1 - t0, adam: cpuMs() - t1 };
}

const before = tf.memory().numTensors;
step(0);
step(1);
const times: number[] = [];
const walls: number[] = [];
recording = true;
for (let r = 0; r < REPS; r++) {
  const t0 = cpuMs();
  const w0 = performance.now();
  step(r + 2);
  times.push(cpuMs() - t0);
  walls.push(performance.now() - w0);
}
recording = false;
const leaked = tf.memory().numTensors - before;
const sorted = [...times].sort((a, b) => a - b);
const med = sorted[Math.floor(sorted.length / 2)];
const totalKernel = [...self.values()].reduce((a, e) => a + e.ms, 0) / REPS;
const wall = [...walls].sort((a, b) => a - b)[Math.floor(walls.length / 2)];
console.log(
  `step cpu ms: median ${med.toFixed(0)} (min ${sorted[0].toFixed(0)}), ${((BATCH * 1000) / med).toFixed(1)} img/s per core; wall ${wall.toFixed(0)} ms; kernels ${totalKernel.toFixed(0)} ms/step; load ${(await import('node:fs')).readFileSync('/proc/loadavg', 'utf8').trim()}; leaked tensors ${leaked}`,
);
const rows = [...self.entries()].sort((a, b) => b[1].ms - a[1].ms);
const byPhase = new Map<string, number>();
for (const [k, e] of rows) byPhase.set(k.split(' ')[0], (byPhase.get(k.split(' ')[0]) ?? 0) + e.ms / REPS);
console.log([...byPhase.entries()].map(([p, ms]) => `${p} ${ms.toFixed(0)} ms`).join(', '));
for (const [k, e] of rows.slice(0, flag('--top', 30))) {
  console.log(`${k.padEnd(60)} ${(e.ms / REPS).toFixed(1).padStart(8)} ms ${String(e.calls / REPS).padStart(6)} calls`);
}
