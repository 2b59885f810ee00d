/**
 * One fault case of the fault suites (test/faults-*.test.ts): runs it and, when PETLAB_FAULTS_LOG
 * names a file, appends one JSON line with its outcome, for `npm run bench -- faults` to count.
 * A case passes when petlab handled the fault as a user needs: no crash, no lost file, no wrong
 * result given silently (each case asserts its own part of that).
 */
import { appendFileSync } from 'node:fs';

export async function faultCase(name: string, fn: () => Promise<void>): Promise<void> {
  const t0 = Date.now();
  const log = (ok: boolean, error?: string) => {
    const file = process.env.PETLAB_FAULTS_LOG;
    if (file) appendFileSync(file, JSON.stringify({ name, ok, seconds: (Date.now() - t0) / 1000, ...(error ? { error } : {}) }) + '\n');
  };
  try {
    await fn();
  } catch (e) {
    log(false, (e as Error).message.split('\n')[0]);
    throw e;
  }
  log(true);
}
