import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ensureBackboneFiles } from '../src/core/download/backbone-files.js';
import { isPetlabError } from '../src/core/errors.js';
import type { PetlabEvent, ProgressEvent } from '../src/core/events.js';
import { BACKBONES_FILE, listBackbones, loadBackboneRegistry } from '../src/core/registry/backbones.js';
import { backboneSourceFor } from '../src/core/download/backbone-files.js';
import { closedPort, startFileServer, type FileServer } from './helpers/file-server.js';
import { DARKNET_TINY, SHARED, tempDir, skipUnless } from './helpers/shared.js';

/** Real data these tests need; without it they are skipped, naming it (see helpers/test-data.ts). */
const NEEDS = skipUnless('mobilenet-v2-tflite', 'imagenet-labels', 'darknet-tiny');

const MOBILENET_DIR = path.join(SHARED, 'models', 'mobilenet_v2_1.0_224_quant');

/** The real registry with every origin URL moved to `origin` (a closed port, or the test server). */
async function registryWithOrigin(dir: string, origin: string): Promise<string> {
  const text = readFileSync(BACKBONES_FILE, 'utf8').replaceAll('https://raw.githubusercontent.com', origin);
  const file = path.join(dir, `backbones-${createHash('md5').update(origin).digest('hex').slice(0, 8)}.json`);
  await fs.writeFile(file, text);
  return file;
}

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

describe('mirrors and the backbone cache', () => {
  let server: FileServer;
  let work: string;
  let offlineRegistry: string;
  let offlineOrigin: string;

  before(async () => {
    if (NEEDS) return;
    server = await startFileServer();
    work = tempDir('petlab-mirror-');
    offlineOrigin = `http://127.0.0.1:${await closedPort()}`;
    offlineRegistry = await registryWithOrigin(work, offlineOrigin);
    // a mirror served over HTTP, laid out like the cache
    server.route('/mirror/backbones/mobilenet_v2/', MOBILENET_DIR);
    server.route('/mirror/backbones/darknet_tiny/', DARKNET_TINY);
  });
  after(() => server?.close());

  it('takes every file from a mirror folder when the origin is unreachable, verified, with one progress bar', { skip: NEEDS }, async () => {
    const mirror = path.join(work, 'mirror-dir');
    await fs.mkdir(path.join(mirror, 'backbones'), { recursive: true });
    await fs.symlink(DARKNET_TINY, path.join(mirror, 'backbones', 'darknet_tiny'));
    const cacheDir = path.join(work, 'cache-a');
    const events: PetlabEvent[] = [];
    const got = await ensureBackboneFiles('darknet_tiny', { cacheDir, mirror, registryFile: offlineRegistry, onEvent: (e) => events.push(e) });
    const entry = got.entry;
    assert.equal(got.dir, path.join(cacheDir, 'backbones', 'darknet_tiny'));
    assert.equal(got.modelPath, path.join(got.dir, 'model.json'));
    for (const f of entry.files) assert.equal(sha256(path.join(got.dir, f.path)), f.sha256, f.path);
    // the labels have no public URL, but the mirror has them
    assert.equal(got.labelsFile, path.join(got.dir, 'darknet_imagenet1k_shortnames.txt'));
    const progress = events.filter((e): e is ProgressEvent => e.type === 'progress');
    const total = entry.files.reduce((s, f) => s + f.size, 0);
    assert.ok(progress.length > 0);
    for (let i = 1; i < progress.length; i++) assert.ok(progress[i].done >= progress[i - 1].done, 'done never goes back');
    assert.equal(progress.at(-1)!.done, total);
    assert.equal(progress.at(-1)!.total, total);
    assert.ok(progress.length < entry.files.length, 'one bar over 33 files, not one event per file');

    // the loader gets the declared facts of a tfjs-layers entry
    const src = await backboneSourceFor('darknet_tiny', { cacheDir, mirror: '', registryFile: offlineRegistry });
    assert.equal(src.path, got.modelPath);
    assert.deepEqual(src.declared?.inputRange, [0, 1]);
    assert.equal(src.declared?.embeddingLayer, 'leaky_re_lu_15');
    assert.equal(src.declared?.embeddingPool, 'avg');
  });

  it('takes files from a mirror base URL when the origin is unreachable; afterwards needs no network at all', { skip: NEEDS }, async () => {
    const cacheDir = path.join(work, 'cache-b');
    const mirror = `${server.base}/mirror`;
    const got = await ensureBackboneFiles('mobilenet_v2', { cacheDir, mirror, registryFile: offlineRegistry });
    const entry = got.entry;
    assert.equal(got.modelPath, path.join(cacheDir, 'backbones', 'mobilenet_v2', 'mobilenet_v2_1.0_224_quant.tflite'));
    assert.equal(sha256(got.modelPath), entry.files[0].sha256);
    assert.ok(got.labelsFile && existsSync(got.labelsFile));
    const served = server.totalServed();
    assert.equal(
      served,
      entry.files.reduce((s, f) => s + f.size, 0),
    );
    assert.equal(listBackbones(cacheDir, offlineRegistry).find((r) => r.name === 'mobilenet_v2')?.cached, true);

    // next start-up: no mirror, origin down, still fine, and nothing requested
    const requests = server.requests.length;
    const again = await ensureBackboneFiles('mobilenet_v2', { cacheDir, mirror: '', registryFile: offlineRegistry });
    assert.equal(again.modelPath, got.modelPath);
    assert.equal(again.downloadedBytes, 0);
    assert.equal(server.requests.length, requests);
  });

  it('offline, no mirror, nothing cached: the error names the URL, the cache path and the mirror setting', { skip: NEEDS }, async () => {
    const cacheDir = path.join(work, 'cache-c');
    const entry = loadBackboneRegistry(offlineRegistry).find((e) => e.name === 'mobilenet_v1_075_192')!;
    await assert.rejects(ensureBackboneFiles('mobilenet_v1_075_192', { cacheDir, mirror: '', registryFile: offlineRegistry }), (e: unknown) => {
      assert.ok(isPetlabError(e));
      const text = `${e.message}\n${e.hint}`;
      assert.ok(e.message.includes(entry.files[0].url!), e.message);
      assert.ok(e.message.startsWith(`cannot download ${offlineOrigin}`));
      assert.ok(text.includes(path.join(cacheDir, 'backbones', 'mobilenet_v1_075_192', 'mobilenet_v1_0.75_192_quant.tflite')), text);
      assert.ok(text.includes('PETLAB_MIRROR') && text.includes('petlab config set mirror'), text);
      return true;
    });
    assert.equal(listBackbones(cacheDir, offlineRegistry).find((r) => r.name === 'mobilenet_v1_075_192')?.cached, false);
  });

  it("skips a mirror's bad copy with a warning and fetches from the origin", { skip: NEEDS }, async () => {
    server.route('/origin/', SHARED); // origin layout does not matter; give it the real file
    const registry = path.join(work, 'origin-registry.json');
    const reg = JSON.parse(readFileSync(BACKBONES_FILE, 'utf8')) as { backbones: Array<{ name: string; files: Array<{ path: string; url?: string }> }> };
    const mob = reg.backbones.find((b) => b.name === 'mobilenet_v2')!;
    mob.files[0].url = `${server.base}/origin/models/mobilenet_v2_1.0_224_quant/mobilenet_v2_1.0_224_quant.tflite`;
    await fs.writeFile(registry, JSON.stringify(reg));
    const mirror = path.join(work, 'bad-mirror');
    const bad = path.join(mirror, 'backbones', 'mobilenet_v2', 'mobilenet_v2_1.0_224_quant.tflite');
    await fs.mkdir(path.dirname(bad), { recursive: true });
    const bytes = Buffer.from(readFileSync(path.join(MOBILENET_DIR, 'mobilenet_v2_1.0_224_quant.tflite')));
    bytes[1000] ^= 1;
    await fs.writeFile(bad, bytes);
    const events: PetlabEvent[] = [];
    const cacheDir = path.join(work, 'cache-d');
    const got = await ensureBackboneFiles('mobilenet_v2', { cacheDir, mirror, registryFile: registry, onEvent: (e) => events.push(e) });
    assert.equal(sha256(got.modelPath), got.entry.files[0].sha256);
    assert.ok(events.some((e) => e.type === 'warning' && e.message.includes('trying the origin')));
    assert.ok(server.totalServed('/origin/models/mobilenet_v2_1.0_224_quant/mobilenet_v2_1.0_224_quant.tflite') > 0);
    // the labels have no URL and the mirror lacks them: skipped, not an error
    assert.equal(got.labelsFile, undefined);
    // ...until the user puts them in the cache by hand: checked against the registry once, then used
    const labels = path.join(got.dir, 'imagenet_labels.txt');
    await fs.copyFile(path.join(MOBILENET_DIR, 'imagenet_labels.txt'), labels);
    const requests = server.requests.length;
    const again = await ensureBackboneFiles('mobilenet_v2', { cacheDir, mirror: '', registryFile: registry });
    assert.equal(again.labelsFile, labels);
    assert.equal(again.downloadedBytes, 0);
    assert.equal(server.requests.length, requests);
  });
});
