import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import sharp from 'sharp';
import { CATS_DOGS, listData, skipUnless } from './helpers/shared.js';
import { decodeImage } from '../src/core/images/decode.js';
import { colourJitter } from '../src/core/images/jitter.js';

/**
 * The random views' colour jitter is ours (images/jitter.ts): the bytes must stay those of sharp's
 * modulate (brightness, saturation) and linear (contrast), which trained every model before.
 */

async function sharpJitter(img: { width: number; height: number; data: Uint8Array }, b: number, s: number, c: number): Promise<Buffer> {
  let p = sharp(Buffer.from(img.data), { raw: { width: img.width, height: img.height, channels: 3 } });
  if (b !== 1 || s !== 1) p = p.modulate({ brightness: b, saturation: s });
  if (c !== 1) p = p.linear(c, 128 * (1 - c));
  return p.raw().toBuffer();
}

test(
  'colour jitter: within 2 levels of sharp modulate + linear on real photos, 0.25 on average, at the jitter range corners',
  { skip: skipUnless('cats-dogs') },
  async () => {
    const files = listData(path.join(CATS_DOGS, 'cats'))
      .slice(0, 4)
      .map((f) => path.join(CATS_DOGS, 'cats', f));
    const corners = [0.85, 1, 1.15];
    let worst = 0;
    for (const f of files) {
      const img = await decodeImage(f, [96, 96], 'cover');
      for (const b of corners)
        for (const s of corners)
          for (const c of corners) {
            const want = await sharpJitter(img, b, s, c);
            const got = Uint8Array.from(img.data);
            colourJitter(got, b, s, c);
            let sum = 0;
            for (let i = 0; i < got.length; i++) {
              const d = Math.abs(got[i] - want[i]);
              worst = Math.max(worst, d);
              sum += d;
            }
            assert.ok(sum / got.length < 0.25, `${path.basename(f)} b=${b} s=${s} c=${c}: mean |diff| ${(sum / got.length).toFixed(3)}`);
          }
    }
    assert.ok(worst <= 2, `largest difference ${worst} levels`);
  },
);

test('colour jitter: 1, 1, 1 leaves the picture as it is; brighter is brighter; saturation 0 is grey', () => {
  const px = Uint8Array.from({ length: 64 * 3 }, (_, i) => (i * 97 + 13) % 256);
  const same = Uint8Array.from(px);
  colourJitter(same, 1, 1, 1);
  assert.deepEqual(same, px);
  const mean = (a: Uint8Array) => a.reduce((x, y) => x + y, 0) / a.length;
  const bright = Uint8Array.from(px);
  colourJitter(bright, 1.15, 1, 1);
  assert.ok(mean(bright) > mean(px) + 5, `${mean(bright)} vs ${mean(px)}`);
  const grey = Uint8Array.from(px);
  colourJitter(grey, 1, 0, 1);
  for (let i = 0; i < grey.length; i += 3)
    assert.ok(
      Math.max(grey[i], grey[i + 1], grey[i + 2]) - Math.min(grey[i], grey[i + 1], grey[i + 2]) <= 1,
      `pixel ${i / 3}: ${grey.subarray(i, i + 3).join(',')}`,
    );
});
