import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { DARKNET_TINY, SHARED, skipUnless, tempDir, type AssetName } from './helpers/shared.js';
import { compare, exportModel, inputBatch, modelInfo, petlabProbabilities, rows, smallDataset, trainSmall, unseenPictures } from './helpers/export-support.js';

/**
 * The other backbones of the registry, each with its own ops (int8 per-channel weights and MEAN;
 * MobileNet v1 at 192x192 with average pooling; Darknet's batch norm, leaky ReLU and max pooling):
 * exported to ONNX, ONNX Runtime agrees with petlab predict.
 */

const data = smallDataset();
const pictures = unseenPictures();

const BACKBONES: Array<{ name: string; path: string; asset: AssetName }> = [
  {
    name: 'mobilenet_v2_keras_ptq',
    path: path.join(SHARED, 'models', 'tf2_mobilenet_v2_1.0_224_ptq', 'tf2_mobilenet_v2_1.0_224_ptq.tflite'),
    asset: 'mobilenet-v2-ptq-tflite',
  },
  {
    name: 'mobilenet_v1_075_192',
    path: path.join(SHARED, 'models', 'mobilenet_v1_0.75_192_quant', 'mobilenet_v1_0.75_192_quant.tflite'),
    asset: 'mobilenet-v1-tflite',
  },
  { name: 'darknet_tiny', path: DARKNET_TINY, asset: 'darknet-tiny' },
];

for (const bb of BACKBONES) {
  test(
    `ONNX export with ${bb.name}: ONNX Runtime gives petlab predict's probabilities`,
    { skip: skipUnless('cats-dogs', 'sample-photos', bb.asset) },
    async (t) => {
      const model = await trainSmall(data, bb.path, ['--epochs', '2']);
      const file = path.join(tempDir(), `${bb.name}.onnx`);
      await exportModel(model, 'onnx', file);
      const info = modelInfo(model);
      const session = await ort.InferenceSession.create(file);
      const [h, w] = info.inputSize;
      const out = await session.run({ pixels: new ort.Tensor('float32', await inputBatch(pictures, info), [pictures.length, h, w, 3]) });
      const { maxAbsDiff, sameTop1 } = compare(rows(out.probabilities.data as Float32Array, info.classes.length), await petlabProbabilities(model, pictures));
      t.diagnostic(`${bb.name} (${h}x${w}): max |ONNX Runtime - petlab predict| = ${maxAbsDiff.toExponential(2)}`);
      assert.ok(maxAbsDiff < 1e-3, `probabilities differ by ${maxAbsDiff}`);
      assert.ok(sameTop1, 'top-1 differs');
    },
  );
}
