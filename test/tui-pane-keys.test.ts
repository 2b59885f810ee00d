/**
 * The workbench's pane keys (focus, zoom, close, split), `?` help, the alt+d prompt and the user's
 * keymap, as a user sees them (ink-testing-library, a fake core session: no TensorFlow).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildKeymap, readDefaultKeymap } from '../src/tui/keys/keymap.js';
import { KEYS, mount, mountReady, smallDataset, stripAnsi } from './helpers/tui.js';
import { skipUnless } from './helpers/shared.js';

const data = smallDataset();

test('pane keys: next/prev, by number, by arrow, zoom and back, close, new pane of a chosen kind, splits', { skip: skipUnless('cats-dogs') }, async (t) => {
  const m = mount({ data });
  t.after(m.unmount);
  await m.waitFor(/2 classes/);
  await m.press(KEYS.prefix, 'n');
  await m.waitFor(/┏━ 2 Model stack/);
  await m.press(KEYS.prefix, 'p');
  await m.waitFor(/┏━ 1 Dataset/);
  await m.press(KEYS.prefix, '3');
  await m.waitFor(/┏━ 3 Training log/);
  await m.press(KEYS.prefix, KEYS.down);
  await m.waitFor(/┏━ 4 Predictions/);
  await m.press(KEYS.prefix, KEYS.left);
  await m.waitFor(/┏━ 2 Model stack/);
  await m.press(KEYS.prefix, KEYS.up);
  await m.waitFor(/┏━ 1 Dataset/);
  await m.press(KEYS.prefix, KEYS.right);
  await m.waitFor(/┏━ 3 Training log/);
  // zoom: only the focused pane, full width; again: all four
  await m.press(KEYS.prefix, 'z');
  let f = stripAnsi(await m.waitFor(/3 Training log \[Z\]/));
  assert.doesNotMatch(f, /Dataset|Predictions/);
  assert.equal(f.split('\n')[0].length, 100);
  await m.press(KEYS.prefix, 'z');
  await m.waitFor(/1 Dataset[\s\S]*4 Predictions/);
  // close with the prefix, and with alt+shift+q
  await m.press(KEYS.prefix, 'x');
  f = stripAnsi(await m.waitFor((fr) => !/Training log/.test(stripAnsi(fr))));
  assert.match(f, /┏━ 2 Model stack/, 'focus goes to the pane before');
  await m.press(KEYS.alt('Q'));
  await m.waitFor((fr) => !/Model stack/.test(stripAnsi(fr)));
  // a new pane: choose its kind from the registered kinds
  await m.press(KEYS.prefix, 'c');
  f = stripAnsi(await m.waitFor(/new pane: choose its kind/));
  for (const k of ['Dataset', 'Model stack', 'Training log', 'Predictions']) assert.match(f, new RegExp(`\\d ${k}`));
  await m.press('j', 'j', KEYS.enter);
  await m.waitFor(/┏━ \d Training log/);
  // % splits side by side, " stacked; esc cancels the chooser
  await m.press(KEYS.prefix, '%');
  await m.waitFor(/split side by side/);
  await m.press(KEYS.esc);
  await m.waitFor((fr) => !/split side by side/.test(stripAnsi(fr)));
  await m.press(KEYS.prefix, '"', '2');
  f = stripAnsi(await m.waitFor(/┏━ \d Model stack/));
  const tops = f.split('\n').filter((l) => /[┌┏]━?─? \d /.test(l));
  assert.ok(tops.length >= 2);
});

test('? lists every key with what it does, disabled ones with why; esc closes', { skip: skipUnless('cats-dogs') }, async (t) => {
  const m = mount({ data, rows: 40 });
  t.after(m.unmount);
  await m.waitFor(/2 classes/);
  await m.press('?');
  let f = stripAnsi(await m.waitFor(/petlab keys/));
  assert.match(f, /alt\+p\s+predict the image selected .* — no trained model yet/);
  await m.press('\x1b[6~'); // page down: the rest
  f += stripAnsi(await m.waitFor(/Inside a pane/));
  for (const k of [
    'alt+t',
    'alt+p',
    'alt+e',
    'alt+s',
    'alt+d',
    'alt+shift+q',
    'ctrl+f c',
    'ctrl+f x',
    'ctrl+f n',
    'ctrl+f p',
    'ctrl+f z',
    'ctrl+f %',
    'ctrl+f "',
    'ctrl+f ←',
    'j, ↓',
    'k, ↑',
    'enter',
    '/',
    'esc',
    'q',
  ])
    assert.ok(f.includes(k), `help lists ${k}`);
  await m.press(KEYS.esc);
  await m.waitFor(/1 Dataset/);
});

test(
  'alt+d: the prompt completes commands and flags; a flag line sets the next training; show KIND changes a pane',
  { skip: skipUnless('cats-dogs') },
  async (t) => {
    const { m, s } = await mountReady(t, { data });
    await m.press(KEYS.alt('d'));
    let f = stripAnsi(await m.waitFor(/❯/));
    assert.match(f, /train \[--FLAG VALUE…\]/);
    await m.press('zo');
    f = stripAnsi(await m.waitFor(/❯ zo/));
    assert.match(f, /pane\.zoom\s+zoom the focused pane/);
    await m.press(KEYS.backspace, KEYS.backspace, '--ep', KEYS.tab);
    await m.waitFor(/❯ --epochs\b/);
    await m.press('2', KEYS.enter);
    await m.waitFor(/next training: --epochs 2/);
    await m.press(KEYS.alt('d'), '--epochs', ' zero', KEYS.enter);
    await m.waitFor(/--epochs must be a whole number from 1 to 10000, got "zero"/);
    // alt+d and the text typed after it can come in one read (a fast typist, tmux send-keys)
    await m.press(KEYS.alt('d') + 'show log' + KEYS.enter);
    await m.waitFor(/┏━ 1 Training log/);
    await m.press(KEYS.alt('d'), 'train', KEYS.enter);
    await m.waitFor(/training 0\/2/);
    s.nextEpoch();
    s.nextEpoch();
    await m.waitFor(/· trained/);
    assert.equal(s.trainRequests[0].head.epochs, 2);
    await m.press(KEYS.alt('d'), 'frobnicate', KEYS.enter);
    await m.waitFor(/unknown command "frobnicate"/);
  },
);

test('the keymap from the user config is the one in force', { skip: skipUnless('cats-dogs') }, async (t) => {
  const { m, s } = await mountReady(t, { data, keymap: buildKeymap(readDefaultKeymap(), { train: 'alt+r', prefix: 'ctrl+b' }) });
  assert.match(stripAnsi(m.frame()).split('\n').at(-1)!, /alt\+r train/, 'the status bar shows the user key');
  await m.press(KEYS.alt('t'));
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(s.trainRequests.length, 0, 'alt+t no longer trains');
  await m.press(KEYS.alt('r'));
  await m.waitFor(/training 0\//);
  await m.press('\x02', 'n'); // ctrl+b n
  await m.waitFor(/┏━ 2 Model stack/);
});
