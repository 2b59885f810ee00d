import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Session } from '../src/core/session.js';
import { scanDataset } from '../src/core/data/scan.js';
import { sourceFromPath } from '../src/core/backbones/source.js';
import { CATS_DOGS, listData, MOBILENET_V2_TFJS, SAMPLE_PHOTOS, skipUnless, tempDir } from './helpers/shared.js';
import { linkDataset } from './helpers/cli.js';

const cats = listData(path.join(CATS_DOGS, 'cats'))
  .slice(300, 316)
  .map((f) => `cats/${f}`);
const dogs = listData(path.join(CATS_DOGS, 'dogs'))
  .slice(300, 316)
  .map((f) => `dogs/${f}`);

test(
  "train, eval and predict leave the workers' tensor counts where they were",
  { skip: skipUnless('cats-dogs', 'mobilenet-v2-tfjs', 'sample-photos') },
  async () => {
    const session = await Session.open({ backend: 'wasm', workers: 2, cacheDir: tempDir(), resize: 'cover', embedBatchSize: 8 });
    try {
      const counts = async () => Promise.all(session.pool.workers.map(async (w) => (await w.call('memory', undefined)).numTensors));
      const atStart = await counts();
      await session.loadBackboneSource(MOBILENET_V2_TFJS, await sourceFromPath(MOBILENET_V2_TFJS));
      const withBackbone = await counts();
      const ds = await scanDataset(linkDataset(CATS_DOGS, { cats, dogs }), { seed: 1 });
      const out = path.join(tempDir(), 'm');
      await session.trainHead({
        dataset: ds,
        out,
        head: {
          epochs: 3,
          learningRate: 1e-3,
          batchSize: 8,
          hiddenUnits: 16,
          dropout: 0.2,
          weightDecay: 0.01,
          labelSmoothing: 0,
          schedule: 'one-cycle',
          seed: 1,
        },
      });
      const afterTrain = await counts();
      // the main worker now holds the trained head (2 dense layers: 4 weights); nothing else stayed
      assert.deepEqual(afterTrain, [withBackbone[0] + 4, withBackbone[1]]);
      await session.evaluate(ds, 'all', { tta: true });
      assert.deepEqual(await counts(), afterTrain, 'evaluate leaks nothing');
      await session.predict([path.join(SAMPLE_PHOTOS, 'cat_720p.jpg'), path.join(SAMPLE_PHOTOS, 'dog_segmentation.bmp')], 2);
      assert.deepEqual(await counts(), afterTrain, 'predict leaks nothing');
      await session.loadModel(out);
      assert.deepEqual(await counts(), afterTrain, 'reloading the model replaces, not adds');
      await Promise.all(session.pool.workers.map((w) => w.call('release', undefined)));
      assert.deepEqual(await counts(), atStart, 'releasing the model frees everything');
    } finally {
      await session.close();
    }
  },
);
