/**
 * `npm run bench -- faults`: runs the fault suites (test/faults-*.test.ts) and prints how many fault
 * cases ran and how they ended. Each case asserts that petlab did not crash, lost no file and gave
 * no wrong result silently; a case that fails is listed with its first line.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../src/core/paths.js';

const log = path.join(os.tmpdir(), `petlab-faults-${process.pid}.jsonl`);
const files = readdirSync(path.join(PROJECT_ROOT, 'test'))
  .filter((f) => /^faults-.*\.test\.ts$/.test(f))
  .map((f) => path.join('test', f));
const t0 = Date.now();
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=dot', ...files], {
  cwd: PROJECT_ROOT,
  env: { ...process.env, PETLAB_FAULTS_LOG: log },
  stdio: ['ignore', 'inherit', 'inherit'],
});
const cases = existsSync(log)
  ? readFileSync(log, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { name: string; ok: boolean; seconds: number; error?: string })
  : [];
const bad = cases.filter((c) => !c.ok);
process.stdout.write(`\n  fault suites: ${files.map((f) => path.basename(f)).join(', ')}\n`);
for (const c of cases)
  process.stdout.write(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name.padEnd(84)} ${c.seconds.toFixed(1)} s${c.error ? `\n       ${c.error}` : ''}\n`);
process.stdout.write(
  `\n  ${cases.length} fault cases ran in ${((Date.now() - t0) / 1000).toFixed(0)} s: ${bad.length === 0 ? 'none crashed, lost a file or gave a wrong result silently' : `${bad.length} did not hold`}` +
    `${r.status !== 0 && bad.length === 0 ? ` (but the test run exited ${r.status}: a test outside the counted cases failed)` : ''}\n`,
);
process.exitCode = bad.length || r.status ? 1 : 0;
