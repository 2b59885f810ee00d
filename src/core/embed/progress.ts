import type { EventSink, Phase, ProgressEvent } from '../events.js';

/**
 * Emits throttled progress events with a smoothed rate and an ETA. Units done without work (cache
 * hits, see skip) count in `done` but not in the rate; the last event can carry the run's own rate.
 */
export class ProgressMeter {
  private t0 = Date.now();
  private lastEmit = 0;
  private rate = 0;
  private lastT = Date.now();
  private lastDone = 0;

  constructor(
    private readonly sink: EventSink | undefined,
    private readonly phase: Phase,
    private readonly total: number,
    private readonly unit: ProgressEvent['unit'],
    private readonly intervalMs = 250,
  ) {}

  /** `done` units are done already (from a cache): shown, never counted as a rate. */
  skip(done: number): void {
    this.lastDone = done;
    this.lastT = Date.now();
  }

  /** `rate`: the figure to report instead of the smoothed one (the run's own, on its last event). */
  update(done: number, detail?: string, force = false, rate?: number): void {
    const now = Date.now();
    if (!force && now - this.lastEmit < this.intervalMs && done < this.total) return;
    const dt = (now - this.lastT) / 1000;
    if (rate !== undefined) this.rate = rate;
    else if (dt > 0.05) {
      const inst = (done - this.lastDone) / dt;
      this.rate = this.rate === 0 ? inst : 0.7 * this.rate + 0.3 * inst;
      this.lastT = now;
      this.lastDone = done;
    }
    this.lastEmit = now;
    const remaining = this.total - done;
    const eta = this.rate > 0 ? remaining / this.rate : null;
    this.sink?.({ type: 'progress', phase: this.phase, done, total: this.total, unit: this.unit, rate: this.rate, etaSeconds: remaining === 0 ? 0 : eta, detail });
  }

  get elapsedSeconds(): number {
    return (Date.now() - this.t0) / 1000;
  }
}
