import * as tf from '@tensorflow/tfjs';
import type { BackboneSpec } from '../backbones/spec.js';

/**
 * The network input of n pictures (RGB bytes at the backbone's input size), made in one pass here:
 * the same floats as backbone.preprocess() of the bytes as an int32 tensor (cast, float32 multiply,
 * float32 add), from a table of the 256 byte values, without the int32 copy and the backend's three
 * passes over the batch.
 */
export function networkInput(pixels: Uint8Array, n: number, spec: BackboneSpec): tf.Tensor4D {
  const [h, w] = spec.inputSize;
  const scale = Math.fround(spec.preprocess.scale);
  const offset = Math.fround(spec.preprocess.offset);
  // a float32 product, then a float32 sum: both exact in double, rounded once each, as the backend does
  const table = Float32Array.from({ length: 256 }, (_, v) => Math.fround(v * scale) + offset);
  const x = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) x[i] = table[pixels[i]];
  return tf.tensor4d(x, [n, h, w, 3], 'float32');
}
