/**
 * `petlab doctor`: the backend chosen and why, tfjs-node and what stands in its way, wasm SIMD and
 * threads, cores, cache folder and free disk, the terminal. Run as a user would (the real CLI).
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { probeTfjsNode } from '../src/core/backend/node-status.js';
import { isolatedEnv, PETLAB_BIN, runPetlab } from './helpers/cli.js';
import { tempDir } from './helpers/shared.js';
import { hasTmux, Tmux } from './helpers/tmux.js';

const FAKE_NODE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'helpers', 'fake-tfjs-node.mjs');
const line = (out: string, key: string) => out.split('\n').find((l) => l.startsWith(`${key} `)) ?? '';

test('petlab doctor says which backend runs, why, and what the machine offers', { timeout: 120_000 }, async () => {
  const env = isolatedEnv();
  const r = await runPetlab(['doctor'], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(line(r.stdout, 'backend'), /^backend\s+(wasm|node|cpu) \(\d+ workers?[,;)]/);
  assert.match(line(r.stdout, 'tfjs-node'), /^tfjs-node\s+(in use|not in use: .+)/);
  if (/not in use: not installed/.test(r.stdout)) assert.match(line(r.stdout, 'backend'), /tfjs-node not installed\)$/);
  assert.match(line(r.stdout, 'wasm'), /SIMD (yes|no), threads per worker \d+/);
  assert.match(line(r.stdout, 'cores'), new RegExp(`^cores\\s+${os.availableParallelism()} `));
  assert.match(line(r.stdout, 'cache'), new RegExp(`${env.PETLAB_CACHE_DIR.replace(/[/.]/g, '\\$&')} \\(\\d+\\.\\d GB free\\)`));
  assert.match(line(r.stdout, 'terminal'), /not a terminal/);
});

test('petlab doctor --json gives the same facts as one result object', { timeout: 120_000 }, async () => {
  const env = isolatedEnv();
  const r = await runPetlab(['doctor', '--json', '--backend', 'wasm', '--workers', '2'], { env });
  assert.equal(r.code, 0, r.stderr);
  const res = r.events.at(-1)!;
  assert.equal(res.type, 'result');
  assert.equal(res.command, 'doctor');
  const backend = res.backend as { name: string; workers: number; workerBackends: string[]; reason: string };
  assert.equal(backend.name, 'wasm');
  assert.deepEqual(backend.workerBackends, ['wasm', 'wasm']);
  assert.equal(backend.reason, 'wasm (2 workers; --backend wasm)');
  assert.equal(typeof (res.wasm as { simd: boolean }).simd, 'boolean');
  assert.equal(res.cacheDir, env.PETLAB_CACHE_DIR);
  assert.ok((res.freeBytes as number) > 0);
  assert.equal((res.terminal as { isTTY: boolean }).isTTY, false);
  assert.ok(['present', 'not-installed', 'no-binding', 'no-libtensorflow'].includes((res.tfjsNode as { state: string }).state));
});

test('with a tfjs-node that loads, doctor says it is in use, in one worker', { timeout: 120_000 }, async () => {
  const env = { ...isolatedEnv(), PETLAB_TFJS_NODE_MODULE: FAKE_NODE, FAKE_TFJS_NODE_LOCK_DIR: tempDir('fake-tfjs-node-') };
  const r = await runPetlab(['doctor'], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(line(r.stdout, 'backend'), /^backend\s+node \(1 worker, \d+ libtensorflow threads?\)$/);
  assert.match(line(r.stdout, 'tfjs-node'), /in use/);
  // libtensorflow runs the backbone itself: ONNX Runtime only when asked for
  assert.match(line(r.stdout, 'inference'), /^inference\s+the backend; on the node backend libtensorflow runs the backbone/);
});

test('doctor in a terminal gives its size and colour depth', { skip: !hasTmux() && 'tmux is not installed', timeout: 60_000 }, async () => {
  const env = isolatedEnv();
  const tmux = new Tmux();
  try {
    tmux.start(100, 30, { ...env, NODE_OPTIONS: '', TERM: 'xterm-256color' }, `node ${PETLAB_BIN} doctor; sleep 30`);
    const { screen } = await tmux.waitFor((s) => /^terminal /m.test(s), 40_000);
    assert.match(line(screen, 'terminal'), /100x30, (256 colours|16 million colours \(24-bit\))/);
  } finally {
    tmux.kill();
  }
});

test('tfjs-node installed without its addon, or without libtensorflow, is told apart from not installed', () => {
  const root = tempDir('petlab-fake-install-');
  const from = pathToFileURL(path.join(root, 'x.js')).href;
  assert.equal(probeTfjsNode(from).state, 'not-installed');
  const pkg = path.join(root, 'node_modules', '@tensorflow', 'tfjs-node');
  mkdirSync(pkg, { recursive: true });
  writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ name: '@tensorflow/tfjs-node', version: '4.22.0', main: 'dist/index.js' }));
  const noBinding = probeTfjsNode(from);
  assert.equal(noBinding.state, 'no-binding');
  assert.match(noBinding.detail, /install script was skipped or failed/);
  mkdirSync(path.join(pkg, 'lib', 'napi-v8'), { recursive: true });
  writeFileSync(path.join(pkg, 'lib', 'napi-v8', 'tfjs_binding.node'), '');
  assert.equal(probeTfjsNode(from).state, 'no-libtensorflow');
  writeFileSync(path.join(pkg, 'lib', 'napi-v8', 'libtensorflow.so.2'), '');
  assert.equal(probeTfjsNode(from).state, 'present');
});
