/**
 * Issue 10 §2: what is the machine's fault (a full disk, a read-only folder, a folder petlab may
 * not read, Ctrl-C in a download) ends in one line naming the path and the fix, never "internal
 * error ... report it", and loses nothing. Disk-full cases run on a small tmpfs; where one cannot
 * be mounted (not root), they are skipped with a message saying so.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, existsSync, mkdtempSync, openSync, rmSync, readdirSync, readFileSync, writeSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { CATS_DOGS, MOBILENET_V2_TFJS, tempDir, skipUnless, listData } from './helpers/shared.js';
import { isolatedEnv, linkDataset, PETLAB_BIN, runPetlab, watchPetlab, type RunResult } from './helpers/cli.js';
import { EmbeddingCache } from '../src/core/embed/cache.js';

const cats = listData(path.join(CATS_DOGS, 'cats'))
  .sort()
  .slice(400, 416)
  .map((f) => `cats/${f}`);
const dogs = listData(path.join(CATS_DOGS, 'dogs'))
  .sort()
  .slice(400, 416)
  .map((f) => `dogs/${f}`);

const mounted: Array<() => void> = [];
process.on('exit', () => mounted.forEach((unmount) => unmount()));

/** A tmpfs of `size` (e.g. "2m") mounted on a fresh folder, or undefined where mounting is not allowed. */
function mountTmpfs(size: string, opts = ''): string | undefined {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'petlab-tmpfs-'));
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}${opts ? `,${opts}` : ''}`, 'tmpfs', dir], { encoding: 'utf8' });
  const remove = () => rmSync(dir, { recursive: true, force: true });
  if (r.status !== 0) {
    remove();
    return undefined;
  }
  mounted.push(() => {
    spawnSync('umount', ['-l', dir]);
    remove();
  });
  return dir;
}

function tmpfsOrSkip(t: TestContext, size: string, opts = ''): string | undefined {
  const dir = mountTmpfs(size, opts);
  if (!dir) t.skip(`skipped: cannot mount a ${size} tmpfs here (mount -t tmpfs needs root)`);
  return dir;
}

/** Write into dir until the disk is full. */
function fillDisk(dir: string): void {
  const fd = openSync(path.join(dir, `filler-${Date.now()}`), 'w');
  const chunk = Buffer.alloc(4096, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (e) {
    assert.equal((e as NodeJS.ErrnoException).code, 'ENOSPC');
  } finally {
    closeSync(fd);
  }
}

/** One error line naming what and where, exit 1, no "internal error", no stack trace. */
function assertEnvironmentError(r: { code: number | null; stderr: string }, re: RegExp): void {
  assert.equal(r.code, 1, r.stderr);
  assert.doesNotMatch(r.stderr, /internal error|report it|\n\s+at /, r.stderr);
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('petlab: error: '));
  assert.equal(errors.length, 1, r.stderr);
  assert.match(errors[0], re);
  assert.match(r.stderr, /\nhint: /);
}

test('disk full while the embedding cache is written: EmbeddingCache.flush names the folder and the fix', async (t) => {
  const disk = tmpfsOrSkip(t, '1m');
  if (!disk) return;
  const cache = await EmbeddingCache.open(disk, 'fp', 1280);
  fillDisk(disk);
  for (let i = 0; i < 8; i++) cache.put(i.toString(16).padStart(64, '0'), new Float32Array(1280).fill(i));
  await assert.rejects(cache.flush(), (e: Error) => {
    assert.equal(e.name, 'PetlabError');
    assert.match(e.message, new RegExp(`^no space left on the disk of ${path.join(disk, 'embeddings')} \\(writing the embedding cache\\)$`));
    assert.match((e as Error & { hint: string }).hint, /--cache-dir/);
    return true;
  });
});

test(
  'disk full during embedding, through the CLI: one line naming the cache, exit 1; too little space is refused before training',
  { skip: skipUnless('cats-dogs', 'mobilenet-v2-tfjs') },
  async (t) => {
    const disk = tmpfsOrSkip(t, '2m');
    if (!disk) return;
    const env = { ...isolatedEnv(), PETLAB_CACHE_DIR: disk };
    const data = linkDataset(CATS_DOGS, { cats, dogs });
    let paused = false;
    const r = await watchPetlab(
      ['train', '--data', data, '--backbone', MOBILENET_V2_TFJS, '--out', path.join(tempDir(), 'm'), '--epochs', '2', '--json'],
      env,
      (e, child) => {
        // the disk fills up (someone else's download) while petlab embeds
        if (e.type === 'progress' && e.phase === 'embed' && !paused) {
          paused = true;
          child.kill('SIGSTOP');
          fillDisk(disk);
          child.kill('SIGCONT');
        }
      },
    );
    assertEnvironmentError(r, new RegExp(`no space left on the disk of ${disk}/embeddings \\(writing the embedding cache\\)`));
    // the next run, on the full disk, is refused before it starts training
    const again = await runPetlab(['train', '--data', data, '--backbone', MOBILENET_V2_TFJS, '--out', path.join(tempDir(), 'm'), '--epochs', '2'], { env });
    assertEnvironmentError(
      again,
      new RegExp(`(only 0\\.0 MB free on the disk of ${disk}: the embedding cache needs about|no space left on the disk of ${disk})`),
    );
    assert.doesNotMatch(again.stderr, /epoch 1/, 'no training started');
  },
);

test('a read-only --out is refused before any work, naming it', { skip: skipUnless('cats-dogs', 'mobilenet-v2-tfjs') }, async (t) => {
  const ro = tmpfsOrSkip(t, '1m', 'ro');
  if (!ro) return;
  const data = linkDataset(CATS_DOGS, { cats, dogs });
  const r = await runPetlab(['train', '--data', data, '--backbone', MOBILENET_V2_TFJS, '--out', path.join(ro, 'model'), '--epochs', '2'], {
    env: isolatedEnv(),
  });
  assertEnvironmentError(r, new RegExp(`${ro} is on a read-only file system \\(writing --out\\)`));
  assert.doesNotMatch(r.stderr, /backend:/, 'before TensorFlow started');
});

test(
  '--out fills up during training: one line naming --out, exit 1, and the last checkpoint is kept whole',
  { skip: skipUnless('cats-dogs', 'mobilenet-v2-tfjs') },
  async (t) => {
    const disk = tmpfsOrSkip(t, '2m');
    if (!disk) return;
    const out = path.join(disk, 'model');
    const data = linkDataset(CATS_DOGS, { cats, dogs });
    let filled = false;
    const r = await watchPetlab(
      ['train', '--data', data, '--backbone', MOBILENET_V2_TFJS, '--out', out, '--epochs', '40', '--json'],
      isolatedEnv(),
      (e, child) => {
        if (e.type === 'checkpoint' && !filled) {
          filled = true;
          child.kill('SIGSTOP');
          fillDisk(disk);
          child.kill('SIGCONT');
        }
      },
    );
    assertEnvironmentError(r, new RegExp(`no space left on the disk of ${out} \\(saving the model( after epoch \\d+)?\\)`));
    assert.match(r.stderr, /--resume/, 'the hint says how to go on');
    const meta = JSON.parse(readFileSync(path.join(out, 'petlab.json'), 'utf8'));
    assert.ok(meta.epochsDone >= 1, 'a checkpoint of a finished epoch');
    assert.ok(existsSync(path.join(out, 'head', 'model.json')));
    assert.deepEqual(
      readdirSync(disk).filter((f) => f.startsWith('.')),
      [],
      'no temp folder or lock left',
    );
  },
);

test('an unreadable class folder is named with the fix, exit 1 (not "EACCES scandir")', { skip: skipUnless('cats-dogs', 'mobilenet-v2-tfjs') }, async () => {
  const root = tempDir('petlab-perm-');
  chmodSync(root, 0o777);
  const data = linkDataset(CATS_DOGS, { cats, dogs }, path.join(root, 'pets'));
  chmodSync(path.join(data, 'cats'), 0o000);
  const env = isolatedEnv();
  for (const d of [path.dirname(env.PETLAB_CACHE_DIR), env.PETLAB_CACHE_DIR, env.PETLAB_CONFIG_DIR]) chmodSync(d, 0o777);
  // root reads any folder: run as nobody there, as an ordinary user would be
  const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
  const r = await new Promise<RunResult>((resolve) => {
    const child = spawn(process.execPath, [PETLAB_BIN, 'train', '--data', data, '--backbone', MOBILENET_V2_TFJS, '--out', path.join(root, 'm')], {
      env: { ...process.env, NODE_OPTIONS: '', HOME: root, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...asUser,
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout: '', stderr, events: [], seconds: 0 }));
  });
  chmodSync(path.join(data, 'cats'), 0o755);
  assertEnvironmentError(r, new RegExp(`cannot read ${path.join(data, 'cats')}: permission denied`));
  assert.match(r.stderr, /hint: .*chmod/);
});

test('Ctrl-C during `data get` exits 130 like every other command', { skip: skipUnless('cats-dogs') }, async () => {
  // a mirror that accepts the connection and never answers: the download waits
  const sockets: net.Socket[] = [];
  const server = net.createServer((s) => sockets.push(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  try {
    const env = { ...isolatedEnv(), PETLAB_MIRROR: `http://127.0.0.1:${port}` };
    const child = spawn(process.execPath, [PETLAB_BIN, 'data', 'get', 'cats-vs-dogs'], {
      env: { ...process.env, NODE_OPTIONS: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const connected = new Promise<void>((r) => server.once('connection', () => r()));
    await connected;
    const sent = Date.now();
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.on('close', r));
    assert.equal(code, 130, stderr);
    assert.ok(Date.now() - sent < 3000, 'stops at once');
    assert.doesNotMatch(stderr, /internal error|aborted/, stderr);
  } finally {
    for (const s of sockets) s.destroy();
    server.close();
  }
});

test('--out under a file (not a folder) is named, not an internal error', { skip: skipUnless('cats-dogs', 'mobilenet-v2-tfjs') }, async () => {
  const parent = tempDir();
  const file = path.join(parent, 'not-a-folder');
  await import('node:fs/promises').then((fs) => fs.writeFile(file, 'x'));
  const r = await runPetlab(['train', '--data', linkDataset(CATS_DOGS, { cats, dogs }), '--backbone', MOBILENET_V2_TFJS, '--out', path.join(file, 'model')], {
    env: isolatedEnv(),
  });
  assertEnvironmentError(r, /--out .*: .*not-a-folder is a file, not a folder/);
});
