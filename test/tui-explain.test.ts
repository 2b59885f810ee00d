/**
 * The workbench's windows into the model (issues 5 and 6), as a user sees them: the Activations
 * pane, the unfreeze setting in the Model stack and Grad-CAM in Predictions — each key, and why a
 * key does nothing when it cannot (ink-testing-library, a fake core session: no TensorFlow).
 * The Interpretation and LR finder panes: tui-interpretation.test.ts; fine-tuning: tui-fine-tune.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KEYS, mountReady, smallDataset, stripAnsi, paneText, explainLayout, trainHead } from './helpers/tui.js';
import { skipUnless } from './helpers/shared.js';

const data = smallDataset();

test(
  'Activations: the layer picked with j/k in the Model stack, for the selected image: a grid of coloured maps with channel numbers; it redraws when the layer changes',
  { skip: skipUnless('cats-dogs') },
  async (t) => {
    const { m, s } = await mountReady(t, { data, layout: explainLayout() });
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
    f = await m.waitFor(
      (fr) => /block_1_project · Conv2D 56×56×16/.test(paneText(fr, '3 Activations')) && /channels ranked/.test(paneText(fr, '3 Activations')),
    );
    pane = paneText(f, '3 Activations');
    assert.doesNotMatch(pane, /block_2_conv/);
    assert.match(stripAnsi(f), /◆ block_1_project/, 'the Model stack marks the layer shown');
    assert.equal(s.activationCalls.at(-1)?.request.layer, 'block_1_project');

    // keys held down: one request where the cursor stops, not one per key
    const before = s.activationCalls.length;
    await m.press('k', 'j', 'k', 'j', 'j');
    await m.waitFor(
      (fr) => /block_1_depthwise · DepthwiseConv2D 56×56×8/.test(paneText(fr, '3 Activations')) && /channels ranked/.test(paneText(fr, '3 Activations')),
    );
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(s.activationCalls.length - before <= 2, `${s.activationCalls.length - before} requests for 5 quick keys`);
    assert.equal(s.activationCalls.at(-1)?.request.layer, 'block_1_depthwise');

    // the input has no feature maps: said, nothing asked
    await m.press('j', 'j');
    f = await m.waitFor((fr) => /input_1 \(InputLayer\) has no feature maps/.test(paneText(fr, '3 Activations').replace(/\n/g, ' ')));
    // the pooled embedding is a vector: its units as bars, strongest first
    await m.press('k', 'k', 'k', 'k', 'k');
    f = await m.waitFor(
      (fr) => /global_pool · GlobalAveragePooling2D 16/.test(paneText(fr, '3 Activations')) && /unit #\d+\s+█/.test(paneText(fr, '3 Activations')),
    );
    assert.match(paneText(f, '3 Activations'), /units ranked 1–\d+ of 16/);
    // the head before training: why not
    await m.press('k');
    await m.waitFor((fr) => /head is not trained yet/.test(paneText(fr, '3 Activations').replace(/\n/g, ' ')));
  },
);

test(
  'Activations keys: h/l page through the channels, j/k and enter zoom one map, esc backs out; disabled keys say why',
  { skip: skipUnless('cats-dogs') },
  async (t) => {
    const { m } = await mountReady(t, { data, layout: explainLayout() });
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
    assert.match(stripAnsi(f).split('\n').at(-1)!, /h\/l page {2}j\/k map {2}enter zoom/, "the status bar shows the pane's keys");
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
  },
);

test(
  'Model stack: enter opens the Activations pane; the unfreeze setting marks what fine-tuning trains (+, -, u, the prompt)',
  { skip: skipUnless('cats-dogs') },
  async (t) => {
    const { m } = await mountReady(t, { data });
    let f = stripAnsi(await m.waitFor(/unfreeze 30%/));
    // 30% of the weighted layers: the top two of three blocks
    assert.match(f, /unfreeze 30%: .*top 2\/3 blocks/);
    const row = (fr: string, name: string) =>
      stripAnsi(fr)
        .split('\n')
        .find((l) => l.includes(name)) ?? '';
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
  },
);

test(
  'Grad-CAM: g draws it over the picture in Predictions (the status bar says so), c moves it to the next class; disabled keys say why',
  { skip: skipUnless('cats-dogs') },
  async (t) => {
    const { m, s } = await mountReady(t, { data });
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
    f = await m.waitFor(
      (fr) =>
        !/Grad-CAM/.test(
          stripAnsi(fr)
            .split('\n')
            .at(-1)!
            .replace(/g Grad-CAM on/, ''),
        ),
    );
    assert.doesNotMatch(stripAnsi(f), /Grad-CAM: cats/);
    // the prompt: gradcam CLASS, gradcam off
    await m.press(KEYS.alt('d'), 'gradcam dogs', KEYS.enter);
    await m.waitFor(/Grad-CAM: dogs \(7\.0%\)/);
    await m.press(KEYS.alt('d'), 'gradcam off', KEYS.enter);
    await m.waitFor((fr) => !/Grad-CAM: dogs/.test(stripAnsi(fr)));
  },
);
