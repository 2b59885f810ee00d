/**
 * Training into a folder that holds a finished model loses nothing: the new run checkpoints beside
 * it (core/model/run-folder.ts) and replaces the model only when it finishes. Ctrl-C or kill -9
 * meanwhile leave the model as it was; --resume finishes the run. A fresh run's stopped checkpoint
 * is named as such by predict. Driven through the CLI, as a user meets it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MOBILENET_V2_TFJS, skipUnless, tempDir } from './helpers/shared.js';
import { catsDogsSlice, isolatedEnv, runPetlab, watchPetlab } from './helpers/cli.js';
import { digest } from './helpers/model-digest.js';
import { quickFineTuneOptions } from './helpers/fine-tune-options.js';
import { cleanupDeadTemps, inProgressDirFor } from '../src/core/io/output-dir.js';
import { modelFolderState, stoppedRunIn, stoppedRunNote } from '../src/core/model/run-folder.js';
import { reportStopped } from '../src/cli/commands/train-notes.js';

const env = isolatedEnv();
const SKIP = { skip: skipUnless('cats-dogs', 'mobilenet-v2-tfjs') };
// without the test data (a fresh clone) the data tests skip, named; the others still run
const { data, pick } = catsDogsSlice(300, 316, !!SKIP.skip);
const photos = SKIP.skip ? [] : [path.join(data, pick('cats')[0]), path.join(data, pick('dogs')[0])];
const out = path.join(tempDir('petlab-keep-'), 'model');
const work = inProgressDirFor(out);

const train = (dir: string, ...extra: string[]) => ['train', '--data', data, '--backbone', MOBILENET_V2_TFJS, '--out', dir, '--no-refit', ...extra, '--json'];

/** Run until the first event `when` picks, then send the signal. */
async function stopAt(args: string[], signal: NodeJS.Signals, when: (e: Record<string, unknown>) => boolean) {
  let sent = false;
  const r = await watchPetlab(args, env, (e, child) => {
    if (!sent && when(e)) {
      sent = true;
      child.kill(signal);
    }
  });
  assert.ok(sent, `the run reached the point to stop at: ${r.stderr}`);
  return r;
}

/** What a user sees from `petlab predict` (the class bars on stdout, notes on stderr). */
async function predict(dir: string) {
  const r = await runPetlab(['predict', '--model', dir, ...photos], { env });
  assert.equal(r.code, 0, r.stderr);
  return r;
}

const meta = (dir: string) => JSON.parse(readFileSync(path.join(dir, 'petlab.json'), 'utf8')) as Record<string, unknown>;

test('a finished model in --out: Ctrl-C in a new run into it leaves it as it was; --resume finishes the run and replaces it', SKIP, async () => {
  const first = await runPetlab(train(out, '--epochs', '3'), { env });
  assert.equal(first.code, 0, first.stderr);
  const before = digest(out);
  const predicted = await predict(out);

  const stopped = await stopAt(train(out, '--epochs', '100'), 'SIGINT', (e) => e.type === 'checkpoint');
  assert.equal(stopped.code, 130, stopped.stderr);
  const result = stopped.events.at(-1)!;
  assert.deepEqual({ ...result, epochsDone: 0 }, { type: 'result', command: 'train', stopped: true, modelDir: out, checkpointDir: work, epochsDone: 0 });
  assert.ok((result.epochsDone as number) >= 1 && (result.epochsDone as number) < 100, `stopped mid-run (${String(result.epochsDone)})`);
  assert.deepEqual(digest(out), before, 'the finished model is untouched');
  const after = await predict(out);
  assert.equal(after.stdout, predicted.stdout, 'it predicts as before');
  assert.doesNotMatch(after.stderr, /stopped run/, 'and is not a stopped run');

  const resumed = await runPetlab(['train', '--out', out, '--resume', '--json'], { env });
  assert.equal(resumed.code, 0, resumed.stderr);
  const epochs = resumed.events.filter((e) => e.type === 'epoch').map((e) => e.epoch as number);
  assert.equal(epochs[0], (result.epochsDone as number) + 1, 'continued from the checkpoint, not from the start');
  assert.equal(epochs.at(-1), 100);
  assert.deepEqual([meta(out).complete, meta(out).epochsDone], [true, 100], 'the finished run replaced the model');
  assert.ok(!existsSync(work), 'its checkpoint folder is gone');
});

test('a fresh run stopped after an epoch: predict says the model is a stopped run and how to finish it', SKIP, async () => {
  const fresh = path.join(tempDir('petlab-keep-'), 'fresh');
  const stopped = await stopAt(train(fresh, '--epochs', '100'), 'SIGINT', (e) => e.type === 'checkpoint');
  assert.equal(stopped.code, 130, stopped.stderr);
  const done = stopped.events.at(-1)!.epochsDone as number;
  assert.deepEqual(
    stopped.events.at(-1),
    { type: 'result', command: 'train', stopped: true, modelDir: fresh, epochsDone: done },
    "today's result: the checkpoint is in --out",
  );
  const p = await predict(fresh);
  assert.ok(p.stderr.includes(`note: ${fresh} is a stopped run (epoch ${done} of 100); \`petlab train --out ${fresh} --resume\` finishes it`), p.stderr);
});

test('kill -9 while fine-tuning a new run into a finished model: the model is untouched; --resume fine-tunes and replaces it', SKIP, async () => {
  const before = digest(out);
  const ft = train(out, '--epochs', '3', '--fine-tune', '1', '--unfreeze', '1', '--views', '1', '--ft-batch', '8', '--micro-batch', '4');
  const killed = await stopAt(ft, 'SIGKILL', (e) => e.type === 'phase' && e.phase === 'fine-tune');
  assert.equal(killed.signal, 'SIGKILL', killed.stderr);
  assert.deepEqual(digest(out), before, 'the finished model is untouched (the first test saw such a one predict as before)');
  assert.equal(meta(work).complete, true, 'the frozen phase of the killed run is kept beside it');

  const resumed = await runPetlab(['train', '--out', out, '--resume', '--json'], { env });
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.deepEqual(
    resumed.events.filter((e) => e.type === 'epoch').map((e) => `${e.phase}:${e.epoch}`),
    ['fine-tune:1'],
  );
  const m = meta(out) as { complete: boolean; backbone: { fineTuned: boolean } };
  assert.deepEqual([m.complete, m.backbone.fineTuned], [true, true]);
  assert.deepEqual(readdirSync(path.dirname(out)), ['model'], 'no checkpoint folder, temp or lock left');
});

test('--resume of a run that finished beside --out but was killed before replacing the model: it replaces it now', async () => {
  const dir = path.join(tempDir('petlab-keep-'), 'm');
  const inProgress = inProgressDirFor(dir);
  mkdirSync(dir);
  writeFileSync(
    path.join(dir, 'petlab.json'),
    JSON.stringify({ format: 'petlab-model', classes: ['a'], training: {}, backbone: {}, complete: true, note: 'old' }),
  );
  cpSync(dir, inProgress, { recursive: true });
  writeFileSync(path.join(inProgress, 'petlab.json'), JSON.stringify({ ...meta(dir), note: 'new' }));
  const r = await runPetlab(['train', '--out', dir, '--resume'], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /had finished: it now replaces the model in /);
  assert.equal(meta(dir).note, 'new');
  assert.ok(!existsSync(inProgress));
});

test('core: the stop message and the stopped-run note say what the folders hold', async () => {
  const lines: string[] = [];
  const results: unknown[] = [];
  const r = { note: (l: string) => lines.push(l), result: (x: unknown) => results.push(x) } as never;
  assert.equal(reportStopped(r, { out: '/m', checkpointDir: '/.m.in-progress', phase: 'head', epochsDone: 1, epochs: 5 }), 130);
  assert.equal(
    lines.at(-1),
    'stopped after epoch 1 of 5: /m still holds the previous complete model; the checkpoint is kept for --resume (in /.m.in-progress)',
  );
  reportStopped(r, { out: '/m', phase: 'head', epochsDone: 1, epochs: 5 });
  assert.equal(lines.at(-1), 'stopped: /m holds the model after epoch 1; continue with --resume');
  assert.equal(
    stoppedRunNote('/x/.m.in-progress', { phase: 'fine-tune', epochsDone: 2, epochs: 3 }),
    'note: /x/.m.in-progress is a stopped run (fine-tuning epoch 2 of 3); `petlab train --out /x/m --resume` finishes it',
  );
  // a checkpoint of the frozen phase, a finished model
  const dir = tempDir();
  const write = (m: Record<string, unknown>, state?: Record<string, unknown>) => {
    writeFileSync(path.join(dir, 'petlab.json'), JSON.stringify({ format: 'petlab-model', classes: ['a'], backbone: {}, training: { epochs: 5 }, ...m }));
    mkdirSync(path.join(dir, 'state'), { recursive: true });
    writeFileSync(path.join(dir, 'state', 'state.json'), JSON.stringify(state ?? {}));
  };
  write({ complete: false }, { phase: 'train', epoch: 1 });
  assert.deepEqual(await stoppedRunIn(dir), { phase: 'head', epochsDone: 1, epochs: 5 });
  write({ complete: true });
  assert.equal(await stoppedRunIn(dir), undefined);
  // the frozen phase saved as finished, fine-tuning not begun: what predict, eval and the workbench say
  write({ complete: true, training: { epochs: 5, fineTune: { epochs: 1 } } });
  assert.deepEqual((await modelFolderState(dir)).notes, [
    `note: ${dir} is a stopped run (after the frozen phase, before fine-tuning); \`petlab train --out ${dir} --resume\` finishes it`,
  ]);
});

test('core: a kill between the two renames that replace a model from its in-progress folder is undone on the next run', async () => {
  const parent = tempDir();
  const dir = path.join(parent, 'm');
  // the old in-progress folder moved aside by a dead run, its replacement never renamed in
  const aside = path.join(parent, '..m.in-progress.tmp-999999999-abcd.old');
  mkdirSync(aside);
  writeFileSync(path.join(aside, 'petlab.json'), '{}');
  await cleanupDeadTemps(dir);
  assert.deepEqual(readdirSync(parent), ['.m.in-progress']);
});

test('core: the workbench fine-tunes a finished model beside it; stopped, the model is as it was; resumed, the fine-tuned one replaces it', SKIP, async () => {
  const { Session } = await import('../src/core/session.js');
  const { runFineTune } = await import('../src/core/fine-tune-run.js');
  const { scanDataset } = await import('../src/core/data/scan.js');
  const { parseUnfreeze } = await import('../src/core/backbones/segments.js');
  const dir = path.join(tempDir('petlab-keep-'), 'head');
  const trained = await runPetlab(train(dir, '--epochs', '2'), { env });
  assert.equal(trained.code, 0, trained.stderr);
  const before = digest(dir);
  const session = await Session.open({
    backend: 'wasm',
    workers: 1,
    cacheDir: env.PETLAB_CACHE_DIR,
    resize: 'cover',
    embedBatchSize: 8,
    onEvent: (e) => e.type === 'checkpoint' && session.stop(),
  });
  try {
    await session.loadModel(dir);
    const ds = await scanDataset(data, { valFraction: 0.2, seed: 42 });
    const req = {
      dataset: ds,
      out: dir,
      unfreeze: parseUnfreeze('1'),
      views: 1,
      tta: false,
      options: quickFineTuneOptions({ epochs: 2, learningRate: 3e-4, dropout: 0.2 }),
    };
    const stopped = await runFineTune(session, { ...req, resume: false });
    assert.equal(stopped.stopped, true);
    assert.equal(stopped.checkpointDir, inProgressDirFor(dir));
    assert.deepEqual(digest(dir), before, 'the finished model is untouched');
    session.resetStop();
    const done = await runFineTune(session, { ...req, resume: true });
    assert.equal(done.stopped, false);
    assert.deepEqual(
      done.history.map((h) => h.epoch),
      [2],
      'resumed at epoch 2',
    );
    const m = meta(dir) as { complete: boolean; backbone: { fineTuned: boolean } };
    assert.deepEqual([m.complete, m.backbone.fineTuned], [true, true]);
    assert.equal(session.model?.dir, dir);
    assert.ok(!existsSync(inProgressDirFor(dir)));
  } finally {
    await session.close();
  }
});

test('core: a folder of the user that bears the in-progress name is refused, never deleted', async () => {
  const { checkpointDirFor } = await import('../src/core/model/run-folder.js');
  const dir = path.join(tempDir('petlab-keep-'), 'm');
  mkdirSync(inProgressDirFor(dir));
  writeFileSync(path.join(inProgressDirFor(dir), 'notes.txt'), 'mine');
  await assert.rejects(checkpointDirFor(dir), /not empty and not a petlab model \(it holds notes\.txt\)/);
  assert.equal(readFileSync(path.join(inProgressDirFor(dir), 'notes.txt'), 'utf8'), 'mine');
});
