import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Dataset, DatasetItem } from '../src/core/data/types.js';
import { chosenFineTuneEpochs, refitByDefault, refitDataset } from '../src/core/refit.js';

function dataset(perClass: number[], splitSource: Dataset['splitSource'] = 'seeded'): Dataset {
  const items: DatasetItem[] = perClass.flatMap((n, label) =>
    Array.from({ length: n }, (_, j) => ({ file: `/d/${label}/${j}.jpg`, label, split: j < Math.round(n * 0.2) ? ('val' as const) : ('train' as const) })),
  );
  return { root: '/d', layout: 'class-folders', classes: perClass.map((_, i) => `c${i}`), items, skipped: [], splitSource, valFraction: 0.2, seed: 42 };
}

test('refit moves every validation picture into training, and nothing else', () => {
  const ds = dataset([10, 12]);
  const all = refitDataset(ds);
  assert.equal(all.items.filter((i) => i.split === 'train').length, 22);
  assert.equal(all.items.filter((i) => i.split === 'val').length, 0);
  assert.deepEqual(
    all.items.map((i) => i.file),
    ds.items.map((i) => i.file),
  );
  assert.equal(ds.items.filter((i) => i.split === 'val').length, 4, 'the dataset itself is untouched');
});

test('refit by default on a small dataset (a class under 20 pictures), not on a large one or an official split', () => {
  assert.equal(refitByDefault(dataset([100, 100, 11])), true, 'Oxford pets partial: thin breeds');
  assert.equal(refitByDefault(dataset([1000, 1000])), false, 'cats vs dogs');
  assert.equal(refitByDefault(dataset([10, 10], 'official')), false, 'the user chose the split');
  assert.equal(refitByDefault(dataset([1, 1])), false, 'nothing held out: nothing to refit');
});

test('the fine-tuning epochs a refit reuses: all, or up to the best validation loss when stopped early', () => {
  const h = [0.5, 0.3, 0.4, 0.45].map((valLoss, i) => ({ epoch: i + 1, loss: 0, acc: 0, valLoss, valAcc: 0, lr: 0, seconds: 0 }));
  assert.equal(chosenFineTuneEpochs(h, false), 4);
  assert.equal(chosenFineTuneEpochs(h, true), 2);
});
