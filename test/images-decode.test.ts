import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { decodeImage } from '../src/core/images/decode.js';
import { isPetlabError } from '../src/core/errors.js';
import { CATS_DOGS, PETS, SAMPLE_PHOTOS, skipUnless, tempDir } from './helpers/shared.js';

const CAT = path.join(CATS_DOGS, 'cats', 'cat.0.jpg');

test('a JPEG decodes to the requested size as RGB, in every resize mode', { skip: skipUnless('cats-dogs') }, async () => {
  for (const mode of ['fill', 'cover', 'crop'] as const) {
    const img = await decodeImage(CAT, [224, 160], mode);
    assert.equal(img.width, 160);
    assert.equal(img.height, 224);
    assert.equal(img.data.length, 224 * 160 * 3);
  }
  // the modes really differ: a crop is not the squashed whole picture
  const a = await decodeImage(CAT, [64, 64], 'fill');
  const b = await decodeImage(CAT, [64, 64], 'crop');
  assert.notDeepEqual(a.data, b.data);
});

test(
  'decoding is by content: a GIF or a PNG with alpha named .jpg is read, alpha flattened onto white',
  { skip: skipUnless('oxford-pets-partial') },
  async () => {
    // Abyssinian_34.jpg in the Oxford set is really a GIF
    const gif = await decodeImage(path.join(PETS, 'images', 'Abyssinian_34.jpg'), [32, 32]);
    assert.equal(gif.data.length, 32 * 32 * 3);
    const dir = tempDir();
    const png = path.join(dir, 'transparent.jpg');
    // a fully transparent red picture: flattened it must come out white, not red or black
    await sharp({ create: { width: 20, height: 20, channels: 4, background: { r: 255, g: 0, b: 0, alpha: 0 } } })
      .png()
      .toFile(png);
    assert.equal(readFileSync(png).subarray(1, 4).toString(), 'PNG');
    const img = await decodeImage(png, [8, 8]);
    assert.ok(
      img.data.every((v) => v === 255),
      'transparent pixels become white',
    );
  },
);

test('a corrupt JPEG or a non-image file is a PetlabError naming the file', { skip: skipUnless('sample-photos') }, async () => {
  const dir = tempDir();
  const truncated = path.join(dir, 'truncated.jpg');
  const bytes = readFileSync(path.join(SAMPLE_PHOTOS, 'cat_720p.jpg'));
  writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 3)));
  const text = path.join(dir, 'notes.jpg');
  writeFileSync(text, 'hello, I am not a picture');
  for (const f of [truncated, text]) {
    await assert.rejects(decodeImage(f, [224, 224]), (e: unknown) => {
      assert.ok(isPetlabError(e));
      assert.ok((e as Error).message.includes(f), 'message names the file');
      return true;
    });
  }
});

test('BMP files decode (this sharp build has no BMP loader; petlab reads them itself)', { skip: skipUnless('sample-photos') }, async () => {
  const img = await decodeImage(path.join(SAMPLE_PHOTOS, 'dog_segmentation.bmp'), [64, 64], 'cover');
  assert.equal(img.data.length, 64 * 64 * 3);
  // a Samoyed on a light background: mostly bright pixels, and not a flat fill
  const mean = img.data.reduce((a, v) => a + v, 0) / img.data.length;
  assert.ok(mean > 100, `mean ${mean}`);
  assert.ok(new Set(img.data).size > 50);
  // rows are bottom-up in a BMP: a 2x2 picture with red top-left must come out red top-left
  const bmp = Buffer.alloc(54 + 16);
  bmp.write('BM', 0, 'latin1');
  bmp.writeUInt32LE(bmp.length, 2);
  bmp.writeUInt32LE(54, 10);
  bmp.writeUInt32LE(40, 14);
  bmp.writeInt32LE(2, 18);
  bmp.writeInt32LE(2, 22); // positive height: bottom row first
  bmp.writeUInt16LE(1, 26);
  bmp.writeUInt16LE(24, 28);
  // bottom row: blue, green (BGR); top row: red, white. Rows padded to 4 bytes.
  Buffer.from([255, 0, 0, 0, 255, 0, 0, 0, 0, 0, 255, 255, 255, 255, 0, 0]).copy(bmp, 54);
  const file = path.join(tempDir(), 'tiny.bmp');
  writeFileSync(file, bmp);
  const px = await decodeImage(file, [2, 2], 'fill');
  assert.deepEqual([...px.data], [255, 0, 0, 255, 255, 255, 0, 0, 255, 0, 255, 0]);
  assert.equal(
    await sharp(file)
      .raw()
      .toBuffer()
      .then(
        () => 'read',
        () => 'unsupported',
      ),
    'unsupported',
    'sharp itself cannot read BMP here',
  );
});

test('16-bit BMPs decode too (5-5-5, the BMP default for 16 bits)', async () => {
  // 2x1, top-down: red, blue
  const bmp = Buffer.alloc(54 + 4);
  bmp.write('BM', 0, 'latin1');
  bmp.writeUInt32LE(bmp.length, 2);
  bmp.writeUInt32LE(54, 10);
  bmp.writeUInt32LE(40, 14);
  bmp.writeInt32LE(2, 18);
  bmp.writeInt32LE(-1, 22);
  bmp.writeUInt16LE(1, 26);
  bmp.writeUInt16LE(16, 28);
  bmp.writeUInt16LE(0x7c00, 54);
  bmp.writeUInt16LE(0x001f, 56);
  const file = path.join(tempDir(), 'tiny16.bmp');
  writeFileSync(file, bmp);
  const px = [...(await decodeImage(file, [1, 2], 'fill')).data];
  assert.ok(px[0] > 240 && px[1] < 10 && px[2] < 10, `red pixel: ${px.slice(0, 3)}`);
  assert.ok(px[3] < 10 && px[4] < 10 && px[5] > 240, `blue pixel: ${px.slice(3)}`);
});
