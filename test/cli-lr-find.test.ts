import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { suggestLr, type LrPoint } from '../src/core/train/lr-find.js';
import { CATS_DOGS, MOBILENET_V2_TFJS, skipUnless, listData } from './helpers/shared.js';
import { isolatedEnv, linkDataset, runPetlab } from './helpers/cli.js';

const curve = (f: (x: number) => number): LrPoint[] =>
  Array.from({ length: 100 }, (_, i) => {
    const lr = 1e-7 * 1e8 ** (i / 99);
    const loss = f(Math.log10(lr));
    return { lr, loss, smoothed: loss };
  });

test('suggestLr says whether the loss rose within the range', { skip: skipUnless('cats-dogs', 'mobilenet-v2-tfjs') }, () => {
  assert.equal(suggestLr(curve((x) => 0.7 / (1 + Math.exp(2.5 * (x + 3))) + 0.1 + (x > -0.5 ? (x + 0.5) ** 2 : 0))).lossRose, true);
  // still falling at the end: the last point is the smallest, not a minimum
  assert.equal(suggestLr(curve((x) => 0.8 - 0.05 * (x + 7))).lossRose, false);
  assert.equal(suggestLr(curve((x) => 0.7 / (1 + Math.exp(2.5 * (x + 3))) + 0.1)).lossRose, false, 'a plateau is no rise');
});

const cats = listData(path.join(CATS_DOGS, 'cats')).sort().slice(60, 68);
const dogs = listData(path.join(CATS_DOGS, 'dogs')).sort().slice(60, 68);
const data = linkDataset(CATS_DOGS, { cats: cats.map((f) => `cats/${f}`), dogs: dogs.map((f) => `dogs/${f}`) });
const LR = ['lr-find', '--data', data, '--backbone', MOBILENET_V2_TFJS, '--workers', '1', '--steps', '30'];

test(
  'lr-find: when the loss never rises within the range, it says so and suggests a wider range',
  { skip: skipUnless('cats-dogs', 'mobilenet-v2-tfjs') },
  async () => {
    const env = isolatedEnv();
    const narrow = await runPetlab([...LR, '--start-lr', '1e-7', '--end-lr', '1e-5'], { env });
    assert.equal(narrow.code, 0, narrow.stderr);
    assert.match(narrow.stdout, /the loss never rose within the range/);
    assert.match(narrow.stdout, /try a wider range: petlab lr-find --end-lr 0\.001/);
    assert.doesNotMatch(narrow.stdout, /minimum\/10/);
    const json = await runPetlab([...LR, '--start-lr', '1e-7', '--end-lr', '1e-5', '--json'], { env });
    const res = json.events.at(-1) as { lossRose: boolean; minOver10: number | null };
    assert.equal(res.lossRose, false);
    assert.equal(res.minOver10, null);

    // a hidden layer blows up at large rates (the linear head on 16 separable pictures never does)
    const wide = await runPetlab([...LR, '--hidden', '64', '--end-lr', '1000'], { env });
    assert.equal(wide.code, 0, wide.stderr);
    assert.match(wide.stdout, /suggested learning rate: \S+ {2}\(steepest descent; minimum\/10 = /);
    assert.doesNotMatch(wide.stdout, /never rose/);
  },
);
