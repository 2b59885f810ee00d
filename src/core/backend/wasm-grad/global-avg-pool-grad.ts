import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { withScope } from './scope.js';

/**
 * AvgPoolGrad with a fast path for a global pool (the window is the whole map, one output pixel:
 * MobileNet's final average pool): dx = dy / (H*W) at every pixel, one broadcasting XNNPACK
 * multiply. The backend's own kernel is a scalar loop (~5% of a MobileNetV2 fine-tuning step).
 * Every other pooling goes to the original.
 */
export function avgPoolGradWithGlobalFastPath(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { dy, input } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
    const { filterSize, strides, pad } = args.attrs as unknown as {
      filterSize: number | [number, number];
      strides: number | [number, number];
      pad: 'valid' | 'same' | number;
    };
    if (input.dtype !== 'float32' || input.shape.length !== 4) return original(args);
    const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], filterSize, strides, 1, pad);
    const { inHeight: h, inWidth: w, outHeight, outWidth, filterHeight, filterWidth, padInfo } = info;
    const global = outHeight === 1 && outWidth === 1 && filterHeight === h && filterWidth === w && padInfo.top === 0 && padInfo.left === 0;
    if (!global) return original(args);
    const [n, , , c] = input.shape;
    return withScope(args.backend as BackendWasm, (s) => {
      const scale = s.run('Fill', {}, { shape: [1, h * w, 1], value: 1 / (h * w), dtype: 'float32' });
      const dx = s.run('Multiply', { a: s.reshape(dy, [n, 1, c]), b: scale });
      return s.reshape(dx, [n, h, w, c]);
    });
  };
}
