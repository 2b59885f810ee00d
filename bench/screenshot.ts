/**
 * The README's picture of the workbench mid-training: petlab runs in tmux on 40 cats and 40 dogs
 * with the shared MobileNetV2, trains once, predicts a cat, then trains again; the screen is
 * captured with its colours (capture-pane -e -p) while the second run is going, and drawn to a PNG.
 *
 *   npx tsx bench/screenshot.ts [--out docs/workbench.png] [--size 132x40]
 *   npx tsx bench/screenshot.ts --from capture.ans --size 132x40   # convert a saved capture
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from '../src/core/paths.js';
import { isolatedEnv, linkDataset, PETLAB_BIN } from '../test/helpers/cli.js';
import { CATS_DOGS, MOBILENET_V2_TFJS, tempDir } from '../test/helpers/shared.js';
import { hasTmux, Tmux } from '../test/helpers/tmux.js';
import { screenToPng } from './ansi-png.js';

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: path.join(PROJECT_ROOT, 'docs', 'workbench.png') },
    size: { type: 'string', default: '132x40' },
    from: { type: 'string' },
  },
});
const [W, H] = values.size!.split('x').map(Number);

async function capture(): Promise<string> {
  if (!hasTmux()) throw new Error('tmux is needed (apt-get install tmux)');
  const pick = (c: string) =>
    readdirSync(path.join(CATS_DOGS, c))
      .sort()
      .slice(0, 40)
      .map((f) => `${c}/${f}`);
  const data = linkDataset(CATS_DOGS, { cats: pick('cats'), dogs: pick('dogs') }, path.join(tempDir(), 'cats-vs-dogs'));
  const env = isolatedEnv();
  writeFileSync(path.join(env.PETLAB_CONFIG_DIR, 'config.json'), JSON.stringify({ epochs: 400 }));
  const tmux = new Tmux();
  const status = (s: string) => s.trimEnd().split('\n').at(-1) ?? '';
  try {
    tmux.start(
      W,
      H,
      { ...env, NODE_OPTIONS: '', ...(process.env.PETLAB_TUI_KEY_LOG ? { PETLAB_TUI_KEY_LOG: process.env.PETLAB_TUI_KEY_LOG } : {}) },
      `cd ${tempDir()} && exec node ${PETLAB_BIN} --data ${data} --backbone ${MOBILENET_V2_TFJS}`,
    );
    await tmux.waitFor((s) => /· idle\s*$/.test(status(s)), 120_000, 100);
    // a first, short run so there is a model to predict with
    tmux.keys(['M-d']);
    tmux.keys(['--epochs 15'], true);
    tmux.keys(['Enter']);
    tmux.keys(['M-t']);
    await tmux.waitFor((s) => /trained \(val/.test(status(s)), 120_000, 100);
    tmux.keys(['Enter', 'j', 'j', 'j']); // a cat
    await tmux.waitFor((s) => /cat\.\d+\.jpg — cats/.test(s), 10_000);
    tmux.keys(['M-p']);
    await tmux.waitFor((s) => /true label cats/.test(s), 30_000);
    // the second run, longer, captured while its curves grow
    tmux.keys(['M-d']);
    tmux.keys(['--epochs 400 --lr 0.0003'], true);
    tmux.keys(['Enter']);
    tmux.keys(['M-t']);
    await tmux.waitFor((s) => /training (4\d|[5-9]\d|\d{3})\/400/.test(status(s)), 120_000, 50);
    tmux.keys(['C-f', '3']);
    await new Promise((r) => setTimeout(r, 400));
    return tmux.capture(true);
  } finally {
    tmux.kill();
  }
}

const screen: string = values.from ? readFileSync(values.from, 'utf8') : await capture();
if (!values.from) {
  const saved = path.join(mkdtempSync(path.join(os.tmpdir(), 'petlab-screenshot-')), 'workbench.ans');
  writeFileSync(saved, screen);
  console.log(`capture: ${saved} (convert again with --from)`);
}
const r = await screenToPng(screen, W, values.out!);
console.log(`${values.out}: ${r.width}x${r.height}, ${Math.round(r.bytes / 1024)} KB`);
