import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Session } from '../src/core/session.js';
import { MOBILENET_V2_TFLITE, SAMPLE_PHOTOS, skipUnless, tempDir } from './helpers/shared.js';
import { exportEnv, smallDataset, trainSmall } from './helpers/export-support.js';

/** Exporting from a session (as the workbench does) leaves its worker as it was: no tensors kept, predict unchanged. */
test(
  'export from an open session: no tensors leaked in the worker, and its own model predicts as before',
  { skip: skipUnless('cats-dogs', 'mobilenet-v2-tflite', 'sample-photos') },
  async () => {
    const model = await trainSmall(smallDataset(), MOBILENET_V2_TFLITE, ['--epochs', '1']);
    const s = await Session.open({ backend: 'wasm', workers: 1, cacheDir: exportEnv.PETLAB_CACHE_DIR, resize: 'cover', embedBatchSize: 8 });
    try {
      await s.loadModel(model);
      const cat = path.join(SAMPLE_PHOTOS, 'cat_720p.jpg');
      const before = await s.predict([cat], 2);
      const m0 = await s.pool.main.call('memory', undefined);
      const out = tempDir();
      for (const format of ['onnx', 'tfjs', 'web'] as const) await s.exportModel(model, format, path.join(out, format));
      const m1 = await s.pool.main.call('memory', undefined);
      assert.equal(m1.numTensors, m0.numTensors, 'the worker holds as many tensors as before the exports');
      assert.deepEqual(await s.predict([cat], 2), before);
    } finally {
      await s.close();
    }
  },
);
