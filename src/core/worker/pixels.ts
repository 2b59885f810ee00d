import * as tf from '@tensorflow/tfjs';
import type { BackboneSpec } from '../backbones/spec.js';

/** RGB bytes of n pictures at the backbone's input size, as a tensor (the backbone casts and scales). */
export function pixelsTensor(pixels: Uint8Array, n: number, spec: BackboneSpec): tf.Tensor4D {
  const [h, w] = spec.inputSize;
  return tf.tensor4d(Int32Array.from(pixels), [n, h, w, 3], 'int32');
}
