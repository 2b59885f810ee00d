/**
 * Issue 11.9 in a real terminal: the workbench sends the rows that changed, not the whole screen.
 * petlab runs under `script`, which logs every byte it writes to its terminal (counted outside
 * petlab); one `j` costs a few hundred bytes where a whole frame costs thousands, and the screen it
 * leaves is the one a whole repaint draws (forced by a resize there and back), styles included.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { CATS_DOGS, MOBILENET_V2_TFJS, skipUnless, tempDir } from './helpers/shared.js';
import { isolatedEnv, linkDataset, PETLAB_BIN } from './helpers/cli.js';
import { checkBoxes, hasTmux, Tmux } from './helpers/tmux.js';
import { hasScript, underScript, type PtyLogged } from './helpers/pty-log.js';

const statusLine = (screen: string) => screen.trimEnd().split('\n').at(-1) ?? '';

/** Wait until the log has not grown for `quietMs`: the workbench has nothing more to draw. Its size. */
async function quiet(pty: PtyLogged, quietMs = 600, timeoutMs = 30_000): Promise<number> {
  const t0 = performance.now();
  let size = pty.bytes();
  let since = performance.now();
  while (performance.now() - since < quietMs) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`still writing after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
    const now = pty.bytes();
    if (now !== size) [size, since] = [now, performance.now()];
  }
  return size;
}

/** The screen once it stops changing (two equal captures 150 ms apart), with styles. */
async function settled(tmux: Tmux): Promise<string> {
  let last = '';
  return (await tmux.waitFor((s) => (s === last ? true : ((last = s), false)), 10_000, 150, true)).screen;
}

test(
  'one j sends the changed rows only, and leaves the screen a whole repaint draws',
  {
    skip: !hasTmux()
      ? 'tmux is not installed (apt-get install tmux)'
      : !hasScript()
        ? 'script (util-linux) is not installed'
        : skipUnless('cats-dogs', 'mobilenet-v2-tfjs'),
    timeout: 120_000,
  },
  async (t) => {
    const pick = (c: string) =>
      readdirSync(path.join(CATS_DOGS, c))
        .sort()
        .slice(0, 10)
        .map((f) => `${c}/${f}`);
    const data = linkDataset(CATS_DOGS, { cats: pick('cats'), dogs: pick('dogs') });
    const env = isolatedEnv();
    const dir = tempDir();
    const pty = underScript(`node ${PETLAB_BIN} --data ${data} --backbone ${MOBILENET_V2_TFJS}`, dir);
    const tmux = new Tmux(`petlab-frames-${process.pid}`);
    t.after(() => {
      pty.stop();
      tmux.kill();
    });
    tmux.start(120, 40, { ...env, NODE_OPTIONS: '' }, pty.command);
    await tmux.waitFor((s) => /· idle\s*$/.test(statusLine(s)) && /2 classes/.test(s) && /head_logits/.test(s), 90_000, 100);
    const before = await quiet(pty);
    const screenBefore = await settled(tmux);

    tmux.keys(['j']);
    await tmux.waitFor((s) => s !== screenBefore, 5000, 20, true);
    const bytes = (await quiet(pty)) - before;
    const afterJ = await settled(tmux);
    t.diagnostic(`one j: ${bytes} bytes to the terminal`);
    assert.ok(bytes > 0 && bytes < 2000, `one j sends the rows it changed, not the screen: ${bytes} bytes`);
    assert.deepEqual(checkBoxes(afterJ.replace(/\x1b\[[0-9;]*m/g, '')).problems, [], 'every pane box whole');

    // a resize there and back makes the workbench paint the whole screen: the same cells
    tmux.resize(119, 40);
    await tmux.waitFor((s) => s.split('\n')[0].length < 120, 5000, 20);
    tmux.resize(120, 40);
    await tmux.waitFor((s) => s.split('\n')[0].length === 120, 5000, 20);
    await quiet(pty);
    const whole = await settled(tmux);
    assert.equal(afterJ, whole, 'the screen after j is the screen painted whole');
    tmux.keys(['q']);
  },
);
