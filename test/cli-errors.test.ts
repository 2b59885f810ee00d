import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { CATS_DOGS, listData, MOBILENET_V2_TFJS, SAMPLE_PHOTOS, skipUnless, tempDir } from './helpers/shared.js';
import { isolatedEnv, linkDataset, runPetlab, type RunResult } from './helpers/cli.js';
import { COMMANDS } from '../src/cli/run-cli.js';

const env = isolatedEnv();
const cats = listData(path.join(CATS_DOGS, 'cats'))
  .slice(0, 12)
  .map((f) => `cats/${f}`);
const dogs = listData(path.join(CATS_DOGS, 'dogs'))
  .slice(0, 12)
  .map((f) => `dogs/${f}`);

/** One line saying what is wrong (and a hint line), no stack trace. */
function assertCleanError(r: RunResult, code: number, re: RegExp): void {
  assert.equal(r.code, code, `exit code (stderr: ${r.stderr})`);
  const lines = r.stderr.trim().split('\n');
  const errors = lines.filter((l) => /^petlab: (usage )?error: /.test(l));
  assert.equal(errors.length, 1, `one error line:\n${r.stderr}`);
  assert.match(errors[0], re);
  assert.ok(!/\n\s+at /.test(r.stderr), `no stack trace:\n${r.stderr}`);
  assert.ok(lines.length <= 3, `short: ${r.stderr}`);
}

test('a missing data folder is named, exit 1', async () => {
  const r = await runPetlab(['train', '--data', '/nonexistent/pets', '--backbone', MOBILENET_V2_TFJS], { env });
  assertCleanError(r, 1, /data folder not found: \/nonexistent\/pets/);
  assert.match(r.stderr, /hint: /);
});

test('one class, or an empty class folder, is refused with the fix', { skip: skipUnless('cats-dogs') }, async () => {
  const one = linkDataset(CATS_DOGS, { cats });
  assertCleanError(await runPetlab(['train', '--data', one], { env }), 1, /only one class \(cats\)/);
  const empty = linkDataset(CATS_DOGS, { cats, dogs });
  mkdirSync(path.join(empty, 'birds'));
  assertCleanError(await runPetlab(['train', '--data', empty], { env }), 1, /no images in .*birds/);
});

test('usage errors exit 2: unknown flag, bad number, missing --model', async () => {
  assertCleanError(await runPetlab(['train', '--data', '/x', '--epoch', '3'], { env }), 2, /Unknown option '--epoch'/);
  assertCleanError(await runPetlab(['train', '--data', '/x', '--epochs', 'many'], { env }), 2, /--epochs must be a whole number/);
  assertCleanError(await runPetlab(['predict', 'x.jpg'], { env }), 2, /--model DIR is required/);
  const unknown = await runPetlab(['frobnicate'], { env });
  assert.equal(unknown.code, 2);
});

test('unreadable model folders and a missing image are named', { skip: skipUnless('cats-dogs', 'sample-photos') }, async () => {
  assertCleanError(
    await runPetlab(['predict', '--model', '/nonexistent/model', path.join(SAMPLE_PHOTOS, 'cat_720p.jpg')], { env }),
    1,
    /model folder not found: \/nonexistent\/model/,
  );
  const notModel = tempDir();
  writeFileSync(path.join(notModel, 'README'), 'hi');
  assertCleanError(await runPetlab(['eval', '--model', notModel, '--data', CATS_DOGS], { env }), 1, /is not a petlab model/);
  const emptyBackbone = tempDir();
  assertCleanError(await runPetlab(['train', '--data', linkDataset(CATS_DOGS, { cats, dogs }), '--backbone', emptyBackbone], { env }), 1, /no model in/);
  assertCleanError(await runPetlab(['predict', '--model', notModel, '/nonexistent/cat.jpg'], { env }), 1, /image not found: \/nonexistent\/cat.jpg/);
});

test('eval on a folder with a class the model does not know names it, before TensorFlow starts', { skip: skipUnless('cats-dogs') }, async () => {
  // only the model's description: the check must not need its weights
  const model = tempDir();
  writeFileSync(
    path.join(model, 'petlab.json'),
    JSON.stringify({ format: 'petlab-model', classes: ['cats', 'dogs'], dataset: { root: '/elsewhere', seed: 42, valFraction: 0.2 } }),
  );
  const data = linkDataset(CATS_DOGS, { cats: cats.slice(0, 2), birds: dogs.slice(0, 2) });
  const r = await runPetlab(['eval', '--model', model, '--data', data], { env });
  assertCleanError(r, 1, /class birds of .* is not among the model's classes \(cats, dogs\)/);
  assert.doesNotMatch(r.stderr, /backend:/, 'no backend started for a folder that cannot be evaluated');
});

test(
  'a run with a corrupt JPEG, a PNG named .jpg and a non-image completes and lists the bad files',
  { skip: skipUnless('cats-dogs', 'sample-photos', 'mobilenet-v2-tfjs') },
  async () => {
    const root = linkDataset(CATS_DOGS, { cats, dogs });
    const bytes = readFileSync(path.join(SAMPLE_PHOTOS, 'cat_720p.jpg'));
    writeFileSync(path.join(root, 'cats', 'truncated.jpg'), bytes.subarray(0, 2000));
    writeFileSync(path.join(root, 'dogs', 'readme.txt'), 'not an image');
    writeFileSync(path.join(root, 'dogs', 'text-named.jpg'), 'not an image either');
    await sharp(path.join(CATS_DOGS, dogs[0]))
      .png()
      .toFile(path.join(root, 'dogs', 'really-a-png.jpg'));
    const out = path.join(tempDir(), 'm');
    const r = await runPetlab(['train', '--data', root, '--backbone', MOBILENET_V2_TFJS, '--out', out, '--epochs', '3'], { env });
    assert.equal(r.code, 0, r.stderr);
    const warned = r.stderr.split('\n').filter((l) => l.startsWith('warning: skipped'));
    assert.equal(warned.length, 3, r.stderr);
    for (const f of ['truncated.jpg', 'readme.txt', 'text-named.jpg']) {
      assert.equal(warned.filter((l) => l.includes(f)).length, 1, `one warning naming ${f}`);
      assert.ok(r.stdout.includes(f), `final report lists ${f}`);
    }
    assert.ok(!r.stdout.includes('really-a-png.jpg'), 'a PNG named .jpg is a good image');
    assert.match(r.stdout, /embedded 25 images .*; 2 could not be read/);
  },
);

test('--help works for every command', async () => {
  for (const c of COMMANDS) {
    const r = await runPetlab([...c.name.split(' '), '--help'], { env });
    assert.equal(r.code, 0, `${c.name} --help`);
    assert.match(r.stdout, new RegExp(`usage: petlab ${c.name}`));
  }
  const top = await runPetlab(['--help'], { env });
  assert.equal(top.code, 0);
  for (const c of COMMANDS) assert.ok(top.stdout.includes(c.name));
});

test('data info lists classes and counts, and --check finds the undecodable pictures', { skip: skipUnless('cats-dogs', 'sample-photos') }, async () => {
  const root = linkDataset(CATS_DOGS, { cats, dogs });
  writeFileSync(path.join(root, 'dogs', 'broken.jpg'), readFileSync(path.join(SAMPLE_PHOTOS, 'cat_720p.jpg')).subarray(0, 1500));
  const plain = await runPetlab(['data', 'info', '--data', root, '--json'], { env });
  assert.equal(plain.code, 0, plain.stderr);
  const p = plain.events.at(-1) as { classes: Array<{ name: string; train: number; val: number }>; skipped: unknown[] };
  assert.deepEqual(
    p.classes.map((c) => [c.name, c.train + c.val]),
    [
      ['cats', 12],
      ['dogs', 13],
    ],
  );
  assert.equal(p.skipped.length, 0, 'by name it looks fine');
  const checked = await runPetlab(['data', 'info', '--data', root, '--check', '--json'], { env });
  const c = checked.events.at(-1) as { classes: Array<{ name: string; train: number; val: number }>; skipped: Array<{ file: string }> };
  assert.deepEqual(
    c.skipped.map((s) => path.basename(s.file)),
    ['broken.jpg'],
  );
  assert.deepEqual(
    c.classes.map((k) => [k.name, k.train + k.val]),
    [
      ['cats', 12],
      ['dogs', 12],
    ],
  );
});
