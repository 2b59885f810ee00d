/**
 * `petlab review --undo` (the last decision) and `--undo --all`, from the journal in the dataset
 * folder: a script user's undo of what the Review pane did. No backbone is loaded. Empty .jpg
 * files: nothing is decoded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from './helpers/shared.js';
import { isolatedEnv, runPetlab } from './helpers/cli.js';
import { scanDataset } from '../src/core/data/scan.js';
import { undoDecisions } from '../src/core/review/undo.js';

function dataset(): string {
  const root = tempDir('petlab-undo-');
  for (const c of ['cats', 'dogs']) {
    mkdirSync(path.join(root, c));
    for (let i = 0; i < 3; i++) writeFileSync(path.join(root, c, `${c}${i}.jpg`), '');
  }
  return root;
}
const journalOf = (root: string) => path.join(root, '.petlab-review.json');
const decisions = (root: string) => (JSON.parse(readFileSync(journalOf(root), 'utf8')) as { decisions: unknown[] }).decisions;

test('petlab review --undo undoes the last decision, --undo --all the rest (latest first); then nothing to undo', async () => {
  const root = dataset();
  // the Review pane moved cats2 into dogs/ (accepted), then excluded dogs0, then moved cats1
  renameSync(path.join(root, 'cats', 'cats2.jpg'), path.join(root, 'dogs', 'cats2.jpg'));
  renameSync(path.join(root, 'cats', 'cats1.jpg'), path.join(root, 'dogs', 'cats1.jpg'));
  writeFileSync(
    journalOf(root),
    JSON.stringify({
      petlab: 'review-journal',
      decisions: [
        { kind: 'move', from: 'cats/cats2.jpg', to: 'dogs/cats2.jpg', label: 'cats', suggested: 'dogs' },
        { kind: 'exclude', file: 'dogs/dogs0.jpg', label: 'dogs' },
        { kind: 'move', from: 'cats/cats1.jpg', to: 'dogs/cats1.jpg', label: 'cats', suggested: 'dogs' },
      ],
    }),
  );
  const env = isolatedEnv();
  const one = await runPetlab(['review', '--data', root, '--undo'], { env });
  assert.equal(one.code, 0, one.stderr);
  assert.match(one.stdout, /undone: dogs\/cats1\.jpg → cats\/cats1\.jpg \(back in cats\)/);
  assert.match(one.stdout, /2 decisions left in .*\.petlab-review\.json/);
  assert.ok(existsSync(path.join(root, 'cats', 'cats1.jpg')));
  assert.equal(decisions(root).length, 2);

  const all = await runPetlab(['review', '--data', root, '--undo', '--all', '--json'], { env });
  assert.equal(all.code, 0, all.stderr);
  const res = all.events.find((e) => e.type === 'result') as { undone: Array<{ kind: string }>; left: number };
  assert.deepEqual(
    res.undone.map((u) => u.kind),
    ['exclude', 'move'],
  );
  assert.equal(res.left, 0);
  assert.ok(existsSync(path.join(root, 'cats', 'cats2.jpg')) && !existsSync(path.join(root, 'dogs', 'cats2.jpg')));
  assert.deepEqual(decisions(root), []);
  assert.equal((await scanDataset(root)).items.length, 6);

  const none = await runPetlab(['review', '--data', root, '--undo'], { env });
  assert.equal(none.code, 0);
  assert.match(none.stdout, /nothing to undo/);
});

test('undo: a picture moved since stops the undo with the fix, the journal keeps it', async () => {
  const root = dataset();
  writeFileSync(
    journalOf(root),
    JSON.stringify({
      petlab: 'review-journal',
      decisions: [{ kind: 'move', from: 'cats/cats0.jpg', to: 'dogs/cats0.jpg', label: 'cats', suggested: 'dogs' }],
    }),
  );
  // cats/cats0.jpg is there (never moved, or put back by hand) and dogs/cats0.jpg is not
  await assert.rejects(undoDecisions(root, 1), /dogs\/cats0\.jpg is no longer there/);
  assert.equal(decisions(root).length, 1, 'the journal keeps the decision it could not undo');
});
