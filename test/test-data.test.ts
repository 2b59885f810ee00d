/**
 * Where the tests' data comes from (helpers/test-data.ts) and how `npm run test:data` fills the
 * cache (helpers/fetch-test-data.ts): from a local mirror only, never the network.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { makeZip } from './helpers/archives.js';
import { fetchTestData, plan, treeDigest } from './helpers/fetch-test-data.js';
import { startFileServer } from './helpers/file-server.js';
import { CATS_DOGS, SHARED, skipUnless, tempDir } from './helpers/shared.js';
import { getAsset } from './helpers/test-assets.js';
import { assetMarker, assetPresent, missingMessage, resolveDataRoot } from './helpers/test-data.js';

test('the data folder: PETLAB_TEST_DATA, else ../shared when present, else <cache>/test-data', () => {
  const work = tempDir();
  const shared = path.join(work, 'shared');
  mkdirSync(shared);
  assert.deepEqual(resolveDataRoot({ PETLAB_TEST_DATA: '/data/x', PETLAB_CACHE_DIR: '/c' }, shared), { dir: '/data/x', kind: 'env' });
  assert.deepEqual(resolveDataRoot({ PETLAB_CACHE_DIR: '/c' }, shared), { dir: shared, kind: 'shared' });
  assert.deepEqual(resolveDataRoot({ PETLAB_CACHE_DIR: '/c' }, path.join(work, 'none')), { dir: '/c/test-data', kind: 'cache' });
});

test('an asset counts in a filled folder when its files are there; in the cache only once verified', () => {
  const dir = tempDir();
  const photo = path.join(dir, 'data', 'sample-photos', 'cat_720p.jpg');
  mkdirSync(path.dirname(photo), { recursive: true });
  writeFileSync(photo, 'x');
  assert.equal(assetPresent({ dir, kind: 'env' }, 'sample-photos'), true);
  assert.equal(assetPresent({ dir, kind: 'cache' }, 'sample-photos'), false, 'a half-finished download does not count');
  mkdirSync(path.join(dir, '.assets'));
  writeFileSync(assetMarker(dir, 'sample-photos'), '{}');
  assert.equal(assetPresent({ dir, kind: 'cache' }, 'sample-photos'), true);
});

test('the skip line names the asset and how to get it, in one line', () => {
  const cache = { dir: '/c/test-data', kind: 'cache' as const };
  const pub = missingMessage(cache, 'cats-dogs');
  assert.match(pub, /^missing test data: cats-dogs: .*; run `npm run test:data` \(65\.4 MB, into \/c\/test-data\)$/);
  assert.match(missingMessage(cache, 'mobilenet-v2-tfjs'), /^missing test data: mobilenet-v2-tfjs: .*PETLAB_MIRROR.*PETLAB_TEST_DATA/);
  assert.match(missingMessage(cache, 'oxford-pets-partial'), /^missing test data: oxford-pets-partial: .*PETLAB_TEST_DATA=DIR$/);
  assert.match(
    missingMessage({ dir: '/s', kind: 'shared' }, 'cats-dogs'),
    /^missing test data: cats-dogs: .*; not in \/s /,
    'a folder someone filled is not downloaded into',
  );
  for (const m of [pub, missingMessage({ dir: '/d', kind: 'env' }, 'sample-photos')]) assert.ok(!m.includes('\n'));
});

test('the plan says what is missing and its size before anything is fetched', () => {
  const p = plan({ dataDir: tempDir(), names: ['cats-dogs', 'mobilenet-v2-tfjs', 'oxford-pets-partial'] });
  assert.deepEqual(
    p.todo.map((a) => a.name),
    ['cats-dogs'],
    'without a mirror only the public asset can be fetched',
  );
  assert.equal(p.bytes, 68_606_236);
  assert.deepEqual(
    p.unavailable.map((u) => u.name),
    ['mobilenet-v2-tfjs', 'oxford-pets-partial'],
  );
});

test(
  'from a mirror: files verified by sha256 (a cut transfer resumed with Range) and linked into a folder laid out like ../shared; a second run transfers nothing',
  { skip: skipUnless('sample-photos', 'mobilenet-v1-tflite') },
  async () => {
    const server = await startFileServer();
    try {
      server.route('/m/test-data/', SHARED);
      server.route('/m/backbones/mobilenet_v1_075_192/', path.join(SHARED, 'models', 'mobilenet_v1_0.75_192_quant'));
      const tflUrl = '/m/backbones/mobilenet_v1_075_192/mobilenet_v1_0.75_192_quant.tflite';
      server.cut(tflUrl, 0.5, 1);
      const cacheDir = tempDir();
      const dataDir = path.join(cacheDir, 'test-data');
      const o = { dataDir, cacheDir, mirror: `${server.base}/m`, names: ['sample-photos', 'mobilenet-v1-tflite'] as const };
      const r = await fetchTestData({ ...o, names: [...o.names] });
      assert.deepEqual(r.failed, []);
      assert.ok(
        server.requests.some((q) => q.path === tflUrl && q.range?.startsWith('bytes=') && q.status === 206),
        'the cut transfer resumed with a Range request',
      );
      assert.deepEqual(r.fetched.sort(), ['mobilenet-v1-tflite', 'sample-photos']);
      const tfl = 'models/mobilenet_v1_0.75_192_quant/mobilenet_v1_0.75_192_quant.tflite';
      assert.deepEqual(readFileSync(path.join(dataDir, tfl)), readFileSync(path.join(SHARED, tfl)));
      // the backbone file is petlab's own cache entry, hard-linked (one copy on disk)
      const cached = path.join(cacheDir, 'backbones', 'mobilenet_v1_075_192', 'mobilenet_v1_0.75_192_quant.tflite');
      assert.equal(statSync(cached).ino, statSync(path.join(dataDir, tfl)).ino);
      assert.ok(assetPresent({ dir: dataDir, kind: 'cache' }, 'sample-photos'));
      const served = server.totalServed();
      const again = await fetchTestData({ ...o, names: [...o.names] });
      assert.deepEqual(again.fetched, []);
      assert.deepEqual(again.present.sort(), ['mobilenet-v1-tflite', 'sample-photos']);
      assert.equal(server.totalServed(), served, 'nothing transferred the second time');
    } finally {
      await server.close();
    }
  },
);

test(
  "a mirror's wrong copy of a file with no public origin fails its checksum and the asset stays missing",
  { skip: skipUnless('sample-photos') },
  async () => {
    const server = await startFileServer();
    try {
      const bad = tempDir();
      const f = path.join(bad, 'data', 'sample-photos');
      mkdirSync(f, { recursive: true });
      const src = getAsset('sample-photos').source;
      for (const file of src.kind === 'files' ? src.files : []) {
        const bytes = Buffer.from(readFileSync(path.join(SHARED, file.to)));
        if (file.to.endsWith('hot_dog.jpg')) bytes[100] ^= 1;
        writeFileSync(path.join(bad, file.to), bytes);
      }
      server.route('/m/test-data/', bad);
      const cacheDir = tempDir();
      const dataDir = path.join(cacheDir, 'test-data');
      const r = await fetchTestData({ dataDir, cacheDir, mirror: `${server.base}/m`, names: ['sample-photos'] });
      assert.equal(r.failed.length, 1);
      assert.match(r.failed[0].error, /hot_dog\.jpg/);
      assert.match(r.failed[0].error, /is not the expected file/);
      assert.equal(assetPresent({ dir: dataDir, kind: 'cache' }, 'sample-photos'), false);
    } finally {
      await server.close();
    }
  },
);

test(
  'cats-dogs: the extracted train/ must match the pinned digest of its git blob ids; a wrong zip is deleted',
  { skip: skipUnless('cats-dogs') },
  async () => {
    const s = getAsset('cats-dogs').source;
    assert.equal(s.kind, 'zip');
    if (s.kind !== 'zip') return;
    // the digest is over the real files: ../shared's train/ gives the pinned value
    assert.deepEqual(await treeDigest(CATS_DOGS), s.tree);
    const server = await startFileServer();
    try {
      const served = tempDir();
      const names = ['cats/cat.0.jpg', 'dogs/dog.0.jpg'];
      writeFileSync(
        path.join(served, 'c.zip'),
        makeZip(names.map((n) => ({ name: `cats_and_dogs_filtered/train/${n}`, data: readFileSync(path.join(CATS_DOGS, n)) }))),
      );
      server.route(`/m/${s.cachePath}`, path.join(served, 'c.zip'));
      const cacheDir = tempDir();
      const dataDir = path.join(cacheDir, 'test-data');
      const r = await fetchTestData({ dataDir, cacheDir, mirror: `${server.base}/m`, names: ['cats-dogs'] });
      assert.equal(r.failed.length, 1);
      assert.match(r.failed[0].error, /not the expected one \(expected 2000 files.*got 2 files/);
      assert.ok(!existsSync(path.join(cacheDir, ...s.cachePath.split('/'))), 'the archive was deleted');
      assert.ok(!existsSync(path.join(dataDir, 'data', 'cats_and_dogs_filtered')), 'nothing half-made is left in the data folder');
      assert.equal(assetPresent({ dir: dataDir, kind: 'cache' }, 'cats-dogs'), false);
    } finally {
      await server.close();
    }
  },
);
