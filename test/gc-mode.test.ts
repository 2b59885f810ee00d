/**
 * petlab starts node with V8's single-threaded garbage collector (src/core/worker/gc-mode.ts): run
 * as `petlab` (its first line), the process has the flag; `doctor` says which collector runs.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
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

/** npm's own cmd-shim (bundled with npm), which writes the Windows launchers of `npm link` and `npm install -g` */
function npmCmdShim(): string | undefined {
  const root = spawnSync('npm', ['root', '-g'], { encoding: 'utf8', shell: process.platform === 'win32' }).stdout?.trim();
  const file = root && path.join(root, 'npm', 'node_modules', 'cmd-shim');
  return file && existsSync(file) ? file : undefined;
}

const cmdShim = npmCmdShim();
test(
  "on Windows too: npm's launchers for bin/petlab.js (cmd, PowerShell, sh) pass node --single-threaded-gc",
  { skip: cmdShim ? false : "npm's cmd-shim not found beside the global npm" },
  async () => {
    const shim = createRequire(import.meta.url)(cmdShim!) as (from: string, to: string) => Promise<void>;
    const to = path.join(mkdtempSync(path.join(tmpdir(), 'petlab-shim-')), 'petlab');
    await shim(PETLAB_BIN, to);
    for (const ext of ['.cmd', '.ps1', '']) {
      const text = readFileSync(to + ext, 'utf8');
      // node (or %_prog%, set to node) with the flag, then the script
      assert.match(text, new RegExp(`"? ${GC_FLAG} "[^"]*petlab\\.js"`), `${path.basename(to + ext)}:\n${text}`);
      assert.match(text, /node/);
    }
  },
);
