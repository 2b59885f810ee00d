import type { SerializedError } from '../errors.js';
import type { PetlabEvent } from '../events.js';

/** Main thread → worker. */
export interface Request {
  kind: 'call';
  id: number;
  method: string;
  params: unknown;
}

export interface CancelRequest {
  kind: 'cancel';
  id: number;
}

/** Worker → main thread. */
export type Reply =
  { kind: 'result'; id: number; result: unknown } | { kind: 'error'; id: number; error: SerializedError } | { kind: 'event'; id: number; event: PetlabEvent };

/** What a handler running in the worker can do besides compute: report events, see a cancel. */
export interface CallContext {
  emit(e: PetlabEvent): void;
  cancelled(): boolean;
}
