/**
 * Corruption faults (issue 10, section 3): damaged caches and models are detected, never used
 * silently. Real pictures and weights from ../shared; the damage is done by the test.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { CATS_DOGS, MOBILENET_V2_TFJS, MOBILENET_V2_TFLITE, SAMPLE_PHOTOS, SHARED, tempDir, skipUnless, listData } from './helpers/shared.js';
import { isolatedEnv, linkDataset, runPetlab } from './helpers/cli.js';
import { faultCase } from './helpers/faults.js';

const cats = listData(path.join(CATS_DOGS, 'cats')).sort();
const dogs = listData(path.join(CATS_DOGS, 'dogs')).sort();

type Result = { metrics: { accuracy: number; loss: number }; embed: { cacheHits: number; computed: number }; skipped: Array<{ file: string; reason: string }> };
const resultOf = (r: { events: Array<Record<string, unknown>> }) => r.events.at(-1) as unknown as Result;
const warnings = (r: { events: Array<Record<string, unknown>> }) => r.events.filter((e) => e.type === 'warning').map((e) => String(e.message));

test(
  'embedding cache: NaN, random floats, swapped keys and a flipped status byte are detected and recomputed',
  { skip: skipUnless('cats-dogs', 'mobilenet-v2-tfjs') },
  async () => {
    const env = isolatedEnv();
    const data = linkDataset(CATS_DOGS, { cats: cats.slice(0, 16).map((f) => `cats/${f}`), dogs: dogs.slice(0, 16).map((f) => `dogs/${f}`) });
    // a picture that cannot be decoded (truncated JPEG), remembered as such with its real reason
    const broken = path.join(data, 'cats', 'broken.jpg');
    writeFileSync(broken, readFileSync(path.join(CATS_DOGS, 'cats', cats[20])).subarray(0, 300));
    const args = ['train', '--data', data, '--backbone', MOBILENET_V2_TFJS, '--out', path.join(tempDir(), 'm'), '--epochs', '6', '--json'];
    const first = await runPetlab(args, { env });
    assert.equal(first.code, 0, first.stderr);
    const r1 = resultOf(first);
    assert.equal(r1.embed.computed, 64, '32 pictures and their mirror images');
    const reason = r1.skipped.find((s) => s.file === broken)?.reason;
    assert.ok(reason, 'the broken picture is skipped');

    const dir = path.join(env.PETLAB_CACHE_DIR, 'embeddings');
    const file = path.join(
      dir,
      readdirSync(dir).find((f) => f.endsWith('.bin'))!,
    );
    const buf = readFileSync(file);
    const REC = 32 + 1 + 1280 * 4 + 4;
    assert.equal((buf.length - 12) % REC, 0, 'whole records');
    // the first five records of embeddings (status 1), not the broken picture's
    const good = Array.from({ length: (buf.length - 12) / REC }, (_, i) => i).filter((i) => buf[12 + i * REC + 32] === 1);
    const at = (i: number) => 12 + good[i] * REC;

    await faultCase('embedding cache: NaN, random floats, swapped keys, flipped status byte', async () => {
      const bad = Buffer.from(buf);
      bad.writeFloatLE(NaN, at(0) + 33 + 4 * 7); // NaN in record 0
      for (let j = 0; j < 1280; j++) bad.writeFloatLE(Math.random() * 10, at(1) + 33 + 4 * j); // random floats
      const k2 = Buffer.from(bad.subarray(at(2), at(2) + 32));
      bad.copy(bad, at(2), at(3), at(3) + 32); // swapped keys of records 2 and 3
      k2.copy(bad, at(3));
      bad[at(4) + 32] ^= 1; // one flipped status byte: must not blacklist a good picture
      writeFileSync(file, bad);
      const again = await runPetlab(args, { env });
      assert.equal(again.code, 0, again.stderr);
      const r2 = resultOf(again);
      assert.equal(r2.embed.computed, 5, 'the five damaged records are recomputed');
      assert.equal(r2.embed.cacheHits, 59, 'the other rows (32 pictures and their mirror images) are read back');
      assert.ok(
        warnings(again).some((w) => /5 damaged records .* dropped/.test(w)),
        warnings(again).join('\n'),
      );
      assert.equal(r2.metrics.accuracy, r1.metrics.accuracy, 'same result as with a sound cache');
      assert.equal(r2.metrics.loss, r1.metrics.loss);
      assert.deepEqual(
        r2.skipped.map((s) => s.file),
        [broken],
        'only the really broken picture is skipped',
      );
      assert.ok(r2.skipped[0].reason.startsWith(reason!), `real reason kept: ${r2.skipped[0].reason}`);
      assert.match(r2.skipped[0].reason, /remembered/);
    });

    await faultCase('embedding cache: a remembered bad picture is tried again once the file changes', async () => {
      copyFileSync(path.join(CATS_DOGS, 'cats', cats[20]), broken);
      const fixed = await runPetlab(args, { env });
      assert.equal(fixed.code, 0, fixed.stderr);
      const r3 = resultOf(fixed);
      assert.equal(r3.skipped.length, 0, 'the repaired picture is used');
      assert.equal(r3.embed.computed, 2, 'the picture and its mirror image');
      assert.equal(warnings(fixed).filter((w) => /damaged/.test(w)).length, 0, 'the damage was repaired: no warning the next time');
    });
  },
);

test(
  'converted-backbone cache and saved model: scrambled, truncated, NaN and swapped files are named, never used',
  { skip: skipUnless('cats-dogs', 'mobilenet-v2-tflite', 'sample-photos') },
  async () => {
    const env = isolatedEnv();
    const work = tempDir();
    const bb = path.join(work, 'bb.tflite');
    copyFileSync(MOBILENET_V2_TFLITE, bb);
    const data = linkDataset(CATS_DOGS, { cats: cats.slice(0, 10).map((f) => `cats/${f}`), dogs: dogs.slice(0, 10).map((f) => `dogs/${f}`) });
    const model = path.join(work, 'model');
    const train = await runPetlab(['train', '--data', data, '--backbone', bb, '--out', model, '--epochs', '4', '--json'], { env });
    assert.equal(train.code, 0, train.stderr);
    const photo = path.join(SAMPLE_PHOTOS, 'cat_720p.jpg');
    const predict = (m: string) => runPetlab(['predict', '--model', m, photo, '--json'], { env });
    const top = (r: { events: Array<Record<string, unknown>> }) =>
      (r.events.at(-1) as { predictions: Array<{ top: Array<{ className: string; probability: number }> }> }).predictions[0].top[0];
    const p0 = await predict(model);
    assert.equal(p0.code, 0, p0.stderr);
    const t0 = top(p0);

    await faultCase('converted-backbone cache: a scrambled weights file of the same size is rebuilt', async () => {
      const conv = path.join(env.PETLAB_CACHE_DIR, 'converted');
      const weights = path.join(conv, readdirSync(conv)[0], 'weights.bin');
      const w = readFileSync(weights);
      writeFileSync(weights, Buffer.concat([w.subarray(w.length >> 1), w.subarray(0, w.length >> 1)]));
      // the embedding cache would hide the damage: predict a picture it has not seen
      const fresh = path.join(work, 'fresh.jpg');
      copyFileSync(photo, fresh);
      writeFileSync(fresh, Buffer.concat([readFileSync(photo), Buffer.from([0])]));
      const r = await runPetlab(['predict', '--model', model, fresh, '--json'], { env });
      assert.equal(r.code, 0, r.stderr);
      assert.ok(
        warnings(r).some((m) => /damaged .* converted it again/.test(m)),
        warnings(r).join('\n'),
      );
      const t = top(r);
      assert.equal(t.className, t0.className);
      assert.ok(Math.abs(t.probability - t0.probability) < 0.02, `${t.probability} vs ${t0.probability}`);
    });

    const copyModel = (name: string) => {
      const dst = path.join(work, name);
      cpSync(model, dst, { recursive: true });
      return dst;
    };
    await faultCase('saved model: truncated head weights are called truncated', async () => {
      const m = copyModel('truncated');
      const f = path.join(m, 'head', 'weights.bin');
      writeFileSync(f, readFileSync(f).subarray(0, 1000));
      const r = await predict(m);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /damaged: head\/weights\.bin has 1000 bytes, \d+ were saved \(truncated\?\)/);
      assert.doesNotMatch(r.stderr, /layer type/);
    });
    await faultCase('saved model: scrambled head weights of the same size fail their checksum', async () => {
      const m = copyModel('scrambled');
      const f = path.join(m, 'head', 'weights.bin');
      const w = readFileSync(f);
      w.reverse();
      writeFileSync(f, w);
      const r = await predict(m);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /head\/weights\.bin does not match the checksum saved with it/);
    });
    await faultCase('saved model: NaN weights (digests made to match) stop with a clear message, not 50%', async () => {
      const m = copyModel('nan');
      const f = path.join(m, 'head', 'weights.bin');
      const w = readFileSync(f);
      for (let i = 0; i < w.length; i += 4) w.writeFloatLE(NaN, i);
      writeFileSync(f, w);
      const meta = JSON.parse(readFileSync(path.join(m, 'petlab.json'), 'utf8'));
      meta.files['head/weights.bin'].sha256 = createHash('sha256').update(w).digest('hex');
      writeFileSync(path.join(m, 'petlab.json'), JSON.stringify(meta));
      const r = await predict(m);
      assert.equal(r.code, 1, r.stdout);
      assert.match(r.stderr, /NaN or infinite weights/);
      const ev = await runPetlab(['eval', '--model', m, '--data', data], { env });
      assert.equal(ev.code, 1);
      assert.doesNotMatch(ev.stdout, /50\.00%/);
    });
    await faultCase('saved model: a backbone swapped after training is named as such, not "fused away"', async () => {
      copyFileSync(path.join(SHARED, 'models', 'mobilenet_v1_0.75_192_quant', 'mobilenet_v1_0.75_192_quant.tflite'), bb);
      const r = await predict(model);
      assert.equal(r.code, 1, r.stdout);
      assert.match(r.stderr, /backbone .*bb\.tflite differs from the one the model in .* was trained with/);
      assert.doesNotMatch(r.stderr, /fused away/);
    });
  },
);

test('a NaN loss stops training with a clear message instead of "loss NaN" epochs', async () => {
  await faultCase('training: NaN in the features makes the loss NaN: stopped, named', async () => {
    const { trainHead } = await import('../src/core/train/head.js');
    const dim = 8;
    const x = new Float32Array(16 * dim).map((_, i) => Math.sin(i));
    x[5] = NaN;
    const y = Int32Array.from({ length: 16 }, (_, i) => i % 2);
    const opts = {
      numClasses: 2,
      hiddenUnits: 0,
      dropout: 0,
      epochs: 3,
      batchSize: 8,
      learningRate: 0.01,
      schedule: 'one-cycle' as const,
      weightDecay: 0,
      labelSmoothing: 0,
      seed: 1,
    };
    const epochs: unknown[] = [];
    const tf = await import('@tensorflow/tfjs');
    const before = tf.memory().numTensors;
    await assert.rejects(
      trainHead({ x, y, dim }, undefined, opts, { onEvent: (e) => e.type === 'epoch' && epochs.push(e) }),
      /training stopped: the loss is NaN at epoch 1, batch \d/,
    );
    assert.equal(epochs.length, 0, 'no epoch reported with a NaN loss');
    assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
  });
});
