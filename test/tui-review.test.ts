/**
 * The Review pane as a user drives it (ink-testing-library, a fake core session whose review doubts
 * the first two cats): alt+r opens it, a moves the picture into the suggested class's folder on
 * disk, s keeps a label, j/k go through the suspects, u moves the picture back; keys with no review
 * say why.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { KEYS, mount, smallDataset, stripAnsi } from './helpers/tui.js';
import { CATS_DOGS, listData, skipUnless } from './helpers/shared.js';
import { linkDataset } from './helpers/cli.js';

test('Review pane: before a review, its keys and alt+r say why they do nothing', { skip: skipUnless('cats-dogs') }, async (t) => {
  const m = mount({ data: smallDataset(), tfNeverStarts: true, rows: 40 });
  t.after(m.unmount);
  await m.waitFor(/2 classes/);
  // ctrl+f c lists the Review pane; choose it
  await m.press(KEYS.prefix, 'c');
  const chooser = await m.waitFor(/\d Review/);
  const n = /(\d) Review/.exec(stripAnsi(chooser))![1];
  await m.press(n);
  await m.waitFor(/alt\+r reviews the/);
  await m.press('a');
  await m.waitFor(/accept: no review yet \(review: TensorFlow is still starting…\)/);
  await m.press('u');
  await m.waitFor(/undo: nothing to undo/);
  await m.press(KEYS.alt('r'));
  await m.waitFor(/review: .*(TensorFlow|waits|started)/);
});

test('Review pane: alt+r, a accepts (the file moves to the suggested folder), s keeps, j/k, u undoes', { skip: skipUnless('cats-dogs') }, async (t) => {
  const data = smallDataset();
  const m = mount({ data, rows: 40 });
  t.after(m.unmount);
  const s = await m.session();
  await m.ready();
  await m.press(KEYS.alt('r'));
  let f = await m.waitFor(/suspect 1\/5/);
  assert.equal(s.reviewRequests.length, 1);
  // the pane was split off; focused and zoomed, it has room
  const num = /(\d) Review/.exec(stripAnsi(f))![1];
  // alt+r moves the focus to the Review pane: its keys are what comes next
  assert.match(stripAnsi(f), new RegExp(`┏━ ${num} Review`), 'the Review pane has the focus (heavy border)');
  await m.press(KEYS.prefix, 'z');
  f = await m.waitFor(new RegExp(`${num} Review \\[Z\\]`));
  const first = m.store.get().review!.suspects[0];
  assert.equal(first.label, 'cats');
  assert.equal(first.suggested, 'dogs');
  assert.match(stripAnsi(f), /labelled cats · suggested dogs/);
  assert.match(stripAnsi(f), /a: accept \(move into dogs\/\)/);
  // beside it, its nearest picture of the label it has and of the suggested one
  assert.match(stripAnsi(f), /nearest cats: \S+\.jpg \(\d\.\d\d\)/);
  assert.match(stripAnsi(f), /nearest dogs: \S+\.jpg \(\d\.\d\d\)/);
  const name = path.basename(first.file);
  const moved = path.join(data, 'dogs', name);

  await m.press('a');
  f = await m.waitFor(/suspect 2\/5/);
  await m.waitFor(() => !m.store.get().datasetChanging); // the decision is written (the pane moved on at the key)
  assert.ok(existsSync(moved) && !existsSync(first.file), 'the picture is now in dogs/');
  await m.waitFor(() => m.store.get().dataset.ds?.items.filter((i) => i.label === 1).length === 7);
  await m.press('k');
  f = await m.waitFor(/suspect 1\/5/);
  assert.match(stripAnsi(f), /✓ moved to dogs/);
  await m.press('a');
  await m.waitFor(/accept: already moved to dogs \(u undoes it\)/);

  // s keeps the second one's label and goes on
  await m.press('j', 's');
  await m.waitFor(/suspect 3\/5/);
  await m.press('k');
  await m.waitFor(/· kept as it is/);

  // u: the latest move is undone, the pane shows that picture again
  await m.press('u');
  f = await m.waitFor(/suspect 1\/5/);
  assert.doesNotMatch(stripAnsi(f), /✓ moved/);
  assert.ok(existsSync(first.file) && !existsSync(moved), 'the picture is back in cats/');
  await m.waitFor(() => m.store.get().dataset.ds?.items.filter((i) => i.label === 1).length === 6);
  await m.press('u');
  await m.waitFor(/undo: nothing to undo/);
});

test(
  'Review pane: an accepted move is journaled in the dataset folder; after a restart u moves it back; a damaged journal is said',
  { skip: skipUnless('cats-dogs') },
  async (t) => {
    const data = smallDataset();
    const m = mount({ data, rows: 40 });
    t.after(m.unmount);
    await m.session();
    await m.ready();
    await m.press(KEYS.alt('r'));
    const f = await m.waitFor(/suspect 1\/5/);
    const num = /(\d) Review/.exec(stripAnsi(f))![1];
    await m.press(KEYS.prefix, num);
    const first = m.store.get().review!.suspects[0];
    await m.press('a');
    await m.waitFor(/suspect 2\/5/);
    await m.waitFor(() => !m.store.get().datasetChanging); // the decision is written (the pane moved on at the key)
    const journal = path.join(data, '.petlab-review.json');
    await m.waitFor(() => existsSync(journal));
    const moves = (JSON.parse(readFileSync(journal, 'utf8')) as { decisions: Array<{ from: string; to: string }> }).decisions;
    assert.deepEqual(
      moves.map((x) => [x.from, x.to]),
      [[path.join('cats', path.basename(first.file)), path.join('dogs', path.basename(first.file))]],
    );
    m.unmount();

    // a restart: no review has run, u still moves the picture back
    const m2 = mount({ data, rows: 40 });
    t.after(m2.unmount);
    await m2.ready();
    await m2.press(KEYS.prefix, 'c');
    const chooser = await m2.waitFor(/\d Review/);
    await m2.press(/(\d) Review/.exec(stripAnsi(chooser))![1]);
    await m2.waitFor(/alt\+r reviews the/);
    await m2.press('u');
    await m2.waitFor(/undone: cats\/\S+ is back in cats/);
    assert.ok(existsSync(first.file));
    await m2.waitFor(() => readFileSync(journal, 'utf8').includes('"decisions": []'));
    assert.deepEqual((JSON.parse(readFileSync(journal, 'utf8')) as { decisions: unknown[] }).decisions, []);
    await m2.press('u');
    await m2.waitFor(/undo: nothing to undo/);

    writeFileSync(journal, '{"moves": [1, 2');
    await m2.press('u');
    await m2.waitFor(/\.petlab-review\.json is damaged/);
    assert.equal(readFileSync(journal, 'utf8'), '{"moves": [1, 2', 'a damaged journal is never overwritten');
  },
);

test(
  'Review pane: p lists the other classes, esc backs out, enter moves the picture into the one chosen; u moves it back',
  { skip: skipUnless('cats-dogs') },
  async (t) => {
    // three classes: the review suggests dogs for the first cat; the user knows better (foxes)
    const pick = (c: string, from: number) =>
      listData(path.join(CATS_DOGS, c))
        .slice(from, from + 5)
        .map((f) => `${c}/${f}`);
    const data = linkDataset(CATS_DOGS, { cats: pick('cats', 0), dogs: pick('dogs', 0) });
    linkDataset(CATS_DOGS, { foxes: pick('cats', 5) }, data);
    const m = mount({ data, rows: 40 });
    t.after(m.unmount);
    await m.waitFor((x) => /3 classes/.test(stripAnsi(x)) && /· idle/.test(stripAnsi(x)) && m.store.get().dataset.status === 'ready');
    await m.press(KEYS.alt('r'));
    let f = await m.waitFor(/suspect 1\/5/);
    await m.press(KEYS.prefix, /(\d) Review/.exec(stripAnsi(f))![1]);
    const first = m.store.get().review!.suspects[0];
    assert.deepEqual([first.label, first.suggested], ['cats', 'dogs']);
    await m.waitFor(/p: other label/);

    await m.press('p');
    f = stripAnsi(await m.waitFor(/into:/));
    assert.match(f, /› dogs\/ {2}\(suggested\)/, 'the suggested class is chosen first');
    assert.match(f, / {2}foxes\//);
    assert.doesNotMatch(f, /[›\s] cats\//, 'not the class it has');
    await m.press(KEYS.esc);
    await m.waitFor((x) => !/into:/.test(x) && /p: other label/.test(x));
    assert.ok(existsSync(first.file), 'esc moved nothing');

    await m.press('p', 'j');
    await m.waitFor(/› foxes\//);
    await m.waitFor(/enter: move into foxes\//);
    await m.press(KEYS.enter);
    await m.waitFor(/suspect 2\/5/);
    await m.waitFor(() => !m.store.get().datasetChanging); // the decision is written (the pane moved on at the key)
    const moved = path.join(data, 'foxes', path.basename(first.file));
    assert.ok(existsSync(moved) && !existsSync(first.file), 'the picture is now in foxes/');
    await m.press('k');
    await m.waitFor(/✓ moved to foxes/);
    await m.press('p');
    await m.waitFor(/move: already moved to foxes \(u undoes it\)/);

    await m.press('u');
    await m.waitFor(/undone: cats\/\S+ is back in cats/);
    assert.ok(existsSync(first.file) && !existsSync(moved), 'the picture is back in cats/');
  },
);
