/**
 * Bytes the workbench writes to its terminal (issue 11.9): idle, while training and for one `j`,
 * counted outside petlab by script(1), which logs every byte petlab writes to its terminal. Frames
 * are counted from petlab's PETLAB_TUI_LAG_LOG ("frame N bytes" per full-screen frame Ink renders).
 * Run twice: rows that changed (what petlab does) and PETLAB_TUI_WHOLE_FRAMES=1 (every frame
 * painted whole, as Ink 6.8 does by itself: the figure before).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isolatedEnv, PETLAB_BIN } from '../test/helpers/cli.js';
import { MOBILENET_V2_TFJS, tempDir } from '../test/helpers/shared.js';
import { Tmux } from '../test/helpers/tmux.js';
import { hasScript, underScript, type PtyLogged } from '../test/helpers/pty-log.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const statusLine = (s: string) => s.trimEnd().split('\n').at(-1) ?? '';

interface Window {
  bytes: number;
  frames: number;
  ms: number;
}

/** The bytes and frames while `during` runs. */
async function measure(pty: PtyLogged, lag: string, during: () => Promise<void>): Promise<Window> {
  const frames = () => (existsSync(lag) ? (readFileSync(lag, 'utf8').match(/ frame \d+ bytes/g) ?? []).length : 0);
  const [b0, f0, t0] = [pty.bytes(), frames(), performance.now()];
  await during();
  return { bytes: pty.bytes() - b0, frames: frames() - f0, ms: performance.now() - t0 };
}

/** Until the log has not grown for `quietMs`. */
async function quiet(pty: PtyLogged, quietMs = 600, timeoutMs = 30_000): Promise<void> {
  const t0 = performance.now();
  let [size, since] = [pty.bytes(), performance.now()];
  while (performance.now() - since < quietMs && performance.now() - t0 < timeoutMs) {
    await sleep(50);
    const now = pty.bytes();
    if (now !== size) [size, since] = [now, performance.now()];
  }
}

async function oneRun(data: string, whole: boolean): Promise<{ idle: Window; j: Window; embedding: Window; training: Window }> {
  const env = isolatedEnv();
  writeFileSync(path.join(env.PETLAB_CONFIG_DIR, 'config.json'), JSON.stringify({ epochs: 200 }));
  const dir = tempDir();
  const lag = path.join(dir, 'lag.log');
  const pty = underScript(`node ${PETLAB_BIN} --data ${data} --backbone ${MOBILENET_V2_TFJS}`, dir);
  const tmux = new Tmux();
  try {
    tmux.start(120, 40, { ...env, NODE_OPTIONS: '', PETLAB_TUI_LAG_LOG: lag, ...(whole ? { PETLAB_TUI_WHOLE_FRAMES: '1' } : {}) }, pty.command);
    await tmux.waitFor((s) => /· idle\s*$/.test(statusLine(s)) && /2 classes/.test(s), 120_000, 100);
    await quiet(pty);
    const idle = await measure(pty, lag, () => sleep(3000));
    const before = tmux.capture(true);
    const j = await measure(pty, lag, async () => {
      tmux.keys(['j']);
      await tmux.waitFor((s) => s !== before, 5000, 20, true);
      await quiet(pty, 400);
    });
    tmux.keys(['M-t']);
    await tmux.waitFor((s) => /● embed/.test(s), 30_000, 50);
    const embedding = await measure(pty, lag, () => sleep(3000));
    await tmux.waitFor((s) => /epoch\s+loss/.test(s), 120_000, 50);
    const training = await measure(pty, lag, () => sleep(4000));
    tmux.keys(['M-s']);
    return { idle, j, embedding, training };
  } finally {
    pty.stop();
    tmux.kill();
  }
}

const kb = (b: number) => (b >= 10_000 ? `${(b / 1000).toFixed(0)} KB` : b >= 1000 ? `${(b / 1000).toFixed(1)} KB` : `${b} B`);
const perFrame = (w: Window) => (w.frames ? kb(Math.round(w.bytes / w.frames)) : '–');
const perSecond = (w: Window) => `${kb(Math.round((w.bytes * 1000) / w.ms))}/s`;
const frames = (n: number) => `${n} frame${n === 1 ? '' : 's'}`;

/** Prints the figures for both ways of drawing. */
export async function benchRenderBytes(data: string): Promise<void> {
  if (!hasScript()) {
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
