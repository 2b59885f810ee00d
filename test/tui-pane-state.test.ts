/**
 * A pane keeps what it shows through zoom, un-zoom and splits, as in tmux: the open folder, the
 * selection and the scroll (ink-testing-library, a fake core session).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KEYS, mount, smallDataset, stripAnsi } from './helpers/tui.js';
import { skipUnless } from './helpers/shared.js';

const data = smallDataset();

test('zoom keeps the Dataset pane in its folder on the same file; so does un-zoom and a split elsewhere', { skip: skipUnless('cats-dogs') }, async (t) => {
  const m = mount({ data, columns: 120, rows: 40 });
  t.after(m.unmount);
  await m.ready();
  await m.press(KEYS.enter);
  await m.waitFor(/cats · 6 images/);
  await m.press('j');
  await m.waitFor(/cat\.1\.jpg — cats/);
  await m.press(KEYS.prefix, 'z');
  let f = stripAnsi(await m.waitFor(/\[Z\]/));
  assert.match(f, /cats · 6 images/, 'zoomed: still inside the cats folder');
  assert.match(f, /cat\.1\.jpg — cats/, 'zoomed: the same file selected');
  assert.doesNotMatch(f, /2 classes · 10 train/, 'not back at the class list');
  await m.press(KEYS.prefix, 'z');
  f = stripAnsi(await m.waitFor((fr) => !/\[Z\]/.test(stripAnsi(fr)) && /4 Predictions/.test(stripAnsi(fr))));
  assert.match(f, /cats · 6 images/, 'un-zoomed: still inside the cats folder');
  assert.match(f, /cat\.1\.jpg — cats/, 'un-zoomed: the same file selected');
  // j still moves on from there
  await m.press('j');
  await m.waitFor(/cat\.10\.jpg — cats/); // names sort as text: 0, 1, 10
  // splitting the Dataset pane itself keeps its folder too
  await m.press(KEYS.prefix, '%');
  await m.waitFor(/new pane shows/);
  await m.press(KEYS.enter);
  f = stripAnsi(await m.waitFor(/5 Dataset/));
  assert.match(f, /cats · 6 images/, 'the split pane keeps its folder');
  assert.match(f, /cat\.10\.jpg — cats/, 'and its selection');
});
