/**
 * Turns a stream of "done so far" updates into throttled ProgressEvents with a smoothed rate and
 * an ETA: at most one event per interval (plus the one that reaches the total, and forced ones),
 * never one per chunk or per image. One meter for downloads, extraction, scans and embedding.
 */
import type { EventSink, Phase, ProgressEvent } from './events.js';

export class ProgressMeter {
  private readonly t0 = Date.now();
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

  /** `done` units are done already (from a cache): shown, never counted as a rate. */
  skip(done: number): void {
    this.done = done;
    this.lastDone = done;
    this.lastTime = Date.now();
  }

  setTotal(total: number): void {
    this.total = total;
  }

  /**
   * Report the new absolute amount done; emits only when the interval has passed, the total is
   * reached, or `force`. `detail` replaces the constructor's for this event; `rate`, the smoothed
   * figure (the run's own rate, on its last event, so that it reads as the summary does).
   */
  update(done: number, force = false, detail = this.opts.detail, rate?: number): void {
    this.done = done;
    if (!this.sink) return;
    const now = Date.now();
    const reached = this.total > 0 && done >= this.total;
    if (!force && !reached && now - this.lastEmit < (this.opts.intervalMs ?? 250)) return;
    const dt = (now - this.lastTime) / 1000;
    if (rate !== undefined) this.rate = rate;
    else if (dt > 0.05) {
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
      ...(detail !== undefined ? { detail } : {}),
    });
  }

  add(n: number): void {
    this.update(this.done + n);
  }

  get value(): number {
    return this.done;
  }

  get elapsedSeconds(): number {
    return (Date.now() - this.t0) / 1000;
  }

  finish(): void {
    this.update(this.done, true);
  }
}
