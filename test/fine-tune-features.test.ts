/**
 * Fine-tuning's frozen features of both splits go through one opening of the feature cache (read
 * and every record checked once per run, not once per split); a damaged record is still found,
 * said once, computed again and the file rebuilt. No TensorFlow: a fake worker computes the rows
 * from the decoded pixels, so computed and cached rows can be compared.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { tempDir } from './helpers/shared.js';
import { FeatureCache } from '../src/core/embed/feature-cache.js';
import { frozenFeatures, type FeaturePart } from '../src/core/fine-tune-features.js';
import { FLIP, PLAIN } from '../src/core/images/views.js';
import type { DatasetItem } from '../src/core/data/types.js';
import type { PetlabEvent } from '../src/core/events.js';

const ROW = [2, 2, 3];
const SIZE = 12;

/** Six small pictures (the last the same bytes as the first: one picture in both splits), 4 train and 2 val. */
async function pictures(dir: string): Promise<DatasetItem[]> {
  const items: DatasetItem[] = [];
  for (let i = 0; i < 6; i++) {
    const file = path.join(dir, `p${i}.png`);
    const c = i === 5 ? 0 : i;
    await sharp({ create: { width: 12, height: 10, channels: 3, background: { r: 40 * c, g: 200 - 30 * c, b: 17 * c } } })
      .png()
      .toFile(file);
    items.push({ file, label: i % 2, split: i < 4 ? 'train' : 'val' } as DatasetItem);
  }
  return items;
}

/** A session whose one worker turns a picture's pixels into a row (finite bfloat16 values), counting the rows it computes. */
function fakeSession(cacheDir: string) {
  const events: PetlabEvent[] = [];
  let computed = 0;
  const worker = {
    call: async (_m: string, p: { pixels: Uint8Array; n: number }) => {
      const px = p.pixels.length / p.n;
      const rows = new Uint16Array(p.n * SIZE);
      for (let j = 0; j < p.n; j++) for (let k = 0; k < SIZE; k++) rows[j * SIZE + k] = 0x3f00 + p.pixels[j * px + ((k * 37) % px)];
      computed += p.n;
      return rows;
    },
  };
  const session = {
    opts: { cacheDir, resize: 'cover', embedBatchSize: 4, onEvent: (e: PetlabEvent) => events.push(e) },
    pool: { acquire: async () => worker, release: () => undefined },
    requireBackbone: () => ({ spec: { inputSize: [8, 8] } }),
    abortSignal: new AbortController().signal,
    stopRequested: false,
  };
  return { session: session as never, events, computed: () => computed };
}

/** Count FeatureCache.open while fn runs. */
async function countingOpens<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const open = FeatureCache.open;
  let n = 0;
  FeatureCache.open = (...a: Parameters<typeof open>) => {
    n++;
    return open.apply(FeatureCache, a);
  };
  try {
    return [await fn(), n];
  } finally {
    FeatureCache.open = open;
  }
}

test('the frozen features of train and val: one opening of the cache per run; a damaged record is found, recomputed and the file rebuilt', async () => {
  const cacheDir = tempDir('petlab-feat-');
  const items = await pictures(tempDir('petlab-feat-img-'));
  const labelOf = (i: DatasetItem) => i.label;
  const parts: FeaturePart[] = [
    { items: items.filter((i) => i.split === 'train'), views: [PLAIN, FLIP], labelOf, label: 'train' },
    { items: items.filter((i) => i.split === 'val'), views: [PLAIN], labelOf, label: 'val' },
  ];
  const run = async () => {
    const s = fakeSession(cacheDir);
    const [res, opens] = await countingOpens(() => frozenFeatures(s.session, parts, 'cut', ROW, 'fingerprint'));
    const warnings = s.events.filter((e) => e.type === 'warning').map((e) => (e as { message: string }).message);
    return { rows: res.map((r) => Array.from(r.data)), ok: res.flatMap((r) => r.ok), opens, computed: s.computed(), warnings };
  };

  const first = await run();
  assert.equal(first.opens, 1, 'one opening for both splits');
  // 4 train × 2 views + 2 val; the val picture that is also in train is read from the rows just computed
  assert.deepEqual([first.computed, first.ok.every(Boolean), first.warnings], [9, true, []]);

  const second = await run();
  assert.deepEqual([second.opens, second.computed, second.warnings], [1, 0, []], 'all from the cache, opened once');
  assert.deepEqual(second.rows, first.rows, 'the rows read are the rows computed');

  const dir = path.join(cacheDir, 'features');
  const file = path.join(dir, readdirSync(dir)[0]);
  const bytes = readFileSync(file);
  const rec = 32 + SIZE * 2 + 4;
  const bad = Buffer.from(bytes);
  bad[12 + 2 * rec + 40] ^= 0x01; // one flipped bit in the third record's row
  writeFileSync(file, bad);
  const third = await run();
  assert.equal(third.opens, 1);
  assert.equal(third.warnings.length, 1, 'said once');
  assert.match(
    third.warnings[0],
    /^frozen features cache damaged: rebuilt \(1 damaged record \(checksum or values\) dropped; those features are computed again\)/,
  );
  assert.equal(third.computed, 1, 'the damaged row is computed again, the others read');
  assert.deepEqual(third.rows, first.rows);
  assert.equal(readFileSync(file).length, bytes.length, 'the rebuilt file holds every record again');
  const fourth = await run();
  assert.deepEqual([fourth.opens, fourth.computed, fourth.warnings], [1, 0, []], 'and reads whole afterwards');
});
