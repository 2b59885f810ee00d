import assert from 'node:assert/strict';
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { isPetlabError } from '../src/core/errors.js';
import { DATASETS_FILE, datasetStatus, defaultDatasetName, getDatasetEntry, listDatasets, loadDatasetRegistry } from '../src/core/registry/datasets.js';
import { SHARED, skipUnless, tempDir } from './helpers/shared.js';

describe('dataset registry', () => {
  it('has oxford-pets (default) and cats-vs-dogs, each saying what to pass as --data', () => {
    assert.deepEqual(
      loadDatasetRegistry().map((e) => e.name),
      ['oxford-pets', 'cats-vs-dogs'],
    );
    assert.equal(defaultDatasetName(), 'oxford-pets');
    const pets = getDatasetEntry('oxford-pets');
    assert.deepEqual(
      pets.archives.map((a) => a.file),
      ['images.tar.gz', 'annotations.tar.gz'],
    );
    assert.ok(pets.archives.every((a) => a.md5 && a.url.startsWith('https://www.robots.ox.ac.uk/~vgg/data/pets/data/')));
    assert.equal(pets.dataDir, '.');
    assert.equal(pets.classCount, 37);
    const cats = getDatasetEntry('cats-vs-dogs');
    assert.equal(cats.dataDir, 'cats_and_dogs_filtered');
    // no published checksum: the entry must say so rather than pretend
    assert.ok(!cats.archives[0].md5 && !cats.archives[0].sha256 && /checksum/i.test(cats.archives[0].checksumNote ?? ''));
  });

  it('the official checksums in the registry are the ones in ../shared/README.md', { skip: skipUnless('shared-readme') }, () => {
    const readme = readFileSync(path.join(SHARED, 'README.md'), 'utf8');
    for (const a of getDatasetEntry('oxford-pets').archives) {
      assert.ok(readme.includes(`${a.url}\` (md5 \`${a.md5}\`)`), `${a.file}: ${a.md5}`);
    }
  });

  it('listDatasets and datasetStatus on an empty cache: nothing ready, download sizes offered', async () => {
    const cacheDir = tempDir('petlab-dsreg-');
    const rows = listDatasets(cacheDir);
    assert.ok(rows.every((r) => !r.cached));
    for (const r of rows) {
      const e = getDatasetEntry(r.name);
      assert.equal(
        r.downloadBytes,
        e.archives.reduce((s, a) => s + (a.size ?? 0), 0),
      );
      assert.equal(r.imageCount, e.imageCount);
      assert.ok(r.path.startsWith(path.join(cacheDir, 'datasets', r.name)));
    }
    const st = await datasetStatus('oxford-pets', cacheDir);
    assert.equal(st.ready, false);
    assert.equal(st.downloadBytes, rows[0].downloadBytes);
    // one archive already fully in the cache: only the other is left to download
    const pets = getDatasetEntry('oxford-pets');
    const small = pets.archives[1];
    await fs.mkdir(path.join(cacheDir, 'datasets', 'oxford-pets'), { recursive: true });
    await fs.writeFile(path.join(cacheDir, 'datasets', 'oxford-pets', small.file), Buffer.alloc(small.size!));
    assert.equal((await datasetStatus('oxford-pets', cacheDir)).downloadBytes, pets.archives[0].size);
  });

  it('a broken entry stops with a message naming the file, the entry and the field', async () => {
    const dir = tempDir('petlab-dsreg-bad-');
    const cases: Array<[string, (r: { datasets: Array<Record<string, unknown>> }) => void, RegExp]> = [
      [
        'nochecksum',
        (r) => delete (r.datasets[1].archives as Array<Record<string, unknown>>)[0].checksumNote,
        /dataset 'cats-vs-dogs': archives \(cats_and_dogs_filtered\.zip\) needs sha256 or md5, or a checksumNote/,
      ],
      [
        'md5',
        (r) => ((r.datasets[0].archives as Array<Record<string, unknown>>)[0].md5 = 'xyz'),
        /dataset 'oxford-pets': archives\[0\]\.md5 must be 32 lowercase hex digits/,
      ],
      [
        'kind',
        (r) => ((r.datasets[0].archives as Array<Record<string, unknown>>)[0].file = 'images.rar'),
        /archives\[0\]\.file must be a file name ending in \.tar\.gz/,
      ],
      ['datadir', (r) => (r.datasets[1].dataDir = '../elsewhere'), /dataset 'cats-vs-dogs': dataDir must be a plain relative path/],
      ['count', (r) => (r.datasets[0].imageCount = -3), /imageCount must be an integer >= 1/],
    ];
    for (const [label, mutate, pattern] of cases) {
      const reg = JSON.parse(readFileSync(DATASETS_FILE, 'utf8'));
      mutate(reg);
      const file = path.join(dir, `${label}.json`);
      await fs.writeFile(file, JSON.stringify(reg));
      assert.throws(
        () => loadDatasetRegistry(file),
        (e: unknown) => isPetlabError(e) && pattern.test(e.message) && e.message.startsWith(`${label}.json: `),
        label,
      );
    }
  });

  it('an unknown dataset is a usage error listing the known ones', async () => {
    await assert.rejects(
      datasetStatus('imagenet', tempDir()),
      (e: unknown) => isPetlabError(e) && e.kind === 'usage' && !!e.hint?.includes('oxford-pets, cats-vs-dogs'),
    );
  });
});
