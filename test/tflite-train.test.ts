import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/core/backend/select.js';
import { importTflite } from '../src/core/backbones/tflite/index.js';
import { MODELS, samplePixels } from './helpers/tflite-support.js';
import { skipUnless } from './helpers/shared.js';

// Gradients run on cpu: the wasm backend lacks the conv backprop kernels.
before(async () => {
  await initBackend('cpu');
});

type Inbound = { inboundNodes: Array<{ inboundLayers: tf.layers.Layer[] }> };

/**
 * Re-apply the imported layers from the input up to `last` on a new input: the same layer objects
 * (so the same weights), on a smaller picture. The cpu backend's conv backprop is far too slow to
 * train the full 224x224 network in a test (~30 s a step for one 1x1 conv on 7x7x160).
 */
function sliceOnNewInput(model: tf.LayersModel, last: string, input: tf.SymbolicTensor): tf.SymbolicTensor {
  const out = new Map<string, tf.SymbolicTensor>([[model.inputLayers[0].name, input]]);
  for (const layer of model.layers) {
    if (out.has(layer.name)) continue;
    const ins = (layer as unknown as Inbound).inboundNodes[0].inboundLayers.map((l) => out.get(l.name)!);
    out.set(layer.name, layer.apply(ins.length === 1 ? ins[0] : ins) as tf.SymbolicTensor);
    if (layer.name === last) return out.get(last)!;
  }
  throw new Error(`${last} not found`);
}

test(
  'imported MobileNetV2 is trainable: gradient steps change its weights and lower the loss',
  { skip: skipUnless('mobilenet-v2-tflite', 'sample-photos') },
  async () => {
    const start = tf.memory().numTensors;
    const imp = importTflite(readFileSync(MODELS.v2quant), MODELS.v2quant);
    const model = imp.model;
    const convs = model.layers.filter((l) => l.getClassName() === 'Conv2D' || l.getClassName() === 'DepthwiseConv2D');
    assert.equal(model.trainableWeights.length, 2 * convs.length, 'every conv kernel and bias is trainable');

    // Fine-tune the first three blocks (convs, depthwise convs, a residual add) under a new
    // 2-class head, on two photos at 32x32.
    const size: [number, number] = [32, 32];
    const x = tf.input({ shape: [...size, 3] });
    const features = sliceOnNewInput(model, 'MobilenetV2/expanded_conv_2/add', x);
    const pooled = tf.layers.globalAveragePooling2d({}).apply(features) as tf.SymbolicTensor;
    const probs = tf.layers.dense({ units: 2, activation: 'softmax', kernelInitializer: 'zeros' }).apply(pooled) as tf.SymbolicTensor;
    const net = tf.model({ inputs: x, outputs: probs });

    const photos = ['cat_720p.jpg', 'hot_dog.jpg'];
    const pixels = await Promise.all(photos.map((p) => samplePixels(p, size)));
    const xs = tf.tidy(() => {
      const raw = tf.stack(pixels.map((p) => tf.tensor3d(Float32Array.from(p), [...size, 3])));
      return tf.add(tf.mul(raw, imp.preprocess.scale), imp.preprocess.offset);
    });
    const ys = tf.tensor2d([
      [1, 0],
      [0, 1],
    ]);
    const watched = ['MobilenetV2/Conv', 'MobilenetV2/expanded_conv/depthwise', 'MobilenetV2/expanded_conv_2/project'];
    const beforeWeights = watched.map((n) => model.getLayer(n).getWeights()[0].clone());

    net.compile({ optimizer: tf.train.sgd(0.02), loss: 'categoricalCrossentropy' });
    const history = await net.fit(xs, ys, { epochs: 4, batchSize: 2, verbose: 0 });
    const losses = history.history.loss as number[];
    console.log(`# loss ${losses.map((l) => l.toFixed(4)).join(' -> ')}`);
    assert.ok(losses[losses.length - 1] < losses[0], `loss ${losses.map((l) => l.toFixed(4)).join(' -> ')}`);

    watched.forEach((n, i) => {
      const change = tf.tidy(() => tf.max(tf.abs(tf.sub(model.getLayer(n).getWeights()[0], beforeWeights[i]))).dataSync()[0]);
      assert.ok(change > 0, `${n}: kernel of the imported model changed`);
    });

    tf.dispose([xs, ys, ...beforeWeights]);
    net.optimizer.dispose();
    net.dispose(); // disposes the head and, through the shared layers, the imported weights
    model.dispose();
    assert.equal(tf.memory().numTensors, start, 'no tensor left');
  },
);
