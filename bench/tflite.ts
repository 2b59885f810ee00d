import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/core/backend/select.js';
import { loadTflite } from '../src/core/backbones/tflite/index.js';
import { heading, row, SHARED, tempCache, timed } from './lib.js';

/** TFLite import: first load (parse + dequantize + build + write the converted cache), then cached loads. */
export async function benchTflite(): Promise<void> {
  await initBackend('wasm');
  heading('TFLite import (wasm): first load, then the converted-model cache');
  for (const [name, file] of [
    ['mobilenet_v2 (uint8)', path.join(SHARED, 'models', 'mobilenet_v2_1.0_224_quant', 'mobilenet_v2_1.0_224_quant.tflite')],
    ['mobilenet_v2_keras_ptq (int8 per-channel)', path.join(SHARED, 'models', 'tf2_mobilenet_v2_1.0_224_ptq', 'tf2_mobilenet_v2_1.0_224_ptq.tflite')],
    ['mobilenet_v1_075_192 (uint8)', path.join(SHARED, 'models', 'mobilenet_v1_0.75_192_quant', 'mobilenet_v1_0.75_192_quant.tflite')],
  ] as const) {
    const cacheDir = tempCache('tflite');
    const [first, t1] = await timed(() => loadTflite(file, { cacheDir }));
    first.model.dispose();
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const [again, t] = await timed(() => loadTflite(file, { cacheDir }));
      if (!again.fromCache) throw new Error('second load did not use the cache');
      again.model.dispose();
      times.push(t);
    }
    times.sort((a, b) => a - b);
    row(name, `first ${t1.toFixed(2)} s, cached ${times[1].toFixed(2)} s (median of 3)${times[1] < 0.5 ? ' < 0.5 s ✓' : ''}`);
  }
  row('tensors left', String(tf.memory().numTensors));
}
