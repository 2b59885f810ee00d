/**
 * Run `start` once the workbench has been quiet for `quietMs`: no key for that long. TensorFlow's
 * start (importing it takes the main thread for 0.3–1 s, then worker threads take the cores) would
 * otherwise hold up the first keys a user types after the first frame; each key pushes it back,
 * but never past `latestMs` after `arm()`, so a user who keeps typing still gets it.
 */
export interface QuietStart {
  /** from now: start after `quietMs` without keys, at the latest after `latestMs` */
  arm(): void;
  /** a key: wait another `quietMs` (until the latest time) */
  poke(): void;
  started(): boolean;
  cancel(): void;
}

export function quietStart(start: () => void, o: { quietMs: number; latestMs: number; now?: () => number }): QuietStart {
  const now = o.now ?? (() => performance.now());
  let timer: NodeJS.Timeout | undefined;
  let latest: number | undefined;
  let done = false;
  const fire = () => {
    timer = undefined;
    if (done) return;
    done = true;
    start();
  };
  const schedule = () => {
    if (done || latest === undefined) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(fire, Math.max(0, Math.min(o.quietMs, latest - now())));
  };
  return {
    arm() {
      latest = now() + o.latestMs;
      schedule();
    },
    poke: schedule,
    started: () => done,
    cancel() {
      done = true;
      if (timer) clearTimeout(timer);
    },
  };
}
