/**
 * The published package, installed as a user would: `npm pack`, then `npm install -g --prefix DIR
 * ./petlab-*.tgz` into an empty prefix (dependencies from the registry, through npm's cache), then
 * the installed `petlab` runs: --version, models, a small train and predict, the workbench.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { PROJECT_ROOT } from '../src/core/paths.js';
import { isolatedEnv, linkDataset } from './helpers/cli.js';
import { CATS_DOGS, MOBILENET_V2_TFJS, tempDir, skipUnless } from './helpers/shared.js';
import { hasTmux, Tmux } from './helpers/tmux.js';

const pkg = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string };

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** Pack the project (building dist/ first when it is missing or stale); returns the tarball. */
function packProject(into: string): string {
  const stamp = path.join(PROJECT_ROOT, 'dist', '.build-stamp');
  if (!existsSync(stamp) || statSync(stamp).mtimeMs < newestMtime(path.join(PROJECT_ROOT, 'src'))) {
    execFileSync('npm', ['run', 'build'], { cwd: PROJECT_ROOT, stdio: 'ignore' });
  }
  const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', into], { cwd: PROJECT_ROOT, encoding: 'utf8' });
  const [info] = JSON.parse(out) as Array<{ filename: string; files: Array<{ path: string }> }>;
  return path.join(into, info.filename);
}

function run(bin: string, args: string[], env: Record<string, string>, cwd: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(bin, args, { cwd, env: { ...process.env, NODE_OPTIONS: '', ...env }, encoding: 'utf8', timeout: 240_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test(
  'the packed tarball, installed into an empty prefix, runs petlab from dist/',
  { skip: skipUnless('cats-dogs', 'mobilenet-v2-tfjs'), timeout: 600_000 },
  async (t) => {
    const work = tempDir('petlab-pack-');
    const tgz = packProject(work);
    const files = execFileSync('tar', ['tzf', tgz], { encoding: 'utf8' }).split('\n').filter(Boolean);
    // what a user gets: the program and its data, not the sources or the build scripts
    assert.ok(files.includes('package/dist/main.js'), 'the tarball has dist/');
    assert.ok(files.includes('package/config/settings.json'));
    assert.deepEqual(
      files.filter((f) => /^package\/(src|scripts|test|bench)\//.test(f)),
      [],
    );
    assert.deepEqual(
      files.filter((f) => f.endsWith('.map')),
      [],
    );

    const prefix = path.join(work, 'prefix');
    const inst = spawnSync('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', tgz], {
      encoding: 'utf8',
      timeout: 400_000,
    });
    assert.equal(inst.status, 0, `npm install -g failed:\n${inst.stderr}`);
    const bin = path.join(prefix, 'bin', 'petlab');
    const installed = path.join(prefix, 'lib', 'node_modules', 'petlab');
    // runtime dependencies only: no TypeScript runner, no compiler
    assert.ok(!existsSync(path.join(installed, 'node_modules', 'tsx')), 'tsx is not installed with petlab');
    assert.ok(!existsSync(path.join(installed, 'node_modules', 'typescript')), 'typescript is not installed with petlab');

    const env = isolatedEnv();
    const cwd = tempDir('petlab-pack-cwd-');

    await t.test('petlab --version prints the version', () => {
      const r = run(bin, ['--version'], env, cwd);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), pkg.version);
    });

    await t.test('petlab models lists the backbones', () => {
      const r = run(bin, ['models'], env, cwd);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /mobilenet_v2 \*/);
    });

    const pick = (c: string) =>
      readdirSync(path.join(CATS_DOGS, c))
        .sort()
        .slice(0, 6)
        .map((f) => `${c}/${f}`);
    const data = linkDataset(CATS_DOGS, { cats: pick('cats'), dogs: pick('dogs') });
    const out = path.join(work, 'model');

    await t.test('petlab train trains and saves a model', () => {
      const r = run(bin, ['train', '--data', data, '--backbone', MOBILENET_V2_TFJS, '--epochs', '2', '--out', out, '--json'], env, cwd);
      assert.equal(r.code, 0, r.stderr);
      const result = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { type: string; classes: string[] };
      assert.equal(result.type, 'result');
      assert.deepEqual(result.classes, ['cats', 'dogs']);
      assert.ok(existsSync(path.join(out, 'petlab.json')));
    });

    await t.test('petlab predict answers with a class', () => {
      const r = run(bin, ['predict', '--model', out, path.join(CATS_DOGS, 'cats', 'cat.100.jpg'), '--json'], env, cwd);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /"(cats|dogs)"/);
    });

    await t.test('the workbench opens and answers a key', { skip: !hasTmux() && 'tmux is not installed' }, async () => {
      const tmux = new Tmux();
      try {
        tmux.start(120, 40, { ...env, NODE_OPTIONS: '' }, `cd ${cwd} && exec ${bin} --data ${data} --backbone ${MOBILENET_V2_TFJS}`);
        await tmux.waitFor((s) => /1 Dataset/.test(s), 20_000);
        tmux.keys(['?']);
        await tmux.waitFor((s) => /petlab keys/.test(s), 20_000);
        tmux.keys(['q']);
      } finally {
        tmux.kill();
      }
    });
  },
);
