import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from './helpers/shared.js';
import { ACTIONS, isEnabled } from '../src/tui/actions.js';
import { buildKeymap, keyFor, keysFor, loadKeymap, readDefaultKeymap } from '../src/tui/keys/keymap.js';
import { InputParser } from '../src/tui/keys/input.js';
import { formatSequence, parseSequence, parseStroke, type Stroke } from '../src/tui/keys/keyspec.js';
import { IDLE, resolveGlobal, resolvePane } from '../src/tui/keys/resolve.js';
import { defaultLayout, splitFocused } from '../src/tui/layout/tree.js';
import { initialState, type WorkbenchState } from '../src/tui/state/types.js';

/** The strokes a read of raw terminal input gives (pastes as text). */
const read = (raw: string) => new InputParser().push(raw).map((it) => ('stroke' in it ? it.stroke : it.paste));

test('key specs parse into strokes and print back', () => {
  assert.deepEqual(parseStroke('alt+t'), { key: 't', ctrl: false, alt: true, shift: false });
  assert.deepEqual(parseStroke('alt+shift+q'), { key: 'q', ctrl: false, alt: true, shift: true });
  assert.deepEqual(parseStroke('C-f'), { key: 'f', ctrl: true, alt: false, shift: false });
  assert.deepEqual(parseStroke('?'), { key: '?', ctrl: false, alt: false, shift: false });
  assert.deepEqual(parseStroke('%'), { key: '%', ctrl: false, alt: false, shift: false });
  assert.deepEqual(parseStroke('Esc'), { key: 'escape', ctrl: false, alt: false, shift: false });
  assert.deepEqual(
    parseSequence('ctrl+f c').map((s) => s.key),
    ['f', 'c'],
  );
  assert.equal(formatSequence(parseSequence('ctrl+f "')), 'ctrl+f "');
  assert.equal(formatSequence(parseSequence('alt+shift+q')), 'alt+shift+q');
  assert.throws(() => parseStroke('hyper+x'), /unknown modifier/);
  assert.throws(() => parseStroke('alt+florp'), /unknown key/);
});

test('what the terminal sends becomes the same strokes as the specs', () => {
  // alt+key arrives as ESC then the key; alt+shift+q as ESC then "Q"
  assert.deepEqual(read('\x1bt'), [parseStroke('alt+t')]);
  assert.deepEqual(read('\x1bQ'), [parseStroke('alt+shift+q')]);
  assert.deepEqual(read('\x06'), [parseStroke('ctrl+f')]);
  assert.deepEqual(read('\x1b'), [parseStroke('escape')]);
  assert.deepEqual(read('\x1b[A'), [parseStroke('up')]);
  assert.deepEqual(read('\r'), [parseStroke('enter')]);
  assert.deepEqual(read('%'), [parseStroke('%')]);
  assert.deepEqual(read('"'), [parseStroke('"')]);
  assert.deepEqual(read('\x7f'), [parseStroke('backspace')], 'the backspace key arrives as DEL');
  // tmux's send-keys (or a fast typist) can deliver ctrl+f and n in one read: two keys
  assert.deepEqual(read('\x06n'), [parseStroke('ctrl+f'), parseStroke('n')]);
  assert.deepEqual(read('\x06%'), [parseStroke('ctrl+f'), parseStroke('%')]);
  // only a bracketed paste is text
  assert.deepEqual(read('\x1b[200~/home/me/cat.jpg\x1b[201~'), ['/home/me/cat.jpg'], 'a bracketed paste is text, not keys');
});

const km = buildKeymap(readDefaultKeymap());

test('the prefix machine: ctrl+f then a key; escape cancels; an unbound key is said', () => {
  let r = resolveGlobal(IDLE, parseStroke('ctrl+f'), km);
  assert.deepEqual(r.result, { type: 'prefix' });
  assert.ok(r.state.pending);
  const pending = r.state;
  const after = (k: string) => resolveGlobal(pending, parseStroke(k), km).result;
  assert.deepEqual(after('c'), { type: 'action', action: 'pane.new' });
  assert.deepEqual(after('x'), { type: 'action', action: 'pane.close' });
  assert.deepEqual(after('n'), { type: 'action', action: 'pane.next' });
  assert.deepEqual(after('p'), { type: 'action', action: 'pane.prev' });
  assert.deepEqual(after('3'), { type: 'action', action: 'pane.3' });
  assert.deepEqual(after('z'), { type: 'action', action: 'pane.zoom' });
  assert.deepEqual(after('left'), { type: 'action', action: 'focus.left' });
  assert.deepEqual(after('%'), { type: 'action', action: 'split.h' });
  assert.deepEqual(after('"'), { type: 'action', action: 'split.v' });
  assert.deepEqual(after('escape'), { type: 'cancelled' });
  assert.deepEqual(after('k'), { type: 'unbound', label: 'ctrl+f k' });
  // without the prefix, n is not a global key: the pane gets it
  r = resolveGlobal(IDLE, parseStroke('n'), km);
  assert.deepEqual(r.result, { type: 'none' });
  assert.equal(r.state.pending, false);
});

test('global keys and in-pane keys of the default keymap', () => {
  const g = (k: string) => resolveGlobal(IDLE, parseStroke(k), km).result;
  assert.deepEqual(g('alt+t'), { type: 'action', action: 'train' });
  assert.deepEqual(g('alt+p'), { type: 'action', action: 'predict' });
  assert.deepEqual(g('alt+e'), { type: 'action', action: 'evaluate' });
  assert.deepEqual(g('alt+s'), { type: 'action', action: 'stop' });
  assert.deepEqual(g('alt+d'), { type: 'action', action: 'prompt' });
  assert.deepEqual(g('alt+shift+q'), { type: 'action', action: 'pane.close' });
  assert.deepEqual(g('?'), { type: 'action', action: 'help' });
  assert.deepEqual(g('q'), { type: 'action', action: 'quit' });
  const p = (s: Stroke) => resolvePane(s, km);
  assert.equal(p(parseStroke('j')), 'down');
  assert.equal(p(parseStroke('down')), 'down');
  assert.equal(p(parseStroke('k')), 'up');
  assert.equal(p(parseStroke('enter')), 'select');
  assert.equal(p(parseStroke('/')), 'filter');
  assert.equal(p(parseStroke('escape')), 'back');
  // every action of the workbench has a default key
  for (const a of ACTIONS) assert.ok(keyFor(km, a.id), `${a.id} has a key`);
});

test('user overrides: an action rebound, the prefix changed, bad entries reported and ignored', () => {
  const o = buildKeymap(readDefaultKeymap(), { train: 'alt+r', prefix: 'ctrl+b', down: ['j', 'ctrl+n'], bogus: 'x', stop: 'alt+banana' });
  assert.deepEqual(keysFor(o, 'train'), ['alt+r']);
  assert.deepEqual(resolveGlobal(IDLE, parseStroke('alt+t'), o).result, { type: 'none' }, 'the old key is free');
  assert.deepEqual(resolveGlobal(IDLE, parseStroke('alt+r'), o).result, { type: 'action', action: 'train' });
  assert.deepEqual(keysFor(o, 'pane.new'), ['ctrl+b c'], 'prefixed bindings follow the new prefix');
  assert.equal(resolvePane(parseStroke('ctrl+n'), o), 'down');
  assert.ok(o.problems.some((p) => p.includes('unknown action "bogus"')));
  assert.ok(o.problems.some((p) => p.includes('stop') && p.includes('banana')));
  assert.deepEqual(keysFor(o, 'stop'), [], 'a bad binding is dropped, not guessed');
  // a user's key displaces a default binding of another action, and says so
  const d = buildKeymap(readDefaultKeymap(), { train: 'alt+p' });
  assert.deepEqual(keysFor(d, 'predict'), []);
  assert.ok(d.problems.some((p) => p.includes('alt+p now does train')));
});

test('the keymap override is read from the user config (conf, key "keymap")', async () => {
  const dir = tempDir();
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ keymap: { evaluate: 'alt+v' } }));
  process.env.PETLAB_CONFIG_DIR = dir;
  const loaded = await loadKeymap();
  assert.deepEqual(keysFor(loaded, 'evaluate'), ['alt+v']);
  assert.deepEqual(keysFor(loaded, 'train'), ['alt+t'], 'the rest stays as shipped');
});

function state(over: Partial<WorkbenchState> = {}): WorkbenchState {
  return { ...initialState('mobilenet_v2'), ...over };
}

test('disabled actions say why, in words a user can act on', () => {
  const layout = defaultLayout();
  const why = (id: string, s: WorkbenchState, l = layout) => isEnabled(id, { state: s, layout: l });
  assert.equal(why('predict', state()), 'predict: no trained model yet — alt+t trains one');
  assert.equal(why('evaluate', state()), 'evaluate: no trained model yet — alt+t trains one');
  assert.match(
    String(why('train', state({ dataset: { status: 'missing', missing: { name: 'oxford-pets', bytes: 1, dataDir: '/x' } } }))),
    /no dataset yet — download it/,
  );
  const ready = state({ dataset: { status: 'ready', root: '/d' } as WorkbenchState['dataset'] });
  assert.match(String(why('train', ready)), /TensorFlow is still starting/);
  const tf = { ...ready, tf: { status: 'ready' as const }, backbone: { ref: 'x', status: 'ready' as const } };
  assert.equal(why('train', tf), true);
  const training = { ...tf, task: { kind: 'train' as const, stopping: false, startedAt: 0 } };
  assert.match(String(why('train', training)), /already training/);
  assert.equal(why('stop', training), true);
  assert.equal(why('stop', tf), 'stop: nothing is running');
  const trained = { ...tf, model: { dir: '/m', classes: ['a', 'b'], epochsDone: 1, hiddenUnits: 0 } };
  assert.match(String(why('predict', trained)), /select an image in the Dataset pane/);
  assert.equal(why('predict', { ...trained, selection: { file: '/x.jpg', label: 'a' } }), true);
  assert.match(String(why('predict', { ...trained, selection: { file: '/x.jpg', label: 'a' }, task: training.task })), /training is running/);
  let one = defaultLayout();
  for (let i = 0; i < 3; i++) one = { ...one, root: one.root.type === 'split' ? one.root.a : one.root };
  assert.equal(why('pane.close', state(), one), 'close: this is the last pane (q quits)');
  assert.match(String(why('pane.7', state(), splitFocused(layout, 'h', 'log'))), /pane 7: there are 5 panes/);
});
