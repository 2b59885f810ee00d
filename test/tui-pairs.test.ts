/**
 * The Pairs pane as a user drives it (ink-testing-library, a fake core session whose pairs model
 * says "same" for pictures of one class folder): b marks the selected picture as A, the next one
 * selected in the Dataset pane is B, alt+w trains the pairs head, and the verdict shows with both
 * pictures; without a pairs model, or before TensorFlow is up, the keys say why they do nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { leaf, makeLayout, split } from '../src/tui/layout/tree.js';
import { KEYS, mount, paneText, smallDataset, stripAnsi } from './helpers/tui.js';
import { skipUnless } from './helpers/shared.js';

const layout = () => makeLayout(split('h', leaf(1, 'dataset'), leaf(2, 'pairs')));

test('Pairs pane: ctrl+f c lists it; before TensorFlow is up, enter and alt+w say why', { skip: skipUnless('cats-dogs') }, async (t) => {
  const m = mount({ data: smallDataset(), tfNeverStarts: true, rows: 40 });
  t.after(m.unmount);
  await m.waitFor(/2 classes/);
  await m.press(KEYS.prefix, 'c');
  const chooser = await m.waitFor(/\d Pairs/);
  await m.press(/(\d) Pairs/.exec(stripAnsi(chooser))![1], KEYS.prefix, 'z');
  await m.waitFor(/no pairs model for this dataset yet/);
  await m.press(KEYS.enter);
  await m.waitFor(/compare: TensorFlow is still starting…/);
  await m.press('b');
  await m.waitFor(/mark: select a picture in the Dataset pane first/);
  await m.press(KEYS.alt('w'));
  await m.waitFor(/pairs train: .*(TensorFlow|waits|started)/);
});

test(
  'Pairs pane: b marks A, the next selection is B; no model: enter says so; alt+w trains, then the verdicts',
  { skip: skipUnless('cats-dogs') },
  async (t) => {
    const data = smallDataset();
    const m = mount({ data, rows: 40, columns: 120, layout: layout() });
    t.after(m.unmount);
    const s = await m.session();
    await m.ready();
    // the Dataset pane: open cats, its first picture is selected; b in the Pairs pane marks it as A
    await m.press(KEYS.enter);
    await m.waitFor(() => /cats/.test(m.store.get().selection?.label ?? ''));
    const a = m.store.get().selection!.file;
    await m.press(KEYS.prefix, '2', 'b');
    await m.waitFor(/now select picture B in the Dataset pane/);
    assert.equal(m.store.get().pairs?.a?.file, a);
    // the next cat is B
    await m.press(KEYS.prefix, '1', 'j');
    await m.waitFor(() => m.store.get().pairs?.b !== undefined);
    const b = m.store.get().selection!.file;
    assert.notEqual(b, a);
    let f = await m.waitFor((fr) => paneText(fr, '2 Pairs').includes(`B: cats/${path.basename(b)}`));
    assert.ok(paneText(f, '2 Pairs').includes(`A: cats/${path.basename(a)}`));
    await m.waitFor(/alt\+w trains a pairs model, then A and B are compared/);
    await m.press(KEYS.prefix, '2', KEYS.enter);
    await m.waitFor(/compare: no pairs model for this dataset yet — alt\+w trains one/);
    assert.equal(s.pairsCompares.length, 0);

    // alt+w trains the pairs head on the dataset, saved under the data folder; A and B are compared
    await m.press(KEYS.alt('w'));
    f = await m.waitFor(/same, P\(same\) 87%/);
    assert.equal(s.pairsTrainRequests.length, 1);
    assert.match(s.pairsTrainRequests[0].out, /pairs[/\\]\S+-fakenet$/);
    assert.equal(s.pairsTrainRequests[0].dataset.classes.length, 2);
    assert.match(paneText(f, '2 Pairs'), /pairs model \S+-fakenet/);
    assert.equal(s.pairsCompares.at(-1)?.a, a);

    // a dog as B: different
    await m.press(KEYS.prefix, '1', KEYS.esc, 'j', KEYS.enter);
    f = await m.waitFor(/different, P\(same\) 12%/);
    assert.match(paneText(f, '2 Pairs'), /B: dogs\//);
    assert.match(paneText(f, '2 Pairs'), /A: cats\//);
    // both pictures are drawn inline (half blocks), side by side
    await m.waitFor(
      (fr) =>
        paneText(fr, '2 Pairs')
          .split('\n')
          .filter((l) => (l.match(/▀/g) ?? []).length > 20).length > 3,
    );
  },
);
