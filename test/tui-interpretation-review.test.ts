/**
 * r in the Interpretation pane opens the Review pane (issue 14): focused, a review run when there is
 * none; while it cannot run, the status line says why. ink-testing-library, a fake session.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { interpretEvaluation } from '../src/core/explain/interpretation.js';
import { leaf, makeLayout } from '../src/tui/layout/tree.js';
import { KEYS, mount, mountReady, smallDataset, stripAnsi } from './helpers/tui.js';
import { skipUnless } from './helpers/shared.js';

const layout = () => makeLayout(leaf(1, 'interpretation'));

test('Interpretation: r says why the review cannot run yet (still starting); no pane opens', { skip: skipUnless('cats-dogs') }, async (t) => {
  const m = mount({ data: smallDataset(), tfNeverStarts: true, rows: 30, layout: layout() });
  t.after(m.unmount);
  await m.waitFor(/1 Interpretation/);
  await m.press('r');
  await m.waitFor(/review: (TensorFlow is still starting|the dataset is still being read)…/);
  assert.doesNotMatch(stripAnsi(m.frame()), /\d Review/, 'no Review pane opened');
});

test('Interpretation: r opens the Review pane, focused, and runs the review', { skip: skipUnless('cats-dogs') }, async (t) => {
  const m = mount({ data: smallDataset(), rows: 40 });
  t.after(m.unmount);
  const s = await m.session();
  await m.ready();
  await m.press(KEYS.prefix, 'c');
  const chooser = await m.waitFor(/\d Interpretation/);
  await m.press(/(\d) Interpretation/.exec(stripAnsi(chooser))![1]);
  await m.waitFor(/┏━ \d Interpretation/);
  await m.press('r');
  const f = await m.waitFor(/suspect 1\/5/);
  assert.match(stripAnsi(f), /┏━ \d Review/, 'the Review pane has the focus');
  assert.equal(s.reviewRequests.length, 1);
});

test(
  'Interpretation: enter on a grid cell lists the pictures behind it (true → predicted) with p and loss; esc back to the grid',
  { skip: skipUnless('cats-dogs') },
  async (t) => {
    // cats: 3 right, one taken for a dog; dogs: 4 right
    const classes = ['cats', 'dogs'];
    const files = [0, 1, 2, 3].map((j) => `/pets/cats/cat.${j}.jpg`).concat([0, 1, 2, 3].map((j) => `/pets/dogs/dog.${j}.jpg`));
    const labels = [0, 0, 0, 0, 1, 1, 1, 1];
    const probs = [0.9, 0.1, 0.8, 0.2, 0.7, 0.3, 0.35, 0.65, 0.1, 0.9, 0.2, 0.8, 0.3, 0.7, 0.4, 0.6];
    const it = interpretEvaluation({ classes, files, labels, probs: Float32Array.from(probs) }, { pictures: true });
    const m = mount({ data: smallDataset(), columns: 80, rows: 24, layout: layout() });
    t.after(m.unmount);
    m.store.update((s) => ({ ...s, interpretation: { ...it, split: 'val' } }));
    await m.waitFor(/accuracy 87\.5%/);
    await m.press('l'); // cats → dogs
    await m.waitFor(/cats → dogs: 1\/4/);
    await m.press(KEYS.enter);
    let f = stripAnsi(await m.waitFor(/cats → dogs: 1 picture · enter opens one/));
    assert.match(f, /cat\.3\.jpg\s+p\s+65%\s+loss\s+1\.05/);
    assert.doesNotMatch(f, /cat\.0\.jpg/, 'only the cell’s pictures');
    await m.waitFor((fr) => /esc grid/.test(stripAnsi(fr).split('\n').at(-1)!));
    await m.press(KEYS.esc);
    await m.waitFor(/cats → dogs: 1\/4/);
    await m.press('h'); // cats → cats: the three right
    await m.press(KEYS.enter);
    f = stripAnsi(await m.waitFor(/cats → cats: 3 pictures/));
    assert.match(f, /cat\.2\.jpg[\s\S]*cat\.1\.jpg[\s\S]*cat\.0\.jpg/, 'highest loss first');
  },
);

/** The workbench on the small dataset, after alt+r has reviewed it (the Review pane on its first suspect). */
async function mountReviewed(t: { after(fn: () => void): void }) {
  const { m, s } = await mountReady(t, { data: smallDataset(), rows: 40 });
  await m.press(KEYS.alt('r'));
  await m.waitFor(/suspect 1\/5/);
  return { m, s };
}

test('Dataset pane: after a review, n uses the embeddings it cached (no second pass over the dataset)', { skip: skipUnless('cats-dogs') }, async (t) => {
  const { m, s } = await mountReviewed(t);
  await m.press(KEYS.prefix, '1'); // back to the Dataset pane
  await m.waitFor(/┏━ 1 Dataset/);
  await m.press(KEYS.enter, 'j', 'n');
  const f = stripAnsi(await m.waitFor(/1\/11 \S+\.jpg (· )?(cats|dogs)/));
  const sel = m.store.get().selection!.file;
  assert.match(f, new RegExp(`nearest to ${path.basename(sel).replace(/\./g, '\\.')} \\(cats\\)`));
  assert.equal(s.neighbourIndexCalls.length, 0, "the review's index answered");
});

test('alt+t after corrections: the Training log says how many labels the review changed and excluded', { skip: skipUnless('cats-dogs') }, async (t) => {
  const { m, s } = await mountReviewed(t);
  await m.press('a');
  await m.waitFor(/suspect 2\/5/);
  await m.press('x');
  await m.waitFor(/suspect 3\/5/);
  await m.press(KEYS.alt('t'));
  await m.waitFor(() => m.store.get().log.some((l) => /review: 1 label changed, 1 excluded/.test(l.text)), 10_000);
  for (let i = 0; i < 3; i++) {
    await m.waitFor(new RegExp(`training ${i}/3`));
    s.nextEpoch();
  }
  await m.waitFor(() => !m.store.get().task && m.store.get().model !== undefined, 10_000);
  await m.press(KEYS.alt('t'));
  await m.waitFor(() => m.store.get().log.filter((l) => /^train: /.test(l.text)).length === 2, 10_000);
  assert.equal(m.store.get().log.filter((l) => /^review: \d+ label/.test(l.text)).length, 1, 'nothing new the second time: no line');
});

test(
  'a, x and alt+t sent at once: both decisions land, in order, and the training reads the corrected dataset',
  { skip: skipUnless('cats-dogs') },
  async (t) => {
    const m = mount({ data: smallDataset(), rows: 40 });
    t.after(m.unmount);
    const s = await m.session();
    await m.ready();
    await m.press(KEYS.alt('r'));
    await m.waitFor(/suspect 1\/5/);
    await m.press('a' + 'x' + KEYS.alt('t'));
    await m.waitFor(/training 0\/3/, 10_000);
    s.nextEpoch();
    const log = () => m.store.get().log.map((l) => l.text);
    const decided = m.store
      .get()
      .review!.suspects.slice(0, 2)
      .map((x) => x.decision);
    assert.deepEqual(decided, ['accepted', 'excluded'], 'a decided the first suspect, x the second');
    const from = log().findIndex((l) => /^train: /.test(l));
    assert.ok(from >= 0, 'training started');
    assert.ok(
      log().some((l) => /review: 1 label changed, 1 excluded/.test(l)),
      log().join('\n'),
    );
    const embedded = log()
      .slice(from)
      .find((l) => /^embedding \d+ images/.test(l));
    assert.match(embedded ?? '', /^embedding 11 images/, 'the excluded picture is left out of the training');
    assert.ok(!log().some((l) => /^train: .*Cannot read/.test(l)), 'no crash');
  },
);
