/**
 * Start-up of the workbench: milliseconds from launching `petlab --data DIR --backbone PATH` in a
 * real terminal (tmux, 120x40) to
 *  - the first frame: the four panes on the screen (drawn before Ink, React and TensorFlow load);
 *  - the interactive frame: Ink's workbench with its status bar of keys (TensorFlow still loading);
 *  - a key answered: `?` sent the moment the status bar shows, until its help is on the screen;
 *  - TensorFlow ready: backbone loaded, status "idle".
 * Each started two ways: `node bin/petlab.js` and `npx petlab` (in the checkout, as the README says).
 * --before DIR: also `node DIR/bin/petlab.js` (a built checkout of an earlier commit), its runs taken
 * in turn with this one's, so both figures come from the same minutes of a shared machine. Then the
 * bytes written to the terminal idle, while training and for one `j` (render-bytes.ts).
 *
 *   npx tsx bench/startup.ts [--runs 5] [--before DIR]
 *
 * Goals: first frame under 250 ms, interactive (key answered) within 500 ms.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from '../src/core/paths.js';
import { isolatedEnv, linkDataset, PETLAB_BIN } from '../test/helpers/cli.js';
import { CATS_DOGS, MOBILENET_V2_TFJS, tempDir } from '../test/helpers/shared.js';
import { hasTmux, Tmux } from '../test/helpers/tmux.js';
import { benchRenderBytes } from './render-bytes.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, before: { type: 'string' } } });
const runs = Number(values.runs);

if (!hasTmux()) {
  console.error('bench/startup: tmux is needed (apt-get install tmux)');
  process.exit(2);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (xs: number[]) => xs.map((x) => Math.round(x)).join(', ');

interface Way {
  label: string;
  launch: (args: string) => string;
}
interface Times {
  firstFrame: number[];
  interactive: number[];
  keyAnswered: number[];
  tfReady: number[];
}

/** One start: first frame, interactive frame, first key answered and TensorFlow ready (ms). */
async function oneStart(way: Way, data: string, env: Record<string, string>, t: Times): Promise<void> {
  const tmux = new Tmux();
  try {
    const t0 = performance.now();
    tmux.start(120, 40, { ...env, NODE_OPTIONS: '' }, way.launch(`--data ${data} --backbone ${MOBILENET_V2_TFJS}`));
    await tmux.waitFor((s) => /1 Dataset/.test(s) && /4 Predictions/.test(s), 20_000, 5);
    t.firstFrame.push(performance.now() - t0);
    await tmux.waitFor((s) => /alt\+t train/.test(s), 20_000, 5);
    t.interactive.push(performance.now() - t0);
    tmux.keys(['?']);
    await tmux.waitFor((s) => /petlab keys/.test(s), 20_000, 5); // the help has opened: the key was answered
    t.keyAnswered.push(performance.now() - t0);
    tmux.keys(['?']);
    await tmux.waitFor((s) => /· idle\s*$/.test(s.trimEnd().split('\n').at(-1) ?? ''), 120_000, 50);
    t.tfReady.push(performance.now() - t0);
    tmux.keys(['q']);
    await new Promise((r) => setTimeout(r, 500));
  } finally {
    tmux.kill();
  }
}

/** `runs` starts of each way, taken in turn (the same minutes of the machine for each), then each way's figures. */
async function startupTimes(
  ways: Way[],
  data: string,
  env: Record<string, string>,
): Promise<Array<{ label: string; firstFrame: number; keyAnswered: number }>> {
  const times = ways.map((): Times => ({ firstFrame: [], interactive: [], keyAnswered: [], tfReady: [] }));
  for (let i = 0; i < runs; i++) for (const [w, way] of ways.entries()) await oneStart(way, data, env, times[w]);
  return ways.map((way, w) => {
    const t = times[w];
    console.log(`${way.label}:`);
    console.log(`  first frame: median ${Math.round(median(t.firstFrame))} ms (runs: ${fmt(t.firstFrame)})`);
    console.log(`  interactive frame: median ${Math.round(median(t.interactive))} ms (runs: ${fmt(t.interactive)})`);
    console.log(`  key answered (? at the status bar → help): median ${Math.round(median(t.keyAnswered))} ms (runs: ${fmt(t.keyAnswered)})`);
    console.log(`  TensorFlow ready (backbone loaded): median ${Math.round(median(t.tfReady))} ms (runs: ${fmt(t.tfReady)})`);
    return { label: way.label, firstFrame: median(t.firstFrame), keyAnswered: median(t.keyAnswered) };
  });
}

const pick = (c: string) =>
  readdirSync(path.join(CATS_DOGS, c))
    .sort()
    .slice(0, 20)
    .map((f) => `${c}/${f}`);
const data = linkDataset(CATS_DOGS, { cats: pick('cats'), dogs: pick('dogs') });
const env = isolatedEnv();
const cwd = tempDir();
const node: Way = { label: 'node bin/petlab.js', launch: (args) => `cd ${cwd} && exec node ${PETLAB_BIN} ${args}` };
const before: Way[] = values.before
  ? [
      {
        label: `before: node ${path.join(values.before, 'bin', 'petlab.js')}`,
        launch: (args) => `cd ${cwd} && exec node ${path.join(path.resolve(values.before!), 'bin', 'petlab.js')} ${args}`,
      },
    ]
  : [];
const results = await startupTimes([...before, node], data, env);
// npx links the checkout into npm's npx cache on its first run (once, slow): not what is measured
spawnSync('npx', ['petlab', '--version'], { cwd: PROJECT_ROOT, stdio: 'ignore' });
results.push(
  ...(await startupTimes([{ label: 'npx petlab (in the checkout)', launch: (args) => `cd ${PROJECT_ROOT} && exec npx petlab ${args}` }], data, env)),
);
console.log(`load average while measuring: ${os.loadavg()[0].toFixed(2)} on ${os.availableParallelism()} cores`);
for (const r of results) {
  console.log(r.firstFrame < 250 ? `ok: first frame under 250 ms (${r.label})` : `SLOW: first frame ${Math.round(r.firstFrame)} ms (goal 250; ${r.label})`);
  console.log(r.keyAnswered < 500 ? `ok: interactive within 500 ms (${r.label})` : `SLOW: interactive ${Math.round(r.keyAnswered)} ms (goal 500; ${r.label})`);
}
await benchRenderBytes(data);
