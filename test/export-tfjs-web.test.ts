import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { MOBILENET_V2_TFLITE, SAMPLE_PHOTOS, skipUnless, tempDir } from './helpers/shared.js';
import { compare, exportModel, inputBatch, modelInfo, petlabProbabilities, rows, smallDataset, trainSmall, unseenPictures } from './helpers/export-support.js';

/**
 * The tfjs and web exports: a plain layers model any tfjs program loads with tf.loadLayersModel
 * (nothing of petlab registered here), computing what petlab predict computes; and a page that
 * runs it offline, with tfjs from its own folder.
 */

const data = smallDataset();
const pictures = unseenPictures();
let model = '';
let webDir = '';

/** A tfjs IOHandler over a folder: what a program without petlab would write (tfjs has no file:// loader). */
function folderHandler(dir: string): tf.io.IOHandler {
  return {
    load: async () => {
      const json = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8'));
      const bin = readFileSync(path.join(dir, json.weightsManifest[0].paths[0]));
      return {
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest[0].weights,
        weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
        userDefinedMetadata: json.userDefinedMetadata,
      };
    },
  };
}

test(
  'tfjs export: tf.loadLayersModel loads it and its softmax equals petlab predict; labels and preprocessing travel with it',
  { skip: skipUnless('cats-dogs', 'mobilenet-v2-tflite', 'sample-photos') },
  async (t) => {
    model = await trainSmall(data, MOBILENET_V2_TFLITE);
    const out = path.join(tempDir(), 'tfjs');
    const r = await exportModel(model, 'tfjs', out);
    assert.deepEqual(readdirSync(out).sort(), ['labels.txt', 'model.json', 'petlab-export.json', 'weights.bin']);
    const json = JSON.parse(readFileSync(path.join(out, 'model.json'), 'utf8'));
    assert.equal(json.format, 'layers-model');
    assert.deepEqual(json.userDefinedMetadata.petlabExport.classes, ['cats', 'dogs']);
    // the normalisation is a standard Rescaling layer (Keras has the same), not petlab code
    const topology = json.modelTopology.model_config ?? json.modelTopology;
    const first = topology.config.layers[1];
    assert.equal(first.class_name, 'Rescaling');

    await tf.setBackend('cpu');
    const m = await tf.loadLayersModel(folderHandler(out));
    assert.deepEqual(m.inputs[0].shape, [null, 224, 224, 3]);
    assert.deepEqual(m.outputs[0].shape, [null, 2]);
    const info = modelInfo(model);
    const before = tf.memory().numTensors;
    const batch = await inputBatch(pictures, info);
    const y = tf.tidy(() => m.predict(tf.tensor4d(batch, [pictures.length, 224, 224, 3])) as tf.Tensor);
    const fromTfjs = rows(await y.data(), 2);
    y.dispose();
    assert.equal(tf.memory().numTensors, before, 'no tensors leaked by predict');
    m.dispose();
    const { maxAbsDiff, sameTop1 } = compare(fromTfjs, await petlabProbabilities(model, pictures));
    t.diagnostic(`tfjs export: max |tf.loadLayersModel - petlab predict| = ${maxAbsDiff.toExponential(2)}; weights ${(r.bytes as number) / 1e6} MB`);
    assert.ok(maxAbsDiff < 1e-3, `probabilities differ by ${maxAbsDiff}`);
    assert.ok(sameTop1);
  },
);

test(
  'web export: index.html, its script, the tfjs model and tf.min.js from node_modules, no network',
  { skip: skipUnless('cats-dogs', 'mobilenet-v2-tflite', 'sample-photos') },
  async () => {
    assert.ok(model, 'the tfjs test trained the model');
    const out = path.join(tempDir(), 'web');
    await exportModel(model, 'web', out);
    webDir = out;
    assert.deepEqual(readdirSync(out).sort(), ['app.js', 'index.html', 'labels.txt', 'model', 'petlab-export.json', 'tf.min.js']);
    assert.deepEqual(readdirSync(path.join(out, 'model')).sort(), ['model.json', 'weights.bin']);
    const html = readFileSync(path.join(out, 'index.html'), 'utf8');
    const app = readFileSync(path.join(out, 'app.js'), 'utf8');
    assert.match(html, /<script src="tf\.min\.js"><\/script>/);
    assert.match(html, /<script src="app\.js"><\/script>/);
    assert.doesNotMatch(html + app, /https?:\/\//, 'nothing is fetched from the network');
    const require = createRequire(import.meta.url);
    const shipped = readFileSync(path.join(path.dirname(require.resolve('@tensorflow/tfjs/package.json')), 'dist', 'tf.min.js'));
    assert.ok(readFileSync(path.join(out, 'tf.min.js')).equals(shipped), 'tf.min.js is the one petlab runs');
  },
);

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.json': 'application/json',
  '.bin': 'application/octet-stream',
  '.jpg': 'image/jpeg',
};

/** The web folder and the cat photo over HTTP on 127.0.0.1 (a page cannot fetch its model from file://). */
async function serve(dir: string, picture: string): Promise<{ base: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const p = new URL(req.url ?? '/', 'http://x').pathname;
    const file = p === '/cat.jpg' ? picture : path.join(dir, ...p.split('/').filter((s) => s && s !== '..'));
    if (!existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((r) => server.close(() => r())) };
}

test(
  'web export in headless Chromium: the page classifies a real cat photo as cats',
  {
    skip:
      skipUnless('cats-dogs', 'mobilenet-v2-tflite', 'sample-photos') ||
      (CHROMIUM ? false : 'chromium is not installed (apt-get install chromium): the web export is not run in a browser'),
    timeout: 300_000,
  },
  async (t) => {
    assert.ok(webDir, 'the web export test wrote the folder');
    const server = await serve(webDir, path.join(SAMPLE_PHOTOS, 'cat_720p.jpg'));
    t.after(() => server.close());
    const args = [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--virtual-time-budget=120000',
      '--dump-dom',
      `${server.base}/index.html?picture=/cat.jpg`,
    ];
    // asynchronously: the server answers from this process
    const dom = await new Promise<string>((resolve, reject) => {
      const c = spawn(CHROMIUM!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      c.stdout.on('data', (d) => (out += d));
      c.stderr.on('data', (d) => (err += d));
      const timer = setTimeout(() => c.kill('SIGKILL'), 240_000);
      c.on('close', (code) => {
        clearTimeout(timer);
        if (code === 0) resolve(out);
        else reject(new Error(`chromium exited ${code}: ${err.slice(-2000)}`));
      });
    });
    const status = /<p id="status">([^<]*)<\/p>/.exec(dom)?.[1];
    t.diagnostic(`the page says: ${status}`);
    assert.match(dom, /data-top="cats"/, `the page's top class (status: ${status})`);
    assert.match(dom, /class="pct">\d+\.\d%/, 'it shows the probabilities');
  },
);
