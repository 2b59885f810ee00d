/**
 * How a download that makes no progress ends: said while it waits (a server that never answers is
 * not silence), and, once the retries are spent, one message with how far it got and why.
 */
import type { EventSink } from '../events.js';
import { describeNetworkError } from './http-get.js';
import { bytes as formatBytes } from '../../text/format.js';

/** Gave up: no progress in several attempts in a row. The message says how far it got and why. */
export class StalledDownload extends Error {
  constructor(
    readonly last: unknown,
    readonly info: { url: string; attempts: number; seconds: number; best: number; ignoredRange: boolean },
  ) {
    super(
      `${describeNetworkError(last)}; gave up after ${info.attempts} attempts in a row without progress (${Math.round(info.seconds)} s in all, the file never grew past ${formatBytes(info.best)})` +
        (info.ignoredRange ? '; the server ignores Range requests, so every retry started again from the first byte' : ''),
    );
    this.name = 'StalledDownload';
  }
}

/** While no byte arrives, an info event every noticeMs: a server that never answers is not silence. */
export function idleNotices(o: { onEvent?: EventSink; noticeMs?: number; timeoutMs?: number }, host: string, what: string): { alive(): void; stop(): void } {
  const every = o.noticeMs ?? 10_000;
  const limit = o.timeoutMs ?? 30_000;
  let last = Date.now();
  let next = every;
  const timer = setInterval(
    () => {
      const idle = Date.now() - last;
      if (idle < next) return;
      next += every;
      o.onEvent?.({
        type: 'info',
        message: `waiting for ${host}: no data for ${Math.round(idle / 1000)} s (${what}; gives up on it after ${Math.round(limit / 1000)} s)`,
      });
    },
    Math.max(50, Math.min(1000, every / 4)),
  );
  timer.unref();
  return {
    alive: () => {
      last = Date.now();
      next = every;
    },
    stop: () => clearInterval(timer),
  };
}
