import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/core/backend/select.js';
import { importTflite, loadTflite, type TfliteImport } from '../src/core/backbones/tflite/index.js';
import { parseTflite, TensorType } from '../src/core/backbones/tflite/schema.js';
import { readableName } from '../src/core/backbones/tflite/layer-names.js';
import { isPetlabError } from '../src/core/errors.js';
import { loadLayersModelFrom } from '../src/core/io/layers-model-files.js';
import { MOBILENET_V2_TFJS, SAMPLE_PHOTOS, skipUnless, tempDir } from './helpers/shared.js';
import {
  EXPECTED_TOP1,
  V2_QUANT_REFERENCE,
  labelsBeside,
  MODEL_ASSETS,
  MODELS,
  patchFirstOpCode,
  patchInputChannels,
  samplePixels,
} from './helpers/tflite-support.js';

before(async () => {
  await initBackend('wasm');
});

function toInput(imp: TfliteImport, pixels: Uint8Array): tf.Tensor4D {
  const [h, w] = imp.inputSize;
  return tf.tidy(() => tf.add(tf.mul(tf.tensor4d(Float32Array.from(pixels), [1, h, w, 3]), imp.preprocess.scale), imp.preprocess.offset) as tf.Tensor4D);
}

async function scores(imp: TfliteImport, pixels: Uint8Array): Promise<Float32Array> {
  const x = toInput(imp, pixels);
  const y = imp.model.predict(x) as tf.Tensor;
  const s = (await y.data()) as Float32Array;
  tf.dispose([x, y]);
  return s;
}

const argmax = (a: Float32Array) => a.reduce((best, v, i) => (v > a[best] ? i : best), 0);

/** Expect one PetlabError whose message names `file` and matches `pattern`. */
async function rejectsClearly(p: Promise<unknown>, file: string, pattern: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isPetlabError(e), `expected a PetlabError, got ${String(e)}`);
    assert.ok(e.message.includes(file), `message should name ${file}: ${e.message}`);
    assert.match(e.message, pattern);
    assert.ok(!e.message.includes('\n'), 'one-line message');
    assert.ok(e.hint && e.hint.length > 0, 'has a hint');
    return true;
  });
}

for (const [key, file] of Object.entries(MODELS)) {
  test(
    `${key}: imports and classifies the sample photos like the README's reference`,
    { skip: skipUnless(MODEL_ASSETS[key as keyof typeof MODELS], 'imagenet-labels', 'sample-photos') },
    async () => {
      const before = tf.memory().numTensors;
      const imp = importTflite(readFileSync(file), file);
      try {
        const labels = labelsBeside(file);
        const classes = imp.model.outputs[0].shape[1];
        assert.equal(classes, labels.filter((l) => l.length > 0).length, 'one output per label line (1001: line 0 = background)');
        for (const [photo, expected] of Object.entries(EXPECTED_TOP1)) {
          const best = argmax(await scores(imp, await samplePixels(photo, imp.inputSize, 'cover')));
          assert.equal(labels[best].split(',')[0], expected, `${key} on ${photo}`);
        }
        assert.equal(imp.outputKind, 'probabilities');
        assert.equal(imp.preprocessAssumed, false, 'quantized input: preprocessing comes from the file');
      } finally {
        imp.model.dispose();
      }
      assert.equal(tf.memory().numTensors, before, 'no tensor left after dispose');
    },
  );
}

test(
  'MobileNetV2 quant: top-3 probabilities as in the README (centre crop); same top-1 on the whole image',
  { skip: skipUnless('mobilenet-v2-tflite', 'imagenet-labels', 'sample-photos') },
  async () => {
    const imp = importTflite(readFileSync(MODELS.v2quant), MODELS.v2quant);
    try {
      const labels = labelsBeside(MODELS.v2quant);
      for (const [photo, top] of Object.entries(V2_QUANT_REFERENCE)) {
        const s = await scores(imp, await samplePixels(photo, imp.inputSize, 'cover'));
        const ranked = Array.from(s.keys()).sort((a, b) => s[b] - s[a]);
        top.forEach(([label, p], rank) => {
          assert.equal(labels[ranked[rank]].split(',')[0], label, `${photo} rank ${rank + 1}`);
          assert.ok(Math.abs(s[ranked[rank]] - p) < 0.01, `${photo} ${label}: ${s[ranked[rank]]} vs README ${p}`);
        });
        const whole = argmax(await scores(imp, await samplePixels(photo, imp.inputSize, 'fill')));
        assert.equal(labels[whole].split(',')[0], top[0][0], `${photo} resized whole`);
      }
    } finally {
      imp.model.dispose();
    }
  },
);

test(
  'MobileNetV2 quant: same outputs as the tfjs reference conversion (max abs diff < 1e-4)',
  { skip: skipUnless('mobilenet-v2-tflite', 'mobilenet-v2-tfjs', 'sample-photos') },
  async () => {
    const imp = importTflite(readFileSync(MODELS.v2quant), MODELS.v2quant);
    const ref = await loadLayersModelFrom(MOBILENET_V2_TFJS);
    try {
      for (const photo of ['hot_dog.jpg', 'cat_720p.jpg']) {
        const x = toInput(imp, await samplePixels(photo, imp.inputSize));
        const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(imp.model.predict(x) as tf.Tensor, ref.predict(x) as tf.Tensor))).dataSync()[0]);
        x.dispose();
        assert.ok(diff < 1e-4, `${photo}: max abs diff ${diff}`);
      }
      // Same architecture, layer by layer.
      const kinds = (m: tf.LayersModel) => m.layers.map((l) => l.getClassName());
      assert.deepEqual(kinds(imp.model), kinds(ref));
    } finally {
      imp.model.dispose();
      ref.dispose();
    }
  },
);

test('MobileNetV2 quant: input quantization becomes the preprocessing, embedding is the average pool', { skip: skipUnless('mobilenet-v2-tflite') }, () => {
  const imp = importTflite(readFileSync(MODELS.v2quant), MODELS.v2quant);
  try {
    // input: uint8, scale 0.0078125, zero point 128 -> real = (q - 128) / 128
    assert.deepEqual(imp.inputSize, [224, 224]);
    assert.equal(imp.preprocess.scale, 0.0078125);
    assert.equal(imp.preprocess.offset, -1);
    const emb = imp.model.getLayer(imp.embeddingLayer);
    assert.equal(emb.getClassName(), 'AveragePooling2D');
    assert.deepEqual(emb.outputShape, [null, 1, 1, 1280]);
    assert.equal(imp.embeddingPool, 'none', 'a 1x1 map needs no pooling');
  } finally {
    imp.model.dispose();
  }
});

test('Keras PTQ int8 model: uint8 input + QUANTIZE, per-channel weights; embedding is the MEAN output', { skip: skipUnless('mobilenet-v2-ptq-tflite') }, () => {
  const bytes = readFileSync(MODELS.v2ptq);
  const sg = parseTflite(bytes).subgraph;
  const input = sg.tensors[sg.inputs[0]];
  const q = input.quantization!;
  const imp = importTflite(bytes, MODELS.v2ptq);
  try {
    assert.equal(input.type, TensorType.UINT8);
    assert.equal(imp.preprocess.scale, q.scale[0]);
    assert.ok(Math.abs(imp.preprocess.offset + q.scale[0] * q.zeroPoint[0]) < 1e-12);
    // about x / 127.5 - 1, Keras MobileNetV2's own preprocessing
    assert.ok(Math.abs(imp.preprocess.offset + 1) < 0.01 && Math.abs(imp.preprocess.scale - 1 / 127.5) < 1e-6);
    const emb = imp.model.getLayer(imp.embeddingLayer);
    assert.equal(emb.getClassName(), 'GlobalAveragePooling2D');
    assert.deepEqual(emb.outputShape, [null, 1280]);
    assert.equal(imp.embeddingPool, 'none');
  } finally {
    imp.model.dispose();
  }
});

test(
  'Keras PTQ int8 model: every activation stays within the range the TFLite converter calibrated for it',
  { skip: skipUnless('mobilenet-v2-ptq-tflite', 'sample-photos') },
  async () => {
    // A wrongly dequantized per-channel weight or bias would push activations far outside these ranges.
    const bytes = readFileSync(MODELS.v2ptq);
    const sg = parseTflite(bytes).subgraph;
    const imp = importTflite(bytes, MODELS.v2ptq);
    const x = toInput(imp, await samplePixels('dog_segmentation.bmp', imp.inputSize));
    try {
      const names = new Set(imp.model.layers.map((l) => l.name));
      const checks: Array<{ layer: string; lo: number; hi: number }> = [];
      for (const op of sg.operators) {
        const t = sg.tensors[op.outputs[0]];
        const layer = readableName(t.name);
        if (!t.quantization || t.type !== TensorType.INT8 || !names.has(layer)) continue;
        const s = t.quantization.scale[0];
        const zp = t.quantization.zeroPoint[0];
        checks.push({ layer, lo: s * (-128 - zp), hi: s * (127 - zp) });
      }
      assert.ok(checks.length >= 60, `checked ${checks.length} layers`);
      const probe = tf.model({ inputs: imp.model.inputs, outputs: checks.map((c) => imp.model.getLayer(c.layer).output as tf.SymbolicTensor) });
      const outs = probe.predict(x) as tf.Tensor[];
      for (let i = 0; i < checks.length; i++) {
        const v = await outs[i].data();
        const { lo, hi, layer } = checks[i];
        const margin = 0.02 * (hi - lo);
        let min = Infinity;
        let max = -Infinity;
        for (const a of v) {
          if (a < min) min = a;
          if (a > max) max = a;
        }
        assert.ok(min >= lo - margin && max <= hi + margin, `${layer}: [${min}, ${max}] outside calibrated [${lo}, ${hi}]`);
        // and uses a real part of it (not all zeros from a lost scale)
        assert.ok(max - min > 0.1 * (hi - lo), `${layer}: [${min}, ${max}] barely uses [${lo}, ${hi}]`);
      }
      tf.dispose(outs);
    } finally {
      x.dispose();
      imp.model.dispose();
    }
  },
);

test('layers have readable unique names and keep bias and activation inside the convolutions', { skip: skipUnless('mobilenet-v2-tflite') }, () => {
  const imp = importTflite(readFileSync(MODELS.v2quant), MODELS.v2quant);
  try {
    const names = imp.model.layers.map((l) => l.name);
    assert.equal(new Set(names).size, names.length);
    const dw = imp.model.getLayer('MobilenetV2/expanded_conv_3/depthwise');
    assert.equal(dw.getClassName(), 'DepthwiseConv2D');
    const cfg = dw.getConfig();
    assert.equal(cfg.activation, 'relu6');
    assert.equal(cfg.useBias, true);
    assert.equal(imp.model.getLayer('MobilenetV2/expanded_conv_3/project').getConfig().activation, 'linear');
    assert.equal(imp.model.getLayer('MobilenetV2/expanded_conv_2/add').getClassName(), 'Add');
    // no separate activation layers: everything is fused into its conv
    assert.ok(!imp.model.layers.some((l) => ['Activation', 'ReLU'].includes(l.getClassName())));
    for (const l of imp.model.layers) {
      if (l.getClassName() === 'Conv2D' || l.getClassName() === 'DepthwiseConv2D') assert.equal(l.getConfig().useBias, true, l.name);
    }
  } finally {
    imp.model.dispose();
  }
});

test('cache: the second load reads the converted folder, fast, with identical outputs', { skip: skipUnless('mobilenet-v2-tflite') }, async () => {
  const cacheDir = tempDir('petlab-tflite-cache-');
  const first = await loadTflite(MODELS.v2quant, { cacheDir });
  assert.equal(first.fromCache, false);
  assert.equal(first.sha256, '7aad0c74c5e3c06e5eb3c827e13304fdd68a83da6087d92ee169c24ff9fd4776');
  const dir = path.join(cacheDir, 'converted', first.sha256);
  const json = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8'));
  assert.equal(json.userDefinedMetadata.petlab.embeddingLayer, first.embeddingLayer);
  assert.deepEqual(json.userDefinedMetadata.petlab.preprocess, first.preprocess);
  assert.equal(json.userDefinedMetadata.petlab.source, MODELS.v2quant);

  const t0 = performance.now();
  const second = await loadTflite(MODELS.v2quant, { cacheDir });
  const ms = performance.now() - t0;
  console.log(`# cached loadTflite(mobilenet_v2) on wasm: ${ms.toFixed(0)} ms`);
  try {
    assert.equal(second.fromCache, true);
    assert.ok(ms < 2000, `cached load took ${ms.toFixed(0)} ms (target < 500 ms)`);
    for (const k of ['inputSize', 'preprocess', 'preprocessAssumed', 'embeddingLayer', 'embeddingPool', 'outputKind', 'sha256'] as const) {
      assert.deepEqual(second[k], first[k], k);
    }
    assert.deepEqual(
      second.model.layers.map((l) => l.name),
      first.model.layers.map((l) => l.name),
    );
    const x = toInput(first, await samplePixels('hot_dog.jpg', first.inputSize));
    const [a, b] = [first.model.predict(x) as tf.Tensor, second.model.predict(x) as tf.Tensor];
    assert.deepEqual(await a.data(), await b.data());
    tf.dispose([x, a, b]);
    // still trainable after the round trip
    assert.equal(second.model.trainableWeights.length, first.model.trainableWeights.length);
  } finally {
    first.model.dispose();
    second.model.dispose();
  }
});

test('bad input: a truncated .tflite is one clear error, at any cut point, and caches nothing', { skip: skipUnless('mobilenet-v1-tflite') }, async () => {
  const dir = tempDir('petlab-tflite-bad-');
  const bytes = readFileSync(MODELS.v1quant);
  for (const frac of [0.001, 0.3, 0.97]) {
    const file = path.join(dir, `cut-${frac}.tflite`);
    writeFileSync(file, bytes.subarray(0, Math.floor(bytes.length * frac)));
    await rejectsClearly(loadTflite(file, { cacheDir: dir }), file, /truncated|corrupt|not a TensorFlow Lite model/);
  }
  assert.equal(existsSync(path.join(dir, 'converted')), false);
});

test('bad input: a JPEG or a text file named .tflite is "not a TensorFlow Lite model"', { skip: skipUnless('sample-photos') }, async () => {
  const dir = tempDir('petlab-tflite-bad-');
  const jpeg = path.join(dir, 'photo.tflite');
  copyFileSync(path.join(SAMPLE_PHOTOS, 'cat_720p.jpg'), jpeg);
  await rejectsClearly(loadTflite(jpeg, { cacheDir: dir }), jpeg, /not a TensorFlow Lite model/);
  const text = path.join(dir, 'notes.tflite');
  writeFileSync(text, 'this is not a model\n'.repeat(20));
  await rejectsClearly(loadTflite(text, { cacheDir: dir }), text, /not a TensorFlow Lite model/);
  await rejectsClearly(loadTflite(path.join(dir, 'missing.tflite'), { cacheDir: dir }), 'missing.tflite', /not found/);
});

test('bad input: an unsupported op is an error naming the op and the file, not a wrong model', { skip: skipUnless('mobilenet-v2-tflite') }, async () => {
  const dir = tempDir('petlab-tflite-bad-');
  const file = path.join(dir, 'lstm.tflite');
  writeFileSync(file, patchFirstOpCode(readFileSync(MODELS.v2quant), 16));
  const before = tf.memory().numTensors;
  await rejectsClearly(loadTflite(file, { cacheDir: dir }), file, /unsupported TFLite op LSTM/);
  assert.equal(tf.memory().numTensors, before);
});

test('bad input: a model whose input is not an RGB image [1,H,W,3] is refused', { skip: skipUnless('mobilenet-v1-tflite') }, async () => {
  const dir = tempDir('petlab-tflite-bad-');
  const file = path.join(dir, 'gray.tflite');
  writeFileSync(file, patchInputChannels(readFileSync(MODELS.v1quant), 1));
  await rejectsClearly(loadTflite(file, { cacheDir: dir }), file, /not an image \[1,H,W,3\]/);
});
