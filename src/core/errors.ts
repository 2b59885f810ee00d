/**
 * An error meant for the user: one line saying what went wrong, and a hint saying how to fix it.
 * Front ends print `message` (and `hint`) without a stack trace unless asked to be verbose.
 */
export type ErrorKind = 'usage' | 'input' | 'internal';

export class PetlabError extends Error {
  readonly kind: ErrorKind;
  readonly hint?: string;

  constructor(message: string, opts: { hint?: string; kind?: ErrorKind; cause?: unknown } = {}) {
    super(message, opts.cause !== undefined ? { cause: opts.cause } : undefined);
    this.name = 'PetlabError';
    this.kind = opts.kind ?? 'input';
    this.hint = opts.hint;
  }

  /** Exit code convention of the CLI: 2 for usage errors, 1 for everything else. */
  get exitCode(): number {
    return this.kind === 'usage' ? 2 : 1;
  }
}

export class UsageError extends PetlabError {
  constructor(message: string, hint?: string) {
    super(message, { hint, kind: 'usage' });
    this.name = 'UsageError';
  }
}

export function isPetlabError(e: unknown): e is PetlabError {
  return e instanceof Error && (e.name === 'PetlabError' || e.name === 'UsageError') && 'kind' in e;
}

/** Errors crossing a worker boundary lose their class; this keeps what the user needs. */
export interface SerializedError {
  name: string;
  message: string;
  hint?: string;
  kind?: ErrorKind;
  stack?: string;
}

export function serializeError(e: unknown): SerializedError {
  if (isPetlabError(e)) return { name: e.name, message: e.message, hint: e.hint, kind: e.kind, stack: e.stack };
  if (e instanceof Error) return { name: e.name, message: e.message, stack: e.stack, kind: 'internal' };
  return { name: 'Error', message: String(e), kind: 'internal' };
}

export function deserializeError(s: SerializedError): Error {
  if (s.kind === 'input' || s.kind === 'usage') {
    const e = new PetlabError(s.message, { hint: s.hint, kind: s.kind });
    if (s.stack) e.stack = s.stack;
    return e;
  }
  const e = new Error(s.message);
  e.name = s.name;
  if (s.stack) e.stack = s.stack;
  return e;
}
