/**
 * The workbench suggests fine-tuning where it was measured to pay (many classes the frozen head
 * still confuses) and says what it would cost here (issue 18): ink-testing-library, the fake session.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { BENCH_RATES, fineTuneAdvice, fineTuneSeconds } from '../src/core/train/fine-tune-advice.js';
import { KEYS, mount, stripAnsi } from './helpers/tui.js';
import { linkDataset } from './helpers/cli.js';
import { CATS_DOGS, listData, skipUnless } from './helpers/shared.js';

test('fine-tuning is suggested for many classes below 95% frozen, not for a few classes or an accurate head', () => {
  const base = { trainImages: 555, valImages: 139, epochs: 5, views: 4, unfreeze: '30%' };
  assert.equal(fineTuneAdvice({ ...base, classes: 2, accuracy: 0.9 }), undefined, 'cats vs dogs: nothing to gain');
  assert.equal(fineTuneAdvice({ ...base, classes: 37, accuracy: 0.97 }), undefined, 'already accurate');
  assert.equal(fineTuneAdvice({ ...base, classes: 37, accuracy: undefined }), undefined, 'not measured');
  const a = fineTuneAdvice({ ...base, classes: 37, accuracy: 0.88 })!;
  assert.match(a.why, /37 classes at 88\.0% frozen/);
  // without a measured rate, the bench's: features of 555 × 4 views + 139, 5 epochs of 555, 139 evaluated
  const expected = (555 * 4 + 139) / BENCH_RATES.embed + (5 * 555) / BENCH_RATES.train + 139 / BENCH_RATES.embed;
  assert.ok(Math.abs(a.seconds - expected) < 1e-9);
  assert.match(a.cost, /about 2 min here \(555×4 views at 64\/s the bench's, then 46 images\/s\)/);
  // a run's measured embedding rate scales both: half the rate, twice the time
  assert.ok(Math.abs(fineTuneSeconds({ ...base, embedRate: BENCH_RATES.embed / 2 }).seconds - 2 * expected) < 1e-9);
});

test(
  'after a frozen training of 12 classes at 70%, the Training log suggests alt+f and its cost from the measured rate',
  { skip: skipUnless('cats-dogs') },
  async (t) => {
    const cats = listData(path.join(CATS_DOGS, 'cats')).slice(0, 36);
    const classes = Object.fromEntries(Array.from({ length: 12 }, (_, c) => [`breed${c + 10}`, cats.slice(c * 3, c * 3 + 3).map((f) => `cats/${f}`)]));
    const m = mount({ data: linkDataset(CATS_DOGS, classes) });
    t.after(m.unmount);
    const s = await m.session();
    s.headAccuracy = 0.7;
    await m.waitFor((f) => /12 classes/.test(stripAnsi(f)) && /· idle/.test(stripAnsi(f)) && m.store.get().dataset.status === 'ready');
    await m.press(KEYS.alt('t'));
    for (let i = 0; i < 3; i++) {
      await m.waitFor(new RegExp(`training ${i}/3`));
      s.nextEpoch();
    }
    const f = stripAnsi(await m.waitFor(/fine-tuning may pay/));
    assert.match(f, /fine-tuning may pay: 12 classes at 70\.0% frozen/);
    assert.match(f, /alt\+f fine-tunes the top/);
    // the fake session embedded at 12 images/s: the cost is from that rate, not the bench's
    const cost = m.store.get().log.find((l) => /alt\+f fine-tunes/.test(l.text))!.text;
    assert.match(cost, /for 5 epochs: about \d+ (s|min) here \(\d+×4 views at 12\/s measured, then 9 images\/s\)/);
  },
);
