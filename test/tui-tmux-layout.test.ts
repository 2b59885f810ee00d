/**
 * The pane layout in a real terminal (tmux), real images and MobileNetV2, at 160x48 and 80x24:
 * zoom keeps the Dataset pane's folder and file; the panes the workbench opens by itself (alt+e,
 * enter on a layer, alt+l) keep every pane a usable size, and no pane's number changes, so
 * `ctrl-f N` keeps meaning the same pane. Keys are sent as soon as what they act on is on screen.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CATS_DOGS, MOBILENET_V2_TFJS, skipUnless, tempDir } from './helpers/shared.js';
import { isolatedEnv, linkDataset, PETLAB_BIN } from './helpers/cli.js';
import { checkBoxes, hasTmux, Tmux } from './helpers/tmux.js';

const statusLine = (screen: string) => screen.trimEnd().split('\n').at(-1) ?? '';

interface Box {
  number: number;
  title: string;
  width: number;
  height: number;
  focused: boolean;
}

/** The pane boxes on a captured screen: number and title from the top edge, size in cells. */
function boxes(screen: string): Box[] {
  const rows = screen.split('\n').map((l) => [...l]);
  const out: Box[] = [];
  for (let y = 0; y < rows.length; y++) {
    for (let x = 0; x < rows[y].length; x++) {
      if (!'┌┏'.includes(rows[y][x])) continue;
      let x2 = x + 1;
      while (x2 < rows[y].length && !'┐┓'.includes(rows[y][x2])) x2++;
      let y2 = y + 1;
      while (y2 < rows.length && !'└┗'.includes(rows[y2][x] ?? '')) y2++;
      const m = /^[─━] (\d+) (.+?)(?: \[Z\])? [─━]/.exec(rows[y].slice(x + 1, x2 + 1).join(''));
      if (m) out.push({ number: Number(m[1]), title: m[2], width: x2 - x + 1, height: y2 - y + 1, focused: rows[y][x] === '┏' });
    }
  }
  return out.sort((a, b) => a.number - b.number);
}

const titles = (screen: string) => Object.fromEntries(boxes(screen).map((b) => [b.number, b.title]));

/** Every pane at least 40x6 cells, every border whole. */
function assertUsable(screen: string, what: string): void {
  for (const b of boxes(screen)) assert.ok(b.width >= 40 && b.height >= 6, `${what}: pane ${b.number} ${b.title} is ${b.width}x${b.height}\n${screen}`);
  assert.deepEqual(checkBoxes(screen).problems, [], `${what}: whole borders`);
}

async function run(t: { after(fn: () => void): void; diagnostic(s: string): void }, w: number, h: number, lastOpen: Record<number, string>): Promise<void> {
  const pick = (c: string) =>
    readdirSync(path.join(CATS_DOGS, c))
      .sort()
      .slice(0, 8)
      .map((f) => `${c}/${f}`);
  const data = linkDataset(CATS_DOGS, { cats: pick('cats'), dogs: pick('dogs') });
  const env = isolatedEnv();
  writeFileSync(path.join(env.PETLAB_CONFIG_DIR, 'config.json'), JSON.stringify({ epochs: 2 }));
  const tmux = new Tmux(`petlab-h11a-layout-${w}-${process.pid}`);
  t.after(() => tmux.kill());
  tmux.start(w, h, { ...env, NODE_OPTIONS: '' }, `cd ${tempDir()} && exec node ${PETLAB_BIN} --data ${data} --backbone ${MOBILENET_V2_TFJS}`);
  const t0 = performance.now();

  // zoom keeps the Dataset pane's folder and file, as soon as the classes are there
  await tmux.waitFor((s) => /2 classes/.test(s), 60_000, 50);
  tmux.keys(['Enter']);
  await tmux.waitFor((s) => /cats · 8 images/.test(s), 5000, 20);
  tmux.keys(['j']);
  await tmux.waitFor((s) => /cat\.1\.jpg — cats/.test(s), 5000, 20);
  tmux.keys(['C-f', 'z']);
  let { screen } = await tmux.waitFor((s) => /1 Dataset \[Z\]/.test(s), 5000, 20);
  assert.match(screen, /cats · 8 images/, 'zoomed: still in the cats folder');
  ({ screen } = await tmux
    .waitFor((s) => /cat\.1\.jpg — cats/.test(s), 5000, 20)
    .catch(() => assert.fail(`zoomed: cat.1.jpg is no longer selected\n${tmux.capture()}`)));
  tmux.keys(['C-f', 'z']);
  ({ screen } = await tmux.waitFor((s) => /4 Predictions/.test(s) && !/\[Z\]/.test(s), 5000, 20));
  assert.match(screen, /cats · 8 images/, 'un-zoomed: still in the cats folder');
  await tmux.waitFor((s) => /cat\.1\.jpg — cats/.test(s), 5000, 20).catch(() => assert.fail(`un-zoomed: cat.1.jpg is no longer selected\n${tmux.capture()}`));

  // alt+t at once (it starts when the backbone has loaded), then the three panes that open themselves
  tmux.keys(['M-t']);
  ({ screen } = await tmux.waitFor((s) => /trained \(val/.test(statusLine(s)), 150_000, 200));
  assert.deepEqual(titles(screen), { 1: 'Dataset', 2: 'Model stack', 3: 'Training log', 4: 'Predictions' });
  tmux.keys(['M-e']);
  ({ screen } = await tmux.waitFor((s) => /5 Interpretation/.test(s), 10_000, 20));
  screen = (await tmux.waitFor((s) => checkBoxes(s).problems.length === 0 && boxes(s).length === 5, 5000, 50)).screen;
  assert.deepEqual(
    titles(screen),
    { 1: 'Dataset', 2: 'Model stack', 3: 'Training log', 4: 'Predictions', 5: 'Interpretation' },
    'alt+e: the others keep their numbers',
  );
  assertUsable(screen, 'after alt+e');

  tmux.keys(['C-f', '2']);
  await tmux.waitFor((s) => /┏━ 2 Model stack/.test(s), 5000, 20);
  tmux.keys(['j', 'j', 'Enter']);
  ({ screen } = await tmux.waitFor((s) => /6 Activations/.test(s) && boxes(s).length === 6 && checkBoxes(s).problems.length === 0, 10_000, 50));
  assert.deepEqual(
    titles(screen),
    { 1: 'Dataset', 2: 'Model stack', 3: 'Training log', 4: 'Predictions', 5: 'Interpretation', 6: 'Activations' },
    'enter on a layer: the others keep their numbers',
  );
  assertUsable(screen, 'after enter on a layer');

  tmux.keys(['M-l']);
  ({ screen } = await tmux.waitFor(
    (s) => /LR finder/.test(s) && boxes(s).length === Object.keys(lastOpen).length && checkBoxes(s).problems.length === 0,
    10_000,
    50,
  ));
  assert.deepEqual(titles(screen), lastOpen, 'alt+l: a new number, or the place of the least recently used auto-opened pane');
  assertUsable(screen, 'after alt+l');
  t.diagnostic(
    `${w}x${h}: ${boxes(screen)
      .map((b) => `${b.number} ${b.title} ${b.width}x${b.height}`)
      .join(', ')}; status: ${statusLine(screen).trim()}`,
  );

  // ctrl-f N still means the same pane
  tmux.keys(['C-f', '3']);
  ({ screen } = await tmux.waitFor((s) => boxes(s).find((b) => b.focused)?.number === 3, 5000, 20));
  assert.equal(boxes(screen).find((b) => b.focused)?.title, 'Training log', 'ctrl-f 3 is the Training log');
  t.diagnostic(`${w}x${h}: whole run ${Math.round((performance.now() - t0) / 1000)} s`);
  tmux.keys(['M-s']);
  tmux.keys(['q']);
}

const skip = hasTmux() ? skipUnless('cats-dogs', 'mobilenet-v2-tfjs') : 'tmux is not installed: the terminal test needs it (apt-get install tmux)';

test('tmux 160x48: zoom keeps the folder and file; auto-opened panes split the largest pane, numbers stay', { skip, timeout: 240_000 }, async (t) => {
  await run(t, 160, 48, { 1: 'Dataset', 2: 'Model stack', 3: 'Training log', 4: 'Predictions', 5: 'Interpretation', 6: 'Activations', 7: 'LR finder' });
});

test(
  'tmux 80x24: zoom keeps the folder and file; with no room, alt+l takes the place of the oldest auto-opened pane',
  { skip, timeout: 240_000 },
  async (t) => {
    await run(t, 80, 24, { 1: 'Dataset', 2: 'Model stack', 3: 'Training log', 4: 'Predictions', 5: 'LR finder', 6: 'Activations' });
  },
);
