/**
 * The frozen-feature cache drops damaged records by rewriting the file a chunk (8 MB) at a time,
 * not a record at a time: the file it writes is the old one without those records, byte for byte.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs, readFileSync, writeFileSync } from 'node:fs';
import { tempDir } from './helpers/shared.js';
import { FeatureCache } from '../src/core/embed/feature-cache.js';

const SIZE = 1000; // uint16s a row: 2036-byte records, 5000 of them span two chunks
const REC = 32 + SIZE * 2 + 4;
const HEADER = 12;
const N = 5000;

const keyOf = (i: number) => i.toString(16).padStart(64, '0');

/** Count the reads of every file handle while fn runs. */
async function countingReads<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const h = await fs.open(process.execPath, 'r');
  const proto = Object.getPrototypeOf(h) as { read: (...a: unknown[]) => Promise<unknown> };
  await h.close();
  const read = proto.read;
  let n = 0;
  proto.read = function (this: unknown, ...a: unknown[]) {
    n++;
    return read.apply(this, a);
  };
  try {
    return [await fn(), n];
  } finally {
    proto.read = read;
  }
}

test('a cache of many records with damaged ones: rewritten in a few large reads, byte-identical to the file without them', async () => {
  const dir = tempDir('petlab-featrw-');
  const cache = await FeatureCache.open(dir, 'fp', 'cut', SIZE);
  for (let i = 0; i < N; i++) {
    const row = new Uint16Array(SIZE);
    for (let k = 0; k < SIZE; k++) row[k] = 0x3f00 + ((i * 31 + k) & 0x7f); // finite bfloat16s
    if (i === 4000) row[7] = 0x7fc0; // a NaN: sound checksum, unusable values
    cache.put(keyOf(i), row);
  }
  await cache.flush();
  const file = cache.file;
  const sound = readFileSync(file);
  assert.equal(sound.length, HEADER + N * REC);

  // flipped bits: the first record, two adjacent ones, one each side of the first chunk's end, the last
  const damaged = [0, 10, 11, 4119, 4121, N - 1];
  const bad = Buffer.from(sound);
  for (const i of damaged) bad[HEADER + i * REC + 40] ^= 0x04;
  writeFileSync(file, bad);
  const dropped = new Set([...damaged, 4000]);
  const expected = Buffer.concat([
    sound.subarray(0, HEADER),
    ...Array.from({ length: N }, (_, i) => i)
      .filter((i) => !dropped.has(i))
      .map((i) => sound.subarray(HEADER + i * REC, HEADER + (i + 1) * REC)),
  ]);

  const [opened, reads] = await countingReads(() => FeatureCache.open(dir, 'fp', 'cut', SIZE));
  assert.deepEqual(opened.damage, { records: dropped.size, tornBytes: 0 });
  assert.ok(readFileSync(file).equals(expected), 'the damaged records dropped, every other byte as it was');
  assert.ok(reads <= 8, `read in chunks, not a record at a time (${reads} reads)`);
  assert.equal(opened.take(keyOf(4000)), undefined);
  assert.deepEqual(
    Array.from(opened.take(keyOf(4120))!.subarray(0, 3)),
    [0, 1, 2].map((k) => 0x3f00 + ((4120 * 31 + k) & 0x7f)),
  );

  const again = await FeatureCache.open(dir, 'fp', 'cut', SIZE);
  assert.equal(again.damage, undefined, 'the rewritten file is sound');
});
