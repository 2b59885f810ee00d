import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/core/backend/select.js';
import { loadBackbone, sourceFromPath, type Backbone } from '../src/core/backbones/load.js';
import { computeActivations, explainLayerRows, type ActivationPage } from '../src/core/explain/activations.js';
import { decodeImage, type RgbImage } from '../src/core/images/decode.js';
import { isPetlabError } from '../src/core/errors.js';
import { Session } from '../src/core/session.js';
import { DARKNET_TINY, MOBILENET_V2_TFJS, tempDir, skipUnless } from './helpers/shared.js';
import { CAT, DOG, HOT_DOG, pearson } from './helpers/explain-support.js';

/** Real data these tests need; without it they are skipped, naming it (see helpers/test-data.ts). */
const NEEDS = skipUnless('mobilenet-v2-tfjs', 'sample-photos');

const FIRST = 'MobilenetV2_Conv_Relu6';
const EXPANDED = 'MobilenetV2_expanded_conv_1_expand';
const LATE = 'MobilenetV2_Conv_1_Relu6';

let bb: Backbone;
const images: Record<string, RgbImage> = {};

before(async () => {
  if (NEEDS) return;
  await initBackend('wasm');
  bb = await loadBackbone(await sourceFromPath(MOBILENET_V2_TFJS), { cacheDir: tempDir(), resize: 'cover' });
  for (const [k, f] of Object.entries({ cat: CAT, dog: DOG, hotdog: HOT_DOG })) images[k] = await decodeImage(f, [224, 224], 'cover');
});
after(() => bb?.dispose());

const page = (img: RgbImage, layer: string, perPage = 32, pageNo = 0, maxMapSize = 112): Promise<ActivationPage> =>
  computeActivations({ backbone: bb }, img.data, { layer, perPage, page: pageNo, maxMapSize });

test('the first conv layer gives fine 112x112 maps, a late layer coarse 7x7 ones, and both depend on the image', { skip: NEEDS }, async () => {
  const first = await page(images.cat, FIRST);
  assert.deepEqual(first.shape, [112, 112, 32]);
  assert.equal(first.mapHeight, 112);
  assert.equal(first.maps.length, 32 * 112 * 112);
  const late = await page(images.cat, LATE);
  assert.deepEqual(late.shape, [7, 7, 1280]);
  assert.equal(late.mapHeight * late.mapWidth, 49);
  assert.equal(late.pages, 40);

  // the same image twice gives the same numbers; another image other ones
  const again = await computeActivations({ backbone: bb }, images.cat.data, { layer: LATE, perPage: 32, reuse: false });
  assert.deepEqual(Array.from(again.stats.mean), Array.from(late.stats.mean));
  for (const layer of [FIRST, LATE]) {
    const c = await page(images.cat, layer);
    const d = await page(images.dog, layer);
    let diff = 0;
    let size = 0;
    for (let i = 0; i < c.stats.mean.length; i++) {
      diff += Math.abs(c.stats.mean[i] - d.stats.mean[i]);
      size += Math.abs(c.stats.mean[i]);
    }
    assert.ok(diff / size > 0.1, `${layer}: channel means of cat and dog differ by ${((100 * diff) / size).toFixed(1)}%`);
  }
  const catTop = new Set((await page(images.cat, LATE, 16)).channels.map((c) => c.channel));
  const dogTop = (await page(images.dog, LATE, 16)).channels.map((c) => c.channel);
  assert.ok(dogTop.filter((c) => catTop.has(c)).length < 12, 'a cat and a dog light up different late channels');
});

/** Rectified directional derivatives of the grey image in 8 directions, pooled to the layer's 112x112 grid. */
function orientedEdges(img: RgbImage): Float32Array[] {
  const S = img.width;
  const s = S / 2;
  const grey = (x: number, y: number) => {
    const i = (Math.min(S - 1, Math.max(0, y)) * S + Math.min(S - 1, Math.max(0, x))) * 3;
    return 0.299 * img.data[i] + 0.587 * img.data[i + 1] + 0.114 * img.data[i + 2];
  };
  const dirs = Array.from({ length: 8 }, () => new Float32Array(s * s));
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      const gx = grey(x + 1, y - 1) + 2 * grey(x + 1, y) + grey(x + 1, y + 1) - grey(x - 1, y - 1) - 2 * grey(x - 1, y) - grey(x - 1, y + 1);
      const gy = grey(x - 1, y + 1) + 2 * grey(x, y + 1) + grey(x + 1, y + 1) - grey(x - 1, y - 1) - 2 * grey(x, y - 1) - grey(x + 1, y - 1);
      const o = (y >> 1) * s + (x >> 1);
      for (let d = 0; d < 8; d++) dirs[d][o] += Math.max(0, Math.cos((d * Math.PI) / 4) * gx + Math.sin((d * Math.PI) / 4) * gy);
    }
  }
  return dirs;
}

function colourSignals(img: RgbImage): { lum: Float32Array; redGreen: Float32Array; blueYellow: Float32Array } {
  const s = img.width / 2;
  const lum = new Float32Array(s * s);
  const redGreen = new Float32Array(s * s);
  const blueYellow = new Float32Array(s * s);
  for (let y = 0; y < img.width; y++) {
    for (let x = 0; x < img.width; x++) {
      const i = (y * img.width + x) * 3;
      const [r, g, b] = [img.data[i], img.data[i + 1], img.data[i + 2]];
      const o = (y >> 1) * s + (x >> 1);
      lum[o] += 0.299 * r + 0.587 * g + 0.114 * b;
      redGreen[o] += r - g;
      blueYellow[o] += b - (r + g) / 2;
    }
  }
  return { lum, redGreen, blueYellow };
}

interface FirstLayerReading {
  /** channel → preferred direction (0..7, 45° steps) of channels that act as oriented edge detectors */
  edges: Map<number, number>;
  /** channel → signed correlation with the stronger colour-opponent signal, for colour (not brightness) channels */
  colours: Map<number, number>;
}

/**
 * Which first-layer channels are edge detectors (correlate >= 0.5 with a rectified derivative in one
 * direction and <= -0.3 with the opposite one), and which are colour channels (|r| >= 0.8 with
 * red-green or blue-yellow opponency, < 0.5 with brightness). No channel is named in advance.
 */
async function readFirstLayer(img: RgbImage): Promise<FirstLayerReading> {
  const p = await page(img, FIRST);
  const dirs = orientedEdges(img);
  const col = colourSignals(img);
  const n = 112 * 112;
  const edges = new Map<number, number>();
  const colours = new Map<number, number>();
  p.channels.forEach((c, k) => {
    const map = p.maps.subarray(k * n, (k + 1) * n);
    if (c.max <= 0) return; // a dead channel says nothing
    const r = dirs.map((d) => pearson(map, d));
    const best = r.indexOf(Math.max(...r));
    if (r[best] >= 0.5 && r[(best + 4) % 8] <= -0.3) edges.set(c.channel, best);
    const rg = pearson(map, col.redGreen);
    const by = pearson(map, col.blueYellow);
    const opp = Math.abs(rg) >= Math.abs(by) ? rg : by;
    if (Math.abs(opp) >= 0.8 && Math.abs(pearson(map, col.lum)) < 0.5) colours.set(c.channel, opp);
  });
  return { edges, colours };
}

test('first-layer maps show oriented edges and colour, the same channels doing the same job on different photos', { skip: NEEDS }, async () => {
  const read: Record<string, FirstLayerReading> = {};
  for (const k of ['cat', 'dog', 'hotdog']) {
    read[k] = await readFirstLayer(images[k]);
    assert.ok(read[k].edges.size >= 2, `${k}: ${read[k].edges.size} oriented edge channels`);
    assert.ok(new Set(read[k].edges.values()).size >= 2, `${k}: edges in at least two directions`);
    assert.ok(read[k].colours.size >= 1, `${k}: a colour channel that is not a brightness channel`);
  }
  // consistency: a channel that is an edge detector on two photos prefers the same direction (±45°)
  let shared = 0;
  for (const [ch, dir] of read.cat.edges) {
    const other = read.dog.edges.get(ch);
    if (other === undefined) continue;
    shared++;
    const turn = Math.min((dir - other + 8) % 8, (other - dir + 8) % 8);
    assert.ok(turn <= 1, `channel ${ch}: direction ${dir * 45}° on the cat, ${other * 45}° on the dog`);
  }
  assert.ok(shared >= 1, 'some channel detects edges on both photos');
  const sameColour = [...read.cat.colours].filter(([ch, r]) => {
    const o = read.dog.colours.get(ch);
    return o !== undefined && Math.sign(o) === Math.sign(r);
  });
  assert.ok(sameColour.length >= 1, 'a colour channel of the cat photo responds to the same colour in the dog photo');
});

test('channels come strongest first, pages cover every channel once, and the statistics match the maps', { skip: NEEDS }, async () => {
  const pages = [0, 1, 2].map((i) => page(images.cat, EXPANDED, 32, i));
  const all = (await Promise.all(pages)).flatMap((p) => p.channels);
  assert.equal(all.length, 96);
  assert.deepEqual(new Set(all.map((c) => c.channel)).size, 96);
  for (let i = 1; i < all.length; i++) assert.ok(all[i].strength <= all[i - 1].strength, 'ordered by strength');
  // full-resolution maps (112 <= maxMapSize): each channel's mean, max and active fraction are its map's
  const p = await page(images.cat, EXPANDED, 32, 1);
  const n = p.mapHeight * p.mapWidth;
  p.channels.forEach((c, k) => {
    const m = p.maps.subarray(k * n, (k + 1) * n);
    const mean = m.reduce((a, b) => a + b, 0) / n;
    assert.ok(Math.abs(mean - c.mean) < 1e-4 * (1 + Math.abs(mean)));
    assert.equal(Math.max(...m), c.max);
    assert.ok(Math.abs(m.filter((v) => v > 0).length / n - c.active) < 1e-6);
  });
  // downscaled maps (the TUI's small tiles) are block averages: same mean
  const small = await page(images.cat, EXPANDED, 32, 1, 28);
  assert.equal(small.mapHeight, 28);
  small.channels.forEach((c, k) => {
    const m = small.maps.subarray(k * 28 * 28, (k + 1) * 28 * 28);
    assert.ok(Math.abs(m.reduce((a, b) => a + b, 0) / (28 * 28) - c.mean) < 1e-3 * (1 + Math.abs(c.mean)));
  });
  for (const k of p.heat.keys()) assert.ok(p.heat[k] >= 0 && p.heat[k] <= 255);
});

test(
  'a layer the fast plan folds into a convolution shows its own output (darknet: conv → BatchNorm → LeakyReLU)',
  { skip: NEEDS || skipUnless('darknet-tiny') },
  async () => {
    const dn = await loadBackbone(await sourceFromPath(DARKNET_TINY), { cacheDir: tempDir(), resize: 'cover' });
    try {
      const rows = explainLayerRows({ backbone: dn });
      const img = await decodeImage(CAT, dn.spec.inputSize, 'cover');
      for (const name of ['conv2d_1', 'batch_normalization_1', 'leaky_re_lu_1']) {
        const row = rows.find((r) => r.name === name)!;
        assert.equal(row.fusedAway, name !== 'leaky_re_lu_1', `${name} fused away`);
        const p = await computeActivations({ backbone: dn }, img.data, { layer: name, perPage: 4 });
        assert.equal(p.via, row.fusedAway ? 'unfused' : 'plan');
        // the reference: tfjs-layers' own model cut at that layer
        const ref = tf.tidy(() => {
          const sub = tf.model({ inputs: dn.model.inputs, outputs: dn.model.getLayer(name).output as tf.SymbolicTensor });
          const x = dn.preprocess(tf.tensor4d(Int32Array.from(img.data), [1, ...dn.spec.inputSize, 3], 'int32'));
          return tf.mean(sub.predict(x) as tf.Tensor4D, [0, 1, 2]);
        });
        const want = (await ref.data()) as Float32Array;
        ref.dispose();
        for (let c = 0; c < want.length; c++)
          assert.ok(Math.abs(want[c] - p.stats.mean[c]) < 1e-3 * (1 + Math.abs(want[c])), `${name} channel ${c}: ${p.stats.mean[c]} vs ${want[c]}`);
      }
      // BatchNorm output has negative values a fused LeakyReLU would have changed
      const bn = await computeActivations({ backbone: dn }, img.data, { layer: 'batch_normalization_1' });
      assert.ok(Array.from(bn.stats.mean).some((v) => v < 0));
    } finally {
      dn.dispose();
    }
  },
);

test('an unknown layer names the closest ones; a layer without maps says why', { skip: NEEDS }, async () => {
  await assert.rejects(page(images.cat, 'MobilenetV2_Conv_Relu'), (e: Error) => isPetlabError(e) && /closest: MobilenetV2_Conv_Relu6/.test(e.message));
  await assert.rejects(page(images.cat, 'mobilenetv2_expanded_conv_16_projekt'), (e: Error) =>
    /closest: .*MobilenetV2_expanded_conv_16_project/.test(e.message),
  );
  await assert.rejects(page(images.cat, 'input'), (e: Error) => isPetlabError(e) && /input \(InputLayer\) has no feature maps/.test(e.message));
});

test('50 redraws in the worker (pages, layers, images) leave no tensor behind', { skip: NEEDS }, async () => {
  const session = await Session.open({ backend: 'wasm', workers: 1, cacheDir: tempDir(), resize: 'cover', embedBatchSize: 8 });
  try {
    await session.loadBackboneSource(MOBILENET_V2_TFJS, await sourceFromPath(MOBILENET_V2_TFJS));
    const rows = await session.explainLayers();
    assert.ok(rows.find((r) => r.name === EXPANDED)?.inspectable);
    await session.activations(CAT, { layer: FIRST });
    const before = await session.pool.main.call('memory', undefined);
    const layers = [FIRST, EXPANDED, LATE];
    for (let i = 0; i < 50; i++) {
      const p = await session.activations(i % 10 < 5 ? CAT : DOG, { layer: layers[i % 3], page: i % 4, perPage: 16, maxMapSize: 32 });
      assert.equal(p.channels.length, 16);
    }
    const afterMem = await session.pool.main.call('memory', undefined);
    assert.equal(afterMem.numTensors, before.numTensors);
  } finally {
    await session.close();
  }
});
