import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/core/backend/select.js';
import { PREPROCESS_0_1, PREPROCESS_MINUS1_1, type BackboneSpec, type Preprocess } from '../src/core/backbones/spec.js';
import { networkInput } from '../src/core/worker/pixels.js';

/**
 * The workers' one-pass network input (worker/pixels.ts) gives the very floats the backend's
 * cast, multiply and add give (what backbone.preprocess computes): embeddings, and the cache
 * entries made before it, stay the same to the bit.
 */
test('networkInput is bit-identical to cast + float32 multiply + add on wasm and cpu, for every byte value', async () => {
  const bytes = Uint8Array.from({ length: 2 * 16 * 8 * 3 }, (_, i) => (i * 7) % 256);
  const odd: Preprocess = { scale: 0.017125, offset: -2.1179 };
  for (const backend of ['wasm', 'cpu'] as const) {
    await initBackend(backend);
    for (const preprocess of [PREPROCESS_MINUS1_1, PREPROCESS_0_1, odd]) {
      const spec = { inputSize: [16, 8], preprocess } as unknown as BackboneSpec;
      const ours = tf.tidy(() => networkInput(bytes, 2, spec).dataSync() as Float32Array);
      const theirs = tf.tidy(
        () =>
          tf
            .add(tf.mul(tf.cast(tf.tensor4d(Int32Array.from(bytes), [2, 16, 8, 3], 'int32'), 'float32'), preprocess.scale), preprocess.offset)
            .dataSync() as Float32Array,
      );
      const differ = ours.findIndex((v, i) => !Object.is(v, theirs[i]));
      assert.equal(
        differ,
        -1,
        `${backend} scale ${preprocess.scale} offset ${preprocess.offset}: byte ${bytes[differ]} gives ${ours[differ]}, not ${theirs[differ]}`,
      );
    }
  }
});
