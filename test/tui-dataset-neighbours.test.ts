/**
 * The Dataset pane's n as a user sees it (ink-testing-library, a fake core session whose index
 * puts the second cat among the dogs): without a review, n shows the selected picture beside its
 * nearest ones, with their classes and distances, ≠ on another class; j/k, enter selects one in
 * the list, esc goes back with the selection kept; a second n is instant; without a picture it says why.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { neighboursOf } from '../src/core/review/neighbour-index.js';
import { tileGrid } from '../src/tui/panes/NeighboursView.js';
import { fakeNeighbourIndex } from './helpers/fake-neighbours.js';
import { KEYS, mount, mountReady, paneText, smallDataset, stripAnsi } from './helpers/tui.js';
import { skipUnless } from './helpers/shared.js';

const data = smallDataset();
const base = (f: string) => path.basename(f).replace(/\./g, '\\.');

test(
  'n without a review: the picture and its nearest ones with class and distance, ≠ on another class; esc keeps the selection',
  { skip: skipUnless('cats-dogs') },
  async (t) => {
    const { m, s } = await mountReady(t, { data, columns: 120, rows: 36 });
    await m.press(KEYS.enter, 'j'); // the cats, the second one (the fake index puts it among the dogs)
    const picked = m.store.get().dataset.ds!.items.filter((i) => i.label === 0)[1].file;
    await m.waitFor(() => m.store.get().selection?.file === picked && m.frame().includes('n nearest'));
    let release: () => void = () => undefined;
    s.neighboursHeld = new Promise<void>((r) => (release = r));
    await m.press('n');
    // while the core embeds the dataset, the pane and the Training log say so, with the progress
    let f = stripAnsi(await m.waitFor(/embedding the pictures of the dataset/));
    assert.match(f, /embed .*6\/12 images/);
    assert.match(f, /neighbours: embedding the 12 pictures of/);
    release();
    await m.waitFor(/1\/11 \S+\.jpg · dogs ≠/);
    f = stripAnsi(await m.waitFor((fr) => !stripAnsi(fr).includes('drawing…')));
    const ds = paneText(f, '1 Dataset');
    assert.match(ds, new RegExp(`nearest to ${base(picked)} \\(cats\\) · 11 of 12`));
    assert.match(ds, /▶ cats/, 'the picture itself comes first');
    assert.match(ds, /0\.\d\d ≠dogs/, 'a neighbour of another class is marked');
    assert.match(ds, /· distance 0\.\d{3} · (train|val)/);
    assert.match(ds, /[▀▄]/, 'drawn as pictures');
    assert.equal(s.reviewRequests.length, 0, 'no review was needed');
    assert.ok(m.store.get().log.some((l) => /neighbours: 12 pictures indexed/.test(l.text)));

    // j moves the cursor to the next neighbour; esc goes back to the list, the same picture selected
    await m.press('j');
    await m.waitFor(/2\/11 \S+\.jpg · /);
    await m.press(KEYS.esc);
    f = stripAnsi(await m.waitFor(/n nearest/));
    assert.equal(m.store.get().selection?.file, picked);
    assert.match(paneText(f, '1 Dataset'), /cats · 6 images/);

    // a second n is instant: the index is kept for the dataset
    await m.press('n');
    f = stripAnsi(await m.waitFor(/1\/11 \S+\.jpg · dogs ≠/));
    assert.equal(s.neighbourIndexCalls.length, 1);
    const nearest = m.store.get().neighbours!.list![0];
    // n on a neighbour: its own nearest ones; esc still goes back to where the user was
    await m.press('n');
    await m.waitFor(new RegExp(`nearest to ${base(nearest.file)} \\(dogs\\)`));
    await m.press(KEYS.esc);
    await m.waitFor(/cats · 6 images/);
    assert.equal(m.store.get().selection?.file, picked);
    // enter on the nearest (a dog): it is selected in the dogs' list
    await m.press('n');
    await m.waitFor(/1\/11 \S+\.jpg · dogs ≠/);
    await m.press(KEYS.enter);
    await m.waitFor(/dogs · 6 images/);
    await m.waitFor(() => m.store.get().selection?.file === nearest.file);
    assert.equal(m.store.get().selection?.label, 'dogs');
  },
);

test('n: why it does nothing — no picture selected, TensorFlow still starting', { skip: skipUnless('cats-dogs') }, async (t) => {
  const m = mount({ data, tfNeverStarts: true });
  t.after(m.unmount);
  await m.waitFor(/2 classes/);
  await m.press('n');
  await m.waitFor(/neighbours: select a picture first \(enter on a class, then j\/k\)/);
  await m.press(KEYS.enter);
  await m.waitFor(/cats · 6 images/);
  await m.press('n');
  await m.waitFor(/neighbours: TensorFlow is still starting…/);
  assert.match(paneText(m.frame(), '1 Dataset'), /cats · 6 images/, 'the list stays');
});

for (const [columns, rows] of [
  [80, 24],
  [160, 48],
])
  test(`n fits at ${columns}x${rows}: pictures with captions and the line that names the cursor's`, { skip: skipUnless('cats-dogs') }, async (t) => {
    const { m } = await mountReady(t, { data, columns, rows });
    await m.press(KEYS.enter, 'n');
    const f = stripAnsi(await m.waitFor(/1\/11 \S+\.jpg (· )?(cats|dogs)/));
    const lines = f.split('\n');
    assert.ok(lines.length <= rows && lines.every((l) => [...l].length <= columns), 'within the terminal');
    const ds = paneText(f, '1 Dataset');
    assert.match(ds, /▶ cats/);
    assert.ok((ds.match(/\d\.\d\d (≠)?(cats|dogs)/g) ?? []).length >= 2, `at least two neighbours drawn:\n${ds}`);
  });

test('tileGrid and neighboursOf: as many pictures as fit, nearest first, the picture itself left out', async () => {
  assert.equal(tileGrid(30, 3, 13), undefined, 'too low for a picture');
  const small = tileGrid(38, 7, 13)!;
  assert.ok(small.cols * small.rows >= 2 && (small.w + 1) * small.cols - 1 <= 38 && small.h * small.rows <= 7);
  const big = tileGrid(156, 42, 13)!;
  assert.ok(big.cols * big.rows >= 13 && big.w >= 20, JSON.stringify(big));
  const items = ['cats/a', 'cats/b', 'cats/c', 'dogs/d', 'dogs/e'].map((file, i) => ({ file, label: i < 3 ? 0 : 1, split: 'train' as const }));
  const ix = await fakeNeighbourIndex({ root: '/x', classes: ['cats', 'dogs'], items, skipped: [] } as never, () => undefined);
  const nb = neighboursOf(ix, 'cats/b', 3)!;
  assert.deepEqual(
    nb.map((p) => p.label),
    ['dogs', 'dogs', 'cats'],
  );
  assert.ok(!nb.some((p) => p.file === 'cats/b') && nb[0].distance <= nb[1].distance);
  assert.equal(neighboursOf(ix, 'cats/zzz', 3), undefined);
});
