import * as tf from '@tensorflow/tfjs';
import { conv2dBackpropFilter } from './wasm-grad/conv2d-backprop-filter.js';
import { conv2dBackpropInput } from './wasm-grad/conv2d-backprop-input.js';
import { depthwiseBackpropFilter } from './wasm-grad/depthwise-backprop-filter.js';
import { depthwiseBackpropInput } from './wasm-grad/depthwise-backprop-input.js';
import { sumWithLeadingAxesFastPath } from './wasm-grad/sum-leading-axes.js';
import { avgPoolGradWithGlobalFastPath } from './wasm-grad/global-avg-pool-grad.js';
import { sharedIdentity } from './wasm-grad/shared-identity.js';
import { RELU6_GRAD, relu6GradKernel } from './wasm-grad/relu6-grad-kernel.js';
import { pointwiseFusedConvFastPath } from './wasm-grad/pointwise-fused-conv.js';
import { ADAMW_STEP, adamwStepKernel } from './wasm-grad/adamw-kernel.js';

/**
 * Kernels that let conv layers train on tfjs's wasm backend (4.22), all built from the backend's
 * own kernels (BatchMatMul, Conv2D, DepthwiseConv2dNative, Multiply, AvgPool, Transpose...) so
 * the heavy work runs in XNNPACK:
 * - missing there: Conv2DBackpropFilter, DepthwiseConv2dNativeBackpropFilter,
 *   DepthwiseConv2dNativeBackpropInput;
 * - replaced: Conv2DBackpropInput (a scalar C++ loop there, ~10x slower);
 * - petlab's own: PetlabRelu6Grad (wasm-grad/relu6.ts's gradient), PetlabAdamWStep (train/adamw.ts);
 * - depthwise gradients with multiplier 1 and relu6's run in petlab's own SIMD wasm
 *   (wasm-grad/native/kernels.c) on the backend's memory;
 * - wrapped: Sum gets a fast path for leading-axes sums (every bias gradient), AvgPoolGrad one
 *   for a global pool, Identity shares memory instead of copying (every tensor a gradient saves),
 *   FusedConv2D one for 1x1 convs on petlab's FMA GEMM (wasm-grad/pointwise-fused-conv.ts).
 */
const GRADIENT_KERNELS: Record<string, tf.KernelFunc> = {
  Conv2DBackpropFilter: conv2dBackpropFilter as unknown as tf.KernelFunc,
  Conv2DBackpropInput: conv2dBackpropInput as unknown as tf.KernelFunc,
  DepthwiseConv2dNativeBackpropFilter: depthwiseBackpropFilter as unknown as tf.KernelFunc,
  DepthwiseConv2dNativeBackpropInput: depthwiseBackpropInput as unknown as tf.KernelFunc,
  [RELU6_GRAD]: relu6GradKernel as unknown as tf.KernelFunc,
  [ADAMW_STEP]: adamwStepKernel as unknown as tf.KernelFunc,
};

/** Backend kernels wrapped with a fast path (the original handles every other case). */
const WRAPPED: Record<string, (original: tf.KernelFunc) => tf.KernelFunc> = {
  Sum: sumWithLeadingAxesFastPath,
  AvgPoolGrad: avgPoolGradWithGlobalFastPath,
  Identity: sharedIdentity,
  FusedConv2D: pointwiseFusedConvFastPath,
};

/** The kernel names this module registers for the wasm backend. */
export const WASM_GRADIENT_KERNELS = [...Object.keys(GRADIENT_KERNELS), ...Object.keys(WRAPPED)];

/** Our wrappers, so repeated registration never wraps a wrapper. */
const wrappers = new Map<string, tf.KernelFunc>();

function install(kernelName: string, kernelFunc: tf.KernelFunc, keepSetupOf?: tf.KernelConfig): void {
  if (tf.getKernel(kernelName, 'wasm')) tf.unregisterKernel(kernelName, 'wasm');
  // Keep the original's setup/dispose hooks: they bind the C++ functions the original uses.
  tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc, setupFunc: keepSetupOf?.setupFunc, disposeFunc: keepSetupOf?.disposeFunc });
}

/**
 * Register the kernels for backend 'wasm'. Call after @tensorflow/tfjs-backend-wasm is imported
 * (its import registers the kernels replaced here, which would otherwise win); initBackend('wasm')
 * does it through onBackendReady. Safe to call any number of times.
 */
export function registerWasmGradientKernels(): void {
  for (const [kernelName, kernelFunc] of Object.entries(GRADIENT_KERNELS)) {
    if (tf.getKernel(kernelName, 'wasm')?.kernelFunc !== kernelFunc) install(kernelName, kernelFunc);
  }
  for (const [kernelName, wrap] of Object.entries(WRAPPED)) {
    const existing = tf.getKernel(kernelName, 'wasm');
    if (!existing || existing.kernelFunc === wrappers.get(kernelName)) continue;
    const fast = wrap(existing.kernelFunc);
    wrappers.set(kernelName, fast);
    install(kernelName, fast, existing);
  }
}
