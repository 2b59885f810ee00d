/**
 * Every keystroke counts, in order (issue 11.1): keys that arrive in one read are each a stroke;
 * only a bracketed paste is text.
 */
import { skipUnless } from './helpers/shared.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { InputParser } from '../src/tui/keys/input.js';
import { parseStroke } from '../src/tui/keys/keyspec.js';
import { FakeSession, KEYS, mount, smallDataset, stripAnsi } from './helpers/tui.js';

const data = smallDataset();
const strokes = (...pieces: string[]) => {
  const p = new InputParser();
  return pieces.flatMap((x) => p.push(x));
};

test('a read of several keys is several strokes: letters, arrows, ctrl, alt, escape', () => {
  assert.deepEqual(
    strokes('jjjjj').map((i) => ('stroke' in i ? i.stroke : i)),
    Array(5).fill(parseStroke('j')),
  );
  assert.deepEqual(
    strokes('\x1b[B\x1b[B').map((i) => ('stroke' in i ? i.stroke : i)),
    [parseStroke('down'), parseStroke('down')],
  );
  assert.deepEqual(
    strokes('\x06n\x1bt\x1b').map((i) => ('stroke' in i ? i.stroke : i)),
    [parseStroke('ctrl+f'), parseStroke('n'), parseStroke('alt+t'), parseStroke('escape')],
  );
  assert.deepEqual(
    strokes('\x1b[1;3A', '\x1b[5~', '\x1bQ', 'A').map((i) => ('stroke' in i ? i.stroke : i)),
    [parseStroke('alt+up'), parseStroke('pageup'), parseStroke('alt+shift+q'), parseStroke('shift+a')],
  );
  const typed = strokes('/home/me/cat.jpg');
  assert.equal(typed.length, 16, 'typed text (no bracketed paste) is keys, one per character');
  assert.equal(typed.map((i) => ('input' in i ? i.input : '')).join(''), '/home/me/cat.jpg');
});

test('only a bracketed paste is text, even when it spans reads', () => {
  assert.deepEqual(strokes('\x1b[200~a jj path\x1b[201~j'), [{ paste: 'a jj path' }, { stroke: parseStroke('j'), input: 'j' }]);
  assert.deepEqual(strokes('\x1b[200~', 'two ', 'reads', '\x1b[201~'), [{ paste: 'two reads' }]);
});

test('keys that arrive together all move the selection: jjj, kkk, down down in one read', { skip: skipUnless('cats-dogs') }, async (t) => {
  const m = mount({ data });
  t.after(m.unmount);
  await m.ready();
  await m.press(KEYS.enter);
  await m.waitFor(/cat\.0\.jpg — cats/);
  const files = () => path.basename(m.store.get().selection?.file ?? '');
  // the pane lists a class's pictures in the dataset's order: three rows down is the fourth
  const ds = m.store.get().dataset.ds!;
  const cats = ds.items.filter((it) => it.label === ds.classes.indexOf('cats')).map((it) => path.basename(it.file));
  const third = cats[3];
  await m.press('jjj');
  await m.waitFor(() => files() === third, 10000);
  await m.waitFor((f) => stripAnsi(f).includes(`${third} — cats`), 10000); // and the frame shows it
  assert.notEqual(third, 'cat.0.jpg', 'jjj moved three rows');
  await m.press('kkk');
  await m.waitFor(() => files() === 'cat.0.jpg');
  await m.press(KEYS.down + KEYS.down + KEYS.down);
  await m.waitFor(() => files() === third);
  await m.press('jkj');
  await m.waitFor(() => files() === cats[4], 10000);
  await m.press('k');
  await m.waitFor(() => files() === third, 10000);
  assert.equal(files(), third, 'j k j then k: back where it was');
  // ctrl+f n then j in one read: the Model stack gets the j
  await m.press(`${KEYS.prefix}nj`);
  const f = stripAnsi(await m.waitFor(/┏━ 2 Model stack/));
  assert.match(f, /┏━ 2 Model stack/);
});

test(
  'keys pressed while the dataset is read wait for its list: enter j j at first sight open cats on the third picture',
  { skip: skipUnless('cats-dogs') },
  async (t) => {
    const m = mount({ data });
    t.after(m.unmount);
    await m.waitFor(/1 Dataset/); // the panes are drawn: a person types now, before the list is there
    assert.notEqual(m.store.get().dataset.status, 'ready', 'the keys go in while the dataset is still being read');
    await m.press(KEYS.enter, 'j', 'j');
    const ds = await (async () => {
      await m.waitFor(() => m.store.get().dataset.status === 'ready', 10000);
      return m.store.get().dataset.ds!;
    })();
    const cats = ds.items.filter((it) => it.label === ds.classes.indexOf('cats')).map((it) => path.basename(it.file));
    await m.waitFor((f) => stripAnsi(f).includes(`${cats[2]} — cats`), 10000);
    // the pane hands its selection to the store in an effect, just after the frame that shows it
    await m.waitFor(() => path.basename(m.store.get().selection?.file ?? '') === cats[2], 2000);
    assert.equal(path.basename(m.store.get().selection?.file ?? ''), cats[2]);
  },
);

/** The workbench with --model, TensorFlow up only at tfUp(); startLater: the controller starts at m.start(), as launch.ts does. */
function mountWithModelGated(startLater: boolean) {
  let tfUp: () => void = () => undefined;
  const gate = new Promise<void>((r) => (tfUp = r));
  const m = mount({
    data,
    model: '/models/pets',
    startLater,
    deps: {
      openSession: async (onEvent) => {
        await gate;
        return new FakeSession(onEvent);
      },
    },
  });
  return { m, tfUp: () => tfUp() };
}

test(
  'with --model, alt+p pressed at first sight (before start-up has begun) waits for that model, then predicts the picture chosen with it',
  { skip: skipUnless('cats-dogs') },
  async (t) => {
    const { m, tfUp } = mountWithModelGated(true);
    t.after(m.unmount);
    // the first frame, before the dataset is opened or TensorFlow started (launch.ts waits for a quiet moment)
    await m.waitFor(/1 Dataset/);
    await m.press(KEYS.enter, KEYS.alt('p'));
    await m.waitFor((f) => /predict: the model is still loading — alt\+p waits/.test(stripAnsi(f)));
    m.start!();
    await m.waitFor(() => m.store.get().dataset.status === 'ready' && !!m.store.get().selection);
    tfUp();
    await m.waitFor(/✓ right — true label cats/, 10000);
  },
);

test(
  'with --model, alt+p pressed before TensorFlow is up waits for that model, then predicts the picture chosen meanwhile',
  { skip: skipUnless('cats-dogs') },
  async (t) => {
    const { m, tfUp } = mountWithModelGated(false);
    t.after(m.unmount);
    await m.waitFor(/1 Dataset/);
    await m.press(KEYS.enter, KEYS.alt('p'));
    // said, not swallowed: the status bar says why it waits, the log what for
    await m.waitFor(
      (f) => /predict: the model is still loading — alt\+p waits/.test(stripAnsi(f)) && /alt\+p: predict starts when TensorFlow/.test(stripAnsi(f)),
    );
    // TensorFlow comes up after the dataset is read, as it does (seconds against milliseconds): a model
    // loaded before the Dataset pane has opened its class would find no picture chosen yet
    await m.waitFor(() => m.store.get().dataset.status === 'ready' && !!m.store.get().selection);
    tfUp();
    await m.waitFor(/✓ right — true label cats/, 10000);
  },
);
