/**
 * bin/petlab.js starts from dist/; in a checkout whose dist/ is missing or stale it runs the
 * sources through tsx, and without tsx (a devDependency) it says how to build instead of a stack.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { PETLAB_BIN } from './helpers/cli.js';
import { tempDir } from './helpers/shared.js';

/** A copy of bin/petlab.js in a folder of its own: no node_modules, so no tsx. */
function checkout(): string {
  const root = tempDir('petlab-bin-');
  mkdirSync(path.join(root, 'bin'));
  copyFileSync(PETLAB_BIN, path.join(root, 'bin', 'petlab.js'));
  writeFileSync(path.join(root, 'package.json'), '{"type":"module"}');
  return root;
}
const run = (root: string) =>
  spawnSync(process.execPath, [path.join(root, 'bin', 'petlab.js'), '--version'], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });

test('a checkout without dist/ and without tsx is told to build', () => {
  const root = checkout();
  mkdirSync(path.join(root, 'src'));
  writeFileSync(path.join(root, 'src', 'main.ts'), '');
  const r = run(root);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^petlab: dist\/ has not been built, and tsx .* is not installed/);
  assert.match(r.stderr, /hint: run `npm run build`/);
  assert.doesNotMatch(r.stderr, /at .*\(/, 'no stack trace');
});

test('a checkout whose dist/ is older than its sources, without tsx, is told to build', () => {
  const root = checkout();
  mkdirSync(path.join(root, 'src'));
  mkdirSync(path.join(root, 'dist'));
  writeFileSync(path.join(root, 'dist', '.build-stamp'), '');
  utimesSync(path.join(root, 'dist', '.build-stamp'), new Date(2000, 1, 1), new Date(2000, 1, 1));
  writeFileSync(path.join(root, 'src', 'main.ts'), '');
  const r = run(root);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /dist\/ is older than the sources/);
});

test('an installed package (dist/, no src/) runs dist/', () => {
  const root = checkout();
  mkdirSync(path.join(root, 'dist'));
  writeFileSync(path.join(root, 'dist', '.build-stamp'), '');
  writeFileSync(path.join(root, 'dist', 'main.js'), "process.stdout.write('from dist\\n');");
  const r = run(root);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'from dist\n');
});
