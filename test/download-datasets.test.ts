import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, promises as fs, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { scanDataset } from '../src/core/data/scan.js';
import { datasetStatus, getDataset } from '../src/core/download/datasets.js';
import { isPetlabError } from '../src/core/errors.js';
import type { PetlabEvent } from '../src/core/events.js';
import { DATASETS_FILE, listDatasets } from '../src/core/registry/datasets.js';
import { hasTool, makeTarGz, makeZip } from './helpers/archives.js';
import { closedPort, startFileServer, type FileServer } from './helpers/file-server.js';
import { CATS_DOGS, PETS, tempDir, skipUnless } from './helpers/shared.js';

/** Real data these tests need; without it they are skipped, naming it (see helpers/test-data.ts). */
const NEEDS = skipUnless('oxford-pets-partial', 'cats-dogs');

const PET_IMAGES = [
  'Abyssinian_1.jpg',
  'Abyssinian_10.jpg',
  'Abyssinian_100.jpg',
  'american_bulldog_10.jpg',
  'american_bulldog_100.jpg',
  'american_bulldog_101.jpg',
];
const CAT_DOG = ['cats/cat.0.jpg', 'cats/cat.1.jpg', 'dogs/dog.0.jpg', 'dogs/dog.1.jpg'];

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

/** Pack `files` (relative paths under `root`) into a .tar.gz with the tar tool, or byte by byte without it. */
function tarGz(out: string, root: string, files: string[]): void {
  if (hasTool('tar')) execFileSync('tar', ['-czf', out, '-C', root, ...files]);
  else writeFileSync(out, makeTarGz(files.map((f) => ({ name: f, data: readFileSync(path.join(root, f)) }))));
}

describe('datasets: download, verify, extract', () => {
  let server: FileServer;
  let work: string;
  let registry: string;
  let offlineRegistry: string;
  const archiveBytes: Record<string, Buffer> = {};

  before(async () => {
    if (NEEDS) return;
    server = await startFileServer();
    work = tempDir('petlab-datasets-');
    // tiny Oxford-style tarballs: a few real pet photos and the real annotation lists
    const pets = path.join(work, 'src-pets');
    await fs.mkdir(path.join(pets, 'images'), { recursive: true });
    await fs.mkdir(path.join(pets, 'annotations'), { recursive: true });
    for (const f of PET_IMAGES) await fs.copyFile(path.join(PETS, 'images', f), path.join(pets, 'images', f));
    for (const f of ['list.txt', 'trainval.txt', 'test.txt']) await fs.copyFile(path.join(PETS, 'annotations', f), path.join(pets, 'annotations', f));
    const served = path.join(work, 'served');
    await fs.mkdir(served);
    tarGz(
      path.join(served, 'images.tar.gz'),
      pets,
      PET_IMAGES.map((f) => `images/${f}`),
    );
    tarGz(path.join(served, 'annotations.tar.gz'), pets, ['annotations/list.txt', 'annotations/trainval.txt', 'annotations/test.txt']);
    // a cats-vs-dogs style zip: cats_and_dogs_filtered/{train,validation}/{cats,dogs}
    const zipEntries = [];
    for (const split of ['train', 'validation'])
      for (const f of CAT_DOG) zipEntries.push({ name: `cats_and_dogs_filtered/${split}/${f}`, data: readFileSync(path.join(CATS_DOGS, f)), deflate: true });
    await fs.writeFile(path.join(served, 'cats_and_dogs_filtered.zip'), makeZip(zipEntries));
    for (const f of await fs.readdir(served)) archiveBytes[f] = readFileSync(path.join(served, f));
    server.route('/data/', served);

    // the real registry, with the archives pointing at the test server (sizes and md5s of the test archives)
    const reg = JSON.parse(readFileSync(DATASETS_FILE, 'utf8')) as {
      datasets: Array<{ name: string; archives: Array<{ file: string; url: string; md5?: string; size?: number }> }>;
    };
    for (const d of reg.datasets) {
      // the tiny zip holds 4 pictures per split, not the published 2,000 + 1,000 (the real listing is checked in faults-download)
      if (d.name === 'cats-vs-dogs')
        (d as { contents?: unknown }).contents = [
          { dir: 'cats_and_dogs_filtered/train', files: 4 },
          { dir: 'cats_and_dogs_filtered/validation', files: 4 },
        ];
      for (const a of d.archives) {
        a.url = `${server.base}/data/${a.file}`;
        a.size = archiveBytes[a.file].length;
        if (a.md5) a.md5 = md5(archiveBytes[a.file]);
      }
    }
    registry = path.join(work, 'datasets.json');
    await fs.writeFile(registry, JSON.stringify(reg));
    const port = await closedPort();
    offlineRegistry = path.join(work, 'datasets-offline.json');
    await fs.writeFile(offlineRegistry, JSON.stringify(reg).replaceAll(server.base, `http://127.0.0.1:${port}`));
  });
  after(() => server?.close());

  it(
    'oxford-pets: downloads both tarballs, verifies, extracts images/ + annotations/ usable as --data; a second call does nothing',
    { skip: NEEDS },
    async () => {
      const cacheDir = path.join(work, 'cache-pets');
      const before = await datasetStatus('oxford-pets', cacheDir, registry);
      assert.equal(before.ready, false);
      assert.equal(before.downloadBytes, archiveBytes['images.tar.gz'].length + archiveBytes['annotations.tar.gz'].length);

      const events: PetlabEvent[] = [];
      const dir = await getDataset('oxford-pets', { cacheDir, mirror: '', registryFile: registry, onEvent: (e) => events.push(e) });
      assert.equal(dir, path.join(cacheDir, 'datasets', 'oxford-pets', 'extracted'));
      for (const f of PET_IMAGES) assert.deepEqual(readFileSync(path.join(dir, 'images', f)), readFileSync(path.join(PETS, 'images', f)));
      assert.ok(existsSync(path.join(dir, 'annotations', 'trainval.txt')));
      assert.ok(events.some((e) => e.type === 'progress' && e.phase === 'download' && e.unit === 'bytes'));
      assert.ok(events.some((e) => e.type === 'progress' && e.phase === 'extract'));
      // the archives are not kept beside the extracted copy
      assert.deepEqual((await fs.readdir(path.join(cacheDir, 'datasets', 'oxford-pets'))).sort(), ['extracted']);

      const ds = await scanDataset(dir);
      assert.equal(ds.layout, 'oxford-pets');
      assert.deepEqual(ds.classes.length, 2);
      assert.equal(ds.items.length, PET_IMAGES.length);

      const after = await datasetStatus('oxford-pets', cacheDir, registry);
      assert.equal(after.ready, true);
      assert.equal(after.dataDir, dir);
      assert.equal(after.downloadBytes, 0);
      assert.equal(listDatasets(cacheDir, registry).find((r) => r.name === 'oxford-pets')?.cached, true);

      const requests = server.requests.length;
      const marker = await fs.stat(path.join(dir, '.petlab-extracted.json'));
      const events2: PetlabEvent[] = [];
      assert.equal(await getDataset('oxford-pets', { cacheDir, mirror: '', registryFile: registry, onEvent: (e) => events2.push(e) }), dir);
      assert.equal(server.requests.length, requests, 'no network');
      assert.equal(events2.length, 0, 'no download, no extraction');
      assert.equal((await fs.stat(path.join(dir, '.petlab-extracted.json'))).mtimeMs, marker.mtimeMs);
    },
  );

  it('cats-vs-dogs: a zip without a published checksum is checked by size and extraction; --data is cats_and_dogs_filtered/', { skip: NEEDS }, async () => {
    const cacheDir = path.join(work, 'cache-cats');
    const dir = await getDataset('cats-vs-dogs', { cacheDir, mirror: '', registryFile: registry });
    assert.equal(dir, path.join(cacheDir, 'datasets', 'cats-vs-dogs', 'extracted', 'cats_and_dogs_filtered'));
    const ds = await scanDataset(dir);
    assert.equal(ds.layout, 'split-folders');
    assert.deepEqual(ds.classes, ['cats', 'dogs']);
    assert.equal(ds.items.filter((i) => i.split === 'val').length, CAT_DOG.length);
  });

  it('a mirror folder laid out like the cache is used with the origin unreachable', { skip: NEEDS }, async () => {
    const mirror = path.join(work, 'mirror');
    await fs.mkdir(path.join(mirror, 'datasets', 'oxford-pets'), { recursive: true });
    for (const f of ['images.tar.gz', 'annotations.tar.gz']) await fs.writeFile(path.join(mirror, 'datasets', 'oxford-pets', f), archiveBytes[f]);
    const cacheDir = path.join(work, 'cache-mirror');
    // leftovers of an extraction killed midway (its process is gone) are cleaned up
    const stale = path.join(cacheDir, 'datasets', 'oxford-pets', '.extracted.tmp-999999999-dead');
    await fs.mkdir(path.join(stale, 'images'), { recursive: true });
    const dir = await getDataset('oxford-pets', { cacheDir, mirror, registryFile: offlineRegistry });
    assert.equal((await fs.readdir(path.join(dir, 'images'))).length, PET_IMAGES.length);
    assert.equal(existsSync(stale), false);
  });

  it('offline with no mirror: the error names the URL, the cache path and the mirror setting; nothing looks ready', { skip: NEEDS }, async () => {
    const cacheDir = path.join(work, 'cache-offline');
    await assert.rejects(getDataset('cats-vs-dogs', { cacheDir, mirror: '', registryFile: offlineRegistry }), (e: unknown) => {
      assert.ok(isPetlabError(e));
      const text = `${e.message}\n${e.hint}`;
      assert.match(e.message, /^cannot download http:\/\/127\.0\.0\.1:\d+\/data\/cats_and_dogs_filtered\.zip/);
      assert.ok(text.includes(path.join(cacheDir, 'datasets', 'cats-vs-dogs', 'cats_and_dogs_filtered.zip')), text);
      assert.ok(text.includes('datasets/cats-vs-dogs/cats_and_dogs_filtered.zip'), text);
      assert.ok(text.includes('PETLAB_MIRROR') && text.includes('petlab config set mirror'), text);
      return true;
    });
    assert.equal((await datasetStatus('cats-vs-dogs', cacheDir, offlineRegistry)).ready, false);
  });

  it('a failed extraction leaves nothing that looks complete; a bad unverifiable zip is deleted', { skip: NEEDS }, async () => {
    // an unsafe tarball that passes its (test-registry) md5: extraction refuses it, nothing is marked ready
    const evil = makeTarGz([
      { name: 'images/ok.jpg', data: 'x' },
      { name: '../../escape.txt', data: 'evil' },
    ]);
    const served = path.join(work, 'served-evil');
    await fs.mkdir(served);
    await fs.writeFile(path.join(served, 'images.tar.gz'), evil);
    await fs.writeFile(path.join(served, 'annotations.tar.gz'), archiveBytes['annotations.tar.gz']);
    server.route('/evil/', served);
    const reg = JSON.parse(readFileSync(registry, 'utf8')) as {
      datasets: Array<{ name: string; archives: Array<{ file: string; url: string; md5?: string; size?: number }> }>;
    };
    const pets = reg.datasets.find((d) => d.name === 'oxford-pets')!;
    pets.archives[0] = { ...pets.archives[0], url: `${server.base}/evil/images.tar.gz`, md5: md5(evil), size: evil.length };
    const cats = reg.datasets.find((d) => d.name === 'cats-vs-dogs')!;
    const badZip = Buffer.from(archiveBytes['cats_and_dogs_filtered.zip']);
    badZip[200] ^= 0xff; // inside the first entry's compressed data
    await fs.writeFile(path.join(served, 'cats_and_dogs_filtered.zip'), badZip);
    cats.archives[0] = { ...cats.archives[0], url: `${server.base}/evil/cats_and_dogs_filtered.zip` };
    const evilRegistry = path.join(work, 'datasets-evil.json');
    await fs.writeFile(evilRegistry, JSON.stringify(reg));

    const cacheDir = path.join(work, 'cache-evil');
    await assert.rejects(
      getDataset('oxford-pets', { cacheDir, mirror: '', registryFile: evilRegistry }),
      (e: unknown) => isPetlabError(e) && e.message.includes("'../../escape.txt'"),
    );
    const petsDir = path.join(cacheDir, 'datasets', 'oxford-pets');
    assert.deepEqual(
      (await fs.readdir(petsDir)).filter((f) => !f.startsWith('.')).sort(),
      ['annotations.tar.gz', 'images.tar.gz'],
      'no extracted/ and no temp folder left',
    );
    assert.equal(existsSync(path.join(cacheDir, 'escape.txt')), false);
    assert.equal(existsSync(path.join(cacheDir, 'datasets', 'escape.txt')), false);
    assert.equal((await datasetStatus('oxford-pets', cacheDir, evilRegistry)).ready, false);

    await assert.rejects(
      getDataset('cats-vs-dogs', { cacheDir, mirror: '', registryFile: evilRegistry }),
      (e: unknown) => isPetlabError(e) && /deleted/.test(e.message),
    );
    assert.deepEqual(
      (await fs.readdir(path.join(cacheDir, 'datasets', 'cats-vs-dogs'))).filter((f) => !f.startsWith('.')),
      [],
    );
  });
});
