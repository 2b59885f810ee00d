import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { interpretEvaluation } from '../src/core/explain/interpretation.js';
import { isolatedEnv, linkDataset, runPetlab } from './helpers/cli.js';
import { CATS_DOGS, listData, MOBILENET_V2_TFJS, skipUnless, tempDir } from './helpers/shared.js';
import { CAT, quadrantCanvas, quadrantMass, type Quadrant } from './helpers/explain-support.js';

/** Real data these tests need; without it they are skipped, naming it (see helpers/test-data.ts). */
const NEEDS = skipUnless('cats-dogs', 'mobilenet-v2-tfjs', 'sample-photos');

/** A tiny cats/dogs model trained here on real photos: interpretation of its evaluation, Grad-CAM of its head. */
const cats = listData(path.join(CATS_DOGS, 'cats'));
const dogs = listData(path.join(CATS_DOGS, 'dogs'));
const trainDir = linkDataset(CATS_DOGS, { cats: cats.slice(0, 48).map((f) => `cats/${f}`), dogs: dogs.slice(0, 48).map((f) => `dogs/${f}`) });
const holdoutDir = linkDataset(CATS_DOGS, { cats: cats.slice(600, 616).map((f) => `cats/${f}`), dogs: dogs.slice(600, 616).map((f) => `dogs/${f}`) });
const env = isolatedEnv();
const work = tempDir('petlab-explain-model-');
const modelDir = path.join(work, 'model');
const W1 = ['--workers', '1'];
const result = (r: { events: Array<Record<string, unknown>> }) => r.events.at(-1) as Record<string, any>;

before(async () => {
  if (NEEDS) return;
  const r = await runPetlab(['train', '--data', trainDir, '--backbone', MOBILENET_V2_TFJS, '--out', modelDir, '--epochs', '10', '--quiet'], { env });
  assert.equal(r.code, 0, r.stderr);
});

test('interpretEvaluation: the confusion matrix by class name, and the images with the highest loss first', { skip: NEEDS }, () => {
  const classes = ['a', 'b', 'c'];
  const probs = Float32Array.from([0.7, 0.2, 0.1, 0.1, 0.8, 0.1, 0.6, 0.3, 0.1, 0.2, 0.2, 0.6, 0.05, 0.9, 0.05]);
  const it = interpretEvaluation({ classes, files: ['1', '2', '3', '4', '5'], labels: [0, 1, 1, 2, 2], probs }, { topLosses: 3 });
  assert.deepEqual(it.confusion, [
    [1, 0, 0],
    [1, 1, 0],
    [0, 1, 1],
  ]);
  assert.deepEqual(
    it.topLosses.map((l) => [l.file, l.actual, l.predicted]),
    [
      ['5', 'c', 'b'],
      ['3', 'b', 'a'],
      ['4', 'c', 'c'],
    ],
  );
  assert.ok(Math.abs(it.topLosses[0].loss + Math.log(0.05)) < 1e-6);
  assert.ok(Math.abs(it.topLosses[0].probability - 0.9) < 1e-6);
  assert.deepEqual(
    it.mostConfused.map((p) => [p.actual, p.predicted, p.count, p.fraction]),
    [
      ['b', 'a', 1, 0.5],
      ['c', 'b', 1, 0.5],
    ],
  );
});

test('eval --top-losses: the confusion matrix agrees with the per-class accuracies, and the worst images come first', { skip: NEEDS }, async () => {
  const r = await runPetlab(['eval', '--model', modelDir, '--data', holdoutDir, '--top-losses', '5', '--json'], { env });
  assert.equal(r.code, 0, r.stderr);
  const { metrics, interpretation: it } = result(r);
  assert.deepEqual(it.classes, ['cats', 'dogs']);
  assert.deepEqual(it.confusion, metrics.confusion);
  it.classes.forEach((name: string, c: number) => {
    const pc = metrics.perClass.find((p: { name: string }) => p.name === name);
    const row = it.confusion[c] as number[];
    assert.equal(
      row.reduce((a, b) => a + b, 0),
      pc.support,
      `${name}: row sum = images of the class`,
    );
    assert.equal(row[c], pc.correct);
    assert.ok(Math.abs(row[c] / pc.support - pc.accuracy) < 1e-12);
  });
  assert.equal(it.n, 32);
  assert.equal(it.topLosses.length, 5);
  for (let i = 1; i < 5; i++) assert.ok(it.topLosses[i].loss <= it.topLosses[i - 1].loss, 'highest loss first');
  for (const l of it.topLosses) {
    assert.equal(l.actual, path.basename(path.dirname(l.file)), "the true class is the image's folder");
    assert.ok(Math.abs(l.loss + Math.log(l.actualProbability)) < 1e-5);
    if (l.actualProbability < 0.5) assert.notEqual(l.predicted, l.actual);
  }

  // the human report: the matrix printed agrees with the per-class table printed above it
  const human = await runPetlab(['eval', '--model', modelDir, '--data', holdoutDir, '--top-losses', '3'], { env });
  assert.equal(human.code, 0, human.stderr);
  const lines = human.stdout.split('\n');
  const at = lines.findIndex((l) => l.startsWith('confusion matrix'));
  assert.ok(at > 0, human.stdout);
  for (const name of ['cats', 'dogs']) {
    const perClass = lines.find((l) => new RegExp(`^${name}\\s+[\\d.]+%\\s+\\d+/\\d+$`).test(l))!;
    const [correct, support] = perClass.split(/\s+/).pop()!.split('/').map(Number);
    const row = lines
      .slice(at)
      .find((l) => l.startsWith(name + ' '))!
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    assert.equal(
      row.reduce((a, b) => a + b, 0),
      support,
    );
    assert.equal(row[name === 'cats' ? 0 : 1], correct);
  }
  assert.match(human.stdout, /top 3 losses/);
});

test('explain --model: the trained head finds the cat wherever it is pasted', { skip: NEEDS }, async () => {
  for (const q of [
    [0, 0],
    [1, 1],
  ] as Quadrant[]) {
    const img = path.join(work, `cat-${q.join('')}.png`);
    writeFileSync(img, await quadrantCanvas([{ file: CAT, at: q }]));
    const r = await runPetlab(['explain', '--model', modelDir, img, ...W1, '--json', '--out', path.join(work, `cam-${q.join('')}.png`)], { env });
    assert.equal(r.code, 0, r.stderr);
    const res = result(r);
    assert.equal(res.target, 'head');
    assert.equal(res.class.name, 'cats');
    const m = quadrantMass(res.cam.values, res.cam.height, res.cam.width, q);
    assert.ok(m >= 0.6, `quadrant ${q}: ${(m * 100).toFixed(1)}% of the map on the cat`);
  }
});

test('activations --model shows the head too: its logits, consistent with the prediction', { skip: NEEDS }, async () => {
  const list = await runPetlab(['activations', '--model', modelDir, '--list-layers', ...W1, '--json'], { env });
  assert.equal(list.code, 0, list.stderr);
  const head = (result(list).layers as Array<{ name: string; part: string; shape: number[] }>).filter((l) => l.part === 'head');
  assert.deepEqual(
    head.map((l) => [l.name, l.shape]),
    [['head_logits', [2]]],
  );
  const r = await runPetlab(['activations', '--model', modelDir, '--layer', 'head_logits', CAT, ...W1, '--json'], { env });
  assert.equal(r.code, 0, r.stderr);
  const res = result(r);
  assert.deepEqual(res.shape, [1, 1, 2]);
  const logits = [0, 1].map((c) => res.stats.find((s: { channel: number }) => s.channel === c).mean as number);
  assert.ok(logits[0] > logits[1], `the cat photo's "cats" logit ${logits[0]} beats "dogs" ${logits[1]}`);
});
