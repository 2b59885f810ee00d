/**
 * `npm run bench -- export`: a MobileNetV2 (uint8 TFLite) classifier trained on 40 real cats and
 * dogs, exported to ONNX: export time, file size, and ONNX Runtime's images/s on 64 pictures next
 * to petlab's own predict on the same pictures (decode included in petlab's; ONNX Runtime gets
 * the pictures decoded and resized, and the decode time is given apart).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { sourceFromPath } from '../src/core/backbones/source.js';
import { scanDataset } from '../src/core/data/scan.js';
import { decodeImage } from '../src/core/images/decode.js';
import { Session } from '../src/core/session.js';
import { defaultWorkerCount } from '../src/core/worker/pool.js';
import { heading, row, SHARED, tempCache, timed } from './lib.js';

const BACKBONE = path.join(SHARED, 'models', 'mobilenet_v2_1.0_224_quant', 'mobilenet_v2_1.0_224_quant.tflite');
const CATS_DOGS = path.join(SHARED, 'data', 'cats_and_dogs_filtered', 'train');

async function main(): Promise<void> {
  const workers = defaultWorkerCount();
  heading(
    `export: MobileNetV2 (uint8 TFLite) classifier of cats and dogs → ONNX, run by ONNX Runtime (${ort.env.versions?.common ?? ''}) vs petlab predict (wasm, ${workers} workers)`,
  );
  const cacheDir = tempCache('export');
  const data = path.join(cacheDir, 'data');
  const files: string[] = [];
  for (const c of ['cats', 'dogs']) {
    const names = (await fs.readdir(path.join(CATS_DOGS, c))).sort();
    await fs.mkdir(path.join(data, c), { recursive: true });
    for (const f of names.slice(0, 20)) await fs.symlink(path.join(CATS_DOGS, c, f), path.join(data, c, f));
    files.push(...names.slice(700, 732).map((f) => path.join(CATS_DOGS, c, f)));
  }
  const session = await Session.open({ backend: 'wasm', workers, cacheDir, resize: 'cover', embedBatchSize: 16 });
  try {
    await session.loadBackboneSource(BACKBONE, await sourceFromPath(BACKBONE));
    const model = path.join(cacheDir, 'model');
    const ds = await scanDataset(data, { seed: 42, valFraction: 0.2 });
    await session.trainHead({
      dataset: ds,
      out: model,
      head: {
        epochs: 5,
        learningRate: 1e-3,
        batchSize: 32,
        hiddenUnits: 0,
        dropout: 0.2,
        weightDecay: 0.01,
        labelSmoothing: 0,
        schedule: 'one-cycle',
        seed: 42,
      },
    });
    const onnxFile = path.join(cacheDir, 'classifier.onnx');
    const exp = await session.exportModel(model, 'onnx', onnxFile);
    row('export to ONNX (build the graph, serialise, write)', `${exp.seconds.toFixed(2)} s`);
    row('ONNX file', `${(exp.bytes / 1e6).toFixed(2)} MB (opset 13, float32 weights)`);
    const [, predictS] = await timed(() => session.predict(files, 2));
    row(`petlab predict, ${files.length} pictures (decode + backbone + head)`, `${(files.length / predictS).toFixed(1)} images/s`);
    const [h, w] = session.backbone!.spec.inputSize;
    const [pixels, decodeS] = await timed(async () => {
      const x = new Float32Array(files.length * h * w * 3);
      for (let i = 0; i < files.length; i++) x.set((await decodeImage(files[i], [h, w], 'cover')).data, i * h * w * 3);
      return x;
    });
    row('decode + resize alone (sharp, one thread)', `${(files.length / decodeS).toFixed(1)} images/s`);
    const ortSession = await ort.InferenceSession.create(onnxFile);
    const batch = 16;
    const run = async () => {
      for (let s = 0; s < files.length; s += batch) {
        const n = Math.min(batch, files.length - s);
        await ortSession.run({ pixels: new ort.Tensor('float32', pixels.subarray(s * h * w * 3, (s + n) * h * w * 3), [n, h, w, 3]) });
      }
    };
    await run(); // warm-up
    const [, ortS] = await timed(run);
    row(
      `ONNX Runtime (CPU, batch ${batch}), same pictures decoded`,
      `${(files.length / ortS).toFixed(1)} images/s; with the decode: ${(files.length / (ortS + decodeS)).toFixed(1)} images/s`,
    );
  } finally {
    await session.close();
  }
}

await main();
