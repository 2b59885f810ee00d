/**
 * petlab starts node with V8's single-threaded garbage collector (src/core/worker/gc-mode.ts): run
 * as `petlab` (its first line), the process has the flag; `doctor` says which collector runs.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { GC_FLAG, gcMode } from '../src/core/worker/gc-mode.js';
import { PETLAB_BIN } from './helpers/cli.js';

test('bin/petlab.js starts node with --single-threaded-gc, and the program sees it', () => {
  assert.equal(readFileSync(PETLAB_BIN, 'utf8').split('\n')[0], `#!/usr/bin/env -S node ${GC_FLAG}`);
  // executed as a program (as npm's link runs it), through its first line
  const r = spawnSync(PETLAB_BIN, ['--version'], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /\d+\.\d+\.\d+/);
});

test('gcMode tells the single-threaded collector from the default, and says how to get it', () => {
  assert.equal(gcMode([GC_FLAG]).singleThreaded, true);
  const dflt = gcMode(['--import', 'tsx']);
  assert.equal(dflt.singleThreaded, false);
  assert.match(dflt.note, /started without --single-threaded-gc: run petlab as `petlab`/);
});

test('npm run bench runs node with the same collector as petlab', () => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };
  assert.match(pkg.scripts.bench, new RegExp(`^node ${GC_FLAG} `));
});
