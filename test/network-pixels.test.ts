import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { tempDir } from './helpers/shared.js';
import { decodeForDisplay, decodeImage } from '../src/core/images/decode.js';
import { decodeForView, FLIP, PLAIN, type View } from '../src/core/images/views.js';
import { inferenceKey } from '../src/core/embed/cache.js';
import { NETWORK_PIXELS } from '../src/core/images/network-pixels.js';

/**
 * The network sees a picture's pixel values as coded, as TensorFlow's and PIL's decoders give them
 * (what the pretrained weights saw): an embedded ICC profile changes nothing for it. A picture
 * drawn for a person is still colour-managed.
 */

/** The same JPEG bytes without their APP2 ICC_PROFILE segments: libjpeg decodes the same values. */
function withoutIcc(jpeg: Buffer): Buffer {
  const parts: Buffer[] = [jpeg.subarray(0, 2)];
  let at = 2;
  while (at + 4 <= jpeg.length && jpeg[at] === 0xff && jpeg[at + 1] !== 0xda) {
    const len = jpeg.readUInt16BE(at + 2);
    const seg = jpeg.subarray(at, at + 2 + len);
    if (!(jpeg[at + 1] === 0xe2 && seg.subarray(4, 15).toString('latin1') === 'ICC_PROFILE')) parts.push(seg);
    at += 2 + len;
  }
  parts.push(jpeg.subarray(at));
  return Buffer.concat(parts);
}

/** Saturated colours encoded with a wide-gamut (Display P3) profile, and the same bytes without it. */
async function pair(): Promise<{ managed: Buffer; bare: Buffer }> {
  const w = 96;
  const h = 64;
  const raw = Buffer.from(Uint8Array.from({ length: w * h * 3 }, (_, i) => [230, 20, 40][i % 3] ^ ((i / 3) % w)));
  const jpeg = await sharp(raw, { raw: { width: w, height: h, channels: 3 } })
    .withIccProfile('p3')
    .jpeg({ quality: 92 })
    .toBuffer();
  assert.ok((await sharp(jpeg).metadata()).icc, 'the test picture carries a profile');
  const bare = withoutIcc(jpeg);
  assert.equal((await sharp(bare).metadata()).icc, undefined);
  return { managed: jpeg, bare };
}

const meanAbsDiff = (a: Uint8Array, b: Uint8Array) => a.reduce((s, x, i) => s + Math.abs(x - b[i]), 0) / a.length;

test('a picture with an embedded ICC profile gives the network its coded values, in every view; a person sees it colour-managed', async () => {
  const { managed, bare } = await pair();
  // one path for both (random views are seeded by the file's name): the pixels with the profile, then without
  const file = path.join(tempDir(), 'pet.jpg');
  const views: View[] = [PLAIN, FLIP, { kind: 'random', index: 0, seed: 3 }];
  const decodeAll = async (bytes: Buffer) => {
    await fs.writeFile(file, bytes);
    const out: Buffer[] = [];
    for (const resize of ['fill', 'crop', 'cover'] as const)
      for (const v of views) out.push(Buffer.from((await decodeForView(file, [48, 40], resize, v)).data));
    return { views: out, shown: (await decodeForDisplay(file, 96, 64)).data, plain: (await decodeImage(file, [64, 96])).data };
  };
  const a = await decodeAll(managed);
  const b = await decodeAll(bare);
  a.views.forEach((x, i) => assert.ok(x.equals(b.views[i]), `view ${i}: the profile changed the network's pixels`));
  // drawn for a person, the profile is applied: P3-coded red is not sRGB's
  assert.ok(meanAbsDiff(a.shown, b.shown) > 2, 'the display decode converts with the embedded profile');
  assert.ok(meanAbsDiff(a.plain, a.shown) > 2);
});

test('cached rows are keyed by the network pixels, so rows of colour-managed pixels from an older petlab are not read', () => {
  assert.equal(inferenceKey('fp', false), `fp.${NETWORK_PIXELS}`);
  assert.equal(inferenceKey('fp', true), `fp.${NETWORK_PIXELS}.int8`);
  assert.notEqual(inferenceKey('fp', false), 'fp');
  assert.notEqual(inferenceKey('fp', true), 'fp.int8');
});
