/**
 * The fine-tune action in the workbench (issue 6), and the help and prompt listing the model keys:
 * ink-testing-library, a fake core session (no TensorFlow).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runStateLabel } from '../src/tui/state/types.js';
import { KEYS, mount, mountReady, mountTrained, smallDataset, stripAnsi, trainHead } from './helpers/tui.js';
import { skipUnless } from './helpers/shared.js';

const data = smallDataset();

test(
  'fine-tune: disabled with a reason before the head is trained; alt+f and "fine-tune E" run it, its epochs follow the frozen ones in the Training log',
  { skip: skipUnless('cats-dogs') },
  async (t) => {
    const { m, s } = await mountReady(t, { data });
    await m.press(KEYS.alt('f'));
    await m.waitFor(/fine-tune: no trained head yet — alt\+t trains it first/);
    await trainHead(m);
    // nothing unfrozen: why not
    await m.press(KEYS.alt('d'), 'unfreeze 0', KEYS.enter);
    await m.waitFor(/unfreeze 0:/);
    await m.press(KEYS.alt('f'));
    await m.waitFor(/fine-tune: nothing unfrozen — u or \+ in the Model stack/);
    await m.press(KEYS.alt('d'), 'unfreeze 2', KEYS.enter);
    await m.waitFor(/unfreeze 2: .*top 2\/3 blocks/);
    // fine-tune 2: two epochs
    await m.press(KEYS.alt('d'), 'fine-tune 2', KEYS.enter);
    await m.waitFor(/fine-tuning 0\/2|preparing fine-tune|frozen features/);
    assert.deepEqual(s.fineTuneRequests[0].unfreeze, { kind: 'blocks', n: 2 });
    assert.equal(s.fineTuneRequests[0].options.epochs, 2);
    assert.equal(s.fineTuneRequests[0].out, m.store.get().model!.dir, 'from the trained model');
    // while it runs, the unfreeze setting cannot change
    await m.press(KEYS.prefix, '2', '+');
    await m.waitFor(/unfreeze: fine-tuning is running — change it between phases/);
    await m.press(KEYS.alt('f'));
    await m.waitFor(/fine-tune: already fine-tuning \(alt\+s stops\)/);
    m.store.clearFlash();
    s.nextEpoch();
    let f = stripAnsi(await m.waitFor(/ft1\/2/));
    assert.match(runStateLabel(m.store.get()), /fine-tuning 1\/2/, "the status bar's state");
    // the frozen epochs stay; the fine-tuning ones follow, marked ft
    assert.match(f, /3\/3\s+0\.3333/);
    assert.match(f, /ft1\/2\s+0\.5000\s+80\.0%/);
    s.nextEpoch();
    f = stripAnsi(await m.waitFor(/fine-tuned the top 2\/3 blocks for 2 epochs/));
    assert.ok(m.store.get().log.some((l) => /fine-tuned the top 2\/3 blocks for 2 epochs: val accuracy 100\.0% \(2\/2\)/.test(l.text)));
    assert.match(f, /ft2\/2/);
    assert.match(f, /fakenet \(fine-tuned\)/, 'the Model stack shows the fine-tuned backbone');
    // alt+f again: the default epochs of the last run
    await m.press(KEYS.alt('f'));
    await m.waitFor(/fine-tuning 0\/2|preparing fine-tune|frozen features/);
    await m.press(KEYS.alt('s'));
    await m.waitFor(/fine-tuning stopped before its first epoch/);
  },
);

test(
  'fine-tune: alt+s after an epoch keeps its checkpoint; alt+f resumes it there; "fine-tune E" starts over',
  { skip: skipUnless('cats-dogs') },
  async (t) => {
    const { m, s } = await mountTrained(t, { data, columns: 200 }); // wide enough for the status bar to show every run key
    await m.press(KEYS.alt('d'), 'fine-tune 3', KEYS.enter);
    await m.waitFor(/fine-tuning 0\/3|preparing fine-tune|frozen features/);
    s.nextEpoch();
    await m.waitFor(/ft1\/3/);
    await m.press(KEYS.alt('s'));
    await m.waitFor(/fine-tuning stopped after epoch 1 of 3/);
    assert.ok(
      m.store.get().log.some((l) => /checkpoint is in .* — alt\+f resumes it/.test(l.text)),
      'the log says how to go on',
    );
    m.store.clearFlash();
    await m.waitFor(/alt\+f resume fine-tune/);
    // alt+f: the same run continues at epoch 2, with its 3 epochs
    await m.press(KEYS.alt('f'));
    await m.waitFor(/resuming at epoch 2 of 3/);
    const req = s.fineTuneRequests.at(-1)!;
    assert.equal(req.resume, true);
    assert.equal(req.options.epochs, 3);
    s.nextEpoch();
    s.nextEpoch();
    const f = stripAnsi(await m.waitFor(/ft3\/3/));
    await m.waitFor(/fine-tuned the top 2\/3 blocks for 3 epochs \(resumed\)/);
    assert.match(f, /ft1\/3/, 'the epoch before the stop stays in the log');
    assert.deepEqual(s.fineTuneRequests.length, 2);
    // stopped again, then "fine-tune 2": a new run from epoch 1, not a resume
    await m.press(KEYS.alt('f'));
    await m.waitFor(/fine-tuning 0\/3|preparing fine-tune|frozen features/);
    assert.equal(s.fineTuneRequests.at(-1)!.resume, false, 'a finished run is not resumed');
    s.nextEpoch();
    await m.waitFor(/ft1\/3/);
    await m.press(KEYS.alt('s'));
    await m.waitFor(/fine-tuning stopped after epoch 1 of 3/);
    await m.press(KEYS.alt('d'), 'fine-tune 2', KEYS.enter);
    await m.waitFor(/fine-tune: 2 epochs/);
    assert.equal(s.fineTuneRequests.at(-1)!.resume, false);
    assert.equal(s.fineTuneRequests.at(-1)!.options.epochs, 2);
    await m.press(KEYS.alt('s'));
  },
);

test('? lists the new keys; the prompt completes the new commands', { skip: skipUnless('cats-dogs') }, async (t) => {
  const m = mount({ data, rows: 60 });
  t.after(m.unmount);
  await m.waitFor(/2 classes/);
  await m.press('?');
  let f = stripAnsi(await m.waitFor(/petlab keys/));
  await m.press('\x1b[6~');
  f += stripAnsi(await m.waitFor(/Inside a pane/));
  assert.match(f, /alt\+f\s+fine-tune the backbone's unfrozen top with the head {2}— no trained head yet/);
  assert.match(f, /alt\+l\s+lr-find: loss against a growing learning rate, a suggested --lr/);
  for (const [k, what] of [
    ['h, ←', 'previous page of channels'],
    ['l, →', 'next page of channels'],
    ['tab', 'next section'],
    ['g', 'Grad-CAM over the picture on/off'],
    ['c', 'Grad-CAM for the next of the top classes'],
    ['u', 'type what fine-tuning unfreezes'],
    ['+', 'unfreeze one block more'],
    ['-', 'unfreeze one block fewer'],
    ['a', 'use the suggested learning rate'],
  ])
    assert.match(f, new RegExp(`${k.replace(/[+]/g, '\\+')}\\s+${what}`), `help lists ${k}`);
  await m.press(KEYS.esc);
  await m.press(KEYS.alt('d'), 'fi');
  f = stripAnsi(await m.waitFor(/❯ fi/));
  assert.match(f, /fine-tune \[E\]\s+fine-tune for E epochs/);
  await m.press(KEYS.backspace, KEYS.backspace, 'unf');
  await m.waitFor(/unfreeze N\|P%\|all/);
  await m.press(KEYS.backspace, KEYS.backspace, KEYS.backspace, 'grad');
  await m.waitFor(/gradcam \[CLASS\|off\]/);
  await m.press(KEYS.esc);
});

test('fine-tune over a model with an interrupted run beside it says that run is discarded', { skip: skipUnless('cats-dogs') }, async (t) => {
  const { mkdirSync, writeFileSync } = await import('node:fs');
  const { inProgressDirFor } = await import('../src/core/io/output-dir.js');
  const { m } = await mountReady(t, { data });
  await trainHead(m);
  const dir = m.store.get().model!.dir;
  mkdirSync(inProgressDirFor(dir), { recursive: true });
  writeFileSync(`${inProgressDirFor(dir)}/petlab.json`, '{}');
  await m.press(KEYS.alt('f'));
  await m.waitFor(() =>
    m.store.get().log.some((l) => /the interrupted run left beside .* \(\..*\.in-progress\) is discarded: this run starts anew/.test(l.text)),
  );
});
