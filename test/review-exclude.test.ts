/**
 * Review decisions as every command that reads the dataset sees them (the journal
 * `.petlab-review.json` in the dataset folder): an excluded picture stays on disk but is left out;
 * moves are counted; a journal naming pictures no longer there, or a damaged one, is said.
 * Empty .jpg files: the reader goes by names, no picture is decoded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { scanDataset } from '../src/core/data/scan.js';
import { reviewSummary } from '../src/core/data/review-decisions.js';
import type { PetlabEvent } from '../src/core/events.js';
import { tempDir } from './helpers/shared.js';
import { isolatedEnv, runPetlab } from './helpers/cli.js';

function dataset(): string {
  const root = tempDir('petlab-excl-');
  for (const c of ['cats', 'dogs']) {
    mkdirSync(path.join(root, c));
    for (let i = 0; i < 4; i++) writeFileSync(path.join(root, c, `${c}${i}.jpg`), '');
  }
  return root;
}

const journal = (root: string, decisions: unknown[]) =>
  writeFileSync(path.join(root, '.petlab-review.json'), JSON.stringify({ petlab: 'review-journal', decisions }));

test('the dataset reader leaves excluded pictures out (the file stays) and counts the journaled moves', async () => {
  const root = dataset();
  // dogs/cats3.jpg: a cat picture moved into dogs/ by an accepted suggestion
  writeFileSync(path.join(root, 'dogs', 'cats3.jpg'), '');
  journal(root, [
    { kind: 'move', from: 'cats/cats3.jpg', to: 'dogs/cats3.jpg', label: 'cats', suggested: 'dogs' },
    { kind: 'exclude', file: 'cats/cats0.jpg', label: 'cats' },
    { kind: 'exclude', file: 'dogs/dogs1.jpg', label: 'dogs' },
  ]);
  const ds = await scanDataset(root);
  const names = ds.items.map((i) => path.relative(root, i.file));
  assert.ok(!names.includes('cats/cats0.jpg') && !names.includes('dogs/dogs1.jpg'), 'excluded pictures are left out');
  assert.ok(existsSync(path.join(root, 'cats', 'cats0.jpg')), 'and never deleted');
  assert.equal(ds.items.length, 7);
  assert.deepEqual({ moved: ds.review?.moved, excluded: ds.review?.excluded, missing: ds.review?.missing }, { moved: 1, excluded: 2, missing: [] });
  assert.equal(reviewSummary(ds), 'review: 1 moved, 2 excluded (.petlab-review.json)');
});

test('a journal naming pictures no longer there is said (and left as it is); a damaged one stops the reader with the fix', async () => {
  const root = dataset();
  const decisions = [
    { kind: 'exclude', file: 'cats/gone.jpg', label: 'cats' },
    { kind: 'move', from: 'cats/x.jpg', to: 'dogs/x.jpg', label: 'cats', suggested: 'dogs' },
    { kind: 'exclude', file: 'dogs/dogs0.jpg', label: 'dogs' },
  ];
  journal(root, decisions);
  const before = readFileSync(path.join(root, '.petlab-review.json'), 'utf8');
  const events: PetlabEvent[] = [];
  const ds = await scanDataset(root, { onEvent: (e) => events.push(e) });
  assert.equal(ds.items.length, 7, 'the exclusion of a picture that is there still applies');
  const w = events.find((e) => e.type === 'warning' && /no longer/.test(e.message));
  assert.ok(w && w.type === 'warning', 'a warning names them');
  assert.match(w.message, /\.petlab-review\.json names 2 pictures no longer in the dataset: cats\/gone\.jpg, dogs\/x\.jpg/);
  assert.match(reviewSummary(ds)!, /review: 0 moved, 1 excluded \(\.petlab-review\.json; 2 no longer there\)/);
  assert.equal(readFileSync(path.join(root, '.petlab-review.json'), 'utf8'), before, 'never rewritten by a reader');

  writeFileSync(path.join(root, '.petlab-review.json'), '{"decisions": [{"kind": "exclude"');
  await assert.rejects(scanDataset(root), /\.petlab-review\.json is damaged: .*exclusions/);
  writeFileSync(path.join(root, '.petlab-review.json'), '{"decisions": [{"kind": "delete", "file": "a.jpg"}]}');
  await assert.rejects(scanDataset(root), /\.petlab-review\.json is damaged/);
  const noJournal = dataset();
  assert.equal((await scanDataset(noJournal)).review, undefined);
  assert.equal(reviewSummary(await scanDataset(noJournal)), undefined);
});

test('petlab data info says how many review decisions it applied; a damaged journal is a one-line error', async () => {
  const root = dataset();
  journal(root, [{ kind: 'exclude', file: 'cats/cats0.jpg', label: 'cats' }]);
  const env = isolatedEnv();
  const r = await runPetlab(['data', 'info', '--data', root], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /review: 0 moved, 1 excluded \(\.petlab-review\.json\): cats\/cats0\.jpg/);
  assert.match(r.stdout, /2 classes, 7 images/);
  const j = await runPetlab(['data', 'info', '--data', root, '--json'], { env });
  const res = j.events.find((e) => e.type === 'result') as { review?: { moved: number; excluded: number } };
  assert.deepEqual([res.review?.moved, res.review?.excluded], [0, 1]);
  writeFileSync(path.join(root, '.petlab-review.json'), 'not json');
  const bad = await runPetlab(['data', 'info', '--data', root], { env });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /\.petlab-review\.json is damaged/);
  assert.doesNotMatch(bad.stderr, /at .*\.ts:\d+/, 'no stack trace');
});
