/**
 * The frozen backbone's inference on ONNX Runtime (worker/onnx-inference.ts) computes what
 * TensorFlow.js computes: the same embeddings and frozen-part features on real pictures, and after
 * fine-tuning in a session, predictions from the fine-tuned weights, never a stale copy. A forced
 * engine that does not load is an error; auto falls back and says why.
 */
import { test } from 'node:test';
import type * as TF from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import path from 'node:path';
import { MOBILENET_V2_TFJS, skipUnless, tempDir } from './helpers/shared.js';
import { catsDogsSlice, isolatedEnv, runPetlab } from './helpers/cli.js';
import { quickFineTuneOptions } from './helpers/fine-tune-options.js';

const env = isolatedEnv();
const SKIP = { skip: skipUnless('cats-dogs', 'mobilenet-v2-tfjs') };
const { data, pick } = catsDogsSlice(320, 332, !!SKIP.skip);
const photos = SKIP.skip ? [] : [...pick('cats').slice(0, 3), ...pick('dogs').slice(0, 3)].map((f) => path.join(data, f));

async function open(inference: 'onnxruntime' | 'tfjs', onEvent?: (e: { type: string; message?: string }) => void) {
  const { Session } = await import('../src/core/session.js');
  return Session.open({ backend: 'wasm', inference, workers: 1, cacheDir: env.PETLAB_CACHE_DIR, resize: 'cover', embedBatchSize: 8, onEvent });
}

/** Largest |a - b| over the largest |a|: float32 noise is ~1e-6, a wrong layer is ~1. */
function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let d = 0;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    m = Math.max(m, Math.abs(a[i]));
  }
  return d / m;
}

/** Embeddings (plain and mirror view) and the frozen part's features at the 30% cut, by one engine. */
async function outputs(inference: 'onnxruntime' | 'tfjs') {
  const { decodeImage } = await import('../src/core/images/decode.js');
  const { fromBf16 } = await import('../src/core/backbones/trainable.js');
  const { parseUnfreeze } = await import('../src/core/backbones/segments.js');
  const s = await open(inference);
  try {
    await s.useBackbone(MOBILENET_V2_TFJS);
    const plain = await s.embed(photos, { useCache: false });
    const flip = await s.embed(photos, { useCache: false, view: { kind: 'flip' } });
    const plan = await s.planUnfreeze(parseUnfreeze('30%'));
    const pixels = new Uint8Array(photos.length * 224 * 224 * 3);
    for (const [i, f] of photos.entries()) pixels.set((await decodeImage(f, [224, 224], 'cover')).data, i * 224 * 224 * 3);
    const cut = fromBf16(await s.pool.main.call('cutFeatures', { pixels, n: photos.length, cut: plan.cut }));
    return { plain: plain.vectors, flip: flip.vectors, cut, engine: s.pool.inferenceName };
  } finally {
    await s.close();
  }
}

test('ONNX Runtime gives the embeddings and frozen-part features TensorFlow.js gives, on real pictures', SKIP, async (t) => {
  const ort = await outputs('onnxruntime');
  const tfjs = await outputs('tfjs');
  assert.deepEqual([ort.engine, tfjs.engine], ['ONNX Runtime', 'wasm']);
  const d = { plain: relDiff(tfjs.plain, ort.plain), flip: relDiff(tfjs.flip, ort.flip), cut: relDiff(tfjs.cut, ort.cut) };
  t.diagnostic(
    `max |tfjs - ONNX Runtime| / max |tfjs|: embedding ${d.plain.toExponential(1)}, mirror ${d.flip.toExponential(1)}, cut features ${d.cut.toExponential(1)}`,
  );
  assert.ok(d.plain < 1e-4 && d.flip < 1e-4, `embeddings differ: ${JSON.stringify(d)}`);
  // bfloat16 rows: one rounding step (2^-8 relative) may fall either way
  assert.ok(d.cut < 1e-2, `cut features differ: ${d.cut}`);
  assert.ok(relDiff(tfjs.plain, tfjs.flip) > 1e-2, 'the mirror view is another picture');
});

test('after fine-tuning in a session, its embeddings (so its predictions) come from the fine-tuned backbone on ONNX Runtime', SKIP, async () => {
  const { runFineTune } = await import('../src/core/fine-tune-run.js');
  const { scanDataset } = await import('../src/core/data/scan.js');
  const { parseUnfreeze } = await import('../src/core/backbones/segments.js');
  const dir = path.join(tempDir('petlab-onnx-'), 'model');
  const trained = await runPetlab(['train', '--data', data, '--backbone', MOBILENET_V2_TFJS, '--out', dir, '--no-refit', '--epochs', '2', '--json'], { env });
  assert.equal(trained.code, 0, trained.stderr);
  const session = await open('onnxruntime');
  let before: Float32Array;
  let after: Float32Array;
  try {
    await session.loadModel(dir);
    before = (await session.embed(photos, { useCache: false })).vectors;
    const ds = await scanDataset(data, { valFraction: 0.2, seed: 42 });
    const res = await runFineTune(session, {
      dataset: ds,
      out: dir,
      unfreeze: parseUnfreeze('1'),
      views: 1,
      tta: false,
      options: quickFineTuneOptions({ epochs: 1, learningRate: 1e-2 }),
      resume: false,
    });
    assert.equal(res.stopped, false);
    after = (await session.embed(photos, { useCache: false })).vectors;
  } finally {
    await session.close();
  }
  // the saved fine-tuned model, read by a fresh session on TensorFlow.js alone
  const check = await open('tfjs');
  try {
    await check.loadModel(dir);
    const reference = (await check.embed(photos, { useCache: false })).vectors;
    assert.ok(relDiff(reference, after) < 1e-4, `the session embeds with the fine-tuned weights: ${relDiff(reference, after)}`);
    assert.ok(relDiff(reference, before) > 1e-3, `fine-tuning changed the embeddings: ${relDiff(reference, before)}`);
  } finally {
    await check.close();
  }
});

test('--inference onnxruntime that cannot load is an error; auto says why it runs the backbone on TensorFlow.js', async () => {
  const broken = { ...env, PETLAB_ONNXRUNTIME_MODULE: path.join(tempDir(), 'no-such-onnxruntime.js') };
  const forced = await runPetlab(['doctor', '--backend', 'cpu', '--workers', '1', '--inference', 'onnxruntime'], { env: broken });
  assert.notEqual(forced.code, 0);
  assert.match(forced.stdout + forced.stderr, /--inference onnxruntime: ONNX Runtime did not load/);
  const auto = await runPetlab(['doctor', '--backend', 'cpu', '--workers', '1'], { env: broken });
  assert.equal(auto.code, 0, auto.stderr);
  assert.match(auto.stdout, /inference\s+the backend; ONNX Runtime not available \(Cannot find module/);
  const ok = await runPetlab(['doctor', '--backend', 'cpu', '--workers', '1'], { env });
  // the installed onnxruntime-node has its synchronous binding: fine-tuning's 1x1 convolutions run there too
  const flat = (s: string) => s.replace(/\s+/g, ' ');
  assert.match(
    flat(ok.stdout),
    /inference ONNX Runtime \(embeddings, frozen-part features \(int8 for a quantized backbone\); fine-tuning's 1x1 convolutions\)/,
  );
  const float = await runPetlab(['doctor', '--backend', 'cpu', '--workers', '1', '--inference', 'onnxruntime-float'], { env });
  assert.match(flat(float.stdout), /inference ONNX Runtime \(embeddings, frozen-part features \(float\); fine-tuning's 1x1 convolutions\)/);
  const bad = await runPetlab(['doctor', '--inference', 'gpu'], { env });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /unknown inference engine "gpu"/);
});

/** A tiny backbone saved as a tfjs layers model (no test data needed): conv, relu6, pooling; `extra` adds a layer. */
async function tinyBackbone(extra?: 'unsupported'): Promise<string> {
  const tf = await import('@tensorflow/tfjs');
  const { initBackend } = await import('../src/core/backend/select.js');
  const { saveLayersModelTo } = await import('../src/core/io/layers-model-files.js');
  await initBackend('cpu');
  const input = tf.input({ shape: [32, 32, 3] });
  let x = tf.layers
    .conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu6', kernelInitializer: tf.initializers.glorotNormal({ seed: 1 }) })
    .apply(input) as TF.SymbolicTensor;
  if (extra) x = tf.layers.cropping2D({ cropping: 2 }).apply(x) as TF.SymbolicTensor;
  x = tf.layers
    .depthwiseConv2d({ kernelSize: 3, strides: 2, padding: 'same', depthwiseInitializer: tf.initializers.glorotNormal({ seed: 2 }) })
    .apply(x) as TF.SymbolicTensor;
  x = tf.layers.globalAveragePooling2d({}).apply(x) as TF.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: x });
  const dir = path.join(tempDir('petlab-tiny-'), 'tiny');
  await saveLayersModelTo(model, dir);
  model.dispose();
  return dir;
}

/** n random-noise pictures as PNG files. */
async function noisePictures(n: number): Promise<string[]> {
  const sharp = (await import('sharp')).default;
  const dir = tempDir('petlab-noise-');
  return Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const px = Buffer.from(Array.from({ length: 40 * 40 * 3 }, (_, j) => (j * 7919 + i * 104729) % 251));
      const file = path.join(dir, `p${i}.png`);
      await sharp(px, { raw: { width: 40, height: 40, channels: 3 } })
        .png()
        .toFile(file);
      return file;
    }),
  );
}

async function tinyEmbeddings(backbone: string, files: string[], inference: 'onnxruntime' | 'tfjs') {
  const warnings: string[] = [];
  const s = await open(inference, (e) => e.type === 'warning' && warnings.push(e.message ?? ''));
  try {
    await s.useBackbone(backbone);
    return { vectors: (await s.embed(files, { useCache: false })).vectors, warnings };
  } finally {
    await s.close();
  }
}

test('a backbone of any shape gets the same embeddings on both engines; one ONNX Runtime cannot take runs on TensorFlow.js, said once', async () => {
  const files = await noisePictures(5);
  const tiny = await tinyBackbone();
  const [a, b] = [await tinyEmbeddings(tiny, files, 'tfjs'), await tinyEmbeddings(tiny, files, 'onnxruntime')];
  assert.ok(relDiff(a.vectors, b.vectors) < 1e-5, `tiny backbone: ${relDiff(a.vectors, b.vectors)}`);
  assert.deepEqual(
    b.warnings.filter((w) => /ONNX Runtime/.test(w)),
    [],
  );
  const odd = await tinyBackbone('unsupported');
  const [c, d] = [await tinyEmbeddings(odd, files, 'tfjs'), await tinyEmbeddings(odd, files, 'onnxruntime')];
  assert.equal(relDiff(c.vectors, d.vectors), 0, 'TensorFlow.js computed both');
  assert.deepEqual(
    d.warnings.filter((w) => /ONNX Runtime/.test(w)),
    [d.warnings.find((w) => /ONNX Runtime cannot run .*Cropping2D.*: it runs on TensorFlow\.js/.test(w))],
  );
});
