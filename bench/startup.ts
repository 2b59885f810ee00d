/**
 * Start-up of the workbench: milliseconds from launching `petlab --data DIR --backbone PATH` in a
 * real terminal (tmux, 120x40) to
 *  - the first frame: the four panes on the screen (drawn before Ink, React and TensorFlow load);
 *  - the interactive frame: Ink's workbench with its status bar of keys (TensorFlow still loading);
 *  - TensorFlow ready: backbone loaded, status "idle".
 *
 *   npx tsx bench/startup.ts [--runs 3]
 *
 * The first frame must come before TensorFlow loads: the goal is under 1000 ms.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { isolatedEnv, linkDataset, PETLAB_BIN } from '../test/helpers/cli.js';
import { CATS_DOGS, MOBILENET_V2_TFJS, tempDir } from '../test/helpers/shared.js';
import { hasTmux, Tmux } from '../test/helpers/tmux.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' } } });
const runs = Number(values.runs);

if (!hasTmux()) {
  console.error('bench/startup: tmux is needed (apt-get install tmux)');
  process.exit(2);
}

const pick = (c: string) => readdirSync(path.join(CATS_DOGS, c)).sort().slice(0, 20).map((f) => `${c}/${f}`);
const data = linkDataset(CATS_DOGS, { cats: pick('cats'), dogs: pick('dogs') });
const env = isolatedEnv();
const cwd = tempDir();

const firstFrame: number[] = [];
const interactive: number[] = [];
const tfReady: number[] = [];
for (let i = 0; i < runs; i++) {
  const tmux = new Tmux();
  try {
    const t0 = performance.now();
    tmux.start(120, 40, { ...env, NODE_OPTIONS: '' }, `cd ${cwd} && exec node ${PETLAB_BIN} --data ${data} --backbone ${MOBILENET_V2_TFJS}`);
    await tmux.waitFor((s) => /1 Dataset/.test(s) && /4 Predictions/.test(s), 20_000, 5);
    firstFrame.push(performance.now() - t0);
    const first = await tmux.waitFor((s) => /alt\+t train/.test(s), 20_000, 5);
    interactive.push(performance.now() - t0);
    await tmux.waitFor((s) => /· idle\s*$/.test(s.trimEnd().split('\n').at(-1) ?? ''), 120_000, 50);
    tfReady.push(performance.now() - t0);
    if (i === 0) console.log(`interactive frame (run 1) says: ${/starting TensorFlow…/.test(first.screen) ? '"starting TensorFlow…"' : 'TensorFlow already up'}`);
    tmux.keys(['q']);
    await new Promise((r) => setTimeout(r, 500));
  } finally {
    tmux.kill();
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (xs: number[]) => xs.map((x) => Math.round(x)).join(', ');
console.log(`first frame: median ${Math.round(median(firstFrame))} ms (runs: ${fmt(firstFrame)})`);
console.log(`interactive frame: median ${Math.round(median(interactive))} ms (runs: ${fmt(interactive)})`);
console.log(`TensorFlow ready (backbone loaded): median ${Math.round(median(tfReady))} ms (runs: ${fmt(tfReady)})`);
console.log(`load average while measuring: ${(await import('node:os')).loadavg()[0].toFixed(2)} on ${(await import('node:os')).availableParallelism()} cores`);
console.log(median(firstFrame) < 1000 ? 'ok: first frame under 1 s' : 'SLOW: first frame over 1 s');
