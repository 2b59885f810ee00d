/**
 * Bytes the workbench writes to its terminal (issue 11.9): idle, while training and for one `j`,
 * counted outside petlab by script(1), which logs every byte petlab writes to its terminal. Frames
 * are counted from petlab's PETLAB_TUI_LAG_LOG ("frame N bytes" per full-screen frame Ink renders).
 * Run twice: rows that changed (what petlab does) and PETLAB_TUI_WHOLE_FRAMES=1 (every frame
 * painted whole, as Ink 6.8 does by itself: the figure before).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isolatedEnv, PETLAB_BIN } from '../test/helpers/cli.js';
import { MOBILENET_V2_TFJS, tempDir } from '../test/helpers/shared.js';
import { Tmux } from '../test/helpers/tmux.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const statusLine = (s: string) => s.trimEnd().split('\n').at(-1) ?? '';

interface Window {
  bytes: number;
  frames: number;
  ms: number;
}

/** The bytes and frames while `during` runs. */
async function measure(log: string, lag: string, during: () => Promise<void>): Promise<Window> {
  const frames = () => (existsSync(lag) ? (readFileSync(lag, 'utf8').match(/ frame \d+ bytes/g) ?? []).length : 0);
  const [b0, f0, t0] = [statSync(log).size, frames(), performance.now()];
  await during();
  return { bytes: statSync(log).size - b0, frames: frames() - f0, ms: performance.now() - t0 };
}

/** Until `file` has not grown for `quietMs`. */
async function quiet(file: string, quietMs = 600, timeoutMs = 30_000): Promise<void> {
  const t0 = performance.now();
  let [size, since] = [statSync(file).size, performance.now()];
  while (performance.now() - since < quietMs && performance.now() - t0 < timeoutMs) {
    await sleep(50);
    const now = statSync(file).size;
    if (now !== size) [size, since] = [now, performance.now()];
  }
}

async function oneRun(data: string, whole: boolean): Promise<{ idle: Window; j: Window; embedding: Window; training: Window }> {
  const env = isolatedEnv();
  writeFileSync(path.join(env.PETLAB_CONFIG_DIR, 'config.json'), JSON.stringify({ epochs: 200 }));
  const dir = tempDir();
  const [log, lag] = [path.join(dir, 'pty.log'), path.join(dir, 'lag.log')];
  const tmux = new Tmux();
  try {
    const cmd = `node ${PETLAB_BIN} --data ${data} --backbone ${MOBILENET_V2_TFJS}`;
    tmux.start(120, 40, { ...env, NODE_OPTIONS: '', PETLAB_TUI_LAG_LOG: lag, ...(whole ? { PETLAB_TUI_WHOLE_FRAMES: '1' } : {}) }, `cd ${dir} && exec script -q -f -c '${cmd}' ${log}`);
    await tmux.waitFor((s) => /· idle\s*$/.test(statusLine(s)) && /2 classes/.test(s), 120_000, 100);
    await quiet(log);
    const idle = await measure(log, lag, () => sleep(3000));
    const before = tmux.capture(true);
    const j = await measure(log, lag, async () => {
      tmux.keys(['j']);
      await tmux.waitFor((s) => s !== before, 5000, 20, true);
      await quiet(log, 400);
    });
    tmux.keys(['M-t']);
    await tmux.waitFor((s) => /● embed/.test(s), 30_000, 50);
    const embedding = await measure(log, lag, () => sleep(3000));
    await tmux.waitFor((s) => /epoch\s+loss/.test(s), 120_000, 50);
    const training = await measure(log, lag, () => sleep(4000));
    tmux.keys(['M-s']);
    return { idle, j, embedding, training };
  } finally {
    tmux.kill();
  }
}

const kb = (b: number) => (b >= 10_000 ? `${(b / 1000).toFixed(0)} KB` : b >= 1000 ? `${(b / 1000).toFixed(1)} KB` : `${b} B`);
const perFrame = (w: Window) => (w.frames ? kb(Math.round(w.bytes / w.frames)) : '–');
const perSecond = (w: Window) => `${kb(Math.round((w.bytes * 1000) / w.ms))}/s`;
const frames = (n: number) => `${n} frame${n === 1 ? '' : 's'}`;

/** Prints the figures for both ways of drawing. */
export async function benchRenderBytes(data: string): Promise<void> {
  if (spawnSync('script', ['--version']).status !== 0) {
    console.log('render bytes: skipped (script from util-linux is not installed)');
    return;
  }
  console.log('bytes written to the terminal (120x40, counted by script(1)):');
  for (const [label, whole] of [
    ['rows that changed (petlab)', false],
    ['whole frames (PETLAB_TUI_WHOLE_FRAMES=1, as Ink by itself: before)', true],
  ] as const) {
    const r = await oneRun(data, whole);
    console.log(`  ${label}:`);
    console.log(`    idle: ${perSecond(r.idle)} (${frames(r.idle.frames)} in ${(r.idle.ms / 1000).toFixed(0)} s)`);
    console.log(`    one j: ${kb(r.j.bytes)} (${frames(r.j.frames)})`);
    for (const [what, w] of [
      ['while embedding', r.embedding],
      ['while training (epochs)', r.training],
    ] as const)
      console.log(`    ${what}: ${perSecond(w)}, ${perFrame(w)} a frame (${frames(w.frames)} in ${(w.ms / 1000).toFixed(0)} s)`);
  }
}
