/**
 * A quantized TFLite backbone runs in int8 on ONNX Runtime (export/onnx-qdq.ts), on the activation
 * grids the file holds: its embeddings and fine-tuning's frozen-part features are close to float's,
 * yet not them (so cached apart); never once its weights were trained. --inference
 * onnxruntime-float keeps it float.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { MOBILENET_V2_TFJS, MOBILENET_V2_TFLITE, SHARED, skipUnless } from './helpers/shared.js';
import { catsDogsSlice, isolatedEnv } from './helpers/cli.js';
import type { InferencePreference } from '../src/core/backend/names.js';

const env = isolatedEnv();
const SKIP = { skip: skipUnless('cats-dogs', 'mobilenet-v2-tflite', 'mobilenet-v2-tfjs') };
const PTQ = path.join(SHARED, 'models', 'tf2_mobilenet_v2_1.0_224_ptq', 'tf2_mobilenet_v2_1.0_224_ptq.tflite');
const { data, pick } = catsDogsSlice(340, 352, !!SKIP.skip);
const photos = SKIP.skip ? [] : [...pick('cats').slice(0, 4), ...pick('dogs').slice(0, 4)].map((f) => path.join(data, f));

async function embeddings(backbone: string, inference: InferencePreference) {
  const { Session } = await import('../src/core/session.js');
  const { EmbeddingCache, inferenceKey } = await import('../src/core/embed/cache.js');
  const s = await Session.open({ backend: 'wasm', inference, workers: 1, cacheDir: env.PETLAB_CACHE_DIR, resize: 'cover', embedBatchSize: 4 });
  try {
    const bb = await s.useBackbone(backbone);
    const vectors = (await s.embed(photos)).vectors;
    const cached = EmbeddingCache.fileFor(env.PETLAB_CACHE_DIR, inferenceKey(bb.spec.fingerprint, bb.int8));
    // fine-tuning's frozen-part features at the 30% cut, from the same engine
    const { decodeImage } = await import('../src/core/images/decode.js');
    const { fromBf16 } = await import('../src/core/backbones/trainable.js');
    const { parseUnfreeze } = await import('../src/core/backbones/segments.js');
    const plan = await s.planUnfreeze(parseUnfreeze('30%'));
    const pixels = new Uint8Array(photos.length * 224 * 224 * 3);
    for (const [i, f] of photos.entries()) pixels.set((await decodeImage(f, [224, 224], 'cover')).data, i * 224 * 224 * 3);
    const cut = fromBf16(await s.pool.main.call('cutFeatures', { pixels, n: photos.length, cut: plan.cut }));
    return { vectors, cut, int8: !!bb.int8, dim: bb.dim, cached: existsSync(cached) };
  } finally {
    await s.close();
  }
}

/** Each picture's cosine similarity between two sets of embeddings. */
function cosines(a: Float32Array, b: Float32Array, dim: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < a.length / dim; r++) {
    let ab = 0;
    let aa = 0;
    let bb = 0;
    for (let j = r * dim; j < (r + 1) * dim; j++) {
      ab += a[j] * b[j];
      aa += a[j] * a[j];
      bb += b[j] * b[j];
    }
    out.push(ab / Math.sqrt(aa * bb));
  }
  return out;
}

for (const [name, file] of [
  ['MobileNetV2 uint8 (quantization-aware trained)', MOBILENET_V2_TFLITE],
  ['Keras MobileNetV2 int8 (post-training quantized)', PTQ],
] as const) {
  test(`${name}: int8 embeddings on ONNX Runtime are the float ones on the file's grids, cached apart`, SKIP, async (t) => {
    const q = await embeddings(file, 'onnxruntime');
    const f = await embeddings(file, 'onnxruntime-float');
    assert.deepEqual([q.int8, f.int8], [true, false]);
    assert.deepEqual([q.cached, f.cached], [true, true], 'each precision has its own cache');
    const c = cosines(q.vectors, f.vectors, q.dim);
    t.diagnostic(`cosine int8 vs float per picture: ${c.map((x) => x.toFixed(3)).join(' ')}`);
    assert.ok(Math.min(...c) > 0.93, `int8 is close to float: ${c.join(' ')}`);
    assert.ok(Math.max(...c) < 0.99999, 'and is not float');
    const cut = cosines(q.cut, f.cut, q.cut.length / photos.length);
    t.diagnostic(`frozen-part features, cosine int8 vs float per picture: ${cut.map((x) => x.toFixed(3)).join(' ')}`);
    assert.ok(Math.min(...cut) > 0.9 && Math.max(...cut) < 0.99999, `frozen-part features: ${cut.join(' ')}`);
    // a second run reads its own rows back
    const again = await embeddings(file, 'onnxruntime');
    assert.deepEqual(again.vectors, q.vectors);
  });
}

test('a float backbone (tfjs layers) stays float on ONNX Runtime', SKIP, async () => {
  assert.equal((await embeddings(MOBILENET_V2_TFJS, 'onnxruntime')).int8, false);
});

test('core: int8 only while the quantized backbone is as loaded: not once fine-tuning trained it, again after a new load', async () => {
  const m = await import('../src/core/worker/onnx-inference.js');
  const bb = { activationRanges: { '#input': { scale: 1 / 128, zeroPoint: 128 } } } as unknown as Parameters<typeof m.runsInt8>[0];
  const init = await m.initInference('onnxruntime', 'wasm');
  assert.equal(init.engine, 'onnxruntime');
  assert.equal(m.runsInt8(bb), true);
  assert.equal(m.runsInt8({ ...bb, activationRanges: undefined }), false, 'a float backbone');
  m.backboneTrained();
  assert.equal(m.runsInt8(bb), false, 'its top was trained: its grids no longer describe it');
  m.backboneChanged();
  assert.equal(m.runsInt8(bb), true, 'another backbone loaded');
  await m.initInference('onnxruntime-float', 'wasm');
  assert.equal(m.runsInt8(bb), false, '--inference onnxruntime-float');
});
