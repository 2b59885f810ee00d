import os from 'node:os';
import type { EventSink } from '../events.js';
import type { BackendInfo, BackendPreference } from '../backend/names.js';
import { TfWorker } from './client.js';

/** How many TensorFlow workers to run: one per core unless told otherwise. */
export function defaultWorkerCount(setting = 0): number {
  if (setting > 0) return setting;
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return Math.max(1, Math.min(cores, 4));
}

/**
 * A set of TensorFlow worker threads. Inference (embedding) is spread over all of them: one wasm
 * instance is single-threaded, so a worker per core is how both cores get used. Training runs on
 * the first.
 */
export class WorkerPool {
  readonly workers: TfWorker[];
  backend: BackendInfo | undefined;
  private idle: TfWorker[];
  private waiters: Array<(w: TfWorker) => void> = [];

  private constructor(n: number) {
    this.workers = Array.from({ length: n }, (_, i) => new TfWorker(i));
    this.idle = [...this.workers];
  }

  static async start(n: number, backend: BackendPreference, onEvent?: EventSink): Promise<WorkerPool> {
    const pool = new WorkerPool(n);
    try {
      const infos = await Promise.all(pool.workers.map((w) => w.call('init', { backend })));
      pool.backend = infos[0];
      onEvent?.({ type: 'backend', backend: infos[0].name, workers: n, note: infos[0].note });
    } catch (e) {
      await pool.close();
      throw e;
    }
    return pool;
  }

  get main(): TfWorker {
    return this.workers[0];
  }

  get size(): number {
    return this.workers.length;
  }

  acquire(): Promise<TfWorker> {
    const w = this.idle.pop();
    if (w) return Promise.resolve(w);
    return new Promise((r) => this.waiters.push(r));
  }

  release(w: TfWorker): void {
    const next = this.waiters.shift();
    if (next) next(w);
    else this.idle.push(w);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate().catch(() => undefined)));
  }
}
