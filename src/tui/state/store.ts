/**
 * The workbench state outside React, with subscribers: the controller and the core's events write
 * it, components read it through useSyncExternalStore. Events can arrive hundreds of times a second
 * (batches, progress): they are folded at once but drawn at most `maxPerSecond` times a second.
 * Changes a key press makes are drawn at once.
 */
import type { PetlabEvent } from '../../core/events.js';
import { appendLog, applyEvent } from './apply-event.js';
import type { LogLevel, WorkbenchState } from './types.js';

export class WorkbenchStore {
  private state: WorkbenchState;
  private listeners = new Set<() => void>();
  private timer: NodeJS.Timeout | undefined;
  private lastNotify = 0;
  private flashId = 0;
  private readonly minInterval: number;

  constructor(initial: WorkbenchState, o: { maxPerSecond?: number } = {}) {
    this.state = initial;
    this.minInterval = 1000 / (o.maxPerSecond ?? 10);
  }

  get = (): WorkbenchState => this.state;

  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  /** Change the state; `urgent` draws now (a key press), otherwise within the frame budget. */
  update(fn: (s: WorkbenchState) => WorkbenchState, urgent = true): void {
    const next = fn(this.state);
    if (next === this.state) return;
    this.state = next;
    if (urgent) this.notifyNow();
    else this.schedule();
  }

  /** A core event (from any worker or download), throttled. */
  onEvent = (e: PetlabEvent): void => {
    this.update((s) => applyEvent(s, e), false);
  };

  log(level: LogLevel, text: string, urgent = true): void {
    // a success takes the place of an earlier error or warning in the status bar
    this.update(
      (s) => ({ ...s, log: appendLog(s.log, { level, text }), ...(level === 'ok' && s.flash && s.flash.level !== 'info' ? { flash: undefined } : {}) }),
      urgent,
    );
  }

  /** A one-line message in the status bar. */
  flash(text: string, level: 'info' | 'warn' | 'error' = 'info'): void {
    const id = ++this.flashId;
    this.update((s) => ({ ...s, flash: { text, level, id } }));
  }

  clearFlash(id?: number): void {
    this.update((s) => (s.flash && (id === undefined || s.flash.id === id) ? { ...s, flash: undefined } : s));
  }

  private schedule(): void {
    if (this.timer) return;
    const wait = Math.max(0, this.minInterval - (Date.now() - this.lastNotify));
    this.timer = setTimeout(() => this.notifyNow(), wait);
  }

  private notifyNow(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.lastNotify = Date.now();
    for (const fn of [...this.listeners]) fn();
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.listeners.clear();
  }
}
