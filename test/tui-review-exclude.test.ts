/**
 * x in the Review pane excludes a picture (ink-testing-library, the fake session's review doubts
 * the first two cats): the file stays on disk, the journal records the exclusion, the dataset is
 * read again without it at once, u brings it back, and a restart still leaves it out.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { KEYS, mount, smallDataset, stripAnsi } from './helpers/tui.js';
import { skipUnless } from './helpers/shared.js';
import { readDefaultKeymap } from '../src/tui/keys/keymap.js';
import { PANE_ACTIONS } from '../src/tui/actions.js';

const decisions = (data: string) =>
  (JSON.parse(readFileSync(path.join(data, '.petlab-review.json'), 'utf8')) as { decisions: Array<{ kind: string; file?: string }> }).decisions;

test(
  'Review pane: x excludes the picture (the file stays), u brings it back; after a restart it is still left out',
  { skip: skipUnless('cats-dogs') },
  async (t) => {
    assert.equal((readDefaultKeymap() as { pane: Record<string, string> }).pane.exclude, 'x');
    assert.match(PANE_ACTIONS.exclude, /leave the picture out/);
    const data = smallDataset();
    const m = mount({ data, rows: 40 });
    t.after(m.unmount);
    await m.session();
    await m.ready();
    await m.press(KEYS.alt('r'));
    let f = await m.waitFor(/suspect 1\/5/);
    await m.press(KEYS.prefix, 'z'); // the Review pane has the focus: zoomed, its key line shows whole
    f = await m.waitFor(/Review \[Z\]/);
    assert.match(stripAnsi(f), /x: exclude/);
    const first = m.store.get().review!.suspects[0];
    await m.press('x');
    await m.waitFor(/suspect 2\/5/);
    await m.waitFor(() => !m.store.get().datasetChanging); // the decision is written (the pane moved on at the key)
    assert.ok(existsSync(first.file), 'the file is never deleted or moved');
    await m.waitFor(() => m.store.get().dataset.ds?.items.length === 11);
    assert.ok(!m.store.get().dataset.ds!.items.some((i) => i.file === first.file), 'the dataset leaves it out at once');
    assert.deepEqual(decisions(data), [{ kind: 'exclude', file: path.join('cats', path.basename(first.file)), label: 'cats' }]);
    await m.press('k');
    f = await m.waitFor(/suspect 1\/5/);
    assert.match(stripAnsi(f), /✕ excluded/);
    await m.press('a');
    await m.waitFor(/accept: it is excluded from the dataset \(u undoes that first\)/);
    await m.press('x');
    await m.waitFor(/exclude: already excluded \(u undoes it\)/);

    await m.press('u');
    await m.waitFor(/undone: cats\/\S+ is back in the dataset/);
    await m.waitFor(() => m.store.get().dataset.ds?.items.length === 12);
    assert.deepEqual(decisions(data), []);
    await m.press('x');
    await m.waitFor(() => m.store.get().dataset.ds?.items.length === 11);
    m.unmount();

    // a restart: the reader applies the journal; u (no review yet) brings the picture back
    const m2 = mount({ data, rows: 40 });
    t.after(m2.unmount);
    await m2.waitFor(() => m2.store.get().dataset.status === 'ready');
    assert.equal(m2.store.get().dataset.ds!.items.length, 11);
    assert.ok(
      m2.store.get().log.some((l) => /review: 0 moved, 1 excluded \(\.petlab-review\.json\)/.test(l.text)),
      'the log says what was applied',
    );
    await m2.press(KEYS.prefix, 'c');
    const chooser = await m2.waitFor(/\d Review/);
    await m2.press(/(\d) Review/.exec(stripAnsi(chooser))![1]);
    await m2.waitFor(/alt\+r reviews the/);
    await m2.press('x');
    await m2.waitFor(/exclude: no review yet/);
    await m2.press('u');
    await m2.waitFor(/undone: cats\/\S+ is back in the dataset/);
    await m2.waitFor(() => m2.store.get().dataset.ds?.items.length === 12);
  },
);
