/**
 * Turns a stream of "done so far" updates into throttled ProgressEvents with a smoothed rate and
 * an ETA: at most one event per interval (plus the final one), never one per chunk.
 */
import type { EventSink, Phase, ProgressEvent } from '../events.js';

export class ProgressMeter {
  private lastEmit = 0;
  private lastDone: number;
  private lastTime: number;
  private rate = 0;
  private done: number;

  constructor(
    private readonly sink: EventSink | undefined,
    private readonly phase: Phase,
    private readonly unit: ProgressEvent['unit'],
    private total: number,
    private readonly opts: { intervalMs?: number; detail?: string; start?: number } = {},
  ) {
    this.done = opts.start ?? 0;
    this.lastDone = this.done;
    this.lastTime = Date.now();
  }

  setTotal(total: number): void {
    this.total = total;
  }

  /** Report the new absolute amount done; emits only when the interval has passed (or `force`). */
  update(done: number, force = false): void {
    this.done = done;
    if (!this.sink) return;
    const now = Date.now();
    if (!force && now - this.lastEmit < (this.opts.intervalMs ?? 250)) return;
    const dt = (now - this.lastTime) / 1000;
    if (dt > 0.05) {
      const inst = Math.max(0, (done - this.lastDone) / dt);
      // exponential smoothing, so a single slow chunk does not make the ETA jump
      this.rate = this.rate === 0 ? inst : 0.3 * inst + 0.7 * this.rate;
      this.lastDone = done;
      this.lastTime = now;
    }
    this.lastEmit = now;
    const remaining = this.total > 0 ? Math.max(0, this.total - done) : NaN;
    this.sink({
      type: 'progress',
      phase: this.phase,
      done,
      total: this.total,
      unit: this.unit,
      rate: this.rate,
      etaSeconds: Number.isFinite(remaining) && this.rate > 0 ? remaining / this.rate : remaining === 0 ? 0 : null,
      ...(this.opts.detail ? { detail: this.opts.detail } : {}),
    });
  }

  add(n: number): void {
    this.update(this.done + n);
  }

  get value(): number {
    return this.done;
  }

  finish(): void {
    this.update(this.done, true);
  }
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}
