import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { MOBILENET_V2_TFLITE, skipUnless, tempDir } from './helpers/shared.js';
import { runPetlab } from './helpers/cli.js';
import {
  compare,
  exportEnv,
  exportModel,
  inputBatch,
  modelInfo,
  petlabProbabilities,
  rows,
  smallDataset,
  trainSmall,
  unseenPictures,
} from './helpers/export-support.js';

/**
 * The ONNX export, checked by a runtime petlab did not write: a MobileNetV2 imported from its
 * uint8 TFLite file, trained on real cats and dogs (frozen, then fine-tuned), exported, and run by
 * ONNX Runtime on real pictures, must give petlab predict's probabilities.
 */

const TOLERANCE = 1e-3;
const data = smallDataset();
const pictures = unseenPictures();

async function ortProbabilities(file: string, model: string): Promise<number[][]> {
  const info = modelInfo(model);
  const session = await ort.InferenceSession.create(file);
  const [h, w] = info.inputSize;
  const x = new ort.Tensor('float32', await inputBatch(pictures, info), [pictures.length, h, w, 3]);
  const out = await session.run({ pixels: x });
  return rows(out.probabilities.data as Float32Array, info.classes.length);
}

async function checkAgainstPetlab(t: test.TestContext, model: string, label: string): Promise<void> {
  const onnxFile = path.join(tempDir(), 'out', `${label}.onnx`);
  const r = await exportModel(model, 'onnx', onnxFile);
  assert.equal(r.files && (r.files as string[])[0], onnxFile);
  const [fromOrt, fromPetlab] = [await ortProbabilities(onnxFile, model), await petlabProbabilities(model, pictures)];
  const { maxAbsDiff, sameTop1 } = compare(fromOrt, fromPetlab);
  t.diagnostic(
    `${label}: max |ONNX Runtime - petlab predict| = ${maxAbsDiff.toExponential(2)} over ${pictures.length} pictures x 2 classes; ${(r.bytes as number) / 1e6} MB`,
  );
  assert.ok(maxAbsDiff < TOLERANCE, `${label}: probabilities differ by ${maxAbsDiff}`);
  assert.ok(sameTop1, `${label}: top-1 differs`);
  assert.equal(modelInfo(model).classes[fromOrt[0].indexOf(Math.max(...fromOrt[0]))], 'cats', 'ONNX Runtime calls the cat photo a cat');
}

test(
  "ONNX export of a frozen MobileNetV2 (uint8 TFLite) classifier: ONNX Runtime gives petlab predict's probabilities; classes and resize in the metadata and beside the file",
  { skip: skipUnless('cats-dogs', 'mobilenet-v2-tflite', 'sample-photos') },
  async (t) => {
    const model = await trainSmall(data, MOBILENET_V2_TFLITE);
    await checkAgainstPetlab(t, model, 'frozen');

    const out = path.join(tempDir(), 'classifier.onnx');
    await exportModel(model, 'onnx', out);
    const decoded = onnxProto.onnx.ModelProto.decode(readFileSync(out));
    const graph = decoded.graph as onnxProto.onnx.GraphProto;
    assert.deepEqual(
      decoded.opsetImport.map((o) => [o.domain, Number(o.version)]),
      [['', 13]],
    );
    const props = Object.fromEntries(decoded.metadataProps.map((p) => [p.key, p.value]));
    assert.deepEqual(JSON.parse(props.classes!), ['cats', 'dogs']);
    assert.equal(props.resize, modelInfo(model).resize);
    assert.match(props.resize!, /^(fill|cover|crop)$/);
    assert.equal(graph.input[0].name, 'pixels');
    assert.deepEqual(
      graph.input[0].type!.tensorType!.shape!.dim!.map((d) => d.dimParam || Number(d.dimValue)),
      ['batch', 224, 224, 3],
    );
    // no op of a custom domain, nothing quantized left: a plain float graph
    assert.ok(
      graph.node.every((n) => !n.domain),
      'standard ops only',
    );
    assert.ok(!graph.node.some((n) => /Quantize|QLinear/.test(n.opType!)), 'quantized weights are dequantized');
    assert.equal(readFileSync(path.join(path.dirname(out), 'labels.txt'), 'utf8'), 'cats\ndogs\n');
    const desc = JSON.parse(readFileSync(path.join(path.dirname(out), 'petlab-export.json'), 'utf8'));
    assert.deepEqual(desc.classes, ['cats', 'dogs']);
    assert.equal(desc.input.resize, props.resize);
    assert.deepEqual(desc.input.shape, [null, 224, 224, 3]);
    assert.deepEqual(
      readdirSync(path.dirname(out)).filter((f) => f.includes('.tmp')),
      [],
      'no temp files left',
    );
  },
);

test(
  'ONNX export of a fine-tuned MobileNetV2: the fine-tuned weights are in the graph (ONNX Runtime agrees with predict)',
  { skip: skipUnless('cats-dogs', 'mobilenet-v2-tflite', 'sample-photos') },
  async (t) => {
    const model = await trainSmall(data, MOBILENET_V2_TFLITE, ['--fine-tune', '1', '--unfreeze', '2', '--views', '1', '--ft-batch', '8', '--micro-batch', '4']);
    assert.equal(JSON.parse(readFileSync(path.join(model, 'petlab.json'), 'utf8')).backbone.fineTuned, true);
    await checkAgainstPetlab(t, model, 'fine-tuned');
  },
);

test(
  'export refuses bad input in one line, writing nothing: not a model, an unknown format, an unwritable place, a folder that is not an export',
  { skip: skipUnless('cats-dogs', 'mobilenet-v2-tflite') },
  async () => {
    const dir = tempDir();
    const notModel = path.join(dir, 'not-a-model');
    mkdirSync(notModel);
    const a = await runPetlab(['export', '--model', notModel, '--format', 'onnx', '--out', path.join(dir, 'a.onnx')], { env: exportEnv });
    assert.equal(a.code, 1);
    assert.match(a.stderr, /not a petlab model/);
    assert.ok(!existsSync(path.join(dir, 'a.onnx')));

    const model = await trainSmall(data, MOBILENET_V2_TFLITE, ['--epochs', '1']);
    const b = await runPetlab(['export', '--model', model, '--format', 'savedmodel', '--out', path.join(dir, 'b')], { env: exportEnv });
    assert.equal(b.code, 2);
    assert.match(b.stderr, /unknown export format "savedmodel"/);
    assert.match(b.stderr, /onnx, tfjs, web/);

    // a file where a folder should be: the destination cannot be written
    writeFileSync(path.join(dir, 'file'), 'x');
    const c = await runPetlab(['export', '--model', model, '--format', 'onnx', '--out', path.join(dir, 'file', 'c.onnx')], { env: exportEnv });
    assert.equal(c.code, 1);
    assert.match(c.stderr, /a file is in the way/);
    assert.equal(
      c.stderr
        .trim()
        .split('\n')
        .filter((l) => /error/i.test(l)).length,
      1,
      c.stderr,
    );

    const other = path.join(dir, 'photos');
    mkdirSync(other);
    writeFileSync(path.join(other, 'keep.jpg'), 'mine');
    const d = await runPetlab(['export', '--model', model, '--format', 'tfjs', '--out', other], { env: exportEnv });
    assert.equal(d.code, 2);
    assert.match(d.stderr, /not empty and not a petlab export/);
    assert.deepEqual(readdirSync(other), ['keep.jpg']);
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.includes('.tmp')),
      [],
      'no temp files left',
    );
  },
);
