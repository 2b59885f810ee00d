/**
 * The Interpretation and LR finder panes as a user sees them (issues 5 and 6): ink-testing-library,
 * a fake core session (no TensorFlow).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { interpretEvaluation } from '../src/core/explain/interpretation.js';
import { leaf, makeLayout } from '../src/tui/layout/tree.js';
import { abbreviate } from '../src/tui/panes/InterpretationPane.js';
import { KEYS, mount, smallDataset, stripAnsi, paneText, trainHead } from './helpers/tui.js';
import { skipUnless } from './helpers/shared.js';

const data = smallDataset();

test(
  'Interpretation: alt+e fills it (opening the pane) — confusion grid with class names, most-confused pairs, top losses; enter on a top loss opens it in Predictions with Grad-CAM',
  { skip: skipUnless('cats-dogs') },
  async (t) => {
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
  },
);

test(
  'Interpretation stays readable for 37 classes at 80×24: names abbreviated, the grid scrolls, the cursor cell spelled out in full',
  { skip: skipUnless('cats-dogs') },
  async (t) => {
    const classes = [
      'Abyssinian',
      'american_bulldog',
      'american_pit_bull_terrier',
      'basset_hound',
      'beagle',
      'Bengal',
      'Birman',
      'Bombay',
      'boxer',
      'British_Shorthair',
      'chihuahua',
      'Egyptian_Mau',
      'english_cocker_spaniel',
      'english_setter',
      'german_shorthaired',
      'great_pyrenees',
      'havanese',
      'japanese_chin',
      'keeshond',
      'leonberger',
      'Maine_Coon',
      'miniature_pinscher',
      'newfoundland',
      'Persian',
      'pomeranian',
      'pug',
      'Ragdoll',
      'Russian_Blue',
      'saint_bernard',
      'samoyed',
      'scottish_terrier',
      'shiba_inu',
      'Siamese',
      'Sphynx',
      'staffordshire_bull_terrier',
      'wheaten_terrier',
      'yorkshire_terrier',
    ];
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
    assert.ok(
      lines.every((l) => [...l].length <= 80),
      'nothing wider than the terminal',
    );
    assert.match(f, /1 Abyssinian/);
    assert.match(f, /2 am_bulldog/, 'long names abbreviated');
    assert.match(f, /3 am_pi_bu_terrier|3 a_p_b_terrier/);
    assert.match(f, /→/, 'more columns to the right');
    assert.doesNotMatch(f, /37 yorkshire/, 'not every row fits: the grid scrolls');
    // to the last class: rows and columns scroll with the cursor
    // one key at a time, each seen on screen before the next (on a loaded machine keys sent faster than the grid redraws were lost)
    const at = (row: number, col: number) => (fr: string) => stripAnsi(fr).includes(`${classes[row]} → ${classes[col]}: `);
    for (let i = 1; i <= 36; i++) {
      await m.press('j');
      await m.waitFor(at(i, 0), 10_000);
    }
    for (let i = 1; i <= 36; i++) {
      await m.press('l');
      await m.waitFor(at(36, i), 10_000);
    }
    f = stripAnsi(await m.waitFor(/yorkshire_terrier → yorkshire_terrier: 3\/4 \(75%\) right/));
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
  },
);

test(
  'lr-find: alt+l opens the LR finder pane with the loss curve and the suggested rate; a uses it for the next training',
  { skip: skipUnless('cats-dogs') },
  async (t) => {
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
  },
);
