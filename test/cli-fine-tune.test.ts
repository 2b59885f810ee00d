import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CATS_DOGS, listData, MOBILENET_V2_TFJS, SAMPLE_PHOTOS, skipUnless, tempDir } from './helpers/shared.js';
import { isolatedEnv, linkDataset, runPetlab, watchPetlab } from './helpers/cli.js';

const cats = listData(path.join(CATS_DOGS, 'cats'))
  .slice(200, 232)
  .map((f) => `cats/${f}`);
const dogs = listData(path.join(CATS_DOGS, 'dogs'))
  .slice(200, 232)
  .map((f) => `dogs/${f}`);
const data = linkDataset(CATS_DOGS, { cats, dogs });
const env = isolatedEnv();
const out = path.join(tempDir(), 'model');
const TRAIN = [
  'train',
  '--data',
  data,
  '--backbone',
  MOBILENET_V2_TFJS,
  '--out',
  out,
  '--epochs',
  '3',
  '--fine-tune',
  '3',
  '--unfreeze',
  '2',
  '--views',
  '2',
  '--ft-batch',
  '8',
  '--micro-batch',
  '4',
  '--json',
];

test(
  'Ctrl-C in the middle of a fine-tuning epoch: out within 2 s, the checkpoint loads, --resume finishes the run',
  { skip: skipUnless('cats-dogs', 'mobilenet-v2-tfjs', 'sample-photos') },
  async () => {
    // 1. interrupt: SIGINT at the first batch of fine-tuning epoch 2, after its first checkpoint (an epoch
    // of this small run can take less than 0.3 s: a fixed delay could let the whole epoch end first)
    let sentAt = 0;
    const { code, stderr } = await watchPetlab(TRAIN, env, (e, child) => {
      if (e.type === 'batch' && e.phase === 'fine-tune' && e.epoch === 2 && !sentAt) {
        sentAt = Date.now();
        child.kill('SIGINT');
      }
    });
    assert.ok(sentAt > 0, `a fine-tuning checkpoint was reported (stderr: ${stderr})`);
    const exitMs = Date.now() - sentAt;
    assert.equal(code, 130, stderr);
    assert.ok(exitMs < 2000, `exited ${exitMs} ms after Ctrl-C`);

    const meta = JSON.parse(readFileSync(path.join(out, 'petlab.json'), 'utf8'));
    assert.equal(meta.complete, false);
    assert.equal(meta.backbone.fineTuned, true);
    const state = JSON.parse(readFileSync(path.join(out, 'state', 'state.json'), 'utf8'));
    assert.equal(state.phase, 'fine-tune');
    // stopped inside epoch 2 (or, at worst, inside epoch 3 if epoch 2 ended before the signal arrived)
    const doneEpochs = state.epoch as number;
    assert.ok(doneEpochs === 1 || doneEpochs === 2, `checkpoint of epoch ${doneEpochs}`);

    // 2. the checkpoint is a working model
    const pr = await runPetlab(['predict', '--model', out, path.join(SAMPLE_PHOTOS, 'cat_720p.jpg'), '--json'], { env });
    assert.equal(pr.code, 0, pr.stderr);
    const pres = pr.events.at(-1) as { tta: boolean; predictions: Array<{ top: Array<{ className: string }> }> };
    assert.equal(pres.predictions[0].top.length, 2);
    assert.equal(pres.tta, true, 'fine-tuned with flip TTA (the default), it predicts with it');

    // 3. resume: only the remaining fine-tuning epochs run, from epoch 2
    const resumed = await runPetlab(['train', '--out', out, '--resume', '--json'], { env });
    assert.equal(resumed.code, 0, resumed.stderr);
    const epochs = resumed.events.filter((e) => e.type === 'epoch');
    assert.deepEqual(
      epochs.map((e) => `${e.phase}:${e.epoch}`),
      doneEpochs === 1 ? ['fine-tune:2', 'fine-tune:3'] : ['fine-tune:3'],
    );
    const done = JSON.parse(readFileSync(path.join(out, 'petlab.json'), 'utf8'));
    assert.equal(done.complete, true);
    assert.equal(typeof done.metrics.accuracy, 'number');
    assert.equal(done.history.filter((h: { phase: string }) => h.phase === 'fine-tune').length, 3, 'the history has all three fine-tuning epochs');
    assert.equal(done.training.fineTune.tta, true);
    assert.equal(done.metrics.tta, true, 'its validation figure is with flip TTA');
  },
);

test(
  'data-parallel fine-tuning (2 workers) computes exactly what one worker computes',
  { skip: skipUnless('cats-dogs', 'mobilenet-v2-tfjs', 'sample-photos') },
  async () => {
    // the first run above used both workers (the default on 2 cores); its epoch 1 is in the history
    const done = JSON.parse(readFileSync(path.join(out, 'petlab.json'), 'utf8'));
    const twoWorkers = done.history.find((h: { phase: string; epoch: number }) => h.phase === 'fine-tune' && h.epoch === 1);
    const single = path.join(tempDir(), 'single');
    const r = await runPetlab([...TRAIN.map((a) => (a === out ? single : a)), '--workers', '1'], { env });
    assert.equal(r.code, 0, r.stderr);
    const e1 = r.events.find((e) => e.type === 'epoch' && e.phase === 'fine-tune' && e.epoch === 1)!;
    assert.ok(Math.abs((e1.loss as number) - twoWorkers.loss) < 1e-6, `1 worker ${e1.loss} vs 2 workers ${twoWorkers.loss}`);
    assert.equal(e1.valAcc, twoWorkers.valAcc);
    // two workers evaluate half the validation batches each: the same probabilities, to the bit
    assert.equal(e1.valLoss, twoWorkers.valLoss);
  },
);

test('--tta and --no-tta together are refused before anything runs', async () => {
  const r = await runPetlab(['train', '--data', data, '--out', path.join(tempDir(), 'm'), '--fine-tune', '1', '--tta', '--no-tta'], { env });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /--tta and --no-tta contradict each other/);
});

test('--resume on a finished run, or where there is nothing, says so', { skip: skipUnless('cats-dogs', 'mobilenet-v2-tfjs', 'sample-photos') }, async () => {
  const r = await runPetlab(['train', '--out', out, '--resume'], { env });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /already complete/);
  const none = await runPetlab(['train', '--out', path.join(tempDir(), 'nothing'), '--resume'], { env });
  assert.equal(none.code, 1);
  assert.match(none.stderr, /nothing to resume/);
});
