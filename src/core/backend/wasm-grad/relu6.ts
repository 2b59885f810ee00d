import * as tf from '@tensorflow/tfjs';
import { RELU6_GRAD } from './relu6-grad-kernel.js';

/**
 * relu6 (min(max(x, 0), 6)) with the same values and gradient as tf.relu6, but a gradient built
 * only from elementwise ops XNNPACK runs on wasm: mask = step(x) - step(x - 6). tf.relu6's and
 * tf.clipByValue's gradients use comparisons, logicalAnd, cast and select, which the wasm
 * backend runs as generic C++ loops ~20x slower (about 1/5 of a MobileNetV2 training step).
 * On wasm the mask and product are one pass of petlab's own kernel (relu6-grad-kernel.ts).
 */
export const relu6 = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const x = args[0] as tf.Tensor;
  (args[1] as tf.GradSaveFunc)([x]);
  return {
    value: tf.relu6(x),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [input] = saved;
      if (input.dtype === 'float32' && dy.dtype === 'float32' && tf.getKernel(RELU6_GRAD, tf.getBackend()))
        return tf.engine().runKernel(RELU6_GRAD, { dy, x: input }) as tf.Tensor;
      return tf.tidy(() => tf.mul(dy, tf.sub(tf.step(input), tf.step(tf.sub(input, 6)))));
    },
  };
}) as <T extends tf.Tensor>(x: T) => T;
