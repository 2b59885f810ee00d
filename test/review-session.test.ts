import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Session } from '../src/core/session.js';
import { scanDataset } from '../src/core/data/scan.js';
import { sourceFromPath } from '../src/core/backbones/source.js';
import { runReview } from '../src/core/review/run.js';
import { runSimilar } from '../src/core/review/similar.js';
import { CATS_DOGS, listData, MOBILENET_V2_TFJS, skipUnless, tempDir } from './helpers/shared.js';
import { linkDataset } from './helpers/cli.js';

const cats = listData(path.join(CATS_DOGS, 'cats'))
  .slice(400, 412)
  .map((f) => `cats/${f}`);
const dogs = listData(path.join(CATS_DOGS, 'dogs'))
  .slice(400, 412)
  .map((f) => `dogs/${f}`);
const HEAD = {
  epochs: 3,
  learningRate: 1e-3,
  batchSize: 8,
  hiddenUnits: 16,
  dropout: 0.2,
  weightDecay: 0.01,
  labelSmoothing: 0,
  schedule: 'one-cycle' as const,
  seed: 1,
};

test(
  'review and similar through the Session: fold heads on both workers, no tensor left behind; a picture is its own nearest only when left in',
  { skip: skipUnless('cats-dogs', 'mobilenet-v2-tfjs') },
  async () => {
    const session = await Session.open({ backend: 'wasm', workers: 2, cacheDir: tempDir(), resize: 'cover', embedBatchSize: 8 });
    try {
      const counts = async () => Promise.all(session.pool.workers.map(async (w) => (await w.call('memory', undefined)).numTensors));
      await session.loadBackboneSource(MOBILENET_V2_TFJS, await sourceFromPath(MOBILENET_V2_TFJS));
      const before = await counts();
      const ds = await scanDataset(linkDataset(CATS_DOGS, { cats, dogs }), { seed: 1 });
      const res = await runReview(session, { dataset: ds, head: HEAD, folds: 4 });
      assert.deepEqual(await counts(), before, 'fold heads and the similarity blocks are disposed');
      assert.equal(res.items.length, 24);
      assert.equal(res.suspects.length, 24, 'every picture is ranked');
      assert.ok(res.accuracy > 0.8, `cats vs dogs out of fold: ${res.accuracy}`);
      assert.equal(res.duplicates.length, 0, 'distinct pictures are not duplicates');
      // similar: a picture of the dataset is left out of its own neighbours, and its class dominates
      const q = ds.items[0];
      const sim = await runSimilar(session, { dataset: ds, image: q.file, k: 5 });
      assert.equal(sim.neighbours.length, 5);
      assert.ok(!sim.neighbours.some((n) => n.file === q.file));
      assert.ok(sim.neighbours.filter((n) => n.label === ds.classes[q.label]).length >= 3, JSON.stringify(sim.neighbours));
      for (let i = 1; i < 5; i++) assert.ok(sim.neighbours[i].distance >= sim.neighbours[i - 1].distance);
      assert.deepEqual(await counts(), before);
      await assert.rejects(runSimilar(session, { dataset: ds, image: path.join(tempDir(), 'missing.jpg'), k: 3 }), /cannot read .*missing\.jpg/);
    } finally {
      await session.close();
    }
  },
);
