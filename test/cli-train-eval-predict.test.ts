import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CATS_DOGS, listData, MOBILENET_V2_TFJS, SAMPLE_PHOTOS, skipUnless, tempDir } from './helpers/shared.js';
import { isolatedEnv, linkDataset, runPetlab } from './helpers/cli.js';

// A small real dataset: 48 cats and 48 dogs to train on, 24 + 24 others the model never sees.
const cats = listData(path.join(CATS_DOGS, 'cats'));
const dogs = listData(path.join(CATS_DOGS, 'dogs'));
const trainDir = linkDataset(CATS_DOGS, { cats: cats.slice(0, 48).map((f) => `cats/${f}`), dogs: dogs.slice(0, 48).map((f) => `dogs/${f}`) });
const holdoutDir = linkDataset(CATS_DOGS, { cats: cats.slice(500, 524).map((f) => `cats/${f}`), dogs: dogs.slice(500, 524).map((f) => `dogs/${f}`) });
const env = isolatedEnv();
const modelDir = path.join(tempDir(), 'model');

test('train → eval on unseen images → predict, as a user runs them', { skip: skipUnless('cats-dogs', 'mobilenet-v2-tfjs', 'sample-photos') }, async (t) => {
  const train = await runPetlab(['train', '--data', trainDir, '--backbone', MOBILENET_V2_TFJS, '--out', modelDir, '--epochs', '10', '--json'], { env });
  assert.equal(train.code, 0, train.stderr);
  const types = new Set(train.events.map((e) => e.type));
  for (const ty of ['backend', 'phase', 'progress', 'epoch', 'result']) assert.ok(types.has(ty), `emits ${ty} events`);
  const epochs = train.events.filter((e) => e.type === 'epoch');
  assert.equal(epochs.length, 10);
  assert.equal(train.events.find((e) => e.type === 'phase' && e.phase === 'train')?.epochs, 10, 'the train phase carries its epoch count');
  assert.ok(epochs.every((e) => typeof e.valAcc === 'number' && typeof e.loss === 'number'));
  assert.ok((epochs[9].loss as number) < (epochs[0].loss as number), 'training lowers the loss');
  const result = train.events.at(-1)!;
  assert.equal(result.type, 'result');
  assert.equal((result.embed as { computed: number }).computed, 192, '96 pictures and their mirror images');
  // the model folder: head, class names, backbone reference, preprocessing, metrics
  const meta = JSON.parse(readFileSync(path.join(modelDir, 'petlab.json'), 'utf8'));
  assert.deepEqual(meta.classes, ['cats', 'dogs']);
  assert.equal(meta.complete, true);
  assert.equal(meta.backbone.spec.embeddingLayer, 'MobilenetV2_Logits_AvgPool');
  assert.ok(meta.metrics.accuracy >= 0.85);
  assert.ok(existsSync(path.join(modelDir, 'head', 'model.json')) && existsSync(path.join(modelDir, 'head', 'weights.bin')));
  assert.deepEqual(
    readdirSync(path.dirname(modelDir)).filter((f) => f.includes('.tmp')),
    [],
    'no temp folders left behind',
  );

  await t.test('eval on a folder the model never saw', async () => {
    const ev = await runPetlab(['eval', '--model', modelDir, '--data', holdoutDir, '--json'], { env });
    assert.equal(ev.code, 0, ev.stderr);
    const r = ev.events.at(-1)! as { split: string; metrics: { accuracy: number; n: number; perClass: unknown[]; confusion: number[][] } };
    assert.equal(r.split, 'all', 'no official split: every image is evaluated');
    assert.equal(r.metrics.n, 48);
    assert.ok(r.metrics.accuracy >= 0.9, `holdout accuracy ${r.metrics.accuracy}`);
    assert.equal(r.metrics.perClass.length, 2);
    // human output: per-class accuracy and most-confused pairs
    const human = await runPetlab(['eval', '--model', modelDir, '--data', holdoutDir], { env });
    assert.match(human.stdout, /accuracy: \d+\.\d\d%/);
    assert.match(human.stdout, /per-class accuracy/);
  });

  await t.test('predict a cat photo: top-1 cats', async () => {
    const pr = await runPetlab(['predict', '--model', modelDir, path.join(SAMPLE_PHOTOS, 'cat_720p.jpg'), '--json', '--top', '2'], { env });
    assert.equal(pr.code, 0, pr.stderr);
    const preds = (pr.events.at(-1) as { predictions: Array<{ top: Array<{ className: string; probability: number }> }> }).predictions;
    assert.equal(preds[0].top[0].className, 'cats');
    assert.ok(preds[0].top[0].probability > 0.5);
    assert.equal(preds[0].top.length, 2);
  });

  await t.test('predict a folder: every picture in it, in name order; an empty folder is named', async () => {
    const pr = await runPetlab(['predict', '--model', modelDir, SAMPLE_PHOTOS, '--json', '--top', '1'], { env });
    assert.equal(pr.code, 0, pr.stderr);
    const preds = (pr.events.at(-1) as { predictions: Array<{ file: string; top: Array<{ className: string }> }> }).predictions;
    const names = preds.map((p) => path.basename(p.file));
    assert.ok(names.length >= 6 && names.includes('cat_720p.jpg'), names.join(', '));
    assert.deepEqual(
      names,
      [...names].sort((a, b) => a.localeCompare(b, 'en', { numeric: true })),
    );
    assert.equal(preds[names.indexOf('cat_720p.jpg')].top[0].className, 'cats');
    const empty = await runPetlab(['predict', '--model', modelDir, tempDir()], { env });
    assert.equal(empty.code, 1);
    assert.match(empty.stderr, /no pictures in the folder/);
  });

  await t.test('a second identical run reuses the embedding cache (its speed is in the benchmark)', async () => {
    const again = await runPetlab(['train', '--data', trainDir, '--backbone', MOBILENET_V2_TFJS, '--out', modelDir, '--epochs', '10', '--json'], { env });
    assert.equal(again.code, 0, again.stderr);
    const r = again.events.at(-1) as { embed: { cacheHits: number; computed: number; views: number }; metrics: { accuracy: number } };
    // rows: the 96 pictures and their mirror images, computed together
    assert.equal(r.embed.views, 2);
    assert.equal(r.embed.cacheHits, 192);
    assert.equal(r.embed.computed, 0);
    assert.equal(r.metrics.accuracy, meta.metrics.accuracy, 'same seed, same result');
  });
});

test(
  '--val-split and --split val evaluate the seeded held-out part of a training folder',
  { skip: skipUnless('cats-dogs', 'mobilenet-v2-tfjs', 'sample-photos') },
  async () => {
    const ev = await runPetlab(['eval', '--model', modelDir, '--data', trainDir, '--split', 'val', '--json'], { env });
    assert.equal(ev.code, 0, ev.stderr);
    const r = ev.events.at(-1) as { metrics: { n: number } };
    assert.equal(r.metrics.n, 20, '20% of 48 per class, rounded: 10 + 10');
  },
);
