import os from 'node:os';
import { parentPort } from 'node:worker_threads';
import { serializeError } from '../errors.js';
import { environmentError } from '../io/fs-errors.js';
import type { PetlabEvent } from '../events.js';
import type { Reply, Request, CancelRequest } from './protocol.js';
import { handlers } from './handlers.js';
import type { CallContext } from './protocol.js';

/** The worker side: runs one call at a time per method, streams events, answers cancellation. */
const port = parentPort!;

// A front end that must stay responsive (the workbench) asks its workers to yield the CPU to its
// main thread: on Linux a thread's nice value is its own.
const nice = Number(process.env.PETLAB_WORKER_NICE ?? 0);
if (nice > 0) {
  try {
    os.setPriority(0, Math.min(19, nice));
  } catch {
    // not permitted here: run at normal priority
  }
}
const cancelled = new Set<number>();

function send(r: Reply, transfer: ArrayBuffer[] = []): void {
  port.postMessage(r, transfer);
}

port.on('message', async (msg: Request | CancelRequest) => {
  if (msg.kind === 'cancel') {
    cancelled.add(msg.id);
    return;
  }
  const { id, method, params } = msg;
  const ctx: CallContext = {
    emit: (event: PetlabEvent) => send({ kind: 'event', id, event }),
    cancelled: () => cancelled.has(id),
  };
  try {
    const fn = handlers[method as keyof typeof handlers] as
      ((p: unknown, c: CallContext) => Promise<{ result: unknown; transfer?: ArrayBuffer[] }>) | undefined;
    if (!fn) throw new Error(`unknown worker method ${method}`);
    const { result, transfer } = await fn(params, ctx);
    send({ kind: 'result', id, result }, transfer ?? []);
  } catch (e) {
    send({ kind: 'error', id, error: serializeError(environmentError(e) ?? e) }); // a full disk is no internal error
  } finally {
    cancelled.delete(id);
  }
});
