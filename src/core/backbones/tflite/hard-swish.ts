import * as tf from '@tensorflow/tfjs';

/**
 * hard_swish(x) = x * relu6(x + 3) / 6 (MobileNetV3's activation; TFLite's HARD_SWISH op).
 * tfjs-layers has no such activation, so this is a weightless layer, registered for
 * serialization so a saved model that uses it loads again.
 */
export class HardSwish extends tf.layers.Layer {
  static className = 'HardSwish';

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      return tf.mul(x, tf.div(tf.relu6(tf.add(x, 3)), 6));
    });
  }
}

tf.serialization.registerClass(HardSwish);
