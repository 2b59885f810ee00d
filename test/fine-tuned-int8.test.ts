/**
 * A model fine-tuned from a quantized backbone predicts as it was trained: its frozen lower part in
 * int8 on ONNX Runtime (the very features its top learnt from), its trained top in float. So
 * `petlab evaluate` finds the accuracy the last fine-tuning epoch reported.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { MOBILENET_V2_TFLITE, skipUnless, tempDir } from './helpers/shared.js';
import { catsDogsSlice, isolatedEnv, runPetlab } from './helpers/cli.js';

const SKIP = { skip: skipUnless('cats-dogs', 'mobilenet-v2-tflite') };
const env = isolatedEnv();
const { data } = catsDogsSlice(400, 440, !!SKIP.skip);

test('fine-tuned from the uint8 TFLite: the saved backbone keeps its frozen part’s int8 grids, and evaluate reproduces the last epoch', SKIP, async (t) => {
  const out = path.join(tempDir(), 'model');
  const train = await runPetlab(
    [
      'train',
      '--data',
      data,
      '--backbone',
      MOBILENET_V2_TFLITE,
      '--out',
      out,
      '--epochs',
      '2',
      '--fine-tune',
      '2',
      '--unfreeze',
      '2',
      '--views',
      '2',
      '--json',
    ],
    { env },
  );
  assert.equal(train.code, 0, train.stderr);
  const last = train.events.filter((e) => e.type === 'epoch' && e.phase === 'fine-tune').at(-1) as { valAcc: number; valLoss: number };
  // the saved model's evaluation at the end of the run says how it computes
  assert.ok(
    train.events.some(
      (e) => e.type === 'info' && /\(fine-tuned\).*its frozen part runs in int8 as in training, its trained top in float/.test(String(e.message)),
    ),
    'the fine-tuned backbone says it runs its frozen part in int8',
  );

  const petlab = JSON.parse(readFileSync(path.join(out, 'backbone', 'model.json'), 'utf8')).userDefinedMetadata.petlab;
  assert.equal(petlab.activationRanges, undefined, 'the grids of the trained layers are gone');
  const frozen = Object.keys(petlab.frozenActivationRanges ?? {});
  assert.ok(frozen.includes('#input') && frozen.some((k) => k.includes('expanded_conv_1/')), `the lower part's grids: ${frozen.length}`);
  // --unfreeze 2: block 16 and the last conv train; the cut (block 15's add) stays float as in training
  assert.ok(frozen.includes('MobilenetV2/expanded_conv_15/project'));
  assert.ok(!frozen.some((k) => /expanded_conv_15\/add|expanded_conv_16\/|Conv_1\b/.test(k)), `no grid at the cut or above: ${frozen.slice(-3)}`);

  const { Session } = await import('../src/core/session.js');
  const { scanDataset } = await import('../src/core/data/scan.js');
  const session = await Session.open({
    backend: 'wasm',
    inference: 'onnxruntime',
    workers: 1,
    cacheDir: env.PETLAB_CACHE_DIR,
    resize: 'cover',
    embedBatchSize: 8,
  });
  try {
    await session.loadModel(out);
    assert.equal(session.backbone?.int8, true, 'the fine-tuned model runs its lower part in int8');
    const ds = await scanDataset(data, { valFraction: 0.2, seed: 42 });
    const ev = await session.evaluate(ds, 'val');
    const loss = -ev.labels.reduce((a, y, i) => a + Math.log(Math.max(1e-7, ev.probs[i * 2 + y])), 0) / ev.labels.length;
    t.diagnostic(`last epoch: acc ${last.valAcc}, loss ${last.valLoss}; evaluate: acc ${ev.metrics.accuracy}, loss ${loss}`);
    assert.equal(ev.metrics.accuracy, last.valAcc);
    // the epoch's features were stored as bfloat16: a rounding apart, not float's int8 gap
    assert.ok(Math.abs(loss - last.valLoss) < 0.02 * Math.max(0.05, last.valLoss), `loss ${loss} vs ${last.valLoss}`);
  } finally {
    await session.close();
  }
});
