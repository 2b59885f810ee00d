import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { CATS_DOGS, listData, MOBILENET_V2_TFJS, SHARED, skipUnless, tempDir } from './helpers/shared.js';
import { isolatedEnv, linkDataset, runPetlab } from './helpers/cli.js';

const cats = listData(path.join(CATS_DOGS, 'cats'))
  .slice(100, 130)
  .map((f) => `cats/${f}`);
const dogs = listData(path.join(CATS_DOGS, 'dogs'))
  .slice(100, 130)
  .map((f) => `dogs/${f}`);
const data = linkDataset(CATS_DOGS, { cats, dogs });

/** A mirror folder laid out like the cache, made of links to ../shared (no network anywhere). */
function mirrorFolder(): string {
  const m = tempDir('petlab-mirror-');
  const dir = path.join(m, 'backbones', 'mobilenet_v2');
  mkdirSync(dir, { recursive: true });
  const src = path.join(SHARED, 'models', 'mobilenet_v2_1.0_224_quant');
  for (const f of ['mobilenet_v2_1.0_224_quant.tflite', 'imagenet_labels.txt']) symlinkSync(path.join(src, f), path.join(dir, f));
  return m;
}

test(
  'PETLAB_MIRROR: `train --backbone mobilenet_v2` works offline and matches the tfjs reference conversion',
  { skip: skipUnless('cats-dogs', 'mobilenet-v2-tflite', 'imagenet-labels', 'mobilenet-v2-tfjs') },
  async () => {
    const env = { ...isolatedEnv(), PETLAB_MIRROR: mirrorFolder() };
    const models = await runPetlab(['models', '--json'], { env });
    const before = (models.events.at(-1) as { backbones: Array<{ name: string; cached: boolean }> }).backbones;
    assert.equal(before.find((b) => b.name === 'mobilenet_v2')?.cached, false);

    const out = path.join(tempDir(), 'm');
    const viaRegistry = await runPetlab(['train', '--data', data, '--backbone', 'mobilenet_v2', '--out', out, '--epochs', '8', '--json'], { env });
    assert.equal(viaRegistry.code, 0, viaRegistry.stderr);
    const after = (await runPetlab(['models', '--json'], { env })).events.at(-1) as { backbones: Array<{ name: string; cached: boolean }> };
    assert.equal(after.backbones.find((b) => b.name === 'mobilenet_v2')?.cached, true, 'the mirror copy landed in the cache');

    const viaReference = await runPetlab(
      ['train', '--data', data, '--backbone', MOBILENET_V2_TFJS, '--out', path.join(tempDir(), 'r'), '--epochs', '8', '--json'],
      { env },
    );
    assert.equal(viaReference.code, 0, viaReference.stderr);
    const acc = (r: typeof viaRegistry) => (r.events.at(-1) as { metrics: { accuracy: number } }).metrics.accuracy;
    const loss = (r: typeof viaRegistry) => (r.events.at(-1) as { history: Array<{ valLoss: number }> }).history.at(-1)!.valLoss;
    assert.equal(acc(viaRegistry), acc(viaReference), 'the imported TFLite trains to the same accuracy');
    // the import runs in int8 on its own activation grids, the reference (which has none) in float: the
    // validation loss differs by 3-4% (0.0252 vs 0.0260, then 0.0251 vs 0.0262 with the mirror view of issue 17)
    const [a, b] = [loss(viaRegistry), loss(viaReference)];
    assert.ok(Math.abs(a - b) < 0.06 * Math.max(a, b), `val loss ${a} vs ${b}`);
  },
);

test('offline with an empty cache and no mirror: the error names the URL, the cache path and the setting', { skip: skipUnless('cats-dogs') }, async () => {
  const env = isolatedEnv();
  const r = await runPetlab(['train', '--data', data, '--backbone', 'mobilenet_v2'], { env, timeoutMs: 60_000 });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /https:\/\/raw\.githubusercontent\.com\/google-coral\/test_data\/[0-9a-f]{40}\/mobilenet_v2_1\.0_224_quant\.tflite/);
  assert.ok(r.stderr.includes(path.join(env.PETLAB_CACHE_DIR, 'backbones', 'mobilenet_v2')), r.stderr);
  assert.match(r.stderr, /PETLAB_MIRROR/);
  assert.ok(!/\n\s+at /.test(r.stderr), 'no stack trace');
});

test('no --data and the default dataset not downloaded: usage error offering `petlab data get oxford-pets` with its size', async () => {
  const r = await runPetlab(['train'], { env: isolatedEnv() });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /default dataset "oxford-pets" is not downloaded/);
  assert.match(r.stderr, /petlab data get oxford-pets` \(\d+\.\d MB\)/);
});
