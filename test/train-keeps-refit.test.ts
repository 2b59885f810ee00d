/**
 * A refit (train + validation, after the validated run) checkpoints beside the validated model
 * (.M.in-progress). Killed with kill -9, it is resumed as a refit: on every picture, marked
 * refitted, the validated model kept until it finishes. A new run into M says what it does with a
 * leftover beside it, and predict names one waiting there. Driven through the CLI, as a user meets it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MOBILENET_V2_TFJS, skipUnless, tempDir } from './helpers/shared.js';
import { catsDogsSlice, isolatedEnv, runPetlab, watchPetlab } from './helpers/cli.js';
import { digest } from './helpers/model-digest.js';
import { inProgressDirFor } from '../src/core/io/output-dir.js';
import { checkpointDirFor, modelFolderState } from '../src/core/model/run-folder.js';
import { noteReplacedRunBeside, resumedDataset } from '../src/cli/commands/train-resume.js';
import { datasetNote, resumeNote } from '../src/cli/commands/train-notes.js';

const env = isolatedEnv();
const SKIP = { skip: skipUnless('cats-dogs', 'mobilenet-v2-tfjs') };
// 16 pictures a class: a small dataset, which refits by default
const { data, pick } = catsDogsSlice(400, 416, !!SKIP.skip);
const photos = SKIP.skip ? [] : [path.join(data, pick('cats')[0])];

const meta = (dir: string) => JSON.parse(readFileSync(path.join(dir, 'petlab.json'), 'utf8')) as Record<string, any>;

/** kill -9 at the first checkpoint after the `nth` training phase began (2: the refit's, after the validated run's). */
async function killAtCheckpoint(args: string[], nth: number) {
  let phases = 0;
  let sent = false;
  const r = await watchPetlab(args, env, (e, child) => {
    if (e.type === 'phase' && e.phase === 'train') phases++;
    if (!sent && phases >= nth && e.type === 'checkpoint') {
      sent = true;
      child.kill('SIGKILL');
    }
  });
  assert.ok(sent, `the run reached the point to stop at: ${r.stderr}`);
  assert.equal(r.signal, 'SIGKILL', r.stderr);
  return r;
}

const epochsOf = (events: Array<Record<string, unknown>>) => events.filter((e) => e.type === 'epoch').map((e) => e.epoch as number);

test('kill -9 during the refit: M keeps the validated model; --resume finishes the refit on train + validation and marks it', SKIP, async () => {
  const out = path.join(tempDir('petlab-refit-kill-'), 'model');
  const work = inProgressDirFor(out);
  const killed = await killAtCheckpoint(['train', '--data', data, '--backbone', MOBILENET_V2_TFJS, '--out', out, '--epochs', '60', '--json'], 2);
  const phases = killed.events.filter((e) => e.type === 'phase' && e.phase === 'train').map((e) => String(e.message));
  assert.match(phases[1], /on 32 images.* \(0 for validation\)/, 'killed in the refit');
  const validated = meta(out);
  assert.equal(validated.training.refit, undefined, 'M holds the validated model, not refitted');
  assert.ok(validated.dataset.counts.val > 0);
  assert.equal(meta(work).training.refitting.epochs, 60, 'the checkpoint beside it says it is a refit');
  const before = digest(out);
  // predict and eval on M name the refit waiting beside it
  const done = JSON.parse(readFileSync(path.join(work, 'state', 'state.json'), 'utf8')).epoch as number;
  const note = `note: a refit on train + validation of ${out} stopped at epoch ${done} of 60 (.model.in-progress); \`petlab train --out ${out} --resume\` finishes it, ${out} is unchanged until then`;
  const p0 = await runPetlab(['predict', '--model', out, ...photos], { env });
  assert.equal(p0.code, 0, p0.stderr);
  assert.ok(p0.stderr.includes(note), p0.stderr);
  const e0 = await runPetlab(['eval', '--model', out, '--data', data], { env });
  assert.equal(e0.code, 0, e0.stderr);
  assert.ok(e0.stderr.includes(note), e0.stderr);

  // a copy of both folders: a new run (not --resume) into it says it discards the refit beside it
  const copy = path.join(tempDir('petlab-refit-copy-'), 'model');
  cpSync(out, copy, { recursive: true });
  cpSync(work, inProgressDirFor(copy), { recursive: true });
  const fresh = await runPetlab(['train', '--data', data, '--backbone', MOBILENET_V2_TFJS, '--out', copy, '--epochs', '2', '--no-refit'], { env });
  assert.equal(fresh.code, 0, fresh.stderr);
  const discarded = `a refit on train + validation of ${copy} stopped at epoch ${done} of 60 (.model.in-progress): discarded, this run starts anew`;
  assert.ok(fresh.stderr.includes(discarded), fresh.stderr);
  assert.deepEqual([meta(copy).epochsDone, existsSync(inProgressDirFor(copy))], [2, false], 'the new run replaced both');

  // killed again while resuming: M is still the validated model
  await killAtCheckpoint(['train', '--out', out, '--resume', '--json'], 1);
  assert.deepEqual(digest(out), before, 'the validated model is untouched');

  const resumed = await runPetlab(['train', '--out', out, '--resume', '--json'], { env });
  assert.equal(resumed.code, 0, resumed.stderr);
  const train = resumed.events.find((e) => e.type === 'phase' && e.phase === 'train');
  assert.match(String(train?.message), /on 32 images.* \(0 for validation\)/, 'trained on every picture');
  const epochs = epochsOf(resumed.events);
  assert.ok(epochs[0] > 1 && epochs.at(-1) === 60, `continued the refit to its end: ${epochs.join(',')}`);
  const refit = { refitted: true, trainedOn: 32, validated: { train: validated.dataset.counts.train, val: validated.dataset.counts.val }, epochs: 60 };
  assert.deepEqual(resumed.events.at(-1)?.refit, refit);
  assert.deepEqual(resumed.events.at(-1)?.metrics, validated.metrics, "the figures given are the validated run's");
  const m = meta(out);
  assert.deepEqual(m.training.refit, refit, 'marked refitted');
  assert.equal(m.training.refitting, undefined);
  assert.deepEqual(m.metrics, validated.metrics, "with the validated run's figures");
  assert.deepEqual([m.complete, m.dataset.counts.val], [true, 0]);
  assert.ok(!existsSync(work), 'its checkpoint folder is gone');
  const p = await runPetlab(['predict', '--model', out, ...photos, '--json'], { env });
  assert.equal(p.code, 0, p.stderr);
  assert.equal(p.events.at(-1)?.runBeside, undefined, 'and nothing waits beside it any more');
});

test('kill -9 as the refit begins fine-tuning: --resume fine-tunes it on every picture and marks it refitted', SKIP, async () => {
  const out = path.join(tempDir('petlab-refit-ft-'), 'model');
  const ft = ['--epochs', '3', '--fine-tune', '1', '--unfreeze', '1', '--views', '1', '--ft-batch', '8', '--micro-batch', '4'];
  let phases = 0;
  const killed = await watchPetlab(['train', '--data', data, '--backbone', MOBILENET_V2_TFJS, '--out', out, '--refit', ...ft, '--json'], env, (e, child) => {
    if (e.type === 'phase' && e.phase === 'fine-tune' && ++phases === 2) child.kill('SIGKILL');
  });
  assert.equal(killed.signal, 'SIGKILL', killed.stderr);
  const before = digest(out);
  const resumed = await runPetlab(['train', '--out', out, '--resume', '--json'], { env });
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.deepEqual(
    resumed.events.filter((e) => e.type === 'epoch').map((e) => `${e.phase}:${e.epoch}`),
    ['fine-tune:1'],
  );
  assert.match(String(resumed.events.find((e) => e.type === 'phase' && e.phase === 'fine-tune')?.message), / on 32 images/);
  const m = meta(out);
  assert.deepEqual(m.training.refit, { refitted: true, trainedOn: 32, validated: { train: 26, val: 6 }, epochs: 3, fineTuneEpochs: 1 });
  assert.deepEqual([m.backbone.fineTuned, m.dataset.counts.val], [true, 0]);
  assert.notDeepEqual(digest(out), before, 'the refitted model replaced the validated one');
});

/** A finished model in m, and beside it the checkpoint of an interrupted run (meta extra, state). */
function modelWithRunBeside(extra: Record<string, unknown>, state?: Record<string, unknown>) {
  const dir = path.join(tempDir('petlab-refit-'), 'm');
  const work = inProgressDirFor(dir);
  const write = (d: string, m: Record<string, unknown>) => {
    mkdirSync(path.join(d, 'state'), { recursive: true });
    writeFileSync(
      path.join(d, 'petlab.json'),
      JSON.stringify({ format: 'petlab-model', classes: ['a'], backbone: {}, training: { epochs: 5 }, complete: true, ...m }),
    );
    if (state && d === work) writeFileSync(path.join(d, 'state', 'state.json'), JSON.stringify(state));
  };
  write(dir, { note: 'old', metrics: { accuracy: 0.5 } });
  write(work, { note: 'new', ...extra });
  return { dir, work };
}

const plan = { trainedOn: 10, validated: { train: 8, val: 2 }, epochs: 5, metrics: { split: 'val', accuracy: 0.75 } };

test('--resume of a refit that finished beside M but was killed before replacing it: it replaces M, marked refitted', async () => {
  const { dir, work } = modelWithRunBeside({ training: { epochs: 5, refitting: plan } });
  const r = await runPetlab(['train', '--out', dir, '--resume'], { env });
  assert.equal(r.code, 0, r.stderr);
  const m = meta(dir);
  assert.equal(m.note, 'new');
  assert.deepEqual(m.training, { epochs: 5, refit: { refitted: true, trainedOn: 10, validated: { train: 8, val: 2 }, epochs: 5 } });
  assert.deepEqual(m.metrics, plan.metrics);
  assert.ok(!existsSync(work));
});

test('--resume of a refit killed after it replaced M but before marking it: it is marked refitted now', async () => {
  const { dir, work } = modelWithRunBeside({});
  rmSync(work, { recursive: true });
  writeFileSync(path.join(dir, 'petlab.json'), JSON.stringify({ ...meta(dir), training: { epochs: 5, refitting: plan } }));
  const r = await runPetlab(['train', '--out', dir, '--resume'], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /the refit in .* had finished: it is marked refitted now/);
  assert.deepEqual(meta(dir).training, { epochs: 5, refit: { refitted: true, trainedOn: 10, validated: { train: 8, val: 2 }, epochs: 5 } });
  const again = await runPetlab(['train', '--out', dir, '--resume'], { env });
  assert.match(again.stderr, /is already complete/);
});

test('a new run into M with a stopped run beside it says it discards it, and does', async () => {
  const lines: string[] = [];
  const r = { note: (l: string) => lines.push(l) } as never;
  const { dir, work } = modelWithRunBeside({ complete: false, training: { epochs: 5, refitting: plan } }, { phase: 'train', epoch: 2 });
  await noteReplacedRunBeside(r, dir);
  assert.deepEqual(lines, [
    `a refit on train + validation of ${dir} stopped at epoch 2 of 5 (.m.in-progress): discarded, this run starts anew (\`--resume\` would have finished it)`,
  ]);
  assert.equal(await checkpointDirFor(dir), work, 'the new run checkpoints beside the finished model');
  assert.ok(!existsSync(work), 'with nothing of the stopped run left there to resume by mistake');
  assert.equal(meta(dir).note, 'old', 'the finished model stays');

  const other = modelWithRunBeside({ training: { epochs: 5, fineTune: { epochs: 3 } } }, { phase: 'fine-tune', epoch: 1 });
  await noteReplacedRunBeside(r, other.dir);
  assert.match(lines.at(-1)!, /^a re-train of .*m stopped at fine-tuning epoch 1 of 3 \(\.m\.in-progress\): discarded/);
  const none = path.join(tempDir('petlab-refit-'), 'm');
  await noteReplacedRunBeside(r, none);
  assert.equal(lines.length, 2, 'nothing said when nothing is beside it');
});

test('the resume note of a refit says so, and what M keeps meanwhile', () => {
  assert.equal(
    resumeNote({ phase: 'head', epochsDone: 3 }, '/x/m', '/x/.m.in-progress', { refit: true }),
    'the refit on train + validation: resuming the frozen phase from /x/.m.in-progress (epoch 3 done); /x/m keeps its validated model until the run finishes',
  );
});

test("a resumed refit's dataset line says it trains on train + validation, none held out; a validated run's gives its split", () => {
  const items = Array.from({ length: 32 }, (_, i) => ({ file: `/d/${i}.jpg`, label: i % 2, split: i < 6 ? ('val' as const) : ('train' as const) }));
  const ds = {
    root: '/d',
    layout: 'class-folders' as const,
    classes: ['cats', 'dogs'],
    items,
    skipped: [],
    splitSource: 'seeded' as const,
    valFraction: 0.2,
    seed: 42,
  };
  assert.equal(
    datasetNote(resumedDataset(ds, { training: { refitting: plan } } as never), { refit: true }),
    'dataset: /d (class-folders): 2 classes, 32 train (refit on train + validation: none held out)',
  );
  assert.match(
    datasetNote(ds),
    /^dataset: \/d \(class-folders\): 2 classes, 26 train \/ 6 val \(seeded split \(seed 42\): 6 of 32 pictures \(19%\) held out for validation/,
  );
});

test('what predict and eval say of a model with a re-train beside it: stopped where, or finished but not swapped in', async () => {
  const stopped = modelWithRunBeside({ complete: false }, { phase: 'train', epoch: 1 });
  assert.deepEqual((await modelFolderState(stopped.dir)).notes, [
    `note: a re-train of ${stopped.dir} stopped at epoch 1 of 5 (.m.in-progress); \`petlab train --out ${stopped.dir} --resume\` finishes it, ${stopped.dir} is unchanged until then`,
  ]);
  // killed once its frozen phase was saved, before fine-tuning began (while computing the features)
  const frozen = modelWithRunBeside({ training: { epochs: 5, fineTune: { epochs: 1 } } });
  assert.deepEqual((await modelFolderState(frozen.dir)).notes, [
    `note: a re-train of ${frozen.dir} stopped after the frozen phase, before fine-tuning (.m.in-progress); \`petlab train --out ${frozen.dir} --resume\` finishes it, ${frozen.dir} is unchanged until then`,
  ]);
  const finished = modelWithRunBeside({});
  const f = await modelFolderState(finished.dir);
  assert.deepEqual(f.beside, { dir: finished.work, refit: false, stopped: undefined });
  assert.match(f.notes[0], /^note: a re-train of .*m finished but never replaced it \(\.m\.in-progress\); `petlab train --out .*m --resume` finishes it/);
  const alone = path.join(tempDir('petlab-refit-'), 'm');
  mkdirSync(alone);
  writeFileSync(path.join(alone, 'petlab.json'), JSON.stringify({ format: 'petlab-model', classes: ['a'], backbone: {}, training: {}, complete: true }));
  assert.deepEqual(await modelFolderState(alone), { notes: [] }, 'a model alone: nothing said');
  mkdirSync(inProgressDirFor(alone));
  writeFileSync(
    path.join(inProgressDirFor(alone), 'petlab.json'),
    JSON.stringify({ format: 'petlab-model', classes: ['a'], complete: true, training: { fineTune: { epochs: 2 } } }),
  );
  assert.deepEqual(await modelFolderState(alone), { notes: [] }, 'nor beside it a folder that cannot be read as a run');
});
