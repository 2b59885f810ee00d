/**
 * Download faults (issue 10, section 6), against a server on 127.0.0.1 serving the real MobileNetV2
 * file from ../shared: a server that ignores Range and stalls, one that never answers.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { downloadFile } from '../src/core/download/download-file.js';
import type { PetlabEvent } from '../src/core/events.js';
import { getBackboneEntry } from '../src/core/registry/backbones.js';
import { startFileServer, type FileServer } from './helpers/file-server.js';
import { MOBILENET_V2_TFLITE, tempDir, skipUnless } from './helpers/shared.js';
import { faultCase } from './helpers/faults.js';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { getDataset } from '../src/core/download/datasets.js';
import { DATASETS_FILE } from '../src/core/registry/datasets.js';
import { makeZip } from './helpers/archives.js';
import { CATS_DOGS } from './helpers/shared.js';

const entry = getBackboneEntry('mobilenet_v2');
const tflite = entry.files.find((f) => f.path === entry.model)!;

describe('faults: downloads', { skip: skipUnless('cats-dogs', 'mobilenet-v2-tflite') }, () => {
  let server: FileServer;
  let work: string;
  before(async () => {
    server = await startFileServer();
    work = tempDir('petlab-fdl-');
    server.route('/stall/m.tflite', MOBILENET_V2_TFLITE);
    server.route('/silent/m.tflite', MOBILENET_V2_TFLITE);
    server.silent('/silent/m.tflite');
  });
  after(() => server.close());

  it('a server that ignores Range and stalls after a few bytes: bounded retries, a clear message, the partial file kept honest', async () => {
    await faultCase('download: server ignores Range and stalls after 1000 bytes', async () => {
      const dest = path.join(work, 'stall', 'm.tflite');
      await fs.mkdir(path.dirname(dest), { recursive: true });
      // a partial download from an earlier run: the server will not resume it
      await fs.writeFile(`${dest}.part`, (await fs.readFile(MOBILENET_V2_TFLITE)).subarray(0, 5000));
      server.ignoreRange = true;
      server.stall('/stall/m.tflite', 1000);
      const events: PetlabEvent[] = [];
      const t0 = Date.now();
      const err = await downloadFile({
        url: `${server.base}/stall/m.tflite`,
        dest,
        sha256: tflite.sha256,
        size: tflite.size,
        timeoutMs: 300,
        noticeMs: 100,
        retries: 3,
        onEvent: (e) => events.push(e),
      }).then(
        () => undefined,
        (e: Error) => e,
      );
      server.ignoreRange = false;
      const secs = (Date.now() - t0) / 1000;
      assert.ok(err, 'the download fails');
      // bytes that only rewrite the start of the file are not progress: 1 + 3 attempts, not 100
      const tries = server.requests.filter((r) => r.path === '/stall/m.tflite').length;
      assert.equal(tries, 4, `${tries} requests`);
      assert.ok(secs < 10, `gave up after ${secs} s`);
      assert.match(err.message, /gave up after 4 attempts in a row without progress/);
      assert.match(err.message, /ignores Range/);
      assert.ok(
        events.some((e) => e.type === 'info' && /retrying in/.test(e.message)),
        'each retry is announced',
      );
      await assert.rejects(fs.access(dest), 'nothing unverified lands at dest');
    });
  });

  it('a server that accepts the connection and never answers: the wait is shown while it lasts', async () => {
    await faultCase('download: server never answers', async () => {
      const dest = path.join(work, 'silent', 'm.tflite');
      const events: Array<{ t: number; e: PetlabEvent }> = [];
      const t0 = Date.now();
      const err = await downloadFile({
        url: `${server.base}/silent/m.tflite`,
        dest,
        sha256: tflite.sha256,
        size: tflite.size,
        timeoutMs: 600,
        noticeMs: 150,
        retries: 1,
        onEvent: (e) => events.push({ t: Date.now() - t0, e }),
      }).then(
        () => undefined,
        (e: Error) => e,
      );
      assert.ok(err);
      assert.match(err.message, /timed out/);
      const waits = events.filter(({ e }) => e.type === 'info' && /waiting for 127\.0\.0\.1:\d+: no data for/.test(e.message));
      assert.ok(waits.length >= 4, `${waits.length} waiting notices`);
      // the first notice comes long before the attempt times out: no silence
      assert.ok(waits[0].t < 500, `first notice after ${waits[0].t} ms`);
    });
  });

  it('cats-vs-dogs: the archive is verified by its contents (the published training pictures), a swapped picture refused', async () => {
    // the zip as published: cats_and_dogs_filtered/train (the 2,000 real pictures of ../shared) and
    // validation (1,000 pictures; not in ../shared, so copies stand in: only their count is checked)
    const entries: Array<{ name: string; data: Buffer }> = [];
    for (const cls of ['cats', 'dogs']) {
      const files = readdirSync(path.join(CATS_DOGS, cls)).sort();
      for (const f of files) entries.push({ name: `cats_and_dogs_filtered/train/${cls}/${f}`, data: readFileSync(path.join(CATS_DOGS, cls, f)) });
      for (const f of files.slice(0, 500))
        entries.push({ name: `cats_and_dogs_filtered/validation/${cls}/v${f}`, data: readFileSync(path.join(CATS_DOGS, cls, f)) });
    }
    const serve = async (name: string, list: typeof entries) => {
      const zip = makeZip(list);
      await fs.mkdir(path.join(work, 'zips', name), { recursive: true });
      await fs.writeFile(path.join(work, 'zips', name, 'cats_and_dogs_filtered.zip'), zip);
      server.route(`/${name}/`, path.join(work, 'zips', name));
      // the real registry entry (its contents listing untouched), pointing at the test server
      const reg = JSON.parse(readFileSync(DATASETS_FILE, 'utf8')) as { datasets: Array<{ name: string; archives: Array<{ url: string; size?: number }> }> };
      const e = reg.datasets.find((d) => d.name === 'cats-vs-dogs')!;
      e.archives[0].url = `${server.base}/${name}/cats_and_dogs_filtered.zip`;
      e.archives[0].size = zip.length;
      const file = path.join(work, `${name}.json`);
      await fs.writeFile(file, JSON.stringify({ datasets: [e] }));
      return file;
    };
    await faultCase('download: cats-vs-dogs archive with the published pictures is accepted', async () => {
      const registryFile = await serve('good', entries);
      const dir = await getDataset('cats-vs-dogs', { cacheDir: path.join(work, 'cache-good'), mirror: '', registryFile });
      assert.equal(readdirSync(path.join(dir, 'train', 'cats')).length, 1000);
    });
    await faultCase('download: cats-vs-dogs archive with one picture swapped is refused and deleted', async () => {
      const swapped = entries.map((e) => (e.name.endsWith('/cats/cat.7.jpg') ? { ...e, data: entries[0].data } : e));
      const registryFile = await serve('swapped', swapped);
      const cacheDir = path.join(work, 'cache-bad');
      await assert.rejects(getDataset('cats-vs-dogs', { cacheDir, mirror: '', registryFile }), (e: Error) => {
        assert.match(e.message, /not the expected one: the files in cats_and_dogs_filtered\/train are not the published ones/);
        assert.match(e.message, /deleted/);
        return true;
      });
      const left = path.join(cacheDir, 'datasets', 'cats-vs-dogs');
      assert.ok(!existsSync(path.join(left, 'extracted')), 'nothing looks ready');
      assert.ok(!existsSync(path.join(left, 'cats_and_dogs_filtered.zip')), 'the bad archive is gone');
    });
  });
});
