import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import sharp from 'sharp';
import { CATS_DOGS, listData, SAMPLE_PHOTOS, skipUnless, tempDir } from './helpers/shared.js';
import { makeRng } from '../src/core/random.js';
import { decodeForView, FLIP, PLAIN, ViewDecoder, type View } from '../src/core/images/views.js';

/**
 * Fine-tuning's frozen features decode each file once for its plain view and mirror and once for
 * all its random views (ViewDecoder): the pixels must be exactly those of one decode per view, so
 * cached rows stay valid and a run computes what it did before. The mirror view is the plain
 * view's mirror image, as flip TTA means.
 */

/** A noisy, asymmetric JPEG of odd size (a mirror bug or an off-by-one crop shows). */
async function photo(dir: string, name: string, width: number, height: number, seed: number): Promise<string> {
  const rng = makeRng(seed);
  const raw = Buffer.from(Uint8Array.from({ length: width * height * 3 }, (_, i) => (i % 3 === 0 ? (i / 3) % width : 255 * rng())));
  const file = path.join(dir, name);
  await sharp(raw, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 90 })
    .toFile(file);
  return file;
}

test('one decode per file gives the bytes of one decode per view: plain, mirror and random views, each resize mode', async () => {
  const dir = tempDir();
  // odd and even crop excess across and down after the 'cover' resize, and one picture enlarged
  const files = [
    await photo(dir, 'a.jpg', 301, 217, 1),
    await photo(dir, 'b.jpg', 190, 333, 2),
    await photo(dir, 'c.jpg', 34, 23, 4),
    await photo(dir, 'd.jpg', 120, 277, 5),
  ];
  const views: View[] = [PLAIN, FLIP, { kind: 'random', index: 0, seed: 9 }, { kind: 'random', index: 1, seed: 9 }];
  for (const resize of ['fill', 'crop', 'cover'] as const) {
    const decoder = new ViewDecoder([64, 48], resize);
    for (const f of files) decoder.expect(f, views.length);
    // asked together, as a batch of rows is
    const got = await Promise.all(files.flatMap((f) => views.map((v) => decoder.decode(f, v))));
    let k = 0;
    for (const f of files)
      for (const v of views) {
        const want = await decodeForView(f, [64, 48], resize, v);
        const g = got[k++];
        assert.deepEqual([g.width, g.height], [want.width, want.height]);
        assert.ok(Buffer.from(g.data).equals(Buffer.from(want.data)), `${resize} ${path.basename(f)} ${v.kind}${v.kind === 'random' ? v.index : ''}`);
      }
    assert.equal((decoder as unknown as { files: Map<string, unknown> }).files.size, 0, 'decodes dropped once their views are taken');
  }
});

test('a file that does not decode fails each of its views with the reason, and later files still decode', async () => {
  const dir = tempDir();
  const bad = path.join(dir, 'bad.jpg');
  (await import('node:fs')).writeFileSync(bad, 'not a picture');
  const good = await photo(dir, 'good.jpg', 80, 60, 3);
  const decoder = new ViewDecoder([32, 32], 'fill');
  decoder.expect(bad, 2);
  decoder.expect(good, 1);
  const r = await Promise.allSettled([decoder.decode(bad, PLAIN), decoder.decode(bad, FLIP), decoder.decode(good, PLAIN)]);
  assert.equal(r[0].status, 'rejected');
  assert.equal(r[1].status, 'rejected');
  assert.match(String((r[1] as PromiseRejectedResult).reason), /cannot decode .*bad\.jpg/);
  assert.equal(r[2].status, 'fulfilled');
});

test(
  'the mirror view is the plain view mirrored pixel for pixel, in every resize mode, on real photos at 224 and 192',
  { skip: skipUnless('cats-dogs', 'sample-photos') },
  async () => {
    // odd crop excess after 'cover' (cat.15.jpg, cat.119.jpg at 192): a mirror of the file decoded apart would shift by a pixel
    const cats = ['cat.15.jpg', 'cat.119.jpg'].map((f) => path.join(CATS_DOGS, 'cats', f));
    const files = [
      ...cats,
      ...listData(path.join(CATS_DOGS, 'dogs'))
        .slice(0, 6)
        .map((f) => path.join(CATS_DOGS, 'dogs', f)),
      ...listData(SAMPLE_PHOTOS).map((f) => path.join(SAMPLE_PHOTOS, f)),
    ];
    for (const resize of ['fill', 'crop', 'cover'] as const)
      for (const size of [
        [224, 224],
        [192, 192],
      ] as Array<[number, number]>) {
        const decoder = new ViewDecoder(size, resize);
        for (const f of files) decoder.expect(f, 2);
        for (const f of files) {
          const [plain, flip] = await Promise.all([decoder.decode(f, PLAIN), decoder.decode(f, FLIP)]);
          const alone = await decodeForView(f, size, resize, FLIP);
          const { width } = plain;
          const row = (img: typeof plain, y: number) => Buffer.from(img.data.subarray(y * width * 3, (y + 1) * width * 3));
          for (const y of [0, size[0] >> 1, size[0] - 1]) {
            const mirroredRow = Buffer.alloc(width * 3);
            const p = row(plain, y);
            for (let x = 0; x < width; x++) p.copy(mirroredRow, (width - 1 - x) * 3, x * 3, x * 3 + 3);
            assert.ok(row(flip, y).equals(mirroredRow), `${resize} ${size[0]} ${path.basename(f)} row ${y}`);
          }
          assert.ok(Buffer.from(flip.data).equals(Buffer.from(alone.data)), `${resize} ${size[0]} ${path.basename(f)}: shared decode = its own`);
        }
      }
  },
);
