/**
 * The README's commands, true as written for a newcomer: every `petlab ...` line parses as petlab
 * parses it (command and flags exist), the set-up block's `npm link` gives a `petlab` on PATH that
 * runs the README's own lines, and `npx petlab` works inside the checkout.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { PROJECT_ROOT } from '../src/core/paths.js';
import { loadSettings } from '../src/core/settings.js';
import { parseCommandArgs } from '../src/cli/command.js';
import { findCommand } from '../src/cli/run-cli.js';
import { parseTuiArgs } from '../src/tui/launch.js';
import { isolatedEnv } from './helpers/cli.js';
import { tempDir } from './helpers/shared.js';

const README = readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8');
const pkg = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string; scripts: Record<string, string> };

/** Lines of the ```sh blocks, comments dropped. */
const shBlocks = [...README.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) =>
  m[1]
    .split('\n')
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter((l) => l && !l.startsWith('#')),
);
/** `petlab ...` in inline code, where it is a whole command (no "..." or placeholders in capitals only). */
const inline = [...README.matchAll(/`(petlab(?: [^`]*)?)`/g)].map((m) => m[1]).filter((c) => !c.includes('...'));

/** Words as a POSIX shell splits them (single and double quotes). */
function words(line: string): string[] {
  return [...line.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]);
}

test('the set-up block: two commands set up, one runs petlab, one runs the tests', () => {
  const setup = shBlocks[0];
  assert.equal(setup.length, 4, setup.join('\n'));
  assert.equal(setup[0], 'npm ci');
  assert.match(setup[1], /^npm link/);
  assert.equal(setup[2], 'petlab');
  assert.equal(setup[3], 'npm test');
  assert.ok(pkg.scripts.test && pkg.scripts.prepare, 'npm test runs the tests; npm ci builds through prepare');
});

test('every petlab command in the README parses as petlab parses it', () => {
  const settings = loadSettings();
  const lines = [...shBlocks.flat().filter((l) => l.startsWith('petlab')), ...inline];
  assert.ok(lines.length > 15, `found only ${lines.length} petlab commands`);
  for (const line of lines) {
    const argv = words(line).slice(1);
    if (!argv.length || argv[0].startsWith('-')) {
      if (argv[0] === '--version') continue;
      assert.doesNotThrow(() => parseTuiArgs(argv, settings), `README: ${line}`);
      continue;
    }
    const found = findCommand(argv);
    assert.ok(found, `README: ${line} — no such command`);
    assert.doesNotThrow(() => parseCommandArgs(found.cmd, found.rest), `README: ${line}`);
  }
});

test("the README's npm link gives a petlab on PATH that runs the README's own lines", { timeout: 240_000 }, () => {
  const link = shBlocks[0][1];
  const prefix = tempDir('petlab-link-');
  const env = { ...process.env, ...isolatedEnv(), NODE_OPTIONS: '', npm_config_prefix: prefix };
  const r = spawnSync('bash', ['-c', link], { cwd: PROJECT_ROOT, env, encoding: 'utf8', timeout: 200_000 });
  assert.equal(r.status, 0, r.stderr);
  const withPath = { ...env, PATH: `${path.join(prefix, 'bin')}:${process.env.PATH}` };
  const run = (line: string) => spawnSync('bash', ['-c', line], { cwd: tempDir('petlab-cwd-'), env: withPath, encoding: 'utf8', timeout: 60_000 });
  const v = run('petlab --version');
  assert.equal(v.status, 0, v.stderr);
  assert.equal(v.stdout.trim(), pkg.version);
  // the README's lines that need no data or network, verbatim
  for (const line of shBlocks.flat().filter((l) => l === 'petlab models' || l === 'petlab data list')) {
    const out = run(line);
    assert.equal(out.status, 0, `${line}: ${out.stderr}`);
    assert.ok(out.stdout.length > 0, line);
  }
});

test('npx petlab works inside the checkout', { timeout: 240_000 }, () => {
  const r = spawnSync('npx', ['petlab', '--version'], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...isolatedEnv(), NODE_OPTIONS: '' },
    encoding: 'utf8',
    timeout: 200_000,
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), pkg.version);
});
