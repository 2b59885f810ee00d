import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { MOBILENET_V2_TFJS, PETS, tempDir, skipUnless } from './helpers/shared.js';
import { isolatedEnv, linkDataset, runPetlab } from './helpers/cli.js';

// One-shot recognition end to end on real pictures: a pairs head trained on 7 Oxford breeds,
// tested on 5 breeds it never saw, against cosine nearest neighbour in the same run.
const SEEN = ['Bombay', 'Persian', 'Siamese', 'beagle', 'boxer', 'keeshond', 'shiba_inu'];
const UNSEEN = ['Birman', 'Sphynx', 'pug', 'samoyed', 'english_setter'];
const images = path.join(PETS, 'images');
const byBreed = (b: string) => {
  try {
    return readdirSync(images)
      .filter((f) => f.startsWith(`${b}_`))
      .sort()
      .map((f) => `images/${f}`);
  } catch {
    return [];
  }
};
const data = linkDataset(PETS, Object.fromEntries([...SEEN, ...UNSEEN].map((b) => [b, byBreed(b)])));
const env = isolatedEnv();
const model = path.join(tempDir('petlab-pairs-'), 'pairs');
const BB = ['--backbone', MOBILENET_V2_TFJS, '--workers', '1'];
const skip = skipUnless('oxford-pets-partial', 'mobilenet-v2-tfjs');
const pic = (breed: string, i: number) => path.join(data, breed, path.basename(byBreed(breed)[i]));

test('pairs train --exclude: the excluded breeds are not trained on; eval on them reports head and baseline as fractions', { skip }, async () => {
  const train = await runPetlab(['pairs', 'train', '--data', data, '--out', model, '--exclude', UNSEEN.join(','), ...BB, '--json'], {
    env,
    timeoutMs: 400_000,
  });
  assert.equal(train.code, 0, train.stderr);
  const t = train.events.at(-1)!;
  assert.equal(t.type, 'result');
  assert.deepEqual([...(t.classes as string[])].sort(), [...SEEN].sort(), 'trained on the other breeds only');
  assert.deepEqual([...(t.excluded as string[])].sort(), [...UNSEEN].sort());
  // the pictures the pairs were drawn from: exactly those of the other breeds (all readable here)
  assert.equal(
    t.images,
    SEEN.reduce((n, b) => n + byBreed(b).length, 0),
  );

  const ev = await runPetlab(
    [
      'pairs',
      'eval',
      '--model',
      model,
      '--data',
      data,
      '--classes',
      UNSEEN.join(','),
      '--ways',
      '5',
      '--shots',
      '1',
      '--episodes',
      '200',
      '--seed',
      '3',
      '--workers',
      '1',
      '--json',
    ],
    { env, timeoutMs: 200_000 },
  );
  assert.equal(ev.code, 0, ev.stderr);
  const r = ev.events.at(-1)!;
  assert.equal(r.type, 'result');
  assert.equal(r.command, 'pairs eval');
  assert.equal(r.episodes, 200);
  assert.deepEqual(r.seenInTraining, [], 'a one-shot test: no breed of the episodes was trained on');
  for (const k of ['accuracy', 'baseline'] as const) {
    const v = r[k] as number;
    assert.ok(v >= 0 && v <= 1, `${k} is a fraction: ${v}`);
    assert.ok(v > 0.5, `${k} is well above chance (0.2) on 5 distinct breeds: ${v}`);
  }
  assert.ok((r.accuracy as number) >= (r.baseline as number) - 0.05, `the head is not worse than the cosine baseline: ${r.accuracy} vs ${r.baseline}`);
});

test('pairs compare: two samoyeds are the same, a samoyed and a Sphynx are not (breeds never trained on)', { skip }, async () => {
  const same = await runPetlab(['pairs', 'compare', '--model', model, pic('samoyed', 0), pic('samoyed', 1), '--workers', '1', '--json'], { env });
  assert.equal(same.code, 0, same.stderr);
  const s = same.events.at(-1)!;
  assert.equal(s.same, true, JSON.stringify(s));
  assert.ok((s.probability as number) >= 0.5);
  const diff = await runPetlab(['pairs', 'compare', '--model', model, pic('samoyed', 0), pic('Sphynx', 0), '--workers', '1'], { env });
  assert.equal(diff.code, 0, diff.stderr);
  assert.match(diff.stdout, /^different: P\(same class\) \d+(\.\d+)?%/m);
});

test('pairs: bad input gets a clear one-line error', { skip }, async () => {
  const ways = await runPetlab(
    ['pairs', 'eval', '--model', model, '--data', data, '--classes', UNSEEN.join(','), '--ways', '6', '--shots', '1', '--workers', '1'],
    { env },
  );
  assert.equal(ways.code, 2, ways.stderr);
  assert.match(ways.stderr, /--ways 6 is more than the 5 classes/);
  const shots = await runPetlab(['pairs', 'eval', '--model', model, '--data', data, '--ways', '5', '--shots', '10', '--workers', '1'], { env });
  assert.equal(shots.code, 2, shots.stderr);
  assert.match(shots.stderr, /class "\w+" has 10 readable pictures; 10-shot episodes need 11/);
  // a classifier's folder where a pairs model is expected, and the other way round
  const classifier = tempDir('petlab-clf-');
  mkdirSync(path.join(classifier, 'head'));
  writeFileSync(path.join(classifier, 'petlab.json'), JSON.stringify({ format: 'petlab-model', version: 1, classes: ['a', 'b'] }));
  const wrong = await runPetlab(['pairs', 'compare', '--model', classifier, pic('pug', 0), pic('pug', 1)], { env });
  assert.equal(wrong.code, 2, wrong.stderr);
  assert.match(wrong.stderr, /is a classifier model \(petlab train\), not a pairs model/);
  const back = await runPetlab(['predict', '--model', model, pic('pug', 0), '--workers', '1'], { env });
  assert.equal(back.code, 2, back.stderr);
  assert.match(back.stderr, /is a pairs model \(petlab pairs train\), not a classifier/);
});
