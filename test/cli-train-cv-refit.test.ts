import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CATS_DOGS, listData, MOBILENET_V2_TFJS, SAMPLE_PHOTOS, skipUnless, tempDir } from './helpers/shared.js';
import { isolatedEnv, linkDataset, runPetlab } from './helpers/cli.js';

// 15 cats and 15 dogs: a seeded 20% (3 + 3) is held out for validation
const cats = listData(path.join(CATS_DOGS, 'cats')).sort().slice(100, 115);
const dogs = listData(path.join(CATS_DOGS, 'dogs')).sort().slice(100, 115);
const data = linkDataset(CATS_DOGS, { cats: cats.map((f) => `cats/${f}`), dogs: dogs.map((f) => `dogs/${f}`) });
const env = isolatedEnv();
const model = path.join(tempDir('petlab-refit-'), 'model');

interface Cv {
  k: number;
  mean: number;
  std: number;
  min: number;
  max: number;
  n: number;
  folds: { n: number; correct: number; accuracy: number }[];
}

test(
  'train --cv 3 --refit: K-fold accuracy beside the split, and a model trained on every picture',
  { skip: skipUnless('cats-dogs', 'mobilenet-v2-tfjs', 'sample-photos') },
  async () => {
    const r = await runPetlab(['train', '--data', data, '--backbone', MOBILENET_V2_TFJS, '--workers', '1', '--out', model, '--cv', '3', '--refit', '--json'], {
      env,
    });
    assert.equal(r.code, 0, r.stderr);
    const res = r.events.at(-1) as { type: string; cv: Cv; refit: { refitted: boolean; trainedOn: number }; metrics: { n: number; accuracy: number } };
    assert.equal(res.type, 'result');
    // every picture validated once, in 3 folds of 10
    assert.equal(res.cv.k, 3);
    assert.deepEqual(
      res.cv.folds.map((f) => f.n),
      [10, 10, 10],
    );
    assert.equal(res.cv.n, 30);
    const mean = res.cv.folds.reduce((a, f) => a + f.accuracy, 0) / 3;
    assert.ok(Math.abs(res.cv.mean - mean) < 1e-9);
    assert.ok(res.cv.min <= res.cv.mean && res.cv.mean <= res.cv.max && res.cv.std >= 0);
    assert.ok(res.cv.mean >= 0.8, `cats vs dogs cross-validated: ${res.cv.mean}`);
    // the validated run's figures stay; the saved model trained on all 30
    assert.equal(res.metrics.n, 6);
    assert.deepEqual(res.refit, { refitted: true, trainedOn: 30, validated: { train: 24, val: 6 }, epochs: 80 });
    const meta = JSON.parse(readFileSync(path.join(model, 'petlab.json'), 'utf8'));
    assert.equal(meta.training.refit.refitted, true);
    assert.equal(meta.training.refit.trainedOn, 30);
    assert.deepEqual(meta.dataset.counts, { train: 30, val: 0, test: 0 });
    assert.equal(meta.metrics.split, 'val');
    assert.equal(meta.metrics.n, 6);
    assert.equal(meta.complete, true);
    assert.equal(meta.training.flip, true, 'the default recipe: mirror images in training, flip TTA in predictions');
    // training saw all 30 pictures: the refit's epochs report 30-picture batches
    const trainPhases = r.events.filter((e) => e.type === 'phase' && e.phase === 'train').map((e) => String(e.message));
    assert.equal(trainPhases.length, 2, trainPhases.join(' | '));
    assert.match(trainPhases[1], /on 30 images and their mirror images \(0 for validation\)/);
    // the cross-validation and the refit use the validated run's embeddings: one embed phase for both views
    // (a picture and its mirror image share one decode), its progress the last
    const embedPhases = r.events.filter((e) => e.type === 'phase' && e.phase === 'embed').map((e) => String(e.message));
    assert.equal(embedPhases.length, 1, embedPhases.join(' | '));
    assert.match(embedPhases[0], /embedding 30 images and their mirror images /);
    const lastEmbed = r.events.filter((e) => e.type === 'progress' && e.phase === 'embed').at(-1)!;
    assert.equal(lastEmbed.done, 60);
    assert.ok((lastEmbed.rate as number) > 0, `the last embed progress has a rate: ${JSON.stringify(lastEmbed)}`);
    // the human output says both figures; on a dataset this small (15 a class) refitting is the default
    const human = await runPetlab(['train', '--data', data, '--backbone', MOBILENET_V2_TFJS, '--workers', '1', '--out', model, '--cv', '3'], { env });
    assert.equal(human.code, 0, human.stderr);
    assert.match(
      human.stdout,
      /cross-validated accuracy \(3 folds of 30 pictures, frozen head, flip TTA\): \d+\.\d\d% ± \d+\.\d\d \(folds .*\); single split: \d+\.\d\d% of 6/,
    );
    assert.match(human.stdout, /refitted on all 30 pictures .*the default on a small dataset; --no-refit keeps the validated model/);
    // the refitted model loads and predicts like any other
    const pr = await runPetlab(['predict', '--model', model, path.join(SAMPLE_PHOTOS, 'cat_720p.jpg'), '--workers', '1', '--json'], { env });
    assert.equal(pr.code, 0, pr.stderr);
    const pres = pr.events.at(-1) as { tta: boolean; predictions: Array<{ top: Array<{ className: string }> }> };
    assert.equal(pres.predictions[0].top[0].className, 'cats');
    assert.equal(pres.tta, true, 'a model trained on mirror images predicts with flip TTA');
  },
);

test(
  '--refit --fine-tune: the fine-tuning run is repeated on every picture with the validated epochs',
  { skip: skipUnless('cats-dogs', 'mobilenet-v2-tfjs') },
  async () => {
    const out = path.join(tempDir('petlab-refit-ft-'), 'model');
    const r = await runPetlab(
      [
        'train',
        '--data',
        data,
        '--backbone',
        MOBILENET_V2_TFJS,
        '--workers',
        '1',
        '--out',
        out,
        '--epochs',
        '3',
        '--fine-tune',
        '1',
        '--views',
        '1',
        '--refit',
        '--json',
      ],
      { env },
    );
    assert.equal(r.code, 0, r.stderr);
    const ftPhases = r.events.filter((e) => e.type === 'phase' && e.phase === 'fine-tune');
    assert.ok(ftPhases.length >= 2, 'fine-tuned twice: validated, then refitted');
    assert.match(String(ftPhases[0].message), /on 24 images/);
    assert.match(String(ftPhases.at(-1)!.message), /for 1 epoch on 30 images/);
    const meta = JSON.parse(readFileSync(path.join(out, 'petlab.json'), 'utf8'));
    assert.deepEqual(meta.training.refit, { refitted: true, trainedOn: 30, validated: { train: 24, val: 6 }, epochs: 3, fineTuneEpochs: 1 });
    assert.equal(meta.backbone.fineTuned, true);
    assert.deepEqual(meta.dataset.counts, { train: 30, val: 0, test: 0 });
    assert.equal(meta.metrics.n, 6, "the validated run's figures are kept");
    // the refit starts again from the pretrained backbone (not the one tuned on 24): its frozen features are the validated run's, from the cache
    const sources = r.events.map((e) => /^train: frozen features: (\d+) from cache, (\d+) computed/.exec(String(e.detail ?? ''))?.slice(1)).filter(Boolean);
    assert.deepEqual(sources.at(-1), ['30', '0']);
    assert.deepEqual([meta.backbone.spec.name, meta.backbone.source.path], ['tfjs-reference', MOBILENET_V2_TFJS]);
  },
);

test(
  '--no-refit keeps the validated model on a small dataset; --no-flip trains without mirror images, and predicts without TTA',
  { skip: skipUnless('cats-dogs', 'mobilenet-v2-tfjs') },
  async () => {
    const out = path.join(tempDir('petlab-norefit-'), 'model');
    const r = await runPetlab(['train', '--data', data, '--backbone', MOBILENET_V2_TFJS, '--workers', '1', '--out', out, '--no-refit', '--no-flip', '--json'], {
      env,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal((r.events.at(-1) as { refit: unknown }).refit, null);
    const meta = JSON.parse(readFileSync(path.join(out, 'petlab.json'), 'utf8'));
    assert.deepEqual(meta.dataset.counts, { train: 24, val: 6, test: 0 });
    assert.equal(meta.training.refit, undefined);
    assert.equal(meta.training.flip, false);
    assert.match(String(r.events.find((e) => e.type === 'phase' && e.phase === 'train')?.message), /on 24 images \(6 for validation\)/);
    // eval: no TTA for this model unless asked; --tta and --no-tta together are refused
    const ev = (...a: string[]) => runPetlab(['eval', '--model', out, '--data', data, '--split', 'val', '--workers', '1', ...a], { env });
    const plain = await ev('--json');
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal((plain.events.at(-1) as { tta: boolean }).tta, false);
    const human = await ev('--tta');
    assert.match(human.stdout, /val \(flip TTA\) accuracy/);
    const both = await ev('--tta', '--no-tta');
    assert.equal(both.code, 2);
    assert.match(both.stderr, /--tta and --no-tta contradict each other/);
  },
);

test('--cv with too many folds is refused in one line', { skip: skipUnless('cats-dogs', 'mobilenet-v2-tfjs') }, async () => {
  const r = await runPetlab(
    ['train', '--data', data, '--backbone', MOBILENET_V2_TFJS, '--workers', '1', '--out', path.join(tempDir('petlab-cv-'), 'm'), '--epochs', '1', '--cv', '1'],
    { env },
  );
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--cv/);
});
