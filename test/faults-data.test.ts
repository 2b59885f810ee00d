/**
 * Dataset faults (issue 10, section 5): nothing is skipped or relabelled silently. Datasets are
 * links to real pictures in ../shared, arranged by the test.
 */
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { scanDataset } from '../src/core/data/scan.js';
import { describeSplit } from '../src/core/data/report.js';
import { isPetlabError } from '../src/core/errors.js';
import type { PetlabEvent } from '../src/core/events.js';
import { CATS_DOGS, tempDir, skipUnless, listData } from './helpers/shared.js';
import { linkDataset, runPetlab, isolatedEnv } from './helpers/cli.js';
import { faultCase } from './helpers/faults.js';

const cats = listData(path.join(CATS_DOGS, 'cats'))
  .sort()
  .map((f) => `cats/${f}`);
const dogs = listData(path.join(CATS_DOGS, 'dogs'))
  .sort()
  .map((f) => `dogs/${f}`);

test('pictures in subfolders of a class are included, and the scan says so', { skip: skipUnless('cats-dogs') }, async () => {
  await faultCase('data: nested pictures inside class folders', async () => {
    const root = linkDataset(CATS_DOGS, { cats: cats.slice(0, 6), dogs: dogs.slice(0, 4) });
    linkDataset(CATS_DOGS, { 'cats/indoor': cats.slice(10, 20), 'dogs/park/sunny': dogs.slice(10, 26) }, root);
    const events: PetlabEvent[] = [];
    const ds = await scanDataset(root, { onEvent: (e) => events.push(e) });
    assert.equal(ds.items.length, 36, 'all 36 pictures are used');
    assert.equal(ds.items.filter((i) => ds.classes[i.label] === 'dogs').length, 20);
    assert.ok(events.some((e) => e.type === 'warning' && /26 pictures are in subfolders of class folders .*included/.test(e.message)));
  });
});

test('a class folder that is a symlink is followed; a link loop is reported, not followed', { skip: skipUnless('cats-dogs') }, async () => {
  await faultCase('data: symlinked class folder and a link loop', async () => {
    const store = linkDataset(CATS_DOGS, { dogs: dogs.slice(0, 5) });
    const root = linkDataset(CATS_DOGS, { cats: cats.slice(0, 5) });
    symlinkSync(path.join(store, 'dogs'), path.join(root, 'dogs'));
    symlinkSync(path.join(root, 'cats'), path.join(root, 'cats', 'again'));
    const events: PetlabEvent[] = [];
    const ds = await scanDataset(root, { onEvent: (e) => events.push(e) });
    assert.deepEqual(ds.classes, ['cats', 'dogs']);
    assert.equal(ds.items.length, 10);
    const loop = events.find((e) => e.type === 'warning' && /link loop/.test(e.message));
    assert.ok(loop, 'the loop is reported as it is found');
  });
});

test('a class present only in val/ is refused, naming it', { skip: skipUnless('cats-dogs') }, async () => {
  await faultCase('data: class only in val/', async () => {
    const root = tempDir();
    linkDataset(CATS_DOGS, { cats: cats.slice(0, 5), dogs: dogs.slice(0, 5) }, path.join(root, 'train'));
    linkDataset(CATS_DOGS, { cats: cats.slice(5, 7), dogs: dogs.slice(5, 7), birds: cats.slice(8, 10) }, path.join(root, 'val'));
    await assert.rejects(
      scanDataset(root),
      (e: unknown) => isPetlabError(e) && /class birds has pictures outside train\/ but none in it/.test((e as Error).message),
    );
  });
});

test('class folders named train or images are classes, and the layout is named when nothing is found', { skip: skipUnless('cats-dogs') }, async () => {
  await faultCase('data: classes named train and images', async () => {
    const root = linkDataset(CATS_DOGS, { train: cats.slice(0, 4), images: dogs.slice(0, 4) });
    const ds = await scanDataset(root);
    assert.equal(ds.layout, 'class-folders');
    assert.deepEqual(ds.classes, ['images', 'train']);
    assert.equal(ds.items.length, 8);
    const empty = tempDir();
    mkdirSync(path.join(empty, 'train', 'nothing'), { recursive: true });
    await assert.rejects(scanDataset(empty), (e: unknown) =>
      /no classes found in .* \(read as split folders \(train\/\) of class folders\)|no images in/.test((e as Error).message),
    );
  });
});

test('skip warnings come as they happen; a name with a newline is printed escaped', { skip: skipUnless('cats-dogs') }, async () => {
  await faultCase('data: newline in a file name, skip warnings live', async () => {
    const root = linkDataset(CATS_DOGS, { cats: cats.slice(0, 4), dogs: dogs.slice(0, 4) });
    writeFileSync(path.join(root, 'cats', 'evil\nname.txt'), 'x');
    const r = await runPetlab(['data', 'info', '--data', root], { env: isolatedEnv() });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /warning: skipped .*evil\\nname\.txt: not an image/, 'the warning comes during the scan, escaped');
    assert.match(r.stdout, /evil\\nname\.txt/);
    assert.doesNotMatch(r.stdout + r.stderr, /evil\nname/, 'never the raw newline');
  });
});

test('the split printed is what happened; imbalance and unvalidated classes are warned about', { skip: skipUnless('cats-dogs') }, async () => {
  await faultCase('data: 2-picture classes hold out 50%, imbalance 50 vs 2', async () => {
    const classes: Record<string, string[]> = {};
    for (let c = 0; c < 20; c++) classes[`c${c}`] = cats.slice(2 * c, 2 * c + 2);
    const ds = await scanDataset(linkDataset(CATS_DOGS, classes), { valFraction: 0.2 });
    assert.match(describeSplit(ds), /20 of 40 pictures \(50%\) held out for validation; 20% asked/);
    const events: PetlabEvent[] = [];
    const root = linkDataset(CATS_DOGS, { cats: cats.slice(0, 50), dogs: dogs.slice(0, 2), birds: dogs.slice(100, 101) });
    await scanDataset(root, { onEvent: (e) => events.push(e) });
    const w = events.filter((e) => e.type === 'warning').map((e) => (e as { message: string }).message);
    assert.ok(
      w.some((m) => /strongly imbalanced: cats has 40 training pictures, (dogs|birds) 1 \(40×\)/.test(m)),
      w.join('\n'),
    );
    assert.ok(
      w.some((m) => /1 class has no validation pictures \(birds\)/.test(m)),
      w.join('\n'),
    );
  });
});
