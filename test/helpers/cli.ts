import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync, copyFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/core/paths.js';
import { GC_FLAG } from '../../src/core/worker/gc-mode.js';
import { CATS_DOGS, listData, tempDir } from './shared.js';

export const PETLAB_BIN = path.join(PROJECT_ROOT, 'bin', 'petlab.js');

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON lines (only when every line is JSON) */
  events: Array<Record<string, unknown>>;
  seconds: number;
}

/** Run the real CLI as a user would, in its own cache and config folders. */
export function runPetlab(args: string[], o: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [GC_FLAG, PETLAB_BIN, ...args], {
      cwd: o.cwd ?? PROJECT_ROOT,
      env: { ...process.env, NODE_OPTIONS: '', ...o.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`petlab ${args.join(' ')} timed out\nstderr: ${stderr}`));
    }, o.timeoutMs ?? 180_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      let events: Array<Record<string, unknown>> = [];
      try {
        events = stdout
          .split('\n')
          .filter((l) => l.trim())
          .map((l) => JSON.parse(l) as Record<string, unknown>);
      } catch {
        events = [];
      }
      resolve({ code, stdout, stderr, events, seconds: (Date.now() - t0) / 1000 });
    });
  });
}

export interface WatchedRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  events: Array<Record<string, unknown>>;
}

/**
 * Run the real CLI with its JSON events (pass --json in args) read as they come: onEvent sees each
 * one and the child, to interrupt or pause it mid-run.
 */
export function watchPetlab(
  args: string[],
  env: Record<string, string>,
  onEvent: (e: Record<string, unknown>, child: ChildProcess) => void,
): Promise<WatchedRun> {
  const child = spawn(process.execPath, [GC_FLAG, PETLAB_BIN, ...args], {
    env: { ...process.env, NODE_OPTIONS: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let buf = '';
  let stderr = '';
  const events: Array<Record<string, unknown>> = [];
  child.stderr.on('data', (d) => (stderr += d));
  child.stdout.on('data', (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (!line.trim()) continue;
      events.push(JSON.parse(line) as Record<string, unknown>);
      onEvent(events.at(-1)!, child);
    }
  });
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stderr, events })));
}

/** Isolated cache, config and data folders for a test run. */
export function isolatedEnv(): Record<string, string> {
  const dir = tempDir('petlab-env-');
  mkdirSync(path.join(dir, 'cache'));
  mkdirSync(path.join(dir, 'config'));
  mkdirSync(path.join(dir, 'data'));
  return { PETLAB_CACHE_DIR: path.join(dir, 'cache'), PETLAB_CONFIG_DIR: path.join(dir, 'config'), PETLAB_DATA_DIR: path.join(dir, 'data') };
}

/**
 * A small class-per-subfolder dataset made of links to real images in ../shared (nothing copied
 * into the repo): `pick(classDir)` chooses which files of each class go in.
 */
export function linkDataset(srcRoot: string, classes: Record<string, string[]>, into?: string): string {
  const root = into ?? tempDir('petlab-data-');
  for (const [cls, files] of Object.entries(classes)) {
    mkdirSync(path.join(root, cls), { recursive: true });
    for (const f of files) symlinkSync(path.join(srcRoot, f), path.join(root, cls, path.basename(f)));
  }
  return root;
}

/**
 * cats and dogs pictures [from, to) of each class linked as a dataset; without the test data (a
 * fresh clone, where the tests that need it skip) an empty folder. `pick` names a class's files.
 */
export function catsDogsSlice(from: number, to: number, missing: boolean): { data: string; pick: (cls: string) => string[] } {
  const pick = (cls: string) =>
    listData(path.join(CATS_DOGS, cls))
      .slice(from, to)
      .map((f) => `${cls}/${f}`);
  return { data: missing ? tempDir('petlab-nodata-') : linkDataset(CATS_DOGS, { cats: pick('cats'), dogs: pick('dogs') }), pick };
}

export { writeFileSync, copyFileSync };
