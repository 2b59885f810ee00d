/**
 * r in the Interpretation pane opens the Review pane (issue 14): focused, a review run when there is
 * none; while it cannot run, the status line says why. ink-testing-library, a fake session.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { leaf, makeLayout } from '../src/tui/layout/tree.js';
import { KEYS, mount, smallDataset, stripAnsi } from './helpers/tui.js';
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
