import path from 'node:path';
import { benchFrozen } from './frozen.js';
import { spawnSync } from 'node:child_process';
import { benchFineTune } from './fine-tune.js';
import { benchFineTuneProfile } from './fine-tune-profile.js';
import { benchTflite } from './tflite.js';
import { benchActivations } from './activations.js';
import { benchReview } from './review.js';
import { benchAccuracy } from './accuracy.js';
import { benchFineTuneCv } from './fine-tune-cv.js';
import { heading, peakRssMb, SHARED } from './lib.js';
import { PROJECT_ROOT } from '../src/core/paths.js';
import { GC_FLAG, gcMode } from '../src/core/worker/gc-mode.js';

/** Sections that are scripts of their own run in a child process (their own timing, their own RSS). */
function script(title: string | undefined, file: string, args: string[] = []): void {
  if (title) heading(title);
  const r = spawnSync(
    process.execPath,
    [...process.execArgv.filter((a) => a === GC_FLAG), '--import', 'tsx', path.join(PROJECT_ROOT, 'bench', file), ...args],
    { stdio: 'inherit', env: { ...process.env, PETLAB_BENCH_CHILD: '1' } },
  );
  if (r.status !== 0) process.stdout.write(`  (${file} exited with ${r.status})\n`);
}
/** run as a section of a longer bench: the parent prints the collector and the total */
const CHILD = process.env.PETLAB_BENCH_CHILD === '1';
/**
 * `npm run bench` — figures, not assertions. `npm run bench -- frozen` runs one section.
 */
// options after the section names go to the sections that are scripts (startup: --runs N, --before DIR)
const firstOption = process.argv.findIndex((a, i) => i >= 2 && a.startsWith('--'));
const options = firstOption < 0 ? [] : process.argv.slice(firstOption);
const only = new Set(process.argv.slice(2, firstOption < 0 ? undefined : firstOption));
const SECTIONS = [
  'frozen',
  'accuracy',
  'fine-tune-cv',
  'tflite',
  'activations',
  'package',
  'startup',
  'pairs',
  'export',
  'gradients',
  'faults',
  'fine-tune-profile',
  'fine-tune',
  'review',
];
const unknown = [...only].filter((s) => !SECTIONS.includes(s));
if (options.includes('--help') || unknown.length) {
  if (unknown.length) process.stderr.write(`bench: no section ${unknown.join(', ')}\n`);
  process.stdout.write(
    `npm run bench [-- SECTION...] [--runs N] [--steps N]\nsections: ${SECTIONS.join(', ')} (gradients, faults and fine-tune-cv only when named)\n`,
  );
  process.exit(unknown.length ? 2 : 0);
}
// gradients (kernel timings) is long and for kernel work, faults are tests: only when asked
const want = (s: string) => (only.size === 0 ? s !== 'gradients' && s !== 'faults' : only.has(s));

const t0 = performance.now();
if (!CHILD) process.stdout.write(`V8 garbage collection: ${gcMode().note}\n`);
if (want('frozen')) {
  await benchFrozen({
    datasets: [
      { name: 'cats_and_dogs_filtered/train', dir: path.join(SHARED, 'data', 'cats_and_dogs_filtered', 'train') },
      { name: 'oxford-pets-partial', dir: path.join(SHARED, 'data', 'oxford-pets-partial') },
    ],
  });
}
if (want('accuracy')) {
  await benchAccuracy({
    datasets: [
      { name: 'oxford-pets-partial', dir: path.join(SHARED, 'data', 'oxford-pets-partial') },
      { name: 'cats_and_dogs_filtered/train', dir: path.join(SHARED, 'data', 'cats_and_dogs_filtered', 'train') },
    ],
  });
}
// fine-tuning under cross-validation: long (each fold fine-tunes anew), only when asked
if (only.has('fine-tune-cv')) {
  await benchFineTuneCv({
    datasets: [
      { name: 'oxford-pets-partial', dir: path.join(SHARED, 'data', 'oxford-pets-partial') },
      { name: 'cats_and_dogs_filtered/train', dir: path.join(SHARED, 'data', 'cats_and_dogs_filtered', 'train') },
    ],
  });
}
if (want('tflite')) await benchTflite();
if (want('activations')) await benchActivations();
if (want('package')) script('the npm package (what a user installs)', 'package.ts');
if (want('startup')) script('workbench start-up (petlab in a real terminal, tmux)', 'startup.ts', options);
if (want('pairs')) script('pairs (siamese head): one-shot recognition', 'pairs.ts');
if (want('export')) script('export: ONNX Runtime vs petlab predict', 'export.ts');
if (want('gradients')) script('wasm gradient kernels', 'wasm-gradients.ts');
// the fault suites (tests, counted): only when asked
if (want('faults')) script('faults: bad input and damaged files (test/faults-*.test.ts)', 'faults.ts');
if (want('fine-tune-profile')) {
  const num = (flag: string) => (options.includes(flag) ? Number(options[options.indexOf(flag) + 1]) : undefined);
  await benchFineTuneProfile({ steps: num('--steps'), workers: num('--workers') });
}
// the peak RSS is the process's: after other sections it would be theirs, so then fine-tune runs in a process of its own
if (want('fine-tune') && only.size !== 1) script(undefined, 'run.ts', ['fine-tune']);
else if (want('fine-tune')) {
  await benchFineTune({
    datasets: [
      { name: 'cats_and_dogs_filtered/train', dir: path.join(SHARED, 'data', 'cats_and_dogs_filtered', 'train') },
      { name: 'oxford-pets-partial', dir: path.join(SHARED, 'data', 'oxford-pets-partial') },
    ],
  });
}
if (want('review')) {
  await benchReview({
    datasets: [
      { name: 'oxford-pets-partial', dir: path.join(SHARED, 'data', 'oxford-pets-partial') },
      { name: 'cats_and_dogs_filtered/train', dir: path.join(SHARED, 'data', 'cats_and_dogs_filtered', 'train') },
    ],
  });
}
if (!CHILD)
  process.stdout.write(
    `\nbench done in ${((performance.now() - t0) / 1000).toFixed(0)} s, peak RSS ${peakRssMb().toFixed(0)} MB in this process (the sections run apart print their own)\n`,
  );
