import { PetlabError } from '../errors.js';
import type { BackendInfo, BackendName, BackendPreference } from './names.js';

/**
 * How each backend uses the cores. One wasm (or cpu) instance is single-threaded, so petlab runs a
 * TensorFlow worker thread per core. tfjs-node's addon loads in one thread of a process only (a
 * second gets "Module did not self-register", tensorflow/tfjs#8388, #2079) and libtensorflow has a
 * thread pool of its own: one worker, with libtensorflow's threads set to the cores.
 */
export interface WorkerPlan {
  workers: number;
  threadsPerWorker: number;
  /** a requested worker count that was not followed, and why */
  overridden?: string;
}

const MAX_WASM_WORKERS = 4;

export function planWorkers(backend: BackendName, requested: number, cores: number): WorkerPlan {
  if (backend === 'node') {
    return {
      workers: 1,
      threadsPerWorker: Math.max(1, cores),
      overridden: requested > 1 ? `--workers ${requested} ignored: tfjs-node runs in one worker` : undefined,
    };
  }
  return { workers: requested > 0 ? requested : Math.max(1, Math.min(cores, MAX_WASM_WORKERS)), threadsPerWorker: 1 };
}

/**
 * The environment libtensorflow reads for its thread pools when it loads: set in the main thread
 * before any worker starts (a worker's process.env is its own copy; the C environment is shared).
 * A value the user set is kept.
 */
export function setLibtensorflowThreads(cores: number, env: NodeJS.ProcessEnv = process.env): void {
  env.TF_NUM_INTRAOP_THREADS ??= String(cores);
  env.TF_NUM_INTEROP_THREADS ??= String(cores);
}

/** Every worker must run the same backend; otherwise petlab stops and says which ran what. */
export function agreeOnBackend(infos: BackendInfo[]): BackendInfo {
  const first = infos[0];
  const odd = infos.findIndex((b) => b.name !== first.name);
  if (odd < 0) return first;
  const list = infos.map((b, i) => `worker ${i}: ${b.name}`).join(', ');
  const why = infos[odd].why ?? infos[odd].note;
  throw new PetlabError(`the TensorFlow workers run different backends (${list})${why ? `; worker ${odd}: ${why}` : ''}`, {
    kind: 'internal',
    hint: `run with --backend ${infos[odd].name} or --workers 1`,
  });
}

/** "wasm (2 workers; tfjs-node not installed)", "node (1 worker, 2 libtensorflow threads)". */
export function describeBackend(info: BackendInfo, plan: WorkerPlan, pref: BackendPreference): string {
  const workers = `${plan.workers} worker${plan.workers === 1 ? '' : 's'}`;
  const parts: string[] = [];
  if (info.name === 'node') parts.push(`${workers}, ${plan.threadsPerWorker} libtensorflow thread${plan.threadsPerWorker === 1 ? '' : 's'}`);
  else parts.push(workers);
  const because = pref !== 'auto' ? `--backend ${pref}` : info.why;
  const extra = [because, plan.overridden].filter(Boolean).join('; ');
  return `${info.name} (${parts.join('')}${extra ? `; ${extra}` : ''})`;
}
