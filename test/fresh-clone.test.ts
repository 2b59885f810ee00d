/**
 * `npm test` on a fresh machine: the project cloned into a temp folder with no ../shared beside
 * it. Offline (its own network namespace when `unshare` allows, else simply no mirror and an empty
 * cache), the real `npm test` must pass with every data test skipped naming its asset. Then, with
 * PETLAB_MIRROR on a local server that serves ../shared under the public names, `npm run test:data`
 * fetches and verifies everything, and the data tests pass there (a named set of test files here;
 * PETLAB_FRESH_CLONE_FULL=1 runs the whole suite instead, by hand: it takes the suite's full time).
 * The clone is of the committed HEAD: uncommitted changes are not in it.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { PROJECT_ROOT } from '../src/core/paths.js';
import { tempDir } from './helpers/shared.js';
import { allAssets } from './helpers/test-assets.js';
import { MISSING_PREFIX, SHARED_BESIDE } from './helpers/test-data.js';
import { startTestDataMirror } from './helpers/test-data-mirror.js';

/** Set inside the clone, so its own run of this file does not clone again. */
const INSIDE = process.env.PETLAB_FRESH_CLONE === '1';
const NAME = 'fresh-clone.test.ts';
const ASSETS = new Set(allAssets().map((a) => a.name));
/** By hand: the whole suite a second time, with the fetched data (the suite's full time again). */
const FULL = process.env.PETLAB_FRESH_CLONE_FULL === '1';

/** Test files whose data tests must pass once the mirror filled the cache (quick ones, every asset but pets). */
const DATA_SUBSET = [
  'data-scan',
  'images-decode',
  'registry-backbones',
  'download-file',
  'download-mirror',
  'tflite-import',
  'backbone-executor',
  'explain-cli-activations',
].map((f) => `test/${f}.test.ts`);

interface Outcome {
  file?: string;
  name: string;
  status: 'pass' | 'fail' | 'skip' | 'todo';
  skip?: string;
}

function skipWhy(): string | false {
  if (INSIDE) return 'inside the fresh-clone test: it does not clone itself again';
  if (spawnSync('git', ['-C', PROJECT_ROOT, 'rev-parse', 'HEAD']).status !== 0) return 'not a git checkout: nothing to clone';
  if (!existsSync(SHARED_BESIDE)) return `${MISSING_PREFIX} shared-readme: ../shared, served by the local mirror; this test needs ../shared beside the project`;
  return false;
}

function run(
  cmd: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<{ code: number | null; out: string; seconds: number }> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')} timed out after ${timeoutMs / 1000} s:\n${out.slice(-3000)}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, seconds: (Date.now() - t0) / 1000 });
    });
  });
}

/** The clone's environment: none of this machine's petlab settings, an empty cache of its own. */
function cloneEnv(work: string, results: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PETLAB_') && k !== 'NODE_TEST_CONTEXT' && k !== 'NODE_OPTIONS') env[k] = v;
  return {
    ...env,
    PETLAB_FRESH_CLONE: '1',
    PETLAB_CACHE_DIR: path.join(work, 'cache'),
    PETLAB_CONFIG_DIR: path.join(work, 'config'),
    PETLAB_TEST_RESULTS: results,
    ...extra,
  };
}

function outcomes(file: string): Outcome[] {
  return existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l) as Outcome)
    : [];
}

const assetOf = (skip: string) => skip.slice(MISSING_PREFIX.length).trim().split(':')[0];
const describe = (o: Outcome) => `${o.file}: ${o.name}${o.skip ? ` # ${o.skip}` : ''}`;

/** Offline unless the sandbox refuses: a network namespace with only loopback (local test servers still work). */
function offlineCommand(cmd: string[]): string[] {
  const probe = spawnSync('unshare', ['-rn', 'sh', '-c', 'ip link set lo up'], { stdio: 'ignore' });
  return probe.status === 0 ? ['unshare', '-rn', 'sh', '-c', `ip link set lo up && exec "$@"`, 'sh', ...cmd] : cmd;
}

test(
  'a fresh clone with no ../shared: `npm test` offline passes, every data test skipped naming its asset; with a mirror, `npm run test:data` then the data tests pass',
  { skip: skipWhy(), timeout: FULL ? 3_600_000 : 900_000 },
  async (t: TestContext) => {
    const work = tempDir('petlab-fresh-');
    const clone = path.join(work, 'petlab');
    const head = spawnSync('git', ['-C', PROJECT_ROOT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout.trim();
    assert.equal(spawnSync('git', ['clone', '--quiet', PROJECT_ROOT, clone]).status, 0, 'git clone');
    assert.ok(!existsSync(path.join(work, 'shared')), 'no ../shared beside the clone');
    // the installed packages are reused (npm ci would fetch the same lockfile); dist/ is built as npm ci's prepare does
    symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(clone, 'node_modules'));
    const build = await run(process.execPath, ['scripts/build.mjs'], clone, cloneEnv(work, ''), 300_000);
    assert.equal(build.code, 0, build.out);

    // 1. offline, nothing cached, no mirror: the README's test command
    const results1 = path.join(work, 'offline.jsonl');
    const [cmd, ...args] = offlineCommand(['npm', 'test']);
    // two test files at a time: here nearly all are small (the data tests skip) and the outer suite waits on this one
    const offline = await run(cmd, args, clone, cloneEnv(work, results1, { PETLAB_TEST_CONCURRENCY: '2' }), 600_000);
    const all = outcomes(results1);
    const failed = all.filter((o) => o.status === 'fail');
    const skipped = all.filter((o) => o.status === 'skip');
    const dataSkips = skipped.filter((o) => o.skip?.startsWith(MISSING_PREFIX));
    t.diagnostic(
      `clone of ${head}, offline (${cmd === 'unshare' ? 'own network namespace' : 'no mirror, empty cache'}): ${all.length} tests in ${offline.seconds.toFixed(0)} s, ${all.filter((o) => o.status === 'pass').length} passed, ${dataSkips.length} skipped for missing data`,
    );
    assert.equal(offline.code, 0, `npm test exits 0 in the clone:\n${failed.map(describe).join('\n')}\n${offline.out.slice(-4000)}`);
    assert.deepEqual(failed.map(describe), [], 'no test fails');
    assert.ok(all.filter((o) => o.status === 'pass').length >= 20, 'the tests that need no data run and pass');
    // every skip names its asset; the only others: this test, not cloning itself again, and the disk-full
    // cases, which need a tmpfs that the clone's own network namespace may not mount
    const machineSkip = (o: (typeof skipped)[number]) => o.file === NAME || /^(skipped: )?cannot mount a \S+ tmpfs/.test(o.skip ?? '');
    assert.deepEqual(skipped.filter((o) => !o.skip?.startsWith(MISSING_PREFIX) && !machineSkip(o)).map(describe), [], 'every skip is for missing data');
    for (const o of dataSkips) assert.ok(ASSETS.has(assetOf(o.skip!) as never), `names a known asset: ${describe(o)}`);
    assert.ok(dataSkips.length >= 50, `the data tests are skipped (${dataSkips.length})`);
    assert.ok(
      offline.out.includes(`ℹ ${dataSkips.length} tests skipped for missing test data: `),
      `npm test ends with the count:\n${offline.out.slice(-2000)}`,
    );

    // 2. a mirror on 127.0.0.1 with ../shared's files under their public names
    const mirror = await startTestDataMirror(SHARED_BESIDE);
    t.after(() => mirror.close());
    const fetch = await run('npm', ['run', '-s', 'test:data'], clone, cloneEnv(work, '', { PETLAB_MIRROR: mirror.base }), 300_000);
    t.diagnostic(`npm run test:data from the mirror: ${fetch.seconds.toFixed(1)} s, ${(mirror.totalServed() / 1e6).toFixed(1)} MB served`);
    assert.equal(fetch.code, 0, fetch.out);
    assert.match(fetch.out.split('\n')[0], /^Fetching test data: .* — \d+\.\d MB from the mirror http:\/\/127\.0\.0\.1:\d+/, 'the size comes first');
    for (const a of allAssets()) {
      if (a.source.kind === 'none') assert.match(fetch.out, new RegExp(`not fetched: ${a.name} `));
      else assert.match(fetch.out, new RegExp(`^${a.name}: ready \\(.*verified`, 'm'), `${a.name} fetched and verified:\n${fetch.out}`);
    }
    assert.ok(
      mirror.requests.every((r) => r.status === 200 || r.status === 206),
      'only files the mirror has were asked for',
    );

    const results2 = path.join(work, 'mirror.jsonl');
    const full = FULL;
    const second = full
      ? await run('npm', ['test'], clone, cloneEnv(work, results2), 3_000_000)
      : await run(
          process.execPath,
          [
            '--import',
            'tsx',
            '--test',
            '--test-concurrency=1',
            '--test-reporter=spec',
            '--test-reporter-destination=stdout',
            '--test-reporter=./test/helpers/missing-data-reporter.mjs',
            '--test-reporter-destination=stdout',
            ...DATA_SUBSET,
          ],
          clone,
          cloneEnv(work, results2),
          600_000,
        );
    const after = outcomes(results2);
    const stillMissing = after.filter((o) => o.skip?.startsWith(MISSING_PREFIX) && !['oxford-pets-partial', 'shared-readme'].includes(assetOf(o.skip)));
    t.diagnostic(
      `with the fetched data (${full ? 'full suite' : DATA_SUBSET.length + ' test files'}): ${after.length} tests in ${second.seconds.toFixed(0)} s, ${after.filter((o) => o.status === 'pass').length} passed, ${after.filter((o) => o.status === 'skip').length} skipped (the pets subset and ../shared's README have no public copy)`,
    );
    assert.equal(
      second.code,
      0,
      `${after
        .filter((o) => o.status === 'fail')
        .map(describe)
        .join('\n')}\n${second.out.slice(-4000)}`,
    );
    assert.deepEqual(stillMissing.map(describe), [], 'every fetched asset is found');
    const nowPassing = after.filter((o) => o.status === 'pass' && all.some((b) => b.file === o.file && b.name === o.name && b.status === 'skip'));
    assert.ok(nowPassing.length >= 20, `the data tests skipped offline now pass (${nowPassing.length})`);
  },
);
