/**
 * Every pane and every default key of the workbench, as a user sees them (ink-testing-library, a
 * fake core session: no TensorFlow). The pane keys, help, prompt and keymap: tui-pane-keys.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { KEYS, mount, mountTraining, smallDataset, stripAnsi } from './helpers/tui.js';
import { skipUnless } from './helpers/shared.js';

const data = smallDataset();

test('the four panes, each with its number and title; the status bar says backend, dataset and state', { skip: skipUnless('cats-dogs') }, async (t) => {
  const m = mount({ data });
  t.after(m.unmount);
  const f = stripAnsi(await m.waitFor(/fakenet · input 224×224/));
  for (const title of ['1 Dataset', '2 Model stack', '3 Training log', '4 Predictions']) assert.match(f, new RegExp(title));
  assert.match(f, /┏━ 1 Dataset/, 'the focused pane has the heavy border');
  assert.match(f, /┌─ 2 Model stack/);
  const status = f.split('\n').at(-1)!;
  assert.match(status, /fakecpu · .* · idle/);
  assert.match(status, new RegExp(path.basename(data)));
  assert.match(status, /alt\+t train/);
});

test(
  'Dataset pane: classes with train/val counts; enter lists a class; the picture is drawn with its name and label',
  { skip: skipUnless('cats-dogs') },
  async (t) => {
    const m = mount({ data });
    t.after(m.unmount);
    let f = stripAnsi(await m.waitFor(/2 classes · 10 train \/ 2 val/));
    assert.match(f, /cats\s+5\s+1/);
    assert.match(f, /dogs\s+5\s+1/);
    await m.press(KEYS.enter);
    f = await m.waitFor(/cats · 6 images/);
    // the first image: drawn in 24-bit colour half blocks, captioned with its file name and label
    const raw = await m.waitFor((fr) => fr.includes('▀') && /\x1b\[38;2;\d+;\d+;\d+m/.test(fr));
    assert.match(stripAnsi(raw), /cat\.0\.jpg — cats \(train|val\)/);
    assert.equal(m.store.get().selection?.label, 'cats');
    await m.press('j');
    await m.waitFor(/cat\.1\.jpg — cats/);
    await m.waitFor(() => /cat\.1\.jpg$/.test(m.store.get().selection!.file));
    await m.press('k', KEYS.down);
    await m.waitFor(/cat\.1\.jpg — cats/);
    // / filters the list, esc clears the filter, esc again backs out to the classes
    await m.press('/', '1', '0');
    f = stripAnsi(await m.waitFor(/\/10/));
    assert.match(f, /cat\.100\.jpg/);
    assert.doesNotMatch(f, /cat\.1\.jpg/);
    await m.press(KEYS.esc);
    await m.waitFor((fr) => /cat\.1\.jpg/.test(stripAnsi(fr)));
    await m.press(KEYS.esc);
    await m.waitFor(/2 classes · 10 train/);
    // the class filter
    await m.press('/', 'd', 'o');
    f = stripAnsi(await m.waitFor(/\/do/));
    assert.match(f, /dogs/);
    assert.doesNotMatch(f, /cats\s+5/);
    // q typed into a filter is text, not quit
    await m.press('q');
    await m.waitFor(/\/doq/);
    assert.equal(m.quits, 0);
  },
);

test(
  'Model stack pane: the head on top, then the backbone down to the input; params, frozen/trainable, totals',
  { skip: skipUnless('cats-dogs') },
  async (t) => {
    const m = mount({ data });
    t.after(m.unmount);
    await m.ready();
    const f = stripAnsi(await m.waitFor(/head_logits/));
    const lines = f.split('\n');
    const at = (s: string) => lines.findIndex((l) => l.includes(s));
    assert.ok(
      at('head_logits') < at('global_pool') && at('global_pool') < at('conv_stem') && at('conv_stem') < at('input_1'),
      'output on top, input at the bottom',
    );
    // head: Dense 16 → 2 classes = 16*2 + 2 parameters, trainable; conv: 224 parameters, frozen
    assert.match(lines[at('head_logits')], /Dense\s+(\?×2\s+)?34 trainable/);
    assert.match(lines[at('conv_stem')], /Conv2D\s+(\?×112×112×8\s+)?224 frozen/);
    assert.match(f, /head 34 trainable (\(untrained\) )?· backbone 224 frozen/);
    assert.match(f, /fakenet · input 224×224 · 16-d embedding/);
  },
);

test('disabled keys say why in the status bar', { skip: skipUnless('cats-dogs') }, async (t) => {
  const m = mount({ data, tfNeverStarts: true });
  t.after(m.unmount);
  await m.waitFor(/2 classes/);
  await m.press(KEYS.alt('p'));
  await m.waitFor(/predict: no trained model yet — alt\+t trains one/);
  await m.press(KEYS.alt('e'));
  await m.waitFor(/evaluate: no trained model yet/);
  await m.press(KEYS.alt('s'));
  await m.waitFor(/stop: nothing is running/);
  await m.press(KEYS.alt('t'));
  await m.waitFor(/train: TensorFlow is still starting/);
  assert.match(stripAnsi(m.frame()), /starting TensorFlow…/, 'the panes say it too');
  await m.press(KEYS.alt('Q'));
  await m.waitFor(/close: this is the last pane|Dataset/);
  await m.press(KEYS.prefix, '9');
  await m.waitFor(/pane 9: there (is|are) \d panes?/);
  await m.press(KEYS.prefix, 'k');
  await m.waitFor(/ctrl\+f k: no such binding/);
});

test('alt+t trains: phase, progress bar, one line per epoch, curves; alt+s stops and keeps the last epoch', { skip: skipUnless('cats-dogs') }, async (t) => {
  const m = mount({ data, settings: { epochs: 6 } });
  t.after(m.unmount);
  const s = await m.session();
  await m.ready();
  await m.press(KEYS.alt('t'));
  let f = stripAnsi(await m.waitFor(/training 0\/6|● train/));
  assert.match(f, /training a linear head/);
  for (let i = 0; i < 3; i++) s.nextEpoch();
  f = stripAnsi(await m.waitFor(/3\/6\s+0\.3333\s+83\.3%\s+0\.4000\s+80\.0%/));
  assert.match(f, /epoch\s+loss\s+acc\s+v\.loss\s+v\.acc\s+time/);
  assert.match(f, /loss 0–/, 'the loss curve');
  assert.match(f, /accuracy 0–100%/, 'the accuracy curve');
  assert.match(f, /[⠁-⣿]/, 'curves drawn in braille');
  assert.match(f.split('\n').at(-1)!, /training 3\/6/);
  assert.equal(s.trainRequests[0].head.epochs, 6, 'settings give the epochs');
  assert.match(s.trainRequests[0].out, /models\/.*-fakenet$/, '<data folder>/models/<data>-<backbone>');
  assert.ok(!s.trainRequests[0].out.startsWith(process.cwd()), 'not in the current folder');
  // while it trains, keys still work (here ctrl+f and n arrive in one read, as tmux sends them)
  await m.press(KEYS.prefix + 'n');
  await m.waitFor(/┏━ 2 Model stack/);
  await m.press(KEYS.alt('s'));
  f = stripAnsi(await m.waitFor(/stopped after epoch 3: the model of that/));
  assert.equal(s.stopped, true);
  assert.doesNotMatch(f.split('\n').at(-1)!, /training/);
});

test('q asks first while training runs; n stays, y quits; q when idle quits at once', { skip: skipUnless('cats-dogs') }, async (t) => {
  const { m, s } = await mountTraining(t, { data });
  await m.press('q');
  await m.waitFor(/Training is running: quit anyway\?/);
  await m.press('n');
  await m.waitFor((f) => !/quit anyway/.test(stripAnsi(f)));
  assert.equal(m.quits, 0);
  await m.press(KEYS.ctrlC);
  await m.waitFor(/quit anyway\?/);
  await m.press('y');
  assert.equal(m.quits, 1);
  for (let i = 0; i < 3; i++) s.nextEpoch();
  await m.waitFor(/· trained/);
  await m.press('q');
  assert.equal(m.quits, 2);
});

test('after training: alt+p predicts the selected image (top classes, bars, right/wrong); alt+e evaluates', { skip: skipUnless('cats-dogs') }, async (t) => {
  const { m, s } = await mountTraining(t, { data });
  for (let i = 0; i < 3; i++) s.nextEpoch();
  await m.waitFor(/trained: val accuracy 100\.0% \(2\/2\)/);
  await m.press(KEYS.alt('p'));
  await m.waitFor(/predict: select an image in the Dataset pane first/);
  await m.press(KEYS.enter); // cats
  await m.waitFor(/cat\.0\.jpg — cats/);
  await m.press(KEYS.alt('p'));
  let f = stripAnsi(await m.waitFor(/✓ right — true label cats/));
  assert.match(f, /cats\s+█+.*93\.0%/);
  assert.match(f, /dogs\s+█?.*7\.0%/);
  assert.equal(s.predicted.at(-1), m.store.get().selection!.file);
  // a dog image predicted as a dog is right too; esc, j to dogs
  await m.press(KEYS.esc, 'j', KEYS.enter);
  await m.waitFor(/dog\.0\.jpg — dogs/);
  await m.press(KEYS.alt('p'));
  await m.waitFor(/✓ right — true label dogs/);
  await m.press(KEYS.alt('e'));
  // the Interpretation pane opens as pane 5 (the others keep their numbers); the log, zoomed, has the whole result line
  await m.waitFor(/Interpretation opened as pane 5/);
  await m.press(KEYS.prefix, '3', KEYS.prefix, 'z');
  f = stripAnsi(await m.waitFor(/val accuracy 75\.0% \(3\/4\)/));
  assert.match(f, /per class: dogs 50%, cats 100%/);
});

test('Predictions pane: enter, type a path (Tab completes), enter predicts it; the label is unknown', { skip: skipUnless('cats-dogs') }, async (t) => {
  const m = mount({ data });
  t.after(m.unmount);
  const s = await m.session();
  await m.ready();
  await m.press(KEYS.alt('t'));
  for (let i = 0; i < 3; i++) {
    await m.waitFor(new RegExp(`training ${i}/`));
    s.nextEpoch();
  }
  await m.waitFor(/· trained/);
  await m.press(KEYS.prefix, '4');
  await m.waitFor(/┏━ 4 Predictions/);
  await m.press(KEYS.enter);
  await m.waitFor(/image: /);
  const dir = path.join(data, 'dogs') + '/';
  await m.press(dir, 'dog.1', KEYS.tab);
  // several files start so: Tab lists them, like a shell
  let c = stripAnsi(await m.waitFor(/dogs\/dog\.100\.jpg/));
  assert.match(c, /dogs\/dog\.10\.jpg/);
  await m.press('.', KEYS.tab);
  c = stripAnsi(await m.waitFor(/image: .*dog\.1\.jpg/));
  await m.press(KEYS.enter);
  const f = stripAnsi(await m.waitFor(/dogs\s+█+/));
  assert.equal(path.basename(s.predicted.at(-1)!), 'dog.1.jpg');
  assert.match(stripAnsi(m.frame()), /✓ right — true label dogs/, 'a file of the dataset keeps its label');
  assert.ok(f);
});

test(
  'the default dataset not downloaded: the Dataset pane offers the download with its size, progress shows in the log',
  { skip: skipUnless('cats-dogs') },
  async (t) => {
    let release: () => void = () => undefined;
    const m = mount({
      deps: {
        datasetStatus: async () => ({ ready: false, dataDir: '/cache/oxford-pets', downloadBytes: 811_092_049 }),
        getDataset: async (_name, o) => {
          o.onEvent?.({ type: 'phase', phase: 'download', message: 'Fetching dataset oxford-pets (773.5 MB)' });
          o.onEvent?.({ type: 'progress', phase: 'download', done: 200_000_000, total: 811_092_049, unit: 'bytes', rate: 5_000_000, etaSeconds: 122 });
          await new Promise<void>((r) => (release = r));
          return data;
        },
      },
    });
    t.after(m.unmount);
    let f = stripAnsi(await m.waitFor(/Download/));
    assert.match(f, /The default dataset oxford-pets is not/);
    assert.match(f, /Download Oxford-IIIT Pet \(773\.5 MB\)/);
    assert.match(f, /Open a folder/);
    assert.match(f.split('\n').at(-1)!, /oxford-pets \(not downloaded\)/);
    await m.press(KEYS.alt('t'));
    await m.waitFor(/train: no dataset yet — download it or type a folder/);
    await m.press(KEYS.enter);
    f = stripAnsi(await m.waitFor(/download\s+█+.*190\.7 MB\/773\.5 MB/));
    assert.match(f, /ETA 2m02s/);
    assert.match(f, /Downloading… progress is in the Training log/);
    release();
    await m.waitFor(/2 classes · 10 train/);
  },
);

test('a folder typed in the Dataset pane opens (Tab completes the path)', { skip: skipUnless('cats-dogs') }, async (t) => {
  const m = mount({ deps: { datasetStatus: async () => ({ ready: false, dataDir: '/x', downloadBytes: null }) } });
  t.after(m.unmount);
  await m.waitFor(/Open a folder/);
  await m.press('j', KEYS.enter);
  await m.waitFor(/folder: /);
  await m.press(KEYS.ctrlC === '' ? '' : '\x15'); // ctrl+u clears
  await m.press(path.dirname(data) + '/', path.basename(data).slice(0, -2), KEYS.tab);
  await m.waitFor(new RegExp(`folder: .*${path.basename(data)}/`));
  await m.press(KEYS.enter);
  await m.waitFor(/2 classes · 10 train/);
});

test('a failing core call (a worker that died) is reported and the workbench keeps running', { skip: skipUnless('cats-dogs') }, async (t) => {
  const m = mount({ data });
  t.after(m.unmount);
  const s = await m.session();
  s.model = { dir: '/m', meta: { classes: ['cats', 'dogs'], head: { hiddenUnits: 0 }, epochsDone: 1, complete: true } };
  m.store.update((st) => ({ ...st, model: { dir: '/m', classes: ['cats', 'dogs'], epochsDone: 1, hiddenUnits: 0 } }));
  s.predictError = new Error('TensorFlow worker 0 crashed: memory access out of bounds');
  await m.waitFor((f) => /· trained/.test(stripAnsi(f)) && /2 classes/.test(stripAnsi(f)));
  await m.press(KEYS.enter);
  await m.waitFor(/cat\.0\.jpg — cats/);
  await m.press(KEYS.alt('p'));
  const f = stripAnsi(await m.waitFor(/predict: TensorFlow worker 0 crashed/));
  assert.match(f, /1 Dataset/);
  await m.press('j');
  await m.waitFor(/cat\.1\.jpg — cats/);
});

test('a terminal too small says so instead of drawing broken panes', { skip: skipUnless('cats-dogs') }, async (t) => {
  const m = mount({ data, columns: 30, rows: 8 });
  t.after(m.unmount);
  const f = stripAnsi(await m.waitFor(/Terminal too small/));
  assert.match(f, /30×8/);
  assert.match(f, /needs at least 40×10/);
  assert.doesNotMatch(f, /┌|┏/);
});
