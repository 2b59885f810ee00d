import type * as tf from '@tensorflow/tfjs';
import type { WasmKernelScope } from './scope.js';

/**
 * Spread an NHWC tensor's rows and columns `stride` apart with zeros between them (the "dilated
 * dy" of a strided convolution's backward pass): [N,H,W,C] -> [N, H*sh, W*sw, C], the value at
 * (h, w) moving to (h*sh, w*sw). One PadV2 on a rank-6 view; the trailing sh-1 rows and sw-1
 * columns are zeros the caller may crop.
 */
export function zeroInsert(s: WasmKernelScope, x: tf.TensorInfo, sh: number, sw: number): tf.TensorInfo {
  if (sh === 1 && sw === 1) return x;
  const [n, h, w, c] = x.shape;
  const x6 = s.reshape(x, [n, h, 1, w, 1, c]);
  const padded = s.run(
    'PadV2',
    { x: x6 },
    {
      paddings: [
        [0, 0],
        [0, 0],
        [0, sh - 1],
        [0, 0],
        [0, sw - 1],
        [0, 0],
      ],
      constantValue: 0,
    },
  );
  return s.reshape(padded, [n, h * sh, w * sw, c]);
}
