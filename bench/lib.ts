import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SHARED } from '../test/helpers/shared.js';

/** The data folder the tests use (../shared, PETLAB_TEST_DATA, or the cache: test/helpers/test-data.ts). */
export { SHARED };

/** Peak resident set size of this process so far (worker threads included), in MB. */
export function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

export function tempCache(tag: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `petlab-bench-${tag}-`));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function heading(s: string): void {
  process.stdout.write(`\n== ${s} ==\n`);
}

export function row(label: string, value: string): void {
  process.stdout.write(`  ${label.padEnd(44)} ${value}\n`);
}

export async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const v = await fn();
  return [v, (performance.now() - t0) / 1000];
}

/** The benches' frozen-head recipe: linear head, one-cycle at 1e-3, batch 64, seed 42. */
export function benchHead(epochs: number) {
  return {
    epochs,
    learningRate: 1e-3,
    batchSize: 64,
    hiddenUnits: 0,
    dropout: 0.2,
    weightDecay: 0.01,
    labelSmoothing: 0,
    schedule: 'one-cycle' as const,
    seed: 42,
  };
}
