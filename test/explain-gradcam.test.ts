import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/core/backend/select.js';
import { loadBackbone, sourceFromPath, type Backbone } from '../src/core/backbones/load.js';
import { resolveClassName } from '../src/core/explain/classes.js';
import { computeGradCam, type GradCamResult } from '../src/core/explain/grad-cam.js';
import { overlayHeatmap } from '../src/core/explain/overlay.js';
import { isPetlabError } from '../src/core/errors.js';
import { decodeImage } from '../src/core/images/decode.js';
import { MOBILENET_V2_TFJS, tempDir, skipUnless } from './helpers/shared.js';
import { CAT, DOG, quadrantCanvas, quadrantMass, type Quadrant } from './helpers/explain-support.js';

/** Real data these tests need; without it they are skipped, naming it (see helpers/test-data.ts). */
const NEEDS = skipUnless('mobilenet-v2-tfjs', 'imagenet-labels', 'sample-photos');

/**
 * Grad-CAM on MobileNetV2's own ImageNet top, on the wasm backend: photos pasted into one quadrant
 * of a plain grey canvas, so where the evidence is is known.
 */
let bb: Backbone;
let labels: string[];
before(async () => {
  if (NEEDS) return;
  await initBackend('wasm');
  bb = await loadBackbone(await sourceFromPath(MOBILENET_V2_TFJS), { cacheDir: tempDir(), resize: 'cover' });
  labels = bb.labels!;
});
after(() => bb?.dispose());

async function camOf(photos: Array<{ file: string; at: Quadrant }>, o: { className?: string; layer?: string } = {}): Promise<GradCamResult> {
  const img = await decodeImage(await quadrantCanvas(photos), bb.spec.inputSize, 'cover');
  return computeGradCam(bb, undefined, img.data, {
    target: 'pretrained',
    layer: o.layer,
    classIndex: o.className ? resolveClassName(o.className, labels) : undefined,
  });
}

const mass = (r: GradCamResult, q: Quadrant) => quadrantMass(r.cam, r.camHeight, r.camWidth, q);

test('a cat in one quadrant: the predicted class is a cat and at least 60% of the map is on it, in every quadrant', { skip: NEEDS }, async () => {
  const quadrants: Quadrant[] = [
    [0, 0],
    [1, 1],
    [1, 0],
    [0, 1],
  ];
  for (const q of quadrants) {
    const r = await camOf([{ file: CAT, at: q }]);
    assert.equal(r.layer, 'MobilenetV2_Conv_1_Relu6', 'default: the last spatial layer before global pooling');
    assert.deepEqual(r.layerShape, [7, 7, 1280]);
    assert.match(labels[r.classIndex], /cat/i, `quadrant ${q}: predicted ${labels[r.classIndex]}`);
    const m = mass(r, q);
    assert.ok(m >= 0.6, `quadrant ${q}: ${(m * 100).toFixed(1)}% of the map is on the cat`);
  }
});

test('a chosen class: with a cat and a Samoyed on one canvas, each class lights up its own animal', { skip: NEEDS }, async () => {
  const photos = [
    { file: CAT, at: [0, 0] as Quadrant },
    { file: DOG, at: [1, 1] as Quadrant },
  ];
  const dog = await camOf(photos, { className: 'Samoyed' });
  assert.equal(labels[dog.classIndex], 'Samoyed, Samoyede');
  assert.ok(mass(dog, [1, 1]) >= 0.6, `Samoyed: ${mass(dog, [1, 1])} on the dog`);
  const cat = await camOf(photos, { className: 'Egyptian cat' });
  assert.ok(mass(cat, [0, 0]) >= 0.6, `Egyptian cat: ${mass(cat, [0, 0])} on the cat`);
  assert.notDeepEqual(Array.from(cat.cam), Array.from(dog.cam));
});

test('an earlier layer (backprop through depthwise and 1x1 convs on wasm) still points at the right animal', { skip: NEEDS }, async () => {
  const photos = [
    { file: CAT, at: [0, 0] as Quadrant },
    { file: DOG, at: [1, 1] as Quadrant },
  ];
  const layer = 'MobilenetV2_expanded_conv_16_expand';
  const dog = await camOf(photos, { className: 'Samoyed', layer });
  const cat = await camOf(photos, { className: 'Egyptian cat', layer });
  assert.deepEqual(dog.layerShape, [7, 7, 960]);
  assert.ok(mass(dog, [1, 1]) > 2 * mass(dog, [0, 0]), `Samoyed at ${layer}: ${mass(dog, [1, 1])} vs ${mass(dog, [0, 0])}`);
  assert.ok(mass(cat, [0, 0]) > 2 * mass(cat, [1, 1]), `Egyptian cat at ${layer}: ${mass(cat, [0, 0])} vs ${mass(cat, [1, 1])}`);
  const early = await camOf(photos, { layer: 'MobilenetV2_expanded_conv_12_add' });
  assert.deepEqual([early.camHeight, early.camWidth], [14, 14]);
});

test('the overlay keeps the picture where the map is zero and colours it where the map is high', { skip: NEEDS }, async () => {
  const img = await decodeImage(CAT, [64, 64], 'cover');
  const cam = new Float32Array(49);
  cam[48] = 1; // only the bottom-right cell
  const out = overlayHeatmap(img, cam, 7, 7, { alpha: 0.6 });
  assert.deepEqual([out.width, out.height], [64, 64]);
  const at = (x: number, y: number, im: { data: Uint8Array; width: number }) =>
    Array.from(im.data.subarray((y * im.width + x) * 3, (y * im.width + x) * 3 + 3));
  assert.deepEqual(at(2, 2, out), at(2, 2, img), 'top-left untouched');
  assert.notDeepEqual(at(62, 62, out), at(62, 62, img), 'bottom-right tinted');
});

test('bad requests: a layer after the pooling, an unknown class; and no tensors left behind', { skip: NEEDS }, async () => {
  const img = await decodeImage(CAT, bb.spec.inputSize, 'cover');
  await assert.rejects(
    computeGradCam(bb, undefined, img.data, { target: 'pretrained', layer: 'MobilenetV2_Logits_AvgPool' }),
    (e: Error) => isPetlabError(e) && /needs a spatial map/.test(e.message),
  );
  assert.throws(
    () => resolveClassName('Samoyd', labels),
    (e: Error) => isPetlabError(e) && /closest: Samoyed, Samoyede/.test(e.message),
  );
  const n0 = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) {
    await computeGradCam(bb, undefined, img.data, { target: 'pretrained' });
    await computeGradCam(bb, undefined, img.data, { target: 'pretrained', layer: 'MobilenetV2_expanded_conv_16_expand' });
  }
  await computeGradCam(bb, undefined, img.data, { target: 'pretrained', layer: 'MobilenetV2_Logits_AvgPool' }).catch(() => undefined);
  assert.equal(tf.memory().numTensors, n0);
});
