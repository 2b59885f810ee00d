/**
 * The workbench in a real terminal (tmux), on real images and the real MobileNetV2 weights: four
 * panes, alt+t trains while keys keep working, alt+p predicts a cat, zoom, resizes keep every
 * border whole, q gives the terminal back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CATS_DOGS, MOBILENET_V2_TFJS, skipUnless, tempDir } from './helpers/shared.js';
import { isolatedEnv, linkDataset, PETLAB_BIN } from './helpers/cli.js';
import { checkBoxes, hasTmux, Tmux } from './helpers/tmux.js';

const focused = (screen: string) => Number(/┏━ (\d) /.exec(screen)?.[1] ?? 0);
const statusLine = (screen: string) => screen.trimEnd().split('\n').at(-1) ?? '';

/** Every pane box whole, and nothing wider than the terminal. A frame being drawn is retried. */
async function assertWholeBorders(t: Tmux, w: number, h: number, panes: number): Promise<void> {
  let last = '';
  let problems: string[] = [];
  for (let i = 0; i < 25; i++) {
    const screen = t.capture();
    const lines = screen.replace(/\n$/, '').split('\n');
    const c = checkBoxes(screen);
    problems = [...c.problems];
    if (c.boxes !== panes) problems.push(`${c.boxes} boxes, expected ${panes}`);
    if (lines.length !== h) problems.push(`${lines.length} lines on a ${h}-line terminal`);
    if (lines.some((l) => [...l].length > w)) problems.push(`a line wider than ${w}`);
    if (!problems.length && screen === last) return;
    last = screen;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`borders at ${w}x${h}: ${problems.join('; ')}\n${last}`);
}

test(
  'the workbench in tmux: panes, training, focus while training, predict, zoom, resize, quit',
  {
    skip: hasTmux() ? skipUnless('cats-dogs', 'mobilenet-v2-tfjs') : 'tmux is not installed: the terminal test needs it (apt-get install tmux)',
    timeout: 180_000,
  },
  async (t) => {
    const pick = (c: string) =>
      readdirSync(path.join(CATS_DOGS, c))
        .sort()
        .slice(0, 40)
        .map((f) => `${c}/${f}`);
    const data = linkDataset(CATS_DOGS, { cats: pick('cats'), dogs: pick('dogs') });
    const env = isolatedEnv();
    // a short run: 12 epochs of head training
    writeFileSync(path.join(env.PETLAB_CONFIG_DIR, 'config.json'), JSON.stringify({ epochs: 12 }));
    const cwd = tempDir(); // the current folder: the workbench writes nothing here (models go to PETLAB_DATA_DIR)
    const tmux = new Tmux();
    t.after(() => tmux.kill());
    tmux.start(120, 40, { ...env, NODE_OPTIONS: '', PS1: '$ ' });
    tmux.keys([`cd ${cwd} && clear && echo BEFORE-PETLAB-MARKER`, 'Enter']);
    await tmux.waitFor((s) => s.includes('BEFORE-PETLAB-MARKER'), 5000);
    tmux.keys([`node ${PETLAB_BIN} --data ${data} --backbone ${MOBILENET_V2_TFJS}`, 'Enter']);

    // the four panes, then TensorFlow up and the backbone loaded
    let { screen } = await tmux.waitFor((s) => /1 Dataset/.test(s) && /4 Predictions/.test(s), 15_000);
    for (const title of ['1 Dataset', '2 Model stack', '3 Training log', '4 Predictions']) assert.match(screen, new RegExp(title));
    assert.ok(tmux.alternateOn(), 'the workbench uses the alternate screen');
    ({ screen } = await tmux.waitFor((s) => /· idle\s*$/.test(statusLine(s)) && /head_logits/.test(s) && /2 classes/.test(s), 90_000));
    assert.match(screen, /2 classes · 64 train \/ 16 val/);
    assert.match(screen, /cats\s+32\s+8/);
    assert.match(screen, /▲ head_logits\s+Dense/, 'the head on top of the model stack');
    await assertWholeBorders(tmux, 120, 40, 4);

    // alt+t: training starts; while it runs, ctrl-f n moves the focus at once
    tmux.keys(['M-t']);
    await tmux.waitFor((s) => /● (embed|train)/.test(s), 15_000);
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      const before = focused(tmux.capture());
      const want = (before % 4) + 1;
      const t0 = performance.now();
      tmux.keys(['C-f', 'n']);
      await tmux.waitFor((s) => focused(s) === want, 3000, 10);
      delays.push(performance.now() - t0);
      assert.match(statusLine(tmux.capture()), /embedding|training|preparing|evaluating/, 'still training when the focus moved');
    }
    const sorted = [...delays].sort((a, b) => a - b);
    const median = sorted[2];
    t.diagnostic(`focus moved in ${delays.map((d) => Math.round(d)).join(', ')} ms (median ${Math.round(median)}) while training`);
    assert.ok(median <= 200, `focus moves within 200 ms while training (median ${Math.round(median)} ms)`);

    // the log shows the epochs, then the result
    ({ screen } = await tmux.waitFor((s) => /trained \(val/.test(statusLine(s)), 90_000));
    assert.match(screen, /epoch\s+loss\s+acc\s+v\.loss\s+v\.acc\s+time/);
    assert.match(screen, /12\/12\s+\d\.\d{4}\s+\d+\.\d%/);
    assert.match(screen, /trained: val accuracy \d+\.\d%/);

    // alt+p on a cat image: "cats" on top in Predictions
    tmux.keys(['C-f', '1']);
    await tmux.waitFor((s) => focused(s) === 1, 3000);
    tmux.keys(['Enter']);
    await tmux.waitFor((s) => /cat\.0\.jpg — cats/.test(s), 5000);
    tmux.keys(['M-p']);
    ({ screen } = await tmux.waitFor((s) => /✓ right — true label cats|✗ wrong/.test(s), 30_000));
    assert.match(screen, /✓ right — true label cats/);
    const bars = screen
      .split('\n')
      .map((l) => /│?(cats|dogs)\s+█+[▉▊▋▌▍▎▏]?\s*\d+\.\d%/.exec(l.slice(60))?.[1])
      .filter(Boolean);
    assert.equal(bars[0], 'cats', 'cats has the top bar');
    // the pictures are drawn after the verdict (a person sees "drawing…" first): wait for them to appear
    let colored = tmux.capture(true);
    for (const t0 = Date.now(); !/38;2;\d+;\d+;\d+/.test(colored) && Date.now() - t0 < 10_000; colored = tmux.capture(true))
      await new Promise((r) => setTimeout(r, 100));
    assert.match(colored, /38;2;\d+;\d+;\d+/, 'pictures in 24-bit colour');

    // zoom and back
    tmux.keys(['C-f', '4']);
    await tmux.waitFor((s) => focused(s) === 4, 3000);
    tmux.keys(['C-f', 'z']);
    ({ screen } = await tmux.waitFor((s) => /4 Predictions \[Z\]/.test(s), 3000));
    assert.doesNotMatch(screen, /1 Dataset|2 Model stack/);
    await assertWholeBorders(tmux, 120, 40, 1);
    tmux.keys(['C-f', 'z']);
    await tmux.waitFor((s) => /1 Dataset/.test(s) && !/\[Z\]/.test(s), 3000);

    // resizes: small, huge, back; every border whole each time
    for (const [w, h] of [
      [80, 24],
      [250, 70],
      [120, 40],
    ]) {
      tmux.resize(w, h);
      await tmux.waitFor((s) => s.replace(/\n$/, '').split('\n').length === h && /1 Dataset/.test(s), 5000);
      await assertWholeBorders(tmux, w, h, 4);
    }
    tmux.resize(30, 8);
    ({ screen } = await tmux.waitFor((s) => /Terminal too small/.test(s), 5000));
    assert.doesNotMatch(screen, /[┌┏]/);
    tmux.resize(120, 40);
    await tmux.waitFor((s) => /1 Dataset/.test(s), 5000);
    await assertWholeBorders(tmux, 120, 40, 4);

    // q quits; the shell and what was on the screen before come back
    tmux.keys(['q']);
    ({ screen } = await tmux.waitFor((s) => s.includes('BEFORE-PETLAB-MARKER'), 10_000));
    assert.equal(tmux.alternateOn(), false, 'the alternate screen is left');
    assert.doesNotMatch(screen, /Dataset|Training log/);
    // the shell has the terminal again once node has exited
    for (let i = 0; i < 100 && tmux.run('display-message', '-p', '-t', 'main', '#{pane_current_command}').trim() !== 'bash'; i++)
      await new Promise((r) => setTimeout(r, 50));
    tmux.keys(['echo EXIT=$?', 'Enter']);
    await tmux.waitFor((s) => /EXIT=0/.test(s), 5000);
  },
);
