import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { Reporter } from '../src/cli/reporter.js';

function capture(o: { verbose?: boolean } = {}): { r: Reporter; err: () => string } {
  const out = new PassThrough();
  const err = new PassThrough();
  let text = '';
  err.on('data', (d) => (text += d));
  return { r: new Reporter({ json: false, verbose: o.verbose ?? false, stdout: out, stderr: err }), err: () => text };
}

test('the backend line says why the backend is the one it is, when the backend tells', () => {
  const a = capture();
  a.r.event({
    type: 'backend',
    backend: 'wasm',
    workers: 2,
    workerBackends: ['wasm', 'wasm'],
    threads: 1,
    reason: 'wasm (2 workers; tfjs-node not installed)',
  });
  assert.equal(a.err(), 'backend: wasm (2 workers; tfjs-node not installed)\n');
  const b = capture();
  b.r.event({ type: 'backend', backend: 'cpu', workers: 1, workerBackends: ['cpu'], threads: 1, reason: '' });
  assert.equal(b.err(), 'backend: cpu (1 worker)\n');
  // the longer note stays for --verbose
  const c = capture({ verbose: true });
  c.r.event({
    type: 'backend',
    backend: 'wasm',
    workers: 1,
    workerBackends: ['wasm'],
    threads: 1,
    reason: 'wasm (1 worker; --backend wasm)',
    note: 'node: not installed',
  });
  assert.equal(c.err(), 'backend: wasm (1 worker; --backend wasm) — node: not installed\n  worker 0: wasm\n');
});
