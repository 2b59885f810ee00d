/**
 * Backend selection that knows each backend's threading: one TensorFlow worker on tfjs-node (its
 * addon loads in one thread of a process; libtensorflow has its own thread pool), a worker per core
 * on wasm. tfjs-node cannot install here, so a loader that behaves like it in worker threads
 * (test/helpers/fake-tfjs-node.mjs: the first thread loads, later ones get "Module did not
 * self-register") stands in for it.
 */
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { PetlabEvent } from '../src/core/events.js';
import { agreeOnBackend, describeBackend, planWorkers } from '../src/core/backend/threading.js';
import { classifyNodeLoadError } from '../src/core/backend/node-status.js';
import { WorkerPool } from '../src/core/worker/pool.js';
import { runPetlab, isolatedEnv } from './helpers/cli.js';
import { MOBILENET_V2_TFJS, tempDir, skipUnless } from './helpers/shared.js';

const FAKE_NODE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'helpers', 'fake-tfjs-node.mjs');
const cores = os.availableParallelism();

test('one worker on node with libtensorflow on every core; a worker per core on wasm', () => {
  assert.deepEqual(planWorkers('node', 0, 8), { workers: 1, threadsPerWorker: 8, overridden: undefined });
  assert.equal(planWorkers('node', 3, 8).workers, 1);
  assert.match(planWorkers('node', 3, 8).overridden ?? '', /--workers 3 ignored/);
  assert.deepEqual(planWorkers('wasm', 0, 2), { workers: 2, threadsPerWorker: 1 });
  assert.equal(planWorkers('wasm', 3, 2).workers, 3);
  assert.equal(planWorkers('cpu', 0, 16).workers, 4);
});

test('workers on different backends stop petlab with a message naming them', () => {
  const node = { name: 'node' as const, tfName: 'tensorflow' };
  const wasm = { name: 'wasm' as const, tfName: 'wasm', why: 'tfjs-node loads in one thread only' };
  assert.equal(agreeOnBackend([node, node]).name, 'node');
  assert.throws(
    () => agreeOnBackend([node, wasm]),
    (e: Error) => /worker 0: node, worker 1: wasm/.test(e.message) && /one thread only/.test(e.message),
  );
});

test('the reason says why the backend is what it is', () => {
  assert.equal(
    describeBackend({ name: 'wasm', tfName: 'wasm', why: 'tfjs-node not installed' }, { workers: 2, threadsPerWorker: 1 }, 'auto'),
    'wasm (2 workers; tfjs-node not installed)',
  );
  assert.equal(
    describeBackend({ name: 'node', tfName: 'tensorflow' }, { workers: 1, threadsPerWorker: 2 }, 'auto'),
    'node (1 worker, 2 libtensorflow threads)',
  );
  assert.equal(describeBackend({ name: 'wasm', tfName: 'wasm' }, { workers: 2, threadsPerWorker: 1 }, 'wasm'), 'wasm (2 workers; --backend wasm)');
});

test('tfjs-node load errors are told apart', () => {
  assert.equal(classifyNodeLoadError(new Error('Module did not self-register: x.node')).state, 'second-thread');
  assert.equal(classifyNodeLoadError(new Error('The Node.js native addon module (tfjs_binding.node) can not be found at path: /x')).state, 'no-binding');
  assert.equal(classifyNodeLoadError(new Error('libtensorflow.so.2: cannot open shared object file')).state, 'no-libtensorflow');
  const nf = Object.assign(new Error("Cannot find package '@tensorflow/tfjs-node' imported from /x"), { code: 'ERR_MODULE_NOT_FOUND' });
  assert.equal(classifyNodeLoadError(nf).summary, 'tfjs-node not installed');
});

test('with a tfjs-node that loads in one thread only, the pool runs one worker, on node, and says so', { timeout: 120_000 }, async () => {
  process.env.FAKE_TFJS_NODE_LOCK_DIR = tempDir('fake-tfjs-node-');
  const events: PetlabEvent[] = [];
  const pool = await WorkerPool.start(2, 'auto', (e) => events.push(e), { nodeModule: FAKE_NODE });
  try {
    assert.equal(pool.size, 1);
    assert.deepEqual(pool.backend?.workerBackends, ['node']);
    assert.equal(pool.backend?.threads, cores);
    assert.match(pool.backend?.reason ?? '', /^node \(1 worker, \d+ libtensorflow threads?; --workers 2 ignored/);
    const ev = events.find((e) => e.type === 'backend');
    assert.ok(ev && ev.type === 'backend');
    assert.equal(ev.workers, 1);
    assert.deepEqual(ev.workerBackends, ['node']);
    // libtensorflow reads its thread counts from the environment when it loads
    assert.equal(process.env.TF_NUM_INTRAOP_THREADS, String(cores));
    assert.equal(process.env.TF_NUM_INTEROP_THREADS, String(cores));
    // and the worker computes on it
    assert.deepEqual(await pool.main.call('memory', undefined), { numTensors: 0, numBytes: 0 });
  } finally {
    await pool.close();
  }
});

test('on wasm every worker reports its backend', { timeout: 120_000 }, async () => {
  const events: PetlabEvent[] = [];
  const pool = await WorkerPool.start(2, 'wasm', (e) => events.push(e));
  try {
    assert.equal(pool.size, 2);
    assert.deepEqual(pool.backend?.workerBackends, ['wasm', 'wasm']);
    assert.equal(pool.backend?.reason, 'wasm (2 workers; --backend wasm)');
  } finally {
    await pool.close();
  }
});

test("--json and --verbose show the worker count and each worker's backend", { skip: skipUnless('mobilenet-v2-tfjs'), timeout: 180_000 }, async () => {
  const env = isolatedEnv();
  const args = ['activations', '--backbone', MOBILENET_V2_TFJS, '--list-layers', '--backend', 'wasm', '--workers', '2'];
  const r = await runPetlab([...args, '--json'], { env });
  const ev = r.events.find((e) => e.type === 'backend');
  assert.ok(ev, `no backend event in:\n${r.stdout}\n${r.stderr}`);
  assert.equal(ev.workers, 2);
  assert.deepEqual(ev.workerBackends, ['wasm', 'wasm']);
  assert.equal(ev.reason, 'wasm (2 workers; --backend wasm)');
  const v = await runPetlab([...args, '--verbose'], { env });
  assert.match(v.stderr, /worker 0: wasm, worker 1: wasm/);
});
