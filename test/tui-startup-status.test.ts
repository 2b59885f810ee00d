/**
 * Issue 11.2 and 11.3: a key pressed during start-up is queued (and said), never swallowed; esc
 * leaves zoom; a success clears an earlier error; the status bar keeps "? keys" at 80 columns; `?`
 * help fits its pane, scrolls with a "more" mark, and says ctrl+f 1..9 on one line.
 */
import { skipUnless } from './helpers/shared.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EventSink } from '../src/core/events.js';
import { FakeSession, KEYS, mount, smallDataset, stripAnsi } from './helpers/tui.js';

const data = smallDataset();
const status = (f: string) => stripAnsi(f).split('\n').at(-1) ?? '';

/** The workbench on the small dataset, its TensorFlow session opened only when the test says (`open()`). */
function mountDeferred(t: { after(fn: () => void): void }) {
  const d: { open?: () => void; session?: FakeSession } = {};
  const m = mount({
    data,
    deps: { openSession: (onEvent: EventSink) => new Promise((resolve) => (d.open = () => resolve((d.session = new FakeSession(onEvent))))) },
  });
  t.after(m.unmount);
  return {
    m,
    open: async () => {
      await m.waitFor(() => d.open !== undefined);
      d.open!();
    },
    session: () => d.session!,
  };
}

test('alt+t pressed while TensorFlow starts waits for it, says so, then trains', { skip: skipUnless('cats-dogs') }, async (t) => {
  const { m, open, session } = mountDeferred(t);
  await m.waitFor(/1 Dataset/);
  await m.press(KEYS.alt('t'));
  await m.waitFor(/starts when/);
  assert.ok(
    m.store.get().log.some((l) => /alt\+t: train starts when TensorFlow has started and the backbone has loaded/.test(l.text)),
    'the log says it too',
  );
  assert.equal(m.store.get().task, undefined);
  await open();
  await m.waitFor(() => m.store.get().task?.kind === 'train', 3000);
  session().stop();
});

test('a start-up key that cannot run after all says why', { skip: skipUnless('cats-dogs') }, async (t) => {
  const { m, open } = mountDeferred(t);
  await m.waitFor(/1 Dataset/);
  await m.press(KEYS.alt('l'));
  await m.waitFor(/starts when/);
  await m.press(KEYS.alt('s'));
  await m.waitFor(/no longer waits/);
  await open();
  await m.ready();
  assert.equal(m.store.get().task, undefined, 'cancelled: lr-find did not start');
});

test('esc leaves zoom; the pane keeps its place', { skip: skipUnless('cats-dogs') }, async (t) => {
  const m = mount({ data });
  t.after(m.unmount);
  await m.ready();
  await m.press(KEYS.prefix, 'z');
  await m.waitFor((f) => /\[Z\]/.test(stripAnsi(f)) && !/Model stack/.test(stripAnsi(f)));
  await m.press(KEYS.esc);
  await m.waitFor((f) => !/\[Z\]/.test(stripAnsi(f)) && /Model stack/.test(stripAnsi(f)));
});

test('a success clears an earlier error from the status bar', { skip: skipUnless('cats-dogs') }, async (t) => {
  const m = mount({ data });
  t.after(m.unmount);
  await m.ready();
  m.store.flash('predict: something went wrong', 'error');
  await m.waitFor(/something went wrong/);
  m.store.log('ok', 'trained: val accuracy 100%');
  await m.waitFor((f) => !/something went wrong/.test(status(f)), 1000);
});

test('at 80 columns the status bar keeps "? keys"', { skip: skipUnless('cats-dogs') }, async (t) => {
  const m = mount({ data, columns: 80, rows: 24 });
  t.after(m.unmount);
  await m.ready();
  assert.match(status(m.frame()), /\? keys/);
  await m.press(KEYS.enter);
  await m.waitFor(/cat\.0\.jpg — cats/);
  assert.match(status(m.frame()), /\? keys/, "with the Dataset pane's own hints too");
});

test('? help at 80x24: fits, "more" mark, scrolls to the end; ctrl+f 1..9 on one line', { skip: skipUnless('cats-dogs') }, async (t) => {
  const m = mount({ data, columns: 80, rows: 24 });
  t.after(m.unmount);
  await m.ready();
  await m.press('?');
  let f = stripAnsi(await m.waitFor(/petlab keys/));
  const lines = f.split('\n');
  assert.equal(lines.length, 24);
  assert.ok(lines.every((l) => [...l].length <= 80));
  assert.match(f, /more/);
  // long lines wrap instead of being cut
  assert.match(f.replace(/\s*\n\s*/g, ' '), /evaluate the model on the validation images\s+— no trained model yet — alt\+t trains one/);
  // page by page to the end: the nine pane numbers are one line
  let seen = f;
  for (let i = 0; i < 8; i++) {
    const before = stripAnsi(m.frame());
    await m.press('\x1b[6~'); // page down: wait for the page to turn (or the end)
    seen += '\n' + stripAnsi(await m.waitFor((fr) => stripAnsi(fr) !== before, 2000).catch(() => m.frame()));
  }
  f = stripAnsi(await m.waitFor(/ctrl\+c/));
  seen += '\n' + f;
  assert.match(seen, /ctrl\+f 1\.\.9/);
  assert.doesNotMatch(seen, /ctrl\+f 2 /, 'one line for the nine pane numbers');
  assert.doesNotMatch(f.split('\n').at(-2) ?? '', /more/, 'at the end: no more');
});

test('a run key waiting at start-up waits for what its reason names (TensorFlow and the dataset both pending)', async () => {
  const { initialState } = await import('../src/tui/state/types.js');
  const { datasetReason, startupWait } = await import('../src/tui/actions/reasons.js');
  const s = { ...initialState('mobilenet_v2'), dataset: { status: 'scanning' as const, root: '/d' } };
  assert.equal(datasetReason(s, 'train'), 'train: the dataset is still being read…');
  assert.equal(startupWait(s), 'TensorFlow has started and the backbone has loaded, and the dataset has been read');
  const ready = {
    ...s,
    tf: { status: 'ready' as const },
    backbone: { ...s.backbone, status: 'ready' as const },
    dataset: { status: 'ready' as const, root: '/d' },
  };
  assert.equal(startupWait({ ...ready, datasetChanging: true }), "the review's change has been saved");
  assert.equal(startupWait(ready), undefined);
});

test(
  'alt+t, enter and alt+p pressed together at start-up: the prediction waits for that training, then shows',
  { skip: skipUnless('cats-dogs') },
  async (t) => {
    const { m, open, session } = mountDeferred(t);
    await m.waitFor(/1 Dataset/);
    await m.press(KEYS.alt('t'), KEYS.enter, KEYS.alt('p'));
    await m.waitFor(() => m.store.get().log.some((l) => /alt\+p: predict starts when .*the training before it has finished/.test(l.text)));
    assert.match(m.store.get().flash?.text ?? '', /^predict: the model is being trained — alt\+p waits/);
    await open();
    await m.waitFor(() => m.store.get().task?.kind === 'train', 3000);
    assert.deepEqual(session().predicted, [], 'no prediction before the model is trained');
    for (let i = 0; i < 3; i++) session().nextEpoch();
    const f = stripAnsi(await m.waitFor(/✓ right — true label cats/));
    assert.match(f, /cats\s+█+.*93\.0%/);
    assert.equal(session().predicted.length, 1, 'alt+p predicted once, with the new model');
  },
);
