import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import sharp from 'sharp';
import { isolatedEnv, runPetlab } from './helpers/cli.js';
import { MOBILENET_V2_TFJS, tempDir, skipUnless } from './helpers/shared.js';
import { CAT } from './helpers/explain-support.js';

/** Real data these tests need; without it they are skipped, naming it (see helpers/test-data.ts). */
const NEEDS = skipUnless('mobilenet-v2-tfjs', 'sample-photos');

const env = isolatedEnv();
const work = tempDir('petlab-explain-cli-');
const BB = ['--backbone', MOBILENET_V2_TFJS, '--workers', '1'];
const result = (r: { events: Array<Record<string, unknown>> }) => r.events.at(-1) as Record<string, any>;

/** The grid the docs promise: ceil(sqrt(k)) columns, tiles of map size x ceil(64 / map width), 2 px gaps, a 20 px header. */
function expectedGrid(mapSize: number, channelsOnPage: number): { width: number; height: number } {
  const cols = Math.ceil(Math.sqrt(channelsOnPage));
  const rows = Math.ceil(channelsOnPage / cols);
  const tile = mapSize * Math.max(1, Math.ceil(64 / mapSize));
  return { width: cols * tile + (cols + 1) * 2, height: 20 + rows * tile + (rows + 1) * 2 };
}

test('--list-layers lists the layers with maps, and their shapes', { skip: NEEDS }, async () => {
  const r = await runPetlab(['activations', ...BB, '--list-layers', '--json'], { env });
  assert.equal(r.code, 0, r.stderr);
  const layers = result(r).layers as Array<{ name: string; type: string; shape: number[] }>;
  const by = new Map(layers.map((l) => [l.name, l]));
  assert.deepEqual(by.get('MobilenetV2_Conv_Relu6')?.shape, [112, 112, 32]);
  assert.deepEqual(by.get('MobilenetV2_expanded_conv_1_expand')?.shape, [112, 112, 96]);
  assert.deepEqual(by.get('MobilenetV2_Conv_1_Relu6')?.shape, [7, 7, 1280]);
  assert.ok(!by.has('input'), 'the input layer has no maps to show');
  assert.ok(
    layers.every((l) => ['Conv2D', 'DepthwiseConv2D', 'Add', 'AveragePooling2D'].includes(l.type)),
    [...new Set(layers.map((l) => l.type))].join(),
  );
});

test('the PNG grid opens and has the size the layer shape, page size and tile layout give', { skip: NEEDS }, async () => {
  const cases = [
    { layer: 'MobilenetV2_expanded_conv_1_expand', channels: 16, page: 1, map: 112, onPage: 16 },
    { layer: 'MobilenetV2_Conv_1_Relu6', channels: 32, page: 2, map: 7, onPage: 32 },
    { layer: 'MobilenetV2_expanded_conv_1_expand', channels: 10, page: 10, map: 112, onPage: 6 }, // 96 = 9 x 10 + 6
  ];
  for (const c of cases) {
    const out = path.join(work, `grid-${c.layer}-${c.page}.png`);
    const r = await runPetlab(
      ['activations', ...BB, '--layer', c.layer, CAT, '--out', out, '--channels', String(c.channels), '--page', String(c.page), '--json'],
      { env },
    );
    assert.equal(r.code, 0, r.stderr);
    const meta = await sharp(out).metadata();
    assert.equal(meta.format, 'png');
    assert.deepEqual({ width: meta.width, height: meta.height }, expectedGrid(c.map, c.onPage), `${c.layer} page ${c.page}`);
    const res = result(r);
    assert.equal(res.channels.length, c.onPage);
    assert.equal(res.channels[0].rank, (c.page - 1) * c.channels + 1, 'ranks continue across pages');
    assert.equal(res.stats.length, res.shape[2], 'statistics for every channel');
    for (let i = 1; i < res.stats.length; i++) assert.ok(res.stats[i].strength <= res.stats[i - 1].strength, 'strongest first');
    // what a user sees: coloured tiles on a dark background, text in the header strip
    const { data, info } = await sharp(out).raw().toBuffer({ resolveWithObject: true });
    const px = (x: number, y: number) => Array.from(data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3));
    assert.deepEqual(px(0, info.height - 1), [24, 24, 24], 'background');
    const tileMid = 20 + 2 + Math.floor(res.grid.tileHeight / 2);
    assert.notDeepEqual(px(2 + Math.floor(res.grid.tileWidth / 2), tileMid), [24, 24, 24], 'a heat map in the first tile');
    let bright = 0;
    for (let y = 0; y < 20; y++) for (let x = 0; x < info.width; x++) if (px(x, y)[0] > 160) bright++;
    assert.ok(bright > 50, 'caption text in the header');
  }
});

test('bad input gives one clear error: unknown layer (closest names), layer without maps, missing image, page past the end', { skip: NEEDS }, async () => {
  const unknown = await runPetlab(['activations', ...BB, '--layer', 'MobilenetV2_Conv_Relu', CAT, '--out', path.join(work, 'x.png')], { env });
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /^petlab: error: no layer "MobilenetV2_Conv_Relu" in backbone tfjs-reference; closest: MobilenetV2_Conv_Relu6,/m);
  assert.match(unknown.stderr, /^hint: list the layers with --list-layers$/m);
  assert.equal(unknown.stderr.split('\n').filter((l) => l.startsWith('petlab:')).length, 1);

  const noMaps = await runPetlab(['activations', ...BB, '--layer', 'input', CAT, '--json'], { env });
  assert.equal(noMaps.code, 1);
  assert.match(noMaps.stderr, /layer input \(InputLayer\) has no feature maps to show/);

  const missing = await runPetlab(['activations', ...BB, '--layer', 'MobilenetV2_Conv_Relu6', path.join(work, 'nope.jpg'), '--out', path.join(work, 'y.png')], {
    env,
  });
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /image not found: .*nope\.jpg/);
  assert.ok(missing.seconds < 5, 'reported before TensorFlow starts');

  const past = await runPetlab(['activations', ...BB, '--layer', 'MobilenetV2_Conv_Relu6', CAT, '--page', '5', '--json'], { env });
  assert.equal(past.code, 2);
  assert.match(past.stderr, /page 5 of MobilenetV2_Conv_Relu6 does not exist: its 32 channels make 2 pages of 16/);
});
