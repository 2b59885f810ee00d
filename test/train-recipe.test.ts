import { test } from 'node:test';
import assert from 'node:assert/strict';
import { headEpochsBeforeFineTune } from '../src/core/train/recipe.js';
import { defaultSettings } from '../src/core/settings.js';

test('the frozen phase before fine-tuning: enough steps on a small dataset, the epochs floor on a large one', () => {
  const recipe = defaultSettings().fineTune;
  // Oxford pets partial, 560 training images at batch 64: 9 steps an epoch → 12 epochs for 100 steps
  assert.equal(headEpochsBeforeFineTune(560, 64, recipe), 12);
  // cats/dogs, 1600 images: 25 steps an epoch → 4 epochs
  assert.equal(headEpochsBeforeFineTune(1600, 64, recipe), 4);
  // ~3,000 training images: the 3-epoch floor already gives 138 steps
  assert.equal(headEpochsBeforeFineTune(2944, 64, recipe), recipe.headEpochs);
  assert.equal(headEpochsBeforeFineTune(0, 64, recipe), 100, 'no images: never zero or NaN');
});
