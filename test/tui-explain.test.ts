/**
 * The workbench's windows into the model (issues 5 and 6), as a user sees them: the Activations,
 * Interpretation and LR finder panes, Grad-CAM in Predictions, the unfreeze setting in the Model
 * stack and the fine-tune action — each key, and why a key does nothing when it cannot (ink-testing
 * -library, a fake core session: no TensorFlow).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { interpretEvaluation } from '../src/core/explain/interpretation.js';
import { leaf, makeLayout, split } from '../src/tui/layout/tree.js';
import { abbreviate } from '../src/tui/panes/InterpretationPane.js';
import { runStateLabel } from '../src/tui/state/types.js';
import { KEYS, mount, smallDataset, stripAnsi, type Mounted } from './helpers/tui.js';
import { skipUnless } from './helpers/shared.js';

const data = smallDataset();

/** Dataset and Model stack on the left; Activations and Predictions on the right. */
const explainLayout = () => makeLayout(split('h', split('v', leaf(1, 'dataset'), leaf(2, 'model')), split('v', leaf(3, 'activations'), leaf(4, 'predictions'))));

/** The lines of one pane (its box's rows between the borders), found by its title. */
function paneText(frame: string, title: string): string {
  const lines = stripAnsi(frame).split('\n');
  const top = lines.findIndex((l) => l.includes(` ${title}`));
  if (top < 0) return '';
  const x = lines[top].indexOf(` ${title}`) - 2;
  const right = [...lines[top]].findIndex((ch, i) => i > x + 1 && '┐┓'.includes(ch));
  const out: string[] = [];
  for (let y = top + 1; y < lines.length && !'└┗'.includes([...lines[y]][x] ?? ''); y++) out.push([...lines[y]].slice(x + 1, right).join(''));
  return out.join('\n');
}

async function trainHead(m: Mounted): Promise<void> {
  const s = await m.session();
  await m.ready();
  m.store.clearFlash();
  await m.press(KEYS.alt('t'));
  for (let i = 0; i < 3; i++) {
    await m.waitFor(new RegExp(`training ${i}/3`));
    s.nextEpoch();
  }
  await m.waitFor(/· trained/);
}

test('Activations: the layer picked with j/k in the Model stack, for the selected image: a grid of coloured maps with channel numbers; it redraws when the layer changes', { skip: skipUnless('cats-dogs') }, async (t) => {
  const m = mount({ data, layout: explainLayout() });
  t.after(m.unmount);
  const s = await m.session();
  await m.ready();
  let f = await m.waitFor(/Activations/);
  assert.match(paneText(f, '3 Activations'), /Select an image in the Dataset pane/);
  // an image: enter on cats selects cat.0.jpg
  await m.press(KEYS.enter);
  await m.waitFor(/cat\.0\.jpg — cats/);
  // no layer picked yet: the backbone's last spatial map
  f = await m.waitFor((fr) => /block_2_conv · Conv2D 7×7×16/.test(paneText(fr, '3 Activations')) && /#\d+/.test(paneText(fr, '3 Activations')));
  let pane = paneText(f, '3 Activations');
  assert.match(pane, /channels ranked 1–\d+ of 16 \(page 1\/\d\)/);
  assert.match(pane.split('\n').at(-1)!, /^cat\.0\.jpg · map 7×7/, 'which picture');
  assert.match(f, /\x1b\[38;2;\d+;\d+;\d+m/, 'maps drawn in 24-bit colour');
  assert.equal(s.activationCalls.at(-1)?.file, m.store.get().selection!.file);
  assert.equal(s.activationCalls.at(-1)?.request.layer, 'block_2_conv');

  // j/k in the Model stack: three rows down from the head is block_1_project, 56×56×16
  await m.press(KEYS.prefix, '2');
  await m.waitFor(/┏━ 2 Model stack/);
  await m.press('j', 'j', 'j');
  f = await m.waitFor((fr) => /block_1_project · Conv2D 56×56×16/.test(paneText(fr, '3 Activations')) && /channels ranked/.test(paneText(fr, '3 Activations')));
  pane = paneText(f, '3 Activations');
  assert.doesNotMatch(pane, /block_2_conv/);
  assert.match(stripAnsi(f), /◆ block_1_project/, 'the Model stack marks the layer shown');
  assert.equal(s.activationCalls.at(-1)?.request.layer, 'block_1_project');

  // keys held down: one request where the cursor stops, not one per key
  const before = s.activationCalls.length;
  await m.press('k', 'j', 'k', 'j', 'j');
  await m.waitFor((fr) => /block_1_depthwise · DepthwiseConv2D 56×56×8/.test(paneText(fr, '3 Activations')) && /channels ranked/.test(paneText(fr, '3 Activations')));
  await new Promise((r) => setTimeout(r, 300));
  assert.ok(s.activationCalls.length - before <= 2, `${s.activationCalls.length - before} requests for 5 quick keys`);
  assert.equal(s.activationCalls.at(-1)?.request.layer, 'block_1_depthwise');

  // the input has no feature maps: said, nothing asked
  await m.press('j', 'j');
  f = await m.waitFor((fr) => /input_1 \(InputLayer\) has no feature maps/.test(paneText(fr, '3 Activations').replace(/\n/g, ' ')));
  // the pooled embedding is a vector: its units as bars, strongest first
  await m.press('k', 'k', 'k', 'k', 'k');
  f = await m.waitFor((fr) => /global_pool · GlobalAveragePooling2D 16/.test(paneText(fr, '3 Activations')) && /unit #\d+\s+█/.test(paneText(fr, '3 Activations')));
  assert.match(paneText(f, "3 Activations"), /units ranked 1–\d+ of 16/);
  // the head before training: why not
  await m.press('k');
  await m.waitFor((fr) => /head is not trained yet/.test(paneText(fr, '3 Activations').replace(/\n/g, ' ')));
});

test('Activations keys: h/l page through the channels, j/k and enter zoom one map, esc backs out; disabled keys say why', { skip: skipUnless('cats-dogs') }, async (t) => {
  const m = mount({ data, layout: explainLayout() });
  t.after(m.unmount);
  await m.ready();
  // no image yet: l and enter say why
  await m.press(KEYS.prefix, '3');
  await m.waitFor(/┏━ 3 Activations/);
  await m.press('l');
  await m.waitFor(/activations: select an image in the Dataset pane first/);
  await m.press(KEYS.prefix, '1', KEYS.enter);
  await m.waitFor(/cat\.0\.jpg — cats/);
  // a layer with more channels than a page: block_1_project (16 maps of 56×56)
  await m.press(KEYS.prefix, '2', 'j', 'j', 'j', KEYS.prefix, '3');
  let f = await m.waitFor((fr) => /page 1\/2/.test(paneText(fr, '3 Activations')));
  m.store.clearFlash();
  f = await m.waitFor((fr) => /h\/l page/.test(stripAnsi(fr).split('\n').at(-1)!));
  assert.match(stripAnsi(f).split('\n').at(-1)!, /h\/l page {2}j\/k map {2}enter zoom/, 'the status bar shows the pane\'s keys');
  const first = paneText(f, '3 Activations').match(/#\d+/g)!;
  await m.press('l');
  f = await m.waitFor((fr) => /page 2\/2/.test(paneText(fr, '3 Activations')) && /#\d+/.test(paneText(fr, '3 Activations')));
  assert.match(paneText(f, '3 Activations'), /channels ranked \d+–16 of 16/);
  await m.press('l'); // the last page stays
  await m.press('h');
  f = await m.waitFor((fr) => /page 1\/2/.test(paneText(fr, '3 Activations')));
  assert.deepEqual(paneText(f, '3 Activations').match(/#\d+/g), first);
  // the second map, zoomed
  await m.press('j', KEYS.enter);
  f = await m.waitFor((fr) => /channel #\d+ · rank 2 of 16/.test(paneText(fr, '3 Activations')));
  assert.match(stripAnsi(f).split('\n').at(-1)!, /h\/l channel {2}esc grid/);
  await m.press('l');
  await m.waitFor((fr) => /rank 3 of 16/.test(paneText(fr, '3 Activations')));
  await m.press(KEYS.esc);
  await m.waitFor((fr) => /channels ranked 1–/.test(paneText(fr, '3 Activations')));
  // a worker error is shown in the pane, not thrown
  const s = await m.session();
  s.activationsError = new Error('TensorFlow worker 0 crashed');
  await m.press(KEYS.prefix, '2', 'j');
  await m.waitFor((fr) => /TensorFlow worker 0 crashed/.test(paneText(fr, '3 Activations')));
});

test('Model stack: enter opens the Activations pane; the unfreeze setting marks what fine-tuning trains (+, -, u, the prompt)', { skip: skipUnless('cats-dogs') }, async (t) => {
  const m = mount({ data });
  t.after(m.unmount);
  await m.ready();
  let f = stripAnsi(await m.waitFor(/unfreeze 30%/));
  // 30% of the weighted layers: the top two of three blocks
  assert.match(f, /unfreeze 30%: .*top 2\/3 blocks/);
  const row = (fr: string, name: string) => stripAnsi(fr).split('\n').find((l) => l.includes(name)) ?? '';
  assert.match(row(f, 'block_2_conv'), /272 frozen ft/);
  assert.match(row(f, '1_depthwise'), /80 frozen ft/);
  assert.match(row(f, 'conv_stem'), /224 frozen(?! ft)/);
  await m.press(KEYS.prefix, '2');
  await m.waitFor(/┏━ 2 Model stack/);
  assert.match(stripAnsi(m.frame()).split('\n').at(-1)!, /j\/k layer {2}enter maps {2}u \+\/- unfreeze/);
  // + unfreezes one block more: all three
  await m.press('+');
  f = await m.waitFor(/unfreeze all: .*top 3\/3 blocks/);
  assert.match(row(f, 'conv_stem'), /224 frozen ft/);
  assert.match(f, /fine-tuning will unfreeze the top 3 of 3 blocks/);
  // - twice: one block
  await m.press('-', '-');
  f = await m.waitFor(/unfreeze 1: .*top 1\/3 blocks/);
  assert.match(row(f, 'block_1_project'), /144 frozen(?! ft)/);
  assert.match(row(f, 'block_2_conv'), /272 frozen ft/);
  // u: type a setting
  await m.press('u');
  await m.waitFor(/unfreeze \(3 blocks, 30%, all, 0\): /);
  await m.press('0', KEYS.enter);
  f = await m.waitFor(/unfreeze 0: fine-tuning would train nothing/);
  assert.match(row(f, 'block_2_conv'), /272 frozen(?! ft)/);
  // the prompt: unfreeze 30% (and a wrong value is said)
  await m.press(KEYS.alt('d'), 'unfreeze banana', KEYS.enter);
  await m.waitFor(/unfreeze: "banana"\? give 3 \(blocks\), 30% or all/);
  await m.press(KEYS.alt('d'), 'unfreeze 30%', KEYS.enter);
  await m.waitFor(/unfreeze 30%: .*top 2\/3 blocks/);
  // enter: this layer's maps, in an Activations pane opened for it (focus stays)
  await m.press('j', 'j', KEYS.enter);
  f = await m.waitFor(/block_2_conv: its feature maps are in pane \d \(Activations\)/);
  assert.match(stripAnsi(f), /[┌┏]─+ \d Activations|─ \d Activations/);
  assert.match(stripAnsi(f), /┏━ 2 Model stack/);
  assert.deepEqual(m.store.get().layer, { name: 'block_2_conv', part: 'backbone' });
  // zoomed and back (the pane is drawn afresh): j goes on from that layer
  await m.press(KEYS.prefix, 'z');
  await m.waitFor(/2 Model stack \[Z\]/);
  await m.press(KEYS.prefix, 'z', 'j');
  await m.waitFor(() => m.store.get().layer?.name === 'block_1_project');
});

test('fine-tune: disabled with a reason before the head is trained; alt+f and "fine-tune E" run it, its epochs follow the frozen ones in the Training log', { skip: skipUnless('cats-dogs') }, async (t) => {
  const m = mount({ data });
  t.after(m.unmount);
  const s = await m.session();
  await m.ready();
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
  assert.match(runStateLabel(m.store.get()), /fine-tuning 1\/2/, 'the status bar\'s state');
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
});

test('fine-tune: alt+s after an epoch keeps its checkpoint; alt+f resumes it there; "fine-tune E" starts over', { skip: skipUnless('cats-dogs') }, async (t) => {
  const m = mount({ data, columns: 200 }); // wide enough for the status bar to show every run key
  t.after(m.unmount);
  const s = await m.session();
  await m.ready();
  await trainHead(m);
  await m.press(KEYS.alt('d'), 'fine-tune 3', KEYS.enter);
  await m.waitFor(/fine-tuning 0\/3|preparing fine-tune|frozen features/);
  s.nextEpoch();
  await m.waitFor(/ft1\/3/);
  await m.press(KEYS.alt('s'));
  await m.waitFor(/fine-tuning stopped after epoch 1 of 3/);
  assert.ok(m.store.get().log.some((l) => /checkpoint is in .* — alt\+f resumes it/.test(l.text)), 'the log says how to go on');
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
});

test('Grad-CAM: g draws it over the picture in Predictions (the status bar says so), c moves it to the next class; disabled keys say why', { skip: skipUnless('cats-dogs') }, async (t) => {
  const m = mount({ data });
  t.after(m.unmount);
  const s = await m.session();
  await m.ready();
  await m.press(KEYS.prefix, '4', 'g');
  await m.waitFor(/Grad-CAM: no trained model yet — alt\+t trains one/);
  await trainHead(m);
  await m.press('g');
  await m.waitFor(/Grad-CAM: no prediction yet — alt\+p predicts one first/);
  await m.press(KEYS.prefix, '1', KEYS.enter);
  await m.waitFor(/cat\.0\.jpg — cats/);
  await m.press(KEYS.alt('p'));
  await m.waitFor(/✓ right — true label cats/);
  await m.press(KEYS.prefix, '4');
  m.store.clearFlash();
  await m.waitFor((f) => /g Grad-CAM on/.test(stripAnsi(f).split('\n').at(-1)!));
  await m.press('g');
  let f = await m.waitFor(/Grad-CAM: cats \(93\.0%\) at block_2_conv/);
  assert.match(stripAnsi(f).split('\n').at(-1)!, /Grad-CAM · fakecpu/, 'the status bar shows Grad-CAM is on');
  assert.match(stripAnsi(f).split('\n').at(-1)!, /g Grad-CAM off/);
  assert.match(f, /\x1b\[38;2;\d+;\d+;\d+m/);
  assert.equal(s.gradCamCalls.at(-1)?.className, undefined, 'the predicted class');
  await m.press('c');
  f = await m.waitFor(/Grad-CAM: dogs \(7\.0%\)/);
  assert.match(stripAnsi(f).split('\n').at(-1)!, /Grad-CAM dogs · fakecpu/);
  assert.equal(s.gradCamCalls.at(-1)?.className, 'dogs');
  await m.press('c');
  await m.waitFor(/Grad-CAM: cats \(93\.0%\)/);
  await m.press('g');
  f = await m.waitFor((fr) => !/Grad-CAM/.test(stripAnsi(fr).split('\n').at(-1)!.replace(/g Grad-CAM on/, '')));
  assert.doesNotMatch(stripAnsi(f), /Grad-CAM: cats/);
  // the prompt: gradcam CLASS, gradcam off
  await m.press(KEYS.alt('d'), 'gradcam dogs', KEYS.enter);
  await m.waitFor(/Grad-CAM: dogs \(7\.0%\)/);
  await m.press(KEYS.alt('d'), 'gradcam off', KEYS.enter);
  await m.waitFor((fr) => !/Grad-CAM: dogs/.test(stripAnsi(fr)));
});

test('Interpretation: alt+e fills it (opening the pane) — confusion grid with class names, most-confused pairs, top losses; enter on a top loss opens it in Predictions with Grad-CAM', { skip: skipUnless('cats-dogs') }, async (t) => {
  const m = mount({ data, rows: 40 });
  t.after(m.unmount);
  const s = await m.session();
  await m.ready();
  await m.press(KEYS.prefix, 'c');
  await m.waitFor(/new pane: choose its kind/);
  const chooser = stripAnsi(m.frame());
  for (const k of ['Activations', 'Interpretation', 'LR finder']) assert.match(chooser, new RegExp(`\\d ${k}`), `ctrl+f c lists ${k}`);
  await m.press(KEYS.esc);
  await trainHead(m);
  await m.press(KEYS.alt('e'));
  // no Interpretation pane yet: one is split off the Training log, the focus stays
  let f = await m.waitFor(/Interpretation opened as pane \d/);
  const n = /Interpretation opened as pane (\d)/.exec(stripAnsi(f))![1];
  const title = `${n} Interpretation`;
  assert.match(stripAnsi(f), /┏━ 1 Dataset/);
  f = await m.waitFor((fr) => /1 cats/.test(paneText(fr, title)));
  let pane = paneText(f, title);
  assert.match(pane, /val 75\.0%/);
  // rows: the true class; columns: the predicted one — dogs: one right, one taken for a cat
  assert.match(pane, /1 cats\s+2\s+·/);
  assert.match(pane, /2 dogs\s+1\s+1/);
  assert.match(f, /\x1b\[48;2;\d+;\d+;\d+m/, 'cells coloured by their share');
  // focused and zoomed: the whole screen for it
  await m.press(KEYS.prefix, n, KEYS.prefix, 'z');
  await m.waitFor(new RegExp(`┏━ ${title} \\[Z\\]`));
  m.store.clearFlash();
  await m.waitFor((fr) => /hjkl cell {2}tab pairs\/losses/.test(stripAnsi(fr).split('\n').at(-1)!));
  await m.press('j');
  f = await m.waitFor((fr) => /dogs → cats: 1\/2 \(50%\)/.test(paneText(fr, `${title} [Z]`)));
  // tab: the pairs, then the top losses
  await m.press(KEYS.tab);
  f = await m.waitFor((fr) => /\[most confused\]/.test(paneText(fr, `${title} [Z]`)));
  assert.match(paneText(f, `${title} [Z]`), /dogs → cats {2}1 \(50%\)/);
  await m.press(KEYS.tab);
  f = await m.waitFor((fr) => /\[top losses\]/.test(paneText(fr, `${title} [Z]`)));
  pane = paneText(f, `${title} [Z]`);
  // the worst first: the dog taken for a cat, loss -ln(0.2)
  const worst = pane.split('\n').find((l) => /loss/.test(l) && /dog\./.test(l))!;
  assert.match(worst, /dog\.\d+\.jpg\s+dogs → cats\s+loss\s+1\.61 p\s+80%/);
  const file = /(dog\.\d+\.jpg)/.exec(worst)![1];
  await m.press(KEYS.enter);
  f = await m.waitFor(new RegExp(`${file.replace(/\./g, '\\.')} opened in pane \\d \\(Predictions\\) with its Grad-CAM`));
  await m.press(KEYS.prefix, 'z');
  await m.waitFor(/✗ wrong — true label dogs|✓ right — true label dogs/);
  assert.equal(path.basename(s.predicted.at(-1)!), file);
  await m.waitFor(/Grad-CAM: dogs \(93\.0%\)|Grad-CAM: cats/);
  assert.equal(m.store.get().gradCam.on, true);
});

test('Interpretation stays readable for 37 classes at 80×24: names abbreviated, the grid scrolls, the cursor cell spelled out in full', { skip: skipUnless('cats-dogs') }, async (t) => {
  const classes = ['Abyssinian', 'american_bulldog', 'american_pit_bull_terrier', 'basset_hound', 'beagle', 'Bengal', 'Birman', 'Bombay', 'boxer', 'British_Shorthair', 'chihuahua', 'Egyptian_Mau', 'english_cocker_spaniel', 'english_setter', 'german_shorthaired', 'great_pyrenees', 'havanese', 'japanese_chin', 'keeshond', 'leonberger', 'Maine_Coon', 'miniature_pinscher', 'newfoundland', 'Persian', 'pomeranian', 'pug', 'Ragdoll', 'Russian_Blue', 'saint_bernard', 'samoyed', 'scottish_terrier', 'shiba_inu', 'Siamese', 'Sphynx', 'staffordshire_bull_terrier', 'wheaten_terrier', 'yorkshire_terrier'];
  const k = classes.length;
  const files: string[] = [];
  const labels: number[] = [];
  const probs: number[] = [];
  for (let c = 0; c < k; c++) {
    for (let j = 0; j < 4; j++) {
      files.push(`/pets/${classes[c]}_${j}.jpg`);
      labels.push(c);
      const p = j === 3 ? (c + 1) % k : c; // one in four taken for the next class
      for (let q = 0; q < k; q++) probs.push(q === p ? 0.7 : 0.3 / (k - 1));
    }
  }
  const it = interpretEvaluation({ classes, files, labels, probs: Float32Array.from(probs) }, { topLosses: 20 });
  const m = mount({ data, columns: 80, rows: 24, layout: makeLayout(leaf(1, 'interpretation')) });
  t.after(m.unmount);
  m.store.update((s) => ({ ...s, interpretation: { ...it, split: 'val' } }));
  let f = await m.waitFor(/1 Interpretation/);
  await m.waitFor((fr) => /accuracy 75\.0%/.test(stripAnsi(fr)));
  f = stripAnsi(m.frame());
  const lines = f.split('\n');
  assert.ok(lines.every((l) => [...l].length <= 80), 'nothing wider than the terminal');
  assert.match(f, /1 Abyssinian/);
  assert.match(f, /2 am_bulldog/, 'long names abbreviated');
  assert.match(f, /3 am_pi_bu_terrier|3 a_p_b_terrier/);
  assert.match(f, /→/, 'more columns to the right');
  assert.doesNotMatch(f, /37 yorkshire/, 'not every row fits: the grid scrolls');
  // to the last class: rows and columns scroll with the cursor
  for (let i = 0; i < 36; i++) await m.press('j');
  for (let i = 0; i < 36; i++) await m.press('l');
  // 72 keys queue behind a 37×37 grid's renders: on a loaded machine that takes seconds, none is lost
  f = stripAnsi(await m.waitFor(/yorkshire_terrier → yorkshire_terrier: 3\/4 \(75%\) right/, 20000));
  assert.match(f, /37 yo_terrier/);
  assert.match(f, /← /, 'columns to the left now');
  await m.press('h');
  await m.waitFor(/yorkshire_terrier → wheaten_terrier: 0\/4/);
  // the pairs, by tab
  await m.press(KEYS.tab);
  f = stripAnsi(await m.waitFor(/\[most confused\]/));
  assert.match(f, /Abyssinian → american_bulldog {2}1 \(25%\)/);
  assert.equal(abbreviate('staffordshire_bull_terrier', 12), 'st_bu_terrier'.length <= 12 ? 'st_bu_terrier' : 's_b_terrier');
  assert.equal(abbreviate('Bengal', 12), 'Bengal');
});

test('lr-find: alt+l opens the LR finder pane with the loss curve and the suggested rate; a uses it for the next training', { skip: skipUnless('cats-dogs') }, async (t) => {
  const m = mount({ data, tfNeverStarts: true, rows: 40 });
  t.after(m.unmount);
  await m.waitFor(/2 classes/);
  await m.press(KEYS.alt('l'));
  await m.waitFor(/lr-find: TensorFlow is still starting/);
  m.unmount();

  const m2 = mount({ data, rows: 40 });
  t.after(m2.unmount);
  const s = await m2.session();
  await m2.ready();
  await m2.press(KEYS.alt('l'));
  let f = await m2.waitFor(/LR finder/);
  await m2.waitFor(/● lr-find/);
  assert.match(stripAnsi(f).split('\n').at(-1)!, /lr-find/);
  await m2.press(KEYS.alt('t'));
  await m2.waitFor(/train: lr-find is running — wait, or alt\+s to stop it/);
  s.nextEpoch();
  f = await m2.waitFor(/suggested --lr 1\.0e-3/);
  // the pane was split off the Training log; zoomed, the chart has room
  const num = /(\d) LR finder/.exec(stripAnsi(f))![1];
  await m2.press(KEYS.prefix, num, KEYS.prefix, 'z');
  f = await m2.waitFor(new RegExp(`┏━ ${num} LR finder \\[Z\\]`));
  const pane = paneText(f, `${num} LR finder [Z]`);
  assert.match(pane, /suggested --lr 1\.0e-3 \(steepest fall\) · minimum\/10 1\.0e-2/);
  assert.match(pane, /[⠁-⣿]{10}/, 'the curve in braille');
  assert.match(pane, /▲ 1\.0e-3/, 'the suggestion marked under the curve');
  assert.match(pane, /1e-7\s+1e\+1/, 'the learning-rate axis');
  assert.match(pane, /a: use --lr 0\.001 for the next training/);
  m2.store.clearFlash();
  await m2.waitFor((fr) => /a use --lr 0\.001/.test(stripAnsi(fr).split('\n').at(-1)!));
  // a in the pane: --lr for the next alt+t
  await m2.press('a');
  f = await m2.waitFor(/the next training \(alt\+t\) uses --lr 0\.001/);
  assert.equal(m2.store.get().trainFlags.lr, '0.001');
  await m2.press(KEYS.alt('t'));
  await m2.waitFor(/training 0\//);
  assert.equal(s.trainRequests.at(-1)!.head.learningRate, 0.001);
});

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
  ]) assert.match(f, new RegExp(`${k.replace(/[+]/g, '\\+')}\\s+${what}`), `help lists ${k}`);
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
