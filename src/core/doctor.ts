import { existsSync, readFileSync, statfsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gcMode } from './worker/gc-mode.js';
import type { BackendInfo, BackendPreference, InferencePreference } from './backend/names.js';
import { probeTfjsNode, TFJS_NODE, type NodeBackendStatus } from './backend/node-status.js';
import { PROJECT_ROOT } from './paths.js';
import { coreCount, WorkerPool } from './worker/pool.js';

/**
 * `petlab doctor`: the facts that decide how fast petlab runs here, gathered in one place. The
 * backend is the one a session would choose (the same worker pool starts, then closes).
 */
export interface Diagnosis {
  version: string;
  node: string;
  platform: string;
  backend: BackendInfo | { error: string };
  tfjsNode: NodeBackendStatus & { allowScripts: boolean | null };
  wasm: { simd: boolean; multithread: boolean; threads: number | null } | { error: string };
  cores: number;
  /** how V8 collects garbage in this process (see worker/gc-mode.ts) */
  gc: string;
  cpu: string;
  cacheDir: string;
  freeBytes: number | null;
  terminal: { isTTY: boolean; columns: number | null; rows: number | null; colorDepth: number | null; term: string | null; colorterm: string | null };
}

export interface DoctorOptions {
  backend: BackendPreference;
  inference?: InferencePreference;
  workers: number;
  cacheDir: string;
  stream?: NodeJS.WriteStream;
  env?: NodeJS.ProcessEnv;
}

/** Free bytes on the disk that holds dir (or the nearest folder above it that exists). */
export function freeDiskBytes(dir: string): number | null {
  let d = path.resolve(dir);
  while (!existsSync(d) && path.dirname(d) !== d) d = path.dirname(d);
  try {
    const s = statfsSync(d);
    return s.bavail * s.bsize;
  } catch {
    return null;
  }
}

/** Does petlab's own package.json allow tfjs-node's install script (null: no such field)? */
function allowsNodeScript(): boolean | null {
  try {
    const pkg = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { allowScripts?: Record<string, boolean> };
    return pkg.allowScripts?.[TFJS_NODE] ?? null;
  } catch {
    return null;
  }
}

export function terminalFacts(stream: NodeJS.WriteStream = process.stdout, env: NodeJS.ProcessEnv = process.env): Diagnosis['terminal'] {
  const isTTY = Boolean(stream.isTTY);
  return {
    isTTY,
    columns: isTTY ? (stream.columns ?? null) : null,
    rows: isTTY ? (stream.rows ?? null) : null,
    colorDepth: isTTY && typeof stream.getColorDepth === 'function' ? stream.getColorDepth(env) : null,
    term: env.TERM ?? null,
    colorterm: env.COLORTERM ?? null,
  };
}

export async function diagnose(o: DoctorOptions): Promise<Diagnosis> {
  const version = (JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  let backend: Diagnosis['backend'];
  let wasm: Diagnosis['wasm'];
  try {
    const pool = await WorkerPool.start(o.workers, o.backend, undefined, { inference: o.inference });
    try {
      backend = pool.backend!;
      wasm = await pool.main.call('wasmFeatures', undefined).catch((e: Error) => ({ error: e.message }));
    } finally {
      await pool.close();
    }
  } catch (e) {
    backend = { error: (e as Error).message };
    wasm = { error: 'no TensorFlow worker started' };
  }
  return {
    version,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    backend,
    tfjsNode: { ...probeTfjsNode(), allowScripts: allowsNodeScript() },
    wasm,
    cores: coreCount(),
    gc: gcMode().note,
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    cacheDir: o.cacheDir,
    freeBytes: freeDiskBytes(o.cacheDir),
    terminal: terminalFacts(o.stream, o.env),
  };
}
