import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { scanDataset, itemsOf, classCounts } from '../src/core/data/scan.js';
import { isPetlabError } from '../src/core/errors.js';
import { CATS_DOGS, listData, PETS, skipUnless, tempDir } from './helpers/shared.js';
import { linkDataset } from './helpers/cli.js';

const cats = listData(path.join(CATS_DOGS, 'cats'))
  .slice(0, 50)
  .map((f) => `cats/${f}`);
const dogs = listData(path.join(CATS_DOGS, 'dogs'))
  .slice(0, 30)
  .map((f) => `dogs/${f}`);

test('class-per-subfolder: classes, seeded stratified 20% validation split', { skip: skipUnless('cats-dogs') }, async () => {
  const root = linkDataset(CATS_DOGS, { cats, dogs });
  const ds = await scanDataset(root, { seed: 7 });
  assert.equal(ds.layout, 'class-folders');
  assert.deepEqual(ds.classes, ['cats', 'dogs']);
  assert.equal(ds.splitSource, 'seeded');
  const counts = classCounts(ds);
  assert.deepEqual(
    counts.map((c) => [c.name, c.train, c.val]),
    [
      ['cats', 40, 10],
      ['dogs', 24, 6],
    ],
  );
  // same seed, same split whatever the listing order; another seed, another split
  const again = await scanDataset(root, { seed: 7 });
  assert.deepEqual(
    itemsOf(again, 'val').map((i) => i.file),
    itemsOf(ds, 'val').map((i) => i.file),
  );
  const other = await scanDataset(root, { seed: 8 });
  assert.notDeepEqual(
    itemsOf(other, 'val').map((i) => i.file),
    itemsOf(ds, 'val').map((i) => i.file),
  );
});

test('train/ and validation/ folders are used as the split', { skip: skipUnless('cats-dogs') }, async () => {
  const root = tempDir();
  linkDataset(CATS_DOGS, { cats: cats.slice(0, 20), dogs: dogs.slice(0, 20) }, path.join(root, 'train'));
  linkDataset(CATS_DOGS, { cats: cats.slice(20, 25), dogs: dogs.slice(20, 23) }, path.join(root, 'validation'));
  const ds = await scanDataset(root);
  assert.equal(ds.layout, 'split-folders');
  assert.equal(ds.splitSource, 'official');
  assert.deepEqual(
    classCounts(ds).map((c) => [c.name, c.train, c.val]),
    [
      ['cats', 20, 5],
      ['dogs', 20, 3],
    ],
  );
});

test('Oxford-IIIT Pet folder: 37 breeds labelled from file names, trainval/test from annotations', { skip: skipUnless('oxford-pets-partial') }, async () => {
  const ds = await scanDataset(PETS, { seed: 42 });
  assert.equal(ds.layout, 'oxford-pets');
  assert.equal(ds.classes.length, 37);
  assert.ok(ds.classes.includes('Abyssinian') && ds.classes.includes('american_bulldog') && ds.classes.includes('yorkshire_terrier'));
  const counts = classCounts(ds);
  const aby = counts.find((c) => c.name === 'Abyssinian')!;
  // 102 files: 100 listed in trainval.txt, 2 in no list (kept, as training images)
  assert.equal(aby.train + aby.val + aby.test, 102);
  assert.equal(aby.val, 20);
  // every image here is in trainval: none lands in test
  assert.equal(
    counts.reduce((a, c) => a + c.test, 0),
    0,
  );
  assert.equal(ds.items.length, 694);
  // the images/ folder given directly works the same
  const direct = await scanDataset(path.join(PETS, 'images'));
  assert.equal(direct.classes.length, 37);
  assert.equal(direct.items.length, 694);
});

test('Oxford layout: a file whose annotation contradicts its breed is skipped as mislabelled', { skip: skipUnless('oxford-pets-partial') }, async () => {
  const root = tempDir();
  mkdirSync(path.join(root, 'images'));
  mkdirSync(path.join(root, 'annotations'));
  const all = readdirSync(path.join(PETS, 'images'));
  const src = [...all.filter((f) => /^Bengal_\d+\.jpg$/.test(f)).slice(0, 12), ...all.filter((f) => /^beagle_\d+\.jpg$/.test(f)).slice(0, 10)];
  linkDataset(PETS, { images: src.map((f) => `images/${f}`) }, root);
  const lines = src.map((f, i) => {
    const stem = f.replace('.jpg', '');
    const id = stem.startsWith('Bengal') ? 6 : 13;
    return `${stem} ${i === 0 ? 99 : id} 1 1`;
  });
  writeFileSync(path.join(root, 'annotations', 'trainval.txt'), lines.join('\n'));
  writeFileSync(path.join(root, 'annotations', 'test.txt'), '');
  const ds = await scanDataset(root);
  assert.equal(ds.skipped.length, 1);
  assert.match(ds.skipped[0].reason, /mislabelled/);
  assert.equal(ds.items.length, src.length - 1);
});

test('non-image files are listed as skipped, not silently used', { skip: skipUnless('cats-dogs') }, async () => {
  const root = linkDataset(CATS_DOGS, { cats: cats.slice(0, 5), dogs: dogs.slice(0, 5) });
  writeFileSync(path.join(root, 'cats', 'notes.txt'), 'not a picture');
  const ds = await scanDataset(root);
  assert.equal(ds.items.length, 10);
  assert.deepEqual(
    ds.skipped.map((s) => path.basename(s.file)),
    ['notes.txt'],
  );
});

async function expectError(p: Promise<unknown>, re: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isPetlabError(e), `expected a PetlabError, got ${e}`);
    assert.match((e as Error).message, re);
    assert.ok((e as { hint?: string }).hint, 'error carries a hint');
    return true;
  });
}

test('bad folders: missing, a file, one class, an empty class, no classes', { skip: skipUnless('cats-dogs') }, async () => {
  await expectError(scanDataset('/nonexistent/petlab-data'), /data folder not found: \/nonexistent\/petlab-data/);
  const root = tempDir();
  writeFileSync(path.join(root, 'file.txt'), 'x');
  await expectError(scanDataset(path.join(root, 'file.txt')), /must be a folder/);
  const one = linkDataset(CATS_DOGS, { cats: cats.slice(0, 4) });
  await expectError(scanDataset(one), /only one class \(cats\)/);
  const empty = linkDataset(CATS_DOGS, { cats: cats.slice(0, 4), dogs: dogs.slice(0, 4) });
  mkdirSync(path.join(empty, 'birds'));
  await expectError(scanDataset(empty), /no images in .*: birds/);
  const none = tempDir();
  await expectError(scanDataset(none), /no classes found/);
});
