import * as tf from '@tensorflow/tfjs';
import { WASM_GRADIENT_KERNELS } from '../backend/wasm-gradients.js';
import { AdamW } from './adamw.js';
import { GradientExchange } from './data-parallel.js';

/**
 * Where a fine-tuning step's time goes, per kernel. wasm kernels are synchronous, so wrapping
 * every registered kernel of the backend with a wall clock measures it exactly; a kernel that
 * calls others (our gradient kernels run XNNPACK through the registry) is charged only its own
 * time ("self"), the inner calls to theirs. Phases come from the few calls a step is made of:
 * the forward (the function given to tf.variableGrads), the backward (the rest of variableGrads),
 * AdamW.apply and GradientExchange.allReduce (its barrier = waiting for the other workers).
 * Everything else inside a step (bf16 → float32 gather, gradient flattening, uploads) is "JS".
 */
export type Phase = 'forward' | 'backward' | 'adamw' | 'exchange' | 'other';
export type Category = 'ours' | 'xnnpack' | 'layout' | 'tfjs';

const XNNPACK = new Set([
  'Conv2D',
  'FusedConv2D',
  'DepthwiseConv2dNative',
  'FusedDepthwiseConv2D',
  'BatchMatMul',
  '_FusedMatMul',
  'Add',
  'Sub',
  'Multiply',
  'RealDiv',
  'Maximum',
  'Minimum',
  'AvgPool',
  'MaxPool',
  'Prelu',
]);
const LAYOUT = new Set([
  'Transpose',
  'Slice',
  'StridedSlice',
  'PadV2',
  'MirrorPad',
  'Concat',
  'Reshape',
  'Identity',
  'Cast',
  'Tile',
  'Reverse',
  'GatherV2',
  'Fill',
  'ZerosLike',
  'OnesLike',
]);

export function categoryOf(kernel: string): Category {
  if (WASM_GRADIENT_KERNELS.includes(kernel)) return 'ours';
  if (XNNPACK.has(kernel)) return 'xnnpack';
  if (LAYOUT.has(kernel)) return 'layout';
  return 'tfjs';
}

export interface KernelRow {
  kernel: string;
  phase: Phase;
  category: Category;
  calls: number;
  /** own time, inner kernel calls excluded */
  selfMs: number;
  /** time with inner kernel calls */
  totalMs: number;
}

export interface StepProfile {
  steps: number;
  /** wall time of each phase, summed over the steps */
  phaseMs: Record<Phase, number>;
  /** of the exchange: waiting at the barrier */
  waitMs: number;
  kernels: KernelRow[];
}

interface Acc {
  calls: number;
  selfMs: number;
  totalMs: number;
}

/** Install the wrappers (wasm backend must be active). stop() removes them and returns the profile. */
export function startStepProfile(): { markStep(): void; reset(): void; stop(): StepProfile } {
  let phase: Phase = 'other';
  let steps = 0;
  let waitMs = 0;
  const phaseMs: Record<Phase, number> = { forward: 0, backward: 0, adamw: 0, exchange: 0, other: 0 };
  const acc = new Map<string, Acc>();
  const stack: number[] = []; // children's time of each open kernel call
  const restores: Array<() => void> = [];

  for (const k of tf.getKernelsForBackend('wasm')) {
    const inner = k.kernelFunc;
    const wrapped: tf.KernelFunc = (args) => {
      const t0 = performance.now();
      stack.push(0);
      try {
        return inner(args);
      } finally {
        const dt = performance.now() - t0;
        const children = stack.pop()!;
        if (stack.length) stack[stack.length - 1] += dt;
        const key = `${k.kernelName}\0${phase}`;
        const a = acc.get(key) ?? { calls: 0, selfMs: 0, totalMs: 0 };
        a.calls++;
        a.selfMs += dt - children;
        a.totalMs += dt;
        acc.set(key, a);
      }
    };
    tf.unregisterKernel(k.kernelName, 'wasm');
    tf.registerKernel({ ...k, kernelFunc: wrapped });
    restores.push(() => {
      tf.unregisterKernel(k.kernelName, 'wasm');
      tf.registerKernel(k);
    });
  }

  const timedPhase = <A extends unknown[], R>(p: Phase, fn: (...a: A) => R) =>
    function (this: unknown, ...a: A): R {
      const prev = phase;
      phase = p;
      const t0 = performance.now();
      try {
        return fn.apply(this, a);
      } finally {
        phaseMs[p] += performance.now() - t0;
        phase = prev;
      }
    };

  // forward = the function variableGrads differentiates; backward = the rest of the call
  const engine = tf.engine() as unknown as { gradients: (f: () => tf.Tensor, ...rest: unknown[]) => unknown };
  const gradients = engine.gradients;
  engine.gradients = function (this: unknown, f: () => tf.Tensor, ...rest: unknown[]) {
    const t0 = performance.now();
    let forwardMs = 0;
    const prev = phase;
    phase = 'forward';
    try {
      return gradients.call(
        this,
        () => {
          try {
            return f();
          } finally {
            forwardMs = performance.now() - t0;
            phase = 'backward';
          }
        },
        ...rest,
      );
    } finally {
      phaseMs.forward += forwardMs;
      phaseMs.backward += performance.now() - t0 - forwardMs;
      phase = prev;
    }
  };
  restores.push(() => {
    engine.gradients = gradients;
  });

  const apply = AdamW.prototype.apply;
  AdamW.prototype.apply = timedPhase('adamw', apply);
  restores.push(() => (AdamW.prototype.apply = apply));
  const allReduce = GradientExchange.prototype.allReduce;
  GradientExchange.prototype.allReduce = timedPhase('exchange', allReduce);
  restores.push(() => (GradientExchange.prototype.allReduce = allReduce));
  const proto = GradientExchange.prototype as unknown as { barrier: () => boolean };
  const barrier = proto.barrier;
  proto.barrier = function (this: unknown) {
    const t0 = performance.now();
    try {
      return barrier.call(this);
    } finally {
      if (phase === 'exchange') waitMs += performance.now() - t0;
    }
  };
  restores.push(() => (proto.barrier = barrier));

  const snapshot = (): StepProfile => ({
    steps,
    phaseMs: { ...phaseMs },
    waitMs,
    kernels: [...acc.entries()].map(([key, a]) => {
      const [kernel, ph] = key.split('\0');
      return { kernel, phase: ph as Phase, category: categoryOf(kernel), ...a };
    }),
  });
  return {
    markStep: () => void steps++,
    reset: () => {
      acc.clear();
      steps = 0;
      waitMs = 0;
      for (const p of Object.keys(phaseMs) as Phase[]) phaseMs[p] = 0;
    },
    stop: () => {
      for (const r of restores.reverse()) r();
      return snapshot();
    },
  };
}

const CATEGORY_NAMES: Record<Category, string> = {
  ours: 'our wasm gradient kernels (own time)',
  xnnpack: 'XNNPACK calls (conv, depthwise, matmul, binary ops)',
  layout: 'transposes, pads, slices, copies',
  tfjs: 'other tfjs-wasm kernels',
};

/** The breakdown as printable lines: per phase and category in ms per step, then the top kernels. */
export function formatStepProfile(p: StepProfile, stepMs: number, top = 14): string[] {
  const per = (ms: number) => ms / Math.max(1, p.steps);
  const pct = (ms: number) => `${((100 * per(ms)) / stepMs).toFixed(0).padStart(3)}%`;
  const line = (label: string, ms: number) => `${label.padEnd(58)} ${per(ms).toFixed(1).padStart(8)} ms ${pct(ms)}`;
  const out: string[] = [line(`step (wall, ${p.steps} steps)`, stepMs * Math.max(1, p.steps))];
  const kernelMs = (ph: Phase, cat?: Category) => p.kernels.filter((k) => k.phase === ph && (!cat || k.category === cat)).reduce((a, k) => a + k.selfMs, 0);
  for (const ph of ['forward', 'backward', 'adamw'] as const) {
    out.push(line(ph === 'adamw' ? 'AdamW update' : ph, p.phaseMs[ph]));
    for (const cat of ['xnnpack', 'ours', 'layout', 'tfjs'] as const) {
      const ms = kernelMs(ph, cat);
      if (ms > 0) out.push(line(`  ${CATEGORY_NAMES[cat]}`, ms));
    }
    const oursTotal = p.kernels.filter((k) => k.phase === ph && k.category === 'ours').reduce((a, k) => a + k.totalMs, 0);
    if (oursTotal > 0) out.push(line('  (our gradient kernels with the XNNPACK calls they make)', oursTotal));
    out.push(line('  JS outside kernels (gather bf16, uploads, glue)', p.phaseMs[ph] - kernelMs(ph)));
  }
  out.push(line('data-parallel exchange (copy + sum)', p.phaseMs.exchange - p.waitMs));
  out.push(line('  waiting for the other workers', p.waitMs));
  const accounted = p.phaseMs.forward + p.phaseMs.backward + p.phaseMs.adamw + p.phaseMs.exchange;
  out.push(line('rest of the step (flatten grads, EMA, metrics, JS)', stepMs * p.steps - accounted));
  out.push(`top kernels (own time per step):`);
  const byName = new Map<string, KernelRow>();
  for (const k of p.kernels) {
    const key = `${k.kernel} ${k.phase}`;
    const a = byName.get(key);
    if (a) {
      a.selfMs += k.selfMs;
      a.calls += k.calls;
    } else byName.set(key, { ...k });
  }
  const rows = [...byName.values()].sort((a, b) => b.selfMs - a.selfMs).slice(0, top);
  for (const k of rows) out.push(line(`  ${k.kernel} (${k.phase}, ${k.category}, ${(k.calls / Math.max(1, p.steps)).toFixed(0)} calls)`, k.selfMs));
  return out;
}
