/**
 * Seeing inside the model in a real terminal (tmux), on real images and the real MobileNetV2: a
 * layer picked with j/k in the Model stack redraws the Activations pane with that layer's maps,
 * and after alt+e the Interpretation pane shows the confusion grid with the class names.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CATS_DOGS, MOBILENET_V2_TFJS, skipUnless, tempDir } from './helpers/shared.js';
import { isolatedEnv, linkDataset, PETLAB_BIN } from './helpers/cli.js';
import { checkBoxes, hasTmux, Tmux } from './helpers/tmux.js';

const statusLine = (screen: string) => screen.trimEnd().split('\n').at(-1) ?? '';

/** The inside of the pane titled "N Title" on a captured screen ('' when it is not there). */
function pane(screen: string, title: RegExp): string {
  const lines = screen.split('\n').map((l) => [...l]);
  for (let y = 0; y < lines.length; y++) {
    const row = lines[y].join('');
    const m = title.exec(row);
    if (!m) continue;
    let x = [...row.slice(0, m.index)].length;
    while (x > 0 && !'┌┏'.includes(lines[y][x])) x--;
    let x2 = x + 1;
    while (x2 < lines[y].length && !'┐┓'.includes(lines[y][x2])) x2++;
    const out: string[] = [];
    for (let yy = y + 1; yy < lines.length && !'└┗'.includes(lines[yy][x] ?? ''); yy++) out.push(lines[yy].slice(x + 1, x2).join(''));
    return out.join('\n');
  }
  return '';
}

test(
  'in tmux: j/k in the Model stack redraws the Activations pane; alt+e fills the Interpretation pane',
  {
    skip: hasTmux() ? skipUnless('cats-dogs', 'mobilenet-v2-tfjs') : 'tmux is not installed: the terminal test needs it (apt-get install tmux)',
    timeout: 120_000,
  },
  async (t) => {
    const pick = (c: string) =>
      readdirSync(path.join(CATS_DOGS, c))
        .sort()
        .slice(0, 8)
        .map((f) => `${c}/${f}`);
    const data = linkDataset(CATS_DOGS, { cats: pick('cats'), dogs: pick('dogs') });
    const env = isolatedEnv();
    writeFileSync(path.join(env.PETLAB_CONFIG_DIR, 'config.json'), JSON.stringify({ epochs: 3 }));
    const tmux = new Tmux();
    t.after(() => tmux.kill());
    tmux.start(120, 40, { ...env, NODE_OPTIONS: '' }, `cd ${tempDir()} && exec node ${PETLAB_BIN} --data ${data} --backbone ${MOBILENET_V2_TFJS}`);
    const t0 = performance.now();
    await tmux.waitFor((s) => /· idle\s*$/.test(statusLine(s)) && /head_logits/.test(s) && /2 classes/.test(s), 90_000, 100);

    // an image: the first cat; then the Model stack, two rows down (the last conv), enter: its maps
    tmux.keys(['Enter']);
    await tmux.waitFor((s) => /cat\.0\.jpg — cats/.test(s), 5000);
    tmux.keys(['C-f', '2']);
    await tmux.waitFor((s) => /┏━ 2 Model stack/.test(s), 3000);
    tmux.keys(['j', 'j', 'Enter']);
    const first = await tmux.waitFor((s) => /Conv_1_Relu6/.test(pane(s, /\d Activations/)) && /#\d+/.test(pane(s, /\d Activations/)), 20_000, 50);
    const before = pane(first.screen, /\d Activations/);
    assert.match(before, /7×7×1280/, "the layer's shape");
    assert.match(before, /1–\d+ of 1280/, 'which channels');
    assert.match(first.screen, /┏━ 2 Model stack/, 'the focus stayed in the Model stack');
    assert.match(tmux.capture(true), /38;2;\d+;\d+;\d+/, 'maps in 24-bit colour');

    // j: the block below, another shape; the pane redraws with it
    tmux.keys(['j']);
    const second = await tmux.waitFor(
      (s) => /conv_16_project/.test(pane(s, /\d Activations/)) && /#\d+/.test(pane(s, /\d Activations/)) && !/updating/.test(pane(s, /\d Activations/)),
      20_000,
      50,
    );
    const after = pane(second.screen, /\d Activations/);
    t.diagnostic(`Activations redrawn ${Math.round(second.ms)} ms after j`);
    assert.match(after, /7×7×320/);
    assert.match(after, /1–\d+ of 320/);
    assert.notEqual(after, before, 'the pane changed');
    assert.doesNotMatch(after, /Conv_1_Relu6/);
    assert.deepEqual(checkBoxes(second.screen).problems, []);

    // train a head, then alt+e: the Interpretation pane opens with the confusion grid
    tmux.keys(['M-t']);
    await tmux.waitFor((s) => /trained \(val/.test(statusLine(s)), 60_000, 100);
    tmux.keys(['M-e']);
    const ev = await tmux.waitFor((s) => /1 cats\s+\d/.test(pane(s, /\d Interpretation/)) && /2 dogs\s+[\d·]/.test(pane(s, /\d Interpretation/)), 30_000, 100);
    const grid = pane(ev.screen, /\d Interpretation/);
    t.diagnostic(`\n${grid}`);
    assert.match(grid, /1\s+2/, 'columns numbered');
    assert.match(grid, /cats → cats: \d\/\d/);
    // the grid's rows as tmux has them, escapes kept: each holds a count drawn on a 24-bit background
    // (tmux may put a foreground change between the background and the digit). Polled: a single
    // capture can land in the middle of a redraw.
    const gridRows = (raw: string) => raw.split('\n').filter((l) => /[12] (cats|dogs)\s/.test(l.replace(/\x1b\[[\d;]*m/g, '')));
    const coloured = (raw: string) => {
      const rows = gridRows(raw);
      return rows.length >= 2 && rows.every((r) => /48;2;\d+;\d+;\d+m(?:\x1b\[[\d;]*m)*\s*\d/.test(r));
    };
    await tmux.waitFor(coloured, 5000, 50, true).catch(() =>
      assert.fail(
        `grid cells not coloured:\n${gridRows(tmux.capture(true))
          .map((r) => JSON.stringify(r))
          .join('\n')}`,
      ),
    );
    assert.deepEqual(checkBoxes(ev.screen).problems, []);
    t.diagnostic(`whole test ${Math.round((performance.now() - t0) / 1000)} s after start`);
    tmux.keys(['q']);
  },
);
