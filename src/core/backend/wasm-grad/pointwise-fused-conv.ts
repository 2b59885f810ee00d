import type * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapOffset, nativeKernels, wasmFmaEnabled } from './native/native-kernels.js';

const ACTIVATIONS: Record<string, number> = { linear: 0, relu: 1, relu6: 2 };

/**
 * FusedConv2D with a fast path for 1x1, stride 1 (every expand/project conv of MobileNetV2):
 * x[N*H*W, Ci] @ W[Ci, Co] by petlab's own FMA GEMM (native/kernels.c, ~1.3x XNNPACK's), with
 * bias and relu/relu6 applied in its last store. Only where the FMA build runs; the original kernel does the rest.
 */
export function pointwiseFusedConvFastPath(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x, filter, bias, preluActivationWeights } = args.inputs as Record<string, tf.TensorInfo | undefined>;
    const { strides, dilations, pad, dataFormat, activation } = args.attrs as unknown as tf.FusedConv2DAttrs;
    const act = ACTIVATIONS[activation ?? 'linear'];
    const one = (v: number | [number, number] | undefined) => v === undefined || v === 1 || (Array.isArray(v) && v[0] === 1 && v[1] === 1);
    const fits =
      x !== undefined &&
      filter !== undefined &&
      x.dtype === 'float32' &&
      x.shape.length === 4 &&
      filter.shape[0] === 1 &&
      filter.shape[1] === 1 &&
      filter.shape[3] >= 8 &&
      one(strides) &&
      one(dilations) &&
      (pad === 'valid' || pad === 'same') &&
      dataFormat !== 'NCHW' &&
      preluActivationWeights === undefined &&
      act !== undefined &&
      (bias === undefined || bias.shape.length <= 1) &&
      wasmFmaEnabled();
    if (!fits) return original(args);
    const b = args.backend as BackendWasm;
    const [n, h, w, ci] = x.shape;
    const co = filter.shape[3];
    // a bias that is a scalar (broadcast) is left to the original
    if (bias !== undefined && (bias.shape[0] ?? 1) !== co) return original(args);
    const out = b.makeOutput([n, h, w, co], 'float32');
    const k = nativeKernels(b);
    // bias and activation in the GEMM's last store: one pass over the output (it is the biggest
    // tensor of the expand convs, where K is small and memory, not arithmetic, sets the pace)
    k.gemm_bias_act(heapOffset(b, x), ci, 1, heapOffset(b, filter), co, heapOffset(b, out), n * h * w, co, ci, bias ? heapOffset(b, bias) : 0, act);
    return out;
  };
}
