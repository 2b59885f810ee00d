import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { downloadFile } from '../src/core/download/download-file.js';
import { isPetlabError } from '../src/core/errors.js';
import type { PetlabEvent, ProgressEvent } from '../src/core/events.js';
import { getBackboneEntry } from '../src/core/registry/backbones.js';
import { closedPort, startFileServer, type FileServer } from './helpers/file-server.js';
import { MOBILENET_V2_TFLITE, tempDir, skipUnless } from './helpers/shared.js';

/** Real data these tests need; without it they are skipped, naming it (see helpers/test-data.ts). */
const NEEDS = skipUnless('mobilenet-v2-tflite');

const entry = getBackboneEntry('mobilenet_v2');
const tflite = entry.files.find((f) => f.path === entry.model)!;
const SIZE = tflite.size;

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

describe('downloadFile', () => {
  let server: FileServer;
  let work: string;

  before(async () => {
    if (NEEDS) return;
    server = await startFileServer();
    work = tempDir('petlab-dl-');
    // the real 3.6 MB mobilenet file from ../shared, under a few URL paths with different behaviour
    for (const p of ['/plain/m.tflite', '/cut/m.tflite', '/cut2/m.tflite', '/norange/m.tflite', '/final/m.tflite']) server.route(p, MOBILENET_V2_TFLITE);
    server.redirect('/redirect/m.tflite', '/final/m.tflite');
    const corrupt = Buffer.from(readFileSync(MOBILENET_V2_TFLITE));
    corrupt[corrupt.length >> 1] ^= 0xff;
    await fs.writeFile(path.join(work, 'corrupt.tflite'), corrupt);
    server.route('/corrupt/m.tflite', path.join(work, 'corrupt.tflite'));
    await fs.writeFile(path.join(work, 'small.bin'), Buffer.alloc(1000, 7));
    server.route('/small.bin', path.join(work, 'small.bin'));
  });
  after(() => server?.close());

  it('downloads through a redirect, verifies against the registry sha256, reports throttled byte progress', { skip: NEEDS }, async () => {
    const dest = path.join(work, 'a', 'm.tflite');
    const events: PetlabEvent[] = [];
    const r = await downloadFile({ url: `${server.base}/redirect/m.tflite`, dest, sha256: tflite.sha256, size: SIZE, onEvent: (e) => events.push(e) });
    assert.equal(r.source, 'origin');
    assert.equal(sha256(dest), tflite.sha256);
    assert.equal(existsSync(`${dest}.part`), false);
    const progress = events.filter((e): e is ProgressEvent => e.type === 'progress');
    assert.ok(progress.length >= 1);
    for (const p of progress) {
      assert.equal(p.phase, 'download');
      assert.equal(p.unit, 'bytes');
      assert.equal(p.total, SIZE);
    }
    assert.equal(progress.at(-1)!.done, SIZE);
    // 3.6 MB arrives in ~55 chunks of 64 KB: far fewer events than chunks
    assert.ok(progress.length < 20, `${progress.length} progress events`);
    assert.ok(events.some((e) => e.type === 'phase' && e.phase === 'download'));

    // the verified file is then used as is: no request at all
    const before = server.requests.length;
    const again = await downloadFile({ url: `${server.base}/redirect/m.tflite`, dest, sha256: tflite.sha256, size: SIZE });
    assert.equal(again.source, 'cache');
    assert.equal(server.requests.length, before);
  });

  it('resumes a transfer cut halfway with a Range request, fetching about the file size in total', { skip: NEEDS }, async () => {
    server.cut('/cut/m.tflite', 0.5);
    const dest = path.join(work, 'b', 'm.tflite');
    const r = await downloadFile({ url: `${server.base}/cut/m.tflite`, dest, sha256: tflite.sha256, size: SIZE });
    assert.equal(r.source, 'origin');
    assert.equal(sha256(dest), tflite.sha256);
    const reqs = server.requests.filter((q) => q.path === '/cut/m.tflite');
    assert.equal(reqs.length, 2);
    assert.equal(reqs[0].range, undefined);
    const m = /^bytes=(\d+)-$/.exec(reqs[1].range ?? '');
    assert.ok(m, `second request sent Range: ${reqs[1].range}`);
    assert.ok(Number(m[1]) > SIZE * 0.3 && Number(m[1]) <= SIZE * 0.5, `resumed from ${m[1]}`);
    assert.equal(reqs[1].status, 206);
    const served = server.totalServed('/cut/m.tflite');
    assert.ok(served >= SIZE && served < SIZE * 1.05, `served ${served} bytes for a ${SIZE}-byte file`);
  });

  it('keeps the partial file when a call fails, and the next call resumes it', { skip: NEEDS }, async () => {
    server.cut('/cut2/m.tflite', 0.4);
    const dest = path.join(work, 'c', 'm.tflite');
    const opts = { url: `${server.base}/cut2/m.tflite`, dest, sha256: tflite.sha256, size: SIZE, retries: 0 };
    await assert.rejects(downloadFile(opts), (e: unknown) => isPetlabError(e) && e.message.includes('/cut2/m.tflite'));
    assert.equal(existsSync(dest), false);
    const partial = (await fs.stat(`${dest}.part`)).size;
    assert.ok(partial > 0 && partial < SIZE);
    await downloadFile(opts);
    assert.equal(sha256(dest), tflite.sha256);
    const last = server.requests.filter((q) => q.path === '/cut2/m.tflite').at(-1)!;
    assert.equal(last.range, `bytes=${partial}-`);
    assert.ok(last.ifRange, 'the resume carries If-Range, so a changed file is sent whole');
    assert.ok(server.totalServed('/cut2/m.tflite') < SIZE * 1.05);
  });

  it('a cancelled download keeps its partial file and the next call resumes it', { skip: NEEDS }, async () => {
    const dest = path.join(work, 'abort', 'm.tflite');
    const ac = new AbortController();
    const opts = { url: `${server.base}/plain/m.tflite`, dest, sha256: tflite.sha256, size: SIZE };
    await assert.rejects(
      downloadFile({ ...opts, signal: ac.signal, onBytes: (done: number) => done > SIZE / 4 && ac.abort() }),
      (e: unknown) => (e as Error).name === 'AbortError',
    );
    const partial = (await fs.stat(`${dest}.part`)).size;
    assert.ok(partial > 0 && partial < SIZE);
    await downloadFile(opts);
    assert.equal(sha256(dest), tflite.sha256);
    assert.equal(server.requests.filter((q) => q.path === '/plain/m.tflite').at(-1)!.range, `bytes=${partial}-`);
  });

  it('restarts cleanly when the server ignores Range', { skip: NEEDS }, async () => {
    server.ignoreRange = true;
    try {
      server.cut('/norange/m.tflite', 0.5);
      const dest = path.join(work, 'd', 'm.tflite');
      await downloadFile({ url: `${server.base}/norange/m.tflite`, dest, sha256: tflite.sha256, size: SIZE });
      assert.equal(sha256(dest), tflite.sha256);
      const reqs = server.requests.filter((q) => q.path === '/norange/m.tflite');
      assert.ok(reqs[1].range, 'it asked for a range');
      assert.equal(reqs[1].status, 200, 'and got the whole file, which it wrote from the start');
    } finally {
      server.ignoreRange = false;
    }
  });

  it('restarts cleanly when a stale partial file does not fit the server file (416)', { skip: NEEDS }, async () => {
    const dest = path.join(work, 'e', 'small.bin');
    await fs.mkdir(path.dirname(dest), { recursive: true });
    await fs.writeFile(`${dest}.part`, Buffer.alloc(5000, 1)); // longer than the real file, size unknown to the caller
    const want = createHash('sha256').update(Buffer.alloc(1000, 7)).digest('hex');
    await downloadFile({ url: `${server.base}/small.bin`, dest, sha256: want });
    assert.equal(sha256(dest), want);
    const statuses = server.requests.filter((q) => q.path === '/small.bin').map((q) => q.status);
    assert.deepEqual(statuses, [416, 200]);
  });

  it('deletes a download that fails its checksum and names URL, expected and actual digest', { skip: NEEDS }, async () => {
    const dest = path.join(work, 'f', 'm.tflite');
    const url = `${server.base}/corrupt/m.tflite`;
    await assert.rejects(downloadFile({ url, dest, sha256: tflite.sha256, size: SIZE }), (e: unknown) => {
      assert.ok(isPetlabError(e));
      assert.match(e.message, /sha256/);
      assert.ok(e.message.includes(url));
      assert.ok(e.message.includes(tflite.sha256));
      assert.ok(e.message.includes(sha256(path.join(work, 'corrupt.tflite'))));
      assert.match(e.message, /deleted/);
      return true;
    });
    assert.deepEqual(await fs.readdir(path.dirname(dest)), []);
  });

  it('replaces a cached file that no longer matches its checksum', { skip: NEEDS }, async () => {
    const dest = path.join(work, 'g', 'm.tflite');
    await fs.mkdir(path.dirname(dest), { recursive: true });
    await fs.copyFile(path.join(work, 'corrupt.tflite'), dest); // right size, wrong bytes, no marker
    const events: PetlabEvent[] = [];
    const r = await downloadFile({ url: `${server.base}/plain/m.tflite`, dest, sha256: tflite.sha256, size: SIZE, onEvent: (e) => events.push(e) });
    assert.equal(r.source, 'origin');
    assert.equal(sha256(dest), tflite.sha256);
    assert.ok(events.some((e) => e.type === 'warning' && e.message.includes('fails its sha256 check')));
  });

  it('offline with nothing cached: names the URL, the cache path to fill by hand, and the mirror setting', { skip: NEEDS }, async () => {
    const port = await closedPort();
    const url = `http://127.0.0.1:${port}/backbones/m.tflite`;
    const dest = path.join(work, 'h', 'backbones', 'mobilenet_v2', 'm.tflite');
    await assert.rejects(downloadFile({ url, dest, sha256: tflite.sha256, size: SIZE, cachePath: 'backbones/mobilenet_v2/m.tflite' }), (e: unknown) => {
      assert.ok(isPetlabError(e));
      const text = `${e.message}\n${e.hint}`;
      assert.ok(e.message.includes(url), e.message);
      assert.match(e.message, /connection refused/);
      assert.ok(text.includes(dest), text);
      assert.ok(text.includes('PETLAB_MIRROR'), text);
      assert.ok(text.includes('petlab config set mirror'), text);
      assert.ok(text.includes('backbones/mobilenet_v2/m.tflite'), text);
      return true;
    });
    assert.equal(existsSync(dest), false);
  });
});
