import os from 'node:os';
import type { EventSink } from '../events.js';
import type { BackendInfo, BackendPreference, InferencePreference } from '../backend/names.js';
import { TfWorker } from './client.js';
import { probeTfjsNode } from '../backend/node-status.js';
import { agreeOnBackend, describeBackend, planWorkers, setLibtensorflowThreads, type WorkerPlan } from '../backend/threading.js';

/** The cores this process may use. */
export function coreCount(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

/** How many TensorFlow workers wasm (and cpu) run: one per core unless told otherwise. */
export function defaultWorkerCount(setting = 0): number {
  return planWorkers('wasm', setting, coreCount()).workers;
}

export interface PoolOptions {
  /** replaces @tensorflow/tfjs-node in the workers (tests: a loader that behaves like it) */
  nodeModule?: string;
  /** what runs the frozen backbone's inference (default auto: ONNX Runtime when it loads) */
  inference?: InferencePreference;
}

/**
 * A set of TensorFlow worker threads, as many as the backend can use (threading.ts): a worker per
 * core on wasm, where one instance is single-threaded; one on node, whose libtensorflow has its own
 * thread pool. Inference (embedding) is spread over all of them; training runs on the first.
 */
export class WorkerPool {
  readonly workers: TfWorker[];
  backend: BackendInfo | undefined;
  private idle: TfWorker[];
  private waiters: Array<(w: TfWorker) => void> = [];

  private constructor() {
    this.workers = [];
    this.idle = [];
  }

  private async add(n: number, backend: BackendPreference, nodeModule: string | undefined, inference: InferencePreference): Promise<BackendInfo[]> {
    const fresh = Array.from({ length: n }, (_, i) => new TfWorker(this.workers.length + i));
    this.workers.push(...fresh);
    this.idle.push(...fresh);
    const onnxModule = process.env.PETLAB_ONNXRUNTIME_MODULE || undefined;
    return Promise.all(fresh.map((w) => w.call('init', { backend, nodeModule, inference, onnxModule })));
  }

  /**
   * Start the workers: `requested` of them (0: as many as the backend can use). Where tfjs-node may
   * load, one worker starts first and its backend decides how many more; otherwise all start at
   * once. Every worker reports its backend; if they differ, petlab stops and says so.
   */
  static async start(requested: number, backend: BackendPreference, onEvent?: EventSink, opts: PoolOptions = {}): Promise<WorkerPool> {
    const pool = new WorkerPool();
    const cores = coreCount();
    const nodeModule = opts.nodeModule ?? (process.env.PETLAB_TFJS_NODE_MODULE || undefined);
    const inference = opts.inference ?? 'auto';
    const mayBeNode = backend === 'node' || (backend === 'auto' && (nodeModule !== undefined || probeTfjsNode().state === 'present'));
    try {
      let infos: BackendInfo[];
      let plan: WorkerPlan;
      if (mayBeNode) {
        setLibtensorflowThreads(cores);
        infos = await pool.add(1, backend, nodeModule, inference);
        plan = planWorkers(infos[0].name, requested, cores);
        // the rest ask for the first one's backend by name: none falls back unseen
        if (plan.workers > 1) infos.push(...(await pool.add(plan.workers - 1, infos[0].name, nodeModule, inference)));
      } else {
        plan = planWorkers(backend === 'cpu' ? 'cpu' : 'wasm', requested, cores);
        infos = await pool.add(plan.workers, backend, nodeModule, inference);
      }
      const first = agreeOnBackend(infos);
      plan = planWorkers(first.name, requested, cores);
      const workerBackends = infos.map((b) => b.name);
      // ONNX Runtime's threads: the cores shared among the workers (one each on wasm, all on node)
      await Promise.all(pool.workers.map((w) => w.call('setInferenceThreads', { threads: cores / infos.length })));
      pool.backend = {
        ...first,
        workers: infos.length,
        workerBackends,
        threads: plan.threadsPerWorker,
        reason: describeBackend(first, { ...plan, workers: infos.length }, backend),
        inference: infos.every((i) => i.inference === 'onnxruntime') ? 'onnxruntime' : 'tfjs',
        pointwise: infos.every((i) => i.pointwise),
        int8: infos.every((i) => i.int8),
      };
      onEvent?.({
        type: 'backend',
        backend: first.name,
        workers: infos.length,
        workerBackends,
        threads: plan.threadsPerWorker,
        note: [first.note, first.inferenceNote].filter(Boolean).join('; ') || undefined,
        reason: pool.backend.reason!,
        inference: pool.backend.inference!,
        pointwise: pool.backend.pointwise,
      });
    } catch (e) {
      await pool.close();
      throw e;
    }
    return pool;
  }

  /** What runs the backbone's inference, for people: "ONNX Runtime", or the tfjs backend's name. */
  get inferenceName(): string {
    return this.backend?.inference === 'onnxruntime' ? 'ONNX Runtime' : (this.backend?.name ?? 'unknown');
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
