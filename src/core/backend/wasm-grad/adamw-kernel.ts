import type * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapOffset, nativeKernels } from './native/native-kernels.js';

/** Name of petlab's AdamW-step kernel (w, m, v, g) -> [w', m', v'], registered for wasm. */
export const ADAMW_STEP = 'PetlabAdamWStep';

/** The step's float32 scalars, as tfjs's ops would make them from train/adamw.ts's numbers. */
export interface AdamWStepAttrs {
  b1: number;
  omb1: number;
  b2: number;
  omb2: number;
  c1: number;
  c2: number;
  eps: number;
  rate: number;
  /** 1 - rate * weightDecay, used when decay */
  keep: number;
  decay: boolean;
}

/**
 * One pass of native/kernels.c's adamw_step instead of 13 tfjs ops and their temporaries per
 * variable (~9x faster on a MobileNetV2 top). The outputs are new tensors, not the variables'
 * memory: a checkpoint's or EMA's clone may share it.
 */
export function adamwStepKernel(args: {
  inputs: { w: tf.TensorInfo; m: tf.TensorInfo; v: tf.TensorInfo; g: tf.TensorInfo };
  backend: BackendWasm;
  attrs: AdamWStepAttrs;
}): tf.TensorInfo[] {
  const { w, m, v, g } = args.inputs;
  const b = args.backend;
  const a = args.attrs;
  const outs = [w, m, v].map((t) => b.makeOutput(t.shape, 'float32'));
  const n = w.shape.reduce((p, d) => p * d, 1);
  nativeKernels(b).adamw_step(
    heapOffset(b, w),
    heapOffset(b, m),
    heapOffset(b, v),
    heapOffset(b, g),
    ...(outs.map((t) => heapOffset(b, t)) as [number, number, number]),
    n,
    a.b1,
    a.omb1,
    a.b2,
    a.omb2,
    a.c1,
    a.c2,
    a.eps,
    a.rate,
    a.keep,
    a.decay ? 1 : 0,
  );
  return outs;
}
