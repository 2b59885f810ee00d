import { Worker } from 'node:worker_threads';
import { deserializeError, PetlabError } from '../errors.js';
import type { EventSink } from '../events.js';
import type { Handlers } from './handlers.js';
import type { Reply, Request } from './protocol.js';

type Params<M extends keyof Handlers> = Parameters<Handlers[M]>[0];
type Result<M extends keyof Handlers> = Awaited<ReturnType<Handlers[M]>>['result'];

interface Pending {
  resolve(v: unknown): void;
  reject(e: unknown): void;
  onEvent?: EventSink;
}

/** A call in flight: await it, or cancel it (the worker stops at its next check). */
export interface Call<T> extends Promise<T> {
  cancel(): void;
}

/**
 * The main-thread handle of one TensorFlow worker thread. Calls are typed after the worker's
 * handlers; events a call emits are delivered to its onEvent while it runs. A worker that dies
 * (e.g. the wasm heap aborts) rejects every pending call with a clear error instead of hanging.
 */
export class TfWorker {
  private worker: Worker;
  private nextId = 1;
  private pending = new Map<number, Pending>();
  private dead: Error | undefined;
  readonly index: number;

  constructor(index = 0) {
    this.index = index;
    // compiled (dist/): the host module itself; from sources: a shim that registers tsx first
    const entry = import.meta.url.endsWith('.js') ? './host.js' : './entry.js';
    this.worker = new Worker(new URL(entry, import.meta.url), {
      // the host module decides everything; no inherited stdin
      stdin: false,
      resourceLimits: { maxOldGenerationSizeMb: 4096 },
    });
    this.worker.on('message', (r: Reply) => this.onReply(r));
    this.worker.on('error', (e) =>
      this.fail(
        new PetlabError(`TensorFlow worker ${index} crashed: ${e.message}`, {
          kind: 'internal',
          hint: 'try a smaller --batch, or --backend cpu; run with --verbose for details',
          cause: e,
        }),
      ),
    );
    this.worker.on('exit', (code) => {
      if (!this.dead)
        this.fail(
          new PetlabError(`TensorFlow worker ${index} exited (code ${code})`, {
            kind: 'internal',
            hint: 'the wasm heap may be exhausted: try a smaller --batch',
          }),
        );
    });
  }

  private onReply(r: Reply): void {
    const p = this.pending.get(r.id);
    if (!p) return;
    if (r.kind === 'event') {
      p.onEvent?.(r.event);
      return;
    }
    this.pending.delete(r.id);
    if (r.kind === 'result') p.resolve(r.result);
    else p.reject(deserializeError(r.error));
  }

  private fail(e: Error): void {
    this.dead = e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  call<M extends keyof Handlers>(method: M, params: Params<M>, opts: { onEvent?: EventSink; transfer?: ArrayBuffer[] } = {}): Call<Result<M>> {
    const id = this.nextId++;
    let cancel = () => undefined as void;
    const promise = new Promise<Result<M>>((resolve, reject) => {
      if (this.dead) {
        reject(this.dead);
        return;
      }
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, onEvent: opts.onEvent });
      const msg: Request = { kind: 'call', id, method, params };
      this.worker.postMessage(msg, opts.transfer ?? []);
      cancel = () => {
        if (this.pending.has(id)) this.worker.postMessage({ kind: 'cancel', id });
      };
    }) as Call<Result<M>>;
    promise.cancel = () => cancel();
    return promise;
  }

  get alive(): boolean {
    return !this.dead;
  }

  async terminate(): Promise<void> {
    this.dead ??= new PetlabError('worker terminated', { kind: 'internal' });
    for (const p of this.pending.values()) p.reject(this.dead);
    this.pending.clear();
    await this.worker.terminate();
  }
}
